//! PostgreSQL: connections, introspection and script execution.

pub mod catalog;
pub mod connect;
mod deparse;
pub mod inspect;
pub mod script;
pub mod split;
