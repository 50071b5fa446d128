//! PostgreSQL: connections, introspection, script execution and the migration backend.

pub mod catalog;
pub mod connect;
mod deparse;
pub mod inspect;
pub mod migrate;
pub mod script;
pub mod split;
