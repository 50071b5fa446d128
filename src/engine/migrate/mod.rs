//! Migrations: the files of a migrations directory, its `dbridge.sum`, the backend contract
//! a database implements (history, lock, apply, revert), and the migrator that runs them.
//!
//! The format is sqlx's (`<version>_<description>.up.sql` / `.down.sql`, `-- no-transaction`,
//! the `_sqlx_migrations` table and its advisory lock), so sqlx and dbridge can run each
//! other's directories.

mod backend;
mod error;
mod migration;
mod migrator;
mod sum;

pub use backend::{AppliedMigration, MigrationBackend};
pub use error::MigrateError;
pub use migration::{read_dir, Migration, MigrationDir};
pub use migrator::{Direction, Migrator, Options, Reporter, StatusEntry, StatusState};
pub use sum::{sum_problems, verify_sum, write_sum, SumProblem, SUM_FILE};
