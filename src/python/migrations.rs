//! Migrations from Python: `migrate`, `migrate_down` and `migration_status` run the
//! engine's migrator on the same directory, `dbridge.sum`, history table and lock as
//! `dbridge migrate`, so that a directory written by one is run by the other.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyo3_async_runtimes::tokio::future_into_py;

use super::exceptions::{raise, Details};
use crate::engine::backend::Engine;
use crate::engine::migrate::{Direction, Migration, MigrationDir, Migrator, Options, Reporter};
use crate::engine::postgres::connect::{self, PoolConfig};
use crate::engine::postgres::Postgres;
use crate::project::Project;

/// What ran (or, in a dry run, would run).
struct Ran {
    version: i64,
    description: String,
    direction: Direction,
    sql: String,
    seconds: f64,
}

#[derive(Default)]
struct Collect(Vec<Ran>);

impl Reporter for Collect {
    fn start(&mut self, m: &Migration, direction: Direction, sql: &str) {
        self.0.push(Ran {
            version: m.version,
            description: m.description.clone(),
            direction,
            sql: sql.to_string(),
            seconds: 0.0,
        });
    }

    fn done(&mut self, _: &Migration, _: Direction, seconds: f64) {
        if let Some(last) = self.0.last_mut() {
            last.seconds = seconds;
        }
    }
}

fn migration_error(e: impl std::fmt::Display) -> PyErr {
    raise("MigrationError", e.to_string(), Details::default())
}

/// What a run works on: the project's migrations and the target's migrator.
async fn migrator(
    config: &str,
    url: Option<String>,
) -> PyResult<Migrator<<Postgres as Engine>::Migrations>> {
    let path = PathBuf::from(config);
    let project =
        Project::load(path.exists().then_some(path.as_path())).map_err(migration_error)?;
    let files = MigrationDir::open(&project.migrations_dir()).map_err(migration_error)?;
    let url = match url {
        Some(url) => url,
        None => project.target(None).await.map_err(migration_error)?.url,
    };
    let pool = connect::pool(&url, &PoolConfig::default())
        .await
        .map_err(migration_error)?;
    let backend = Postgres::from_pool(pool)
        .migrations()
        .await
        .map_err(migration_error)?;
    Ok(Migrator::new(backend, files))
}

/// Runs a migrator's future (which holds its reporter by `&mut dyn`, so is not `Send`) on
/// a blocking thread of the runtime; `make` builds it there.
async fn off_thread<F, Fut>(make: F) -> PyResult<Vec<Ran>>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = PyResult<Vec<Ran>>>,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(make()))
        .await
        .map_err(migration_error)?
}

fn ran_to_python(py: Python<'_>, ran: Vec<Ran>) -> PyResult<Py<PyAny>> {
    let list = PyList::empty(py);
    for r in ran {
        let d = PyDict::new(py);
        d.set_item("version", r.version)?;
        d.set_item("description", r.description)?;
        d.set_item(
            "direction",
            match r.direction {
                Direction::Up => "up",
                Direction::Down => "down",
            },
        )?;
        d.set_item("sql", r.sql)?;
        d.set_item("seconds", r.seconds)?;
        list.append(d)?;
    }
    Ok(list.into_any().unbind())
}

/// Applies pending migrations up to `to`; resolves to what ran, as dicts.
#[pyfunction]
#[pyo3(signature = (*, config="dbridge.toml", url=None, to=None, dry_run=false))]
pub(crate) fn migrate<'py>(
    py: Python<'py>,
    config: &str,
    url: Option<String>,
    to: Option<i64>,
    dry_run: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let config = config.to_string();
    future_into_py(py, async move {
        let ran = off_thread(move || async move {
            let mut runner = migrator(&config, url).await?;
            let mut collect = Collect::default();
            let mut options = Options {
                dry_run,
                reporter: &mut collect,
            };
            runner.up(to, &mut options).await.map_err(migration_error)?;
            Ok(collect.0)
        })
        .await?;
        Python::attach(|py| ran_to_python(py, ran))
    })
}

/// Reverts the last `steps` applied migrations; resolves to what ran, as dicts.
#[pyfunction]
#[pyo3(signature = (*, steps=1, config="dbridge.toml", url=None, dry_run=false))]
pub(crate) fn migrate_down<'py>(
    py: Python<'py>,
    steps: usize,
    config: &str,
    url: Option<String>,
    dry_run: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let config = config.to_string();
    future_into_py(py, async move {
        let ran = off_thread(move || async move {
            let mut runner = migrator(&config, url).await?;
            let mut collect = Collect::default();
            let mut options = Options {
                dry_run,
                reporter: &mut collect,
            };
            runner
                .down(Some(steps), None, &mut options)
                .await
                .map_err(migration_error)?;
            Ok(collect.0)
        })
        .await?;
        Python::attach(|py| ran_to_python(py, ran))
    })
}

/// Every migration and its state, as `dbridge migrate status --json` lists them.
#[pyfunction]
#[pyo3(signature = (*, config="dbridge.toml", url=None))]
pub(crate) fn migration_status<'py>(
    py: Python<'py>,
    config: &str,
    url: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let config = config.to_string();
    future_into_py(py, async move {
        let mut runner = migrator(&config, url).await?;
        let entries = runner.status().await.map_err(migration_error)?;
        let json = serde_json::to_string(&entries).map_err(migration_error)?;
        Python::attach(|py| Ok(py.import("json")?.call_method1("loads", (json,))?.unbind()))
    })
}
