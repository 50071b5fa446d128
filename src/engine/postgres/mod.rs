//! PostgreSQL: connections, introspection and script execution.

pub mod catalog;
pub mod connect;
pub mod inspect;
pub mod script;
pub mod split;
