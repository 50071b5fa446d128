//! Schema sources: a live database, SQL files, or a snapshot, read into the model.

use std::path::{Path, PathBuf};

pub use super::apply::{apply_schema, apply_source};
use super::dev::{DevDatabase, Sandbox};
use super::error::{Error, Result};
use super::postgres::sandbox;
use super::postgres::split::split;
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
    /// The models of a Python module (`python:myapp.models`): the SQL that
    /// `python -m data_bridge schema MODULE --format sql` prints, run by `python` in
    /// `root`, then applied as a SQL source is.
    Python {
        module: String,
        python: String,
        root: PathBuf,
    },
}

impl Source {
    /// Interprets a `--from`/`--to` argument.
    pub fn parse(arg: &str) -> Result<Source> {
        if let Some(module) = arg.strip_prefix("python:") {
            return Ok(Source::Python {
                module: module.to_string(),
                python: "python3".into(),
                root: PathBuf::from("."),
            });
        }
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
        matches!(self, Source::Sql(_) | Source::Python { .. })
    }

    /// The scripts of a SQL source, read and checked: a statement that would act outside
    /// its scratch database is refused here, before anything runs.
    fn scripts(&self) -> Result<Option<Vec<(String, String)>>> {
        let scripts = match self {
            Source::Sql(files) => read_scripts(files)?,
            Source::Python {
                module,
                python,
                root,
            } => vec![(
                format!("python:{module}"),
                python_models_sql(module, python, root)?,
            )],
            _ => return Ok(None),
        };
        check_scripts(&scripts)?;
        Ok(Some(scripts))
    }

    /// Reads the schema, restricted to `schemas` when not empty.
    pub async fn load(&self, dev: &mut DevDatabase, schemas: &[String]) -> Result<Database> {
        Ok(self.load_with_hints(dev, schemas).await?.0)
    }

    /// [`Source::load`], with the rename hints the source carries: `-- dbridge:rename
    /// schema.table.old=new` comments heading its SQL (how a Python module's
    /// `Column(renamed_from=...)` reaches autogenerate).
    pub async fn load_with_hints(
        &self,
        dev: &mut DevDatabase,
        schemas: &[String],
    ) -> Result<(Database, Vec<String>)> {
        let scripts = self.scripts()?;
        let hints = scripts
            .iter()
            .flatten()
            .flat_map(|(_, sql)| rename_hints(sql))
            .collect();
        let sql = match scripts {
            Some(scripts) => Some((scripts, dev.sandbox().await?)),
            None => None,
        };
        Ok((self.read(sql, schemas).await?, hints))
    }

    /// Reads two sources at once (each on its own connection), for a diff.
    pub async fn load_pair(
        from: &Source,
        to: &Source,
        dev: &mut DevDatabase,
        schemas: &[String],
    ) -> Result<(Database, Database)> {
        let (a, b) = (from.scripts()?, to.scripts()?);
        let a = match a {
            Some(scripts) => Some((scripts, dev.sandbox().await?)),
            None => None,
        };
        let b = match b {
            Some(scripts) => Some((scripts, dev.sandbox().await?)),
            None => None,
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

    /// Reads the schema; SQL sources come with their checked scripts and the sandbox to
    /// apply them in.
    async fn read(
        &self,
        sql: Option<(Vec<(String, String)>, Sandbox)>,
        schemas: &[String],
    ) -> Result<Database> {
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
            Source::Sql(_) | Source::Python { .. } => {
                let (scripts, mut sandbox) = sql.expect("SQL sources are given a sandbox");
                apply_source(&mut sandbox, &scripts).await?;
                // Read by the privileged session: the sandbox's own may have changed settings.
                // Default privileges the source set for itself are the sandbox role's, which
                // stands for whatever role runs the migrations.
                sqlx::query("SELECT pg_catalog.set_config('dbridge.self_role', $1, false)")
                    .bind(&sandbox.role)
                    .execute(&mut sandbox.admin)
                    .await
                    .map_err(|e| Error::query("naming the sandbox role", e))?;
                inspect::inspect(&mut sandbox.admin, schemas).await
            }
        }
    }
}

/// The SQL of a Python module's models, from `python -m data_bridge schema MODULE --format
/// sql` run in `root` (the module's output is checked and sandboxed like any SQL source).
fn python_models_sql(module: &str, python: &str, root: &Path) -> Result<String> {
    let failed = |detail: String| Error::SchemaCommand {
        source_name: format!("python:{module}"),
        detail,
    };
    let out = std::process::Command::new(python)
        .args(["-m", "data_bridge", "schema", module, "--format", "sql"])
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| failed(format!("could not run {python}: {e} (set [schema] python)")))?;
    if !out.status.success() {
        return Err(failed(format!(
            "{python} -m data_bridge schema {module} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        )));
    }
    String::from_utf8(out.stdout).map_err(|_| failed("the models' SQL is not UTF-8".into()))
}

/// The rename hints heading a SQL source (`-- dbridge:rename HINT` lines).
fn rename_hints(sql: &str) -> Vec<String> {
    sql.lines()
        .map_while(|line| line.strip_prefix("-- dbridge:rename "))
        .map(|hint| hint.trim().to_string())
        .collect()
}

/// The files' texts, with their names for messages.
fn read_scripts(files: &[PathBuf]) -> Result<Vec<(String, String)>> {
    files
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
            Ok((file.display().to_string(), text))
        })
        .collect()
}

/// Refuses the first statement of `scripts` that a schema source may not hold.
pub fn check_scripts(scripts: &[(String, String)]) -> Result<()> {
    for (name, text) in scripts {
        for stmt in split(text) {
            if let Err(refusal) = sandbox::route(&stmt.text) {
                return Err(Error::Refused {
                    file: name.clone(),
                    line: stmt.line,
                    what: refusal.what,
                    reason: refusal.reason,
                });
            }
        }
    }
    Ok(())
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
