//! PostgreSQL's side of the schema engine that needs no connection: its diff hooks and the
//! SQL it writes for the typed parts of the model.

pub mod definitions;
mod diff;

pub(crate) use diff::Dependents;
pub use diff::PostgresDiff;
