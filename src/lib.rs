//! data-bridge: schema migrations and data access for PostgreSQL, one engine behind the
//! `dbridge` command line and the `data_bridge` Python module.
//!
//! - [`cli`]: the `dbridge` command line, which the binary and the Python module run.
//! - [`diff`]: the schema model, the differ and the planner; no connection needed.
//! - [`engine`]: live databases: connect, introspect, replay, migrate, upsert, fetch, bench.
//! - [`project`]: a project on disk: `dbridge.toml`, its target database, its migrations.
//! - [`lint`]: hazards of hand-written migration SQL.
//! - [`redact`]: passwords out of every message.
//! - [`error`]: the crate-level [`Error`], one variant per module.
//! - `python` (feature `python`): the bindings of the `data_bridge` Python module.

pub(crate) mod civil;
pub mod cli;
pub mod diff;
pub mod engine;
pub mod error;
pub mod lint;
pub mod project;
#[cfg(feature = "python")]
mod python;
pub mod redact;

pub use error::{Error, Result};
