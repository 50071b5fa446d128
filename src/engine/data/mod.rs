//! The data side of the engine: tables as found by introspection, value conversion, bulk
//! upsert, eager fetch of related rows and the benchmarks that measure them.
//!
//! The CLI and the Python module both drive these functions; nothing here prints.

pub mod catalog;
pub mod condition;
pub mod convert;
pub mod error;
pub mod fetch;
pub mod filter;
pub mod input;
pub mod insert;
pub mod relations;
pub mod render;
pub mod statements;
pub mod upsert;
pub mod value;

pub use catalog::{Catalog, Column, ForeignKey, Kind, Table, TableKind, UniqueKey};
pub use error::{DataError, Result, RowError};
