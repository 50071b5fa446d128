//! The MongoDB engine: connecting to a `mongodb://` URL and reading a database's collections,
//! views and indexes into [`crate::diff::mongo::MongoSchema`].

mod connect;
mod inspect;

pub use connect::{connect, is_url, MongoTarget};
pub use inspect::{inspect, HISTORY};
