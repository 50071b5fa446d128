//! The schema side of the engine: model, differ, planner, hazards and SQL rendering.
//!
//! Nothing here needs a connection: plans are computed from two models.

pub mod change;
pub mod differ;
pub mod error;
pub mod hazard;
pub mod model;
#[cfg(feature = "mongodb")]
pub mod mongo;
pub mod plan;
pub mod postgres;
pub mod quote;
pub mod rename;
pub mod reverse;
pub mod snapshot;
pub(crate) mod sql;

pub use differ::{diff, diff_with, DialectDiff, Diff};
pub use error::Error;
pub use plan::Plan;
pub use rename::Renames;
