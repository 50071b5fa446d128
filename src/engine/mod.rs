//! Live databases: connecting, running an embedded server, introspecting, applying SQL.

pub mod apply;
pub mod autogen;
pub mod backend;
pub mod bench;
pub mod blocking;
pub mod data;
pub mod dev;
pub mod embedded;
pub mod error;
pub(crate) mod install;
pub mod local;
pub mod migrate;
#[cfg(feature = "mongodb")]
pub mod mongo;
pub mod postgres;
pub mod source;

pub use error::{Error, Result};
