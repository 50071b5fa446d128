//! Errors of reading a project and writing its files.

use std::path::PathBuf;

/// What can go wrong with a project's configuration or files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// `dbridge.toml` is not valid TOML or has an unknown key.
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },

    /// A `${VAR}` in the configuration names an unset variable.
    #[error("{path}: in {key}: environment variable {var} is not set (used as ${{{var}}})")]
    UnsetVariable {
        path: PathBuf,
        key: String,
        var: String,
    },

    /// A `${` without its closing brace.
    #[error("{path}: in {key}: unterminated `${{` in {value:?}")]
    UnterminatedVariable {
        path: PathBuf,
        key: String,
        value: String,
    },

    /// The plan loses data and the caller did not allow it.
    #[error("refusing to generate a migration that loses data:\n{}", refused_lines(.changes, |hint| format!("give the rename {hint}")))]
    Destructive { changes: Vec<Refused> },

    /// Starting the embedded default database failed.
    #[error(transparent)]
    Engine(#[from] crate::engine::Error),

    /// Reading the migrations or writing the sum file failed.
    #[error(transparent)]
    Migrate(#[from] crate::engine::migrate::MigrateError),
}

/// A change that loses data, with the renames that would keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// What the change does, e.g. `drop column public.users.name`.
    pub description: String,
    /// Its hazards' names, e.g. `data-loss`.
    pub hazards: Vec<&'static str>,
    /// Renames that would make it a rename instead: (new name, rename hint).
    pub renames: Vec<(String, String)>,
}

/// The refused changes a line each, with "if it was renamed to X, " and `how` to say so
/// (the command line names its `--rename` flag, the library only the hint).
pub fn refused_lines(changes: &[Refused], how: impl Fn(&str) -> String) -> String {
    let mut lines = Vec::new();
    for c in changes {
        lines.push(format!("  {} ({})", c.description, c.hazards.join(", ")));
        for (to, hint) in &c.renames {
            lines.push(format!("    if it was renamed to {to}, {}", how(hint)));
        }
    }
    lines.join("\n")
}

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
