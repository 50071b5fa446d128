//! Errors of the migration runner.

use std::path::PathBuf;

/// What can stop a migration run; every message names the version and file and says the fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    #[error("{path}: not a migration file name; expected <version>_<description>.up.sql, .down.sql or .sql with a numeric version")]
    BadFileName { path: PathBuf },

    #[error("the migrations directory {} does not exist; create it with `dbridge init` (or run from the project's folder), or set [migrations] dir in dbridge.toml to where the migrations are", dir.display())]
    NoDirectory { dir: PathBuf },

    #[error("the migrations directory {} is not a directory; set [migrations] dir in dbridge.toml to the folder that holds the migrations", dir.display())]
    NotADirectory { dir: PathBuf },

    #[error("{file}:{line}: {what} cannot run inside a transaction block, and this migration runs in one. Move it to a migration of its own whose first line is `-- no-transaction` (then run `dbridge migrate hash`); nothing was run")]
    NeedsNoTransaction {
        file: String,
        line: usize,
        what: String,
    },

    #[error(
        "migration {version} appears twice ({first} and {second}); give one of them a new version"
    )]
    DuplicateVersion {
        version: i64,
        first: PathBuf,
        second: PathBuf,
    },

    #[error("{dir}/{file}: the migrations directory does not match {dir}/dbridge.sum ({problem}). {fix}")]
    SumMismatch {
        dir: String,
        file: String,
        problem: String,
        fix: String,
    },

    #[error("migration {version} ({file}) was changed after it was applied (its checksum differs from the one recorded in {history}); restore the file, or write a new migration for the change")]
    ChecksumMismatch {
        version: i64,
        file: String,
        /// The history's name.
        history: &'static str,
    },

    #[error("migration {version} ({description}) is applied in the database but its file is missing from the migrations directory; restore it")]
    MissingFile { version: i64, description: String },

    #[error("migration {version} ({file}) {what}; it runs outside a transaction, so part of it may be applied. Check what it did and finish or undo it by hand, then mark it resolved: `dbridge migrate baseline {version}` if it is now complete, or `{forget}` if it is undone")]
    Dirty {
        version: i64,
        /// How to remove its record from the history (a SQL statement, a shell command).
        forget: String,
        file: String,
        /// "failed partway in an earlier run", or that the run was interrupted.
        what: String,
    },

    #[error("migration {version} ({file}) has no down file ({expected}); it cannot be reverted")]
    NoDown {
        version: i64,
        file: String,
        expected: String,
    },

    #[error("no migration with version {version} in the migrations directory")]
    UnknownVersion { version: i64 },

    #[error(transparent)]
    Engine(#[from] crate::engine::Error),
}
