//! Migrations: the files of a migrations directory, its `dbridge.sum`, the history table in
//! the target database, and the runner that applies and reverts them.
//!
//! The format is sqlx's (`<version>_<description>.up.sql` / `.down.sql`, `-- no-transaction`,
//! the `_sqlx_migrations` table and its advisory lock), so sqlx and dbridge can run each
//! other's directories.

mod error;
mod history;
mod migration;
mod runner;
mod sum;

pub use error::MigrateError;
pub use history::{AppliedMigration, History};
pub use migration::{read_dir, Migration};
pub use runner::{Direction, Options, Reporter, Runner, StatusEntry, StatusState};
pub use sum::{verify_sum, write_sum, SUM_FILE};
