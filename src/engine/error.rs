//! Errors of the live-database side of the engine.

use std::path::PathBuf;

/// Everything that can go wrong while talking to a server or running one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("no PostgreSQL server binaries found (looked for initdb and postgres on PATH, in `pg_config --bindir` and in /usr/lib/postgresql/*/bin); install them (Debian/Ubuntu: `apt-get install postgresql`) or configure a dev database (dev_url) that dbridge may use as scratch space")]
    NoServerBinaries,

    #[error("the embedded PostgreSQL could not run because no unprivileged user exists to run it as (it refuses root) and `useradd --system dbridge` failed: {detail}; create a `dbridge` system user or configure a dev database (dev_url)")]
    NoUnprivilegedUser { detail: String },

    #[error("{program} failed: {detail}")]
    ServerCommand { program: String, detail: String },

    #[error("schema source {source_name}: {detail}")]
    SchemaCommand { source_name: String, detail: String },

    #[error("the embedded PostgreSQL did not start within {seconds} s; its log:\n{log}")]
    ServerStart { seconds: u64, log: String },

    #[error("could not connect to {url}: {source}")]
    Connect {
        /// The URL with any password removed.
        url: String,
        #[source]
        source: sqlx::Error,
    },

    /// A MongoDB command that failed, with what was being done.
    #[cfg(feature = "mongodb")]
    #[error("{context}: {}", crate::engine::mongo::describe(.error))]
    Mongo {
        context: String,
        /// Described in the message, which is why it is not the error's source.
        error: Box<mongodb::error::Error>,
    },

    /// A command of a MongoDB migration file that the server refused.
    #[cfg(feature = "mongodb")]
    #[error("{file}: command {index} ({name}) failed: {error}")]
    MongoCommand {
        file: String,
        /// Its 0-based position in the file's array.
        index: usize,
        /// The command's name (its first key).
        name: String,
        /// Described in the message.
        error: Box<crate::engine::mongo::CommandFailed>,
    },

    /// A MongoDB migration file that is not an array of commands.
    #[error("{file}: {message}")]
    CommandFile { file: String, message: String },

    #[error("invalid database URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },

    #[error("{context}: {source}")]
    Query {
        context: String,
        #[source]
        source: sqlx::Error,
    },

    #[error("{file}:{line}: {message}")]
    Sql {
        /// The file (or source name) the failing statement came from.
        file: String,
        /// The 1-based line where the failing statement starts (or the error points).
        line: usize,
        /// PostgreSQL's message, with its detail and hint.
        message: String,
    },

    /// A schema source holds a statement that would act outside its scratch database.
    #[error(
        "{file}:{line}: {what} is not allowed in a schema source: it {reason}; nothing was run"
    )]
    Refused {
        file: String,
        line: usize,
        what: &'static str,
        reason: &'static str,
    },

    /// A schema source creates an extension the dev server does not have.
    #[error("{file}:{line}: extension {name} is not available on the dev server (install its package there, or remove the statement)")]
    UnknownExtension {
        file: String,
        line: usize,
        name: String,
    },

    /// The catalog holds something introspection does not know how to read.
    #[error("cannot read {object} from the catalog: {reason}")]
    Catalog { object: String, reason: String },

    /// Planning failed (a bad rename hint) or a snapshot did not read.
    #[error(transparent)]
    Diff(#[from] crate::diff::Error),

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Wraps a query error with what was being done.
    pub fn query(context: impl Into<String>, source: sqlx::Error) -> Self {
        Error::Query {
            context: context.into(),
            source,
        }
    }
}

/// The result type of the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;
