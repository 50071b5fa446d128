//! Schema sources: a live database, SQL files, or a snapshot, read into the model.

use std::path::{Path, PathBuf};

use super::dev::{DevDatabase, Scratch};
use super::error::{Error, Result};
use sqlx::postgres::PgConnection;

use super::postgres::script::execute;
use super::postgres::split::{split, Statement};
use super::postgres::{connect, inspect};
use crate::diff::model::Database;
use crate::diff::snapshot::{self, Format};

/// Where a schema comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A live database.
    Url(String),
    /// SQL files, applied in this order on the dev database.
    Sql(Vec<PathBuf>),
    /// A snapshot written by `dbridge inspect`.
    Snapshot(PathBuf, Format),
}

impl Source {
    /// Interprets a `--from`/`--to` argument.
    pub fn parse(arg: &str) -> Result<Source> {
        if connect::is_url(arg) {
            return Ok(Source::Url(arg.to_string()));
        }
        let path = PathBuf::from(arg);
        if path.is_dir() {
            return Ok(Source::Sql(sql_files(&path)?));
        }
        if !path.exists() {
            return Err(Error::io(&path, std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory (expected a postgres:// URL, a .sql file, a directory of .sql files, or a .json/.toml snapshot)")));
        }
        if let Some(format) = Format::from_path(&path) {
            return Ok(Source::Snapshot(path, format));
        }
        Ok(Source::Sql(vec![path]))
    }

    /// Whether loading this source needs the dev database.
    pub fn needs_dev_database(&self) -> bool {
        matches!(self, Source::Sql(_))
    }

    /// Reads the schema, restricted to `schemas` when not empty.
    pub async fn load(&self, dev: &mut DevDatabase, schemas: &[String]) -> Result<Database> {
        let scratch = match self {
            Source::Sql(_) => Some(dev.scratch().await?),
            _ => None,
        };
        self.read(scratch, schemas).await
    }

    /// Reads two sources at once (each on its own connection), for a diff.
    pub async fn load_pair(
        from: &Source,
        to: &Source,
        dev: &mut DevDatabase,
        schemas: &[String],
    ) -> Result<(Database, Database)> {
        let scratch = |s: &Source| matches!(s, Source::Sql(_));
        let a = if scratch(from) {
            Some(dev.scratch().await?)
        } else {
            None
        };
        let b = if scratch(to) {
            Some(dev.scratch().await?)
        } else {
            None
        };
        // Two tasks, so that each side's rows are decoded and assembled on its own worker
        // while the other side's server is still sending.
        let read = |source: &Source, scratch| {
            let (source, schemas) = (source.clone(), schemas.to_vec());
            tokio::spawn(async move { source.read(scratch, &schemas).await })
        };
        let (a, b) = (read(from, a), read(to, b));
        let (a, b) = (a.await, b.await);
        let joined = |r: std::result::Result<Result<Database>, tokio::task::JoinError>| {
            r.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
        };
        Ok((joined(a)?, joined(b)?))
    }

    /// Reads the schema; SQL sources are applied to `scratch`, which they need.
    async fn read(&self, scratch: Option<Scratch>, schemas: &[String]) -> Result<Database> {
        match self {
            // One connection, read once: a pool would open a second one to probe the URL.
            Source::Url(url) => {
                let mut conn = connect::connect(url).await?;
                inspect::inspect(&mut conn, schemas).await
            }
            Source::Snapshot(path, format) => {
                let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
                let mut db = snapshot::read(&text, *format, &path.display().to_string())?;
                if !schemas.is_empty() {
                    db = db.only_schemas(schemas);
                }
                Ok(db)
            }
            Source::Sql(files) => {
                let mut scratch = scratch.expect("SQL sources are given a scratch database");
                apply_files(&mut scratch.conn, files).await?;
                inspect::inspect(&mut scratch.conn, schemas).await
            }
        }
    }
}

/// Applies SQL files, in order, to a scratch database.
pub async fn apply_files(conn: &mut PgConnection, files: &[PathBuf]) -> Result<()> {
    let mut scripts = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
        scripts.push((file.display().to_string(), text));
    }
    apply_schema(conn, &scripts).await
}

/// SQLSTATEs of a statement that names something a later statement creates.
const NOT_YET_DEFINED: &[&str] = &["42P01", "42704", "3F000", "42883", "42P10"];

/// Applies schema scripts `(name, text)` to a scratch database, one statement at a time.
///
/// A schema file need not be in dependency order: a statement that fails because it names
/// something not yet created is retried after the others, until a whole pass makes no
/// progress. The error then names the file and line of the first statement that still fails.
pub async fn apply_schema(conn: &mut PgConnection, scripts: &[(String, String)]) -> Result<()> {
    let mut pending: Vec<(&str, Statement)> = Vec::new();
    for (name, text) in scripts {
        pending.extend(split(text).into_iter().map(|s| (name.as_str(), s)));
    }
    loop {
        let mut deferred = Vec::new();
        let mut first_error = None;
        let before = pending.len();
        for (name, stmt) in pending {
            if let Err(failed) = execute(conn, name, &stmt).await {
                let retry = failed
                    .sqlstate
                    .as_deref()
                    .is_some_and(|c| NOT_YET_DEFINED.contains(&c));
                if !retry {
                    return Err(failed.error);
                }
                first_error.get_or_insert(failed.error);
                deferred.push((name, stmt));
            }
        }
        match first_error {
            None => return Ok(()),
            Some(err) if deferred.len() == before => return Err(err),
            Some(_) => pending = deferred,
        }
    }
}

/// The `.sql` files of a directory and its subdirectories, in name order.
pub fn sql_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(sql_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "sql") {
            out.push(path);
        }
    }
    Ok(out)
}
