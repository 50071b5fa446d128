//! `dbridge.toml`: the project's database, schema source and migrations directory.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::Error;

/// The default configuration file name.
pub const CONFIG_FILE: &str = "dbridge.toml";

/// The parsed configuration; paths are relative to the file's directory.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub database: DatabaseConfig,
    pub schema: SchemaConfig,
    pub migrations: MigrationsConfig,
    pub lint: LintConfig,
}

/// `[lint]`: the rules `dbridge lint` runs, as its flags set them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LintConfig {
    /// Opt-in rules to run too (Squawk's `ban-drop-trigger`, `require-table-schema`...).
    pub include: Vec<String>,
    /// Rules never to run.
    pub exclude: Vec<String>,
    /// The PostgreSQL version the migrations run on (default: 15).
    pub pg_version: Option<String>,
}

/// `[database]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// The target database; `${VAR}` is expanded from the environment.
    pub url: Option<String>,
    /// Where scratch databases may be created (default: an embedded server).
    pub dev_url: Option<String>,
}

/// `[schema]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchemaConfig {
    /// The desired schema: a SQL file, a directory of them, or a snapshot.
    pub source: String,
    /// Only these schemas are compared (default: all but the system ones).
    pub schemas: Vec<String>,
    /// Whether privileges (GRANT/REVOKE) are compared and written (default: true).
    pub privileges: bool,
    /// The Python that runs a `python:MODULE` source (default: `python3`).
    pub python: String,
}

impl Default for SchemaConfig {
    fn default() -> Self {
        SchemaConfig {
            source: "schema/schema.sql".into(),
            schemas: Vec::new(),
            privileges: true,
            python: "python3".into(),
        }
    }
}

/// `[migrations]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MigrationsConfig {
    pub dir: String,
}

impl Default for MigrationsConfig {
    fn default() -> Self {
        MigrationsConfig {
            dir: "migrations".into(),
        }
    }
}

/// A configuration together with where it came from.
#[derive(Debug)]
pub struct Project {
    pub config: Config,
    /// The directory paths in the configuration are relative to.
    pub root: PathBuf,
}

impl Project {
    /// Loads `path`, or `./dbridge.toml` when not given (its absence means defaults).
    pub fn load(path: Option<&Path>) -> Result<Project, Error> {
        let (file, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(CONFIG_FILE), false),
        };
        let root = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Ok(Project {
                    config: Config::default(),
                    root,
                });
            }
            Err(e) => return Err(Error::io(&file, e)),
        };
        let mut config: Config = toml::from_str(&text).map_err(|e| Error::Config {
            path: file.clone(),
            message: e.to_string().trim_end().to_string(),
        })?;
        for (key, value) in [
            ("[database] url", &mut config.database.url),
            ("[database] dev_url", &mut config.database.dev_url),
        ] {
            if let Some(value) = value {
                *value = expand_env(value).map_err(|e| e.at(&file, key))?;
            }
        }
        Ok(Project { config, root })
    }

    /// The migrations directory.
    pub fn migrations_dir(&self) -> PathBuf {
        self.root.join(&self.config.migrations.dir)
    }

    /// The schema source: `python:MODULE` runs `[schema] python` in the project's folder.
    pub fn source(&self) -> crate::engine::Result<crate::engine::source::Source> {
        use crate::engine::source::Source;
        Ok(
            match self.with_python(Source::parse(&self.schema_source())?) {
                Source::Python { module, python, .. } => Source::Python {
                    module,
                    python,
                    root: self.root.clone(),
                },
                other => other,
            },
        )
    }

    /// `source` with a `python:MODULE` run by `[schema] python` (in the folder it names).
    pub fn with_python(
        &self,
        source: crate::engine::source::Source,
    ) -> crate::engine::source::Source {
        use crate::engine::source::Source;
        match source {
            Source::Python { module, root, .. } => Source::Python {
                module,
                python: self.config.schema.python.clone(),
                root,
            },
            other => other,
        }
    }

    /// The schema source, as `diff` would take it.
    pub fn schema_source(&self) -> String {
        let s = &self.config.schema.source;
        if crate::engine::postgres::connect::is_url(s) || s.starts_with("python:") {
            s.clone()
        } else {
            self.root.join(s).display().to_string()
        }
    }

    /// The folder of the embedded default database.
    pub fn local_dir(&self) -> PathBuf {
        self.root.join(".dbridge")
    }
}

/// Why a `${VAR}` could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandError {
    /// The variable is not set.
    Unset(String),
    /// A `${` has no closing brace.
    Unterminated(String),
}

impl ExpandError {
    /// The project error for this failure in `key` of the file at `path`.
    fn at(self, path: &Path, key: &str) -> Error {
        let (path, key) = (path.to_path_buf(), key.to_string());
        match self {
            ExpandError::Unset(var) => Error::UnsetVariable { path, key, var },
            ExpandError::Unterminated(value) => Error::UnterminatedVariable { path, key, value },
        }
    }
}

/// Expands `${VAR}` from the environment; an unset variable is an error naming it.
pub fn expand_env(value: &str) -> Result<String, ExpandError> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start + 2..].find('}') else {
            return Err(ExpandError::Unterminated(value.to_string()));
        };
        let name = &rest[start + 2..start + 2 + len];
        match std::env::var(name) {
            Ok(v) => out.push_str(&v),
            Err(_) => return Err(ExpandError::Unset(name.to_string())),
        }
        rest = &rest[start + 3 + len..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_variables() {
        std::env::set_var("DBRIDGE_TEST_PW", "pw");
        assert_eq!(
            expand_env("postgres://u:${DBRIDGE_TEST_PW}@h/d").unwrap(),
            "postgres://u:pw@h/d"
        );
        assert_eq!(
            expand_env("${DBRIDGE_SURELY_UNSET}"),
            Err(ExpandError::Unset("DBRIDGE_SURELY_UNSET".into()))
        );
        let err = ExpandError::Unset("X".into()).at(Path::new("dbridge.toml"), "[database] url");
        assert_eq!(
            err.to_string(),
            "dbridge.toml: in [database] url: environment variable X is not set (used as ${X})"
        );
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = toml::from_str::<Config>("[database]\nurll = 'x'\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `urll`"), "{err}");
        let err = toml::from_str::<Config>("[databse]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `databse`"), "{err}");
    }
}
