//! PostgreSQL's side of the schema engine that needs no connection: its diff hooks.

mod diff;

pub use diff::PostgresDiff;
