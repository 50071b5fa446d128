//! The MongoDB engine: connecting to a `mongodb://` URL and reading a database's collections,
//! views and indexes into [`crate::diff::mongo::MongoSchema`].

pub mod autogen;
mod command;
mod connect;
pub mod counts;
pub mod fetch;
pub mod input;
mod inspect;
pub mod json;
mod migrate;
pub mod upsert;
mod verify;

pub use command::{run_checked, run_command, CommandFailed};
pub use connect::{connect, describe, is_url, MongoTarget};
pub use inspect::{inspect, validator_field_types, HISTORY};
pub use migrate::{commands, MongoMigrations, LOCK_TTL};
