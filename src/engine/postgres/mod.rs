//! PostgreSQL: connections, introspection, script execution and the migration backend.

pub mod connect;
mod engine;
pub mod inspect;
pub mod migrate;
pub mod sandbox;
pub mod script;
pub mod split;
pub mod transaction_block;
pub mod words;

pub use self::engine::Postgres;
