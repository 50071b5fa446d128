//! The crate's error: one variant per module, each keeping the module's typed error (and
//! with it the chain of sources), for callers such as the Python module that handle any
//! failure of the engine in one place.

/// Any failure of the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Planning without a database: rename hints, snapshots.
    #[error(transparent)]
    Diff(#[from] crate::diff::Error),
    /// Servers, connections, statements, SQL sources.
    #[error(transparent)]
    Engine(#[from] crate::engine::Error),
    /// Migration files, the sum file and the history.
    #[error(transparent)]
    Migrate(#[from] crate::engine::migrate::MigrateError),
    /// Upsert and fetch.
    #[error(transparent)]
    Data(#[from] crate::engine::data::DataError),
    /// The project's configuration and files.
    #[error(transparent)]
    Project(#[from] crate::project::Error),
    /// SQL that `lint` cannot parse.
    #[error(transparent)]
    Lint(#[from] crate::lint::LintError),
    /// A generated migration that failed its proof on the dev database.
    #[error(transparent)]
    Proof(#[from] crate::engine::autogen::ProofFailed),
}

/// The result type of the crate's entry points.
pub type Result<T, E = Error> = std::result::Result<T, E>;
