//! Live databases: connecting, running an embedded server, introspecting, applying SQL.

pub mod dev;
pub mod embedded;
pub mod error;
pub mod postgres;
pub mod source;

pub use error::{Error, Result};
