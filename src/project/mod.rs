//! A dbridge project on disk: its `dbridge.toml`, which database it targets, its migrations
//! directory and the files dbridge writes there. The command line and the Python module both
//! go through this module, so that a project behaves the same from either.

pub mod config;
pub mod error;
pub mod migrations;
pub mod target;
pub mod writer;

pub use config::{Config, Project, CONFIG_FILE};
pub use error::Error;
pub use target::{Origin, Target};
pub use writer::write_atomic;
