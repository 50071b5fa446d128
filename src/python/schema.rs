//! The schema API: `db.Schema` (a database's schema as the engine models it, the same
//! snapshot `dbridge inspect` writes), `pool.introspect()`, and `diff()`, which plans the
//! changes from one schema to another with their hazards and SQL both ways, as
//! `dbridge diff` does.

use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3_async_runtimes::tokio::future_into_py;

use super::exceptions::{from_engine, raise, Details};
use crate::diff::model::Database;
use crate::diff::plan::PlanOptions;
use crate::diff::snapshot::{self, Format};
use crate::diff::{Plan as DiffPlan, Renames};
use crate::engine::blocking::compute;
use crate::engine::dev::DevDatabase;
use crate::engine::source::Source;

/// A database's schema: tables, types, functions, views... as introspection finds them.
#[pyclass(frozen, module = "data_bridge._data_bridge", name = "Schema")]
pub(crate) struct Schema {
    pub(super) db: Arc<Database>,
}

fn schema_error(e: impl std::fmt::Display) -> PyErr {
    raise("SchemaError", e.to_string(), Details::default())
}

#[pymethods]
impl Schema {
    /// The schema as a snapshot (the JSON of `dbridge inspect --format json`).
    fn to_json(&self) -> String {
        snapshot::write(&self.db, Format::Json)
    }

    /// Reads a snapshot; an unknown or misspelled key anywhere is an error naming it.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Schema> {
        let db = snapshot::read(text, Format::Json, "<json>").map_err(schema_error)?;
        Ok(Schema { db: Arc::new(db) })
    }

    /// The tables, as `schema.table`.
    #[getter]
    fn tables(&self) -> Vec<String> {
        self.db
            .tables
            .iter()
            .map(|t| format!("{}.{}", t.name.schema, t.name.name))
            .collect()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Schema>()
            .is_ok_and(|o| *o.get().db == *self.db)
    }

    fn __repr__(&self) -> String {
        format!("<Schema: {} tables>", self.db.tables.len())
    }
}

/// The changes from one schema to another.
#[pyclass(frozen, module = "data_bridge._data_bridge", name = "Plan")]
pub(crate) struct Plan {
    plan: Arc<DiffPlan>,
}

#[pymethods]
impl Plan {
    /// Each change: `kind`, `object`, `description`, `hazards`, `up`, `down` (None when it
    /// cannot be reversed), as `dbridge diff --format json` lists them.
    #[getter]
    fn changes(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let json = serde_json::to_string(&self.plan.changes).map_err(schema_error)?;
        Ok(py.import("json")?.call_method1("loads", (json,))?.unbind())
    }

    /// The up migration's SQL.
    #[getter]
    fn up_sql(&self) -> String {
        self.plan.up_sql()
    }

    /// The down migration's SQL.
    #[getter]
    fn down_sql(&self) -> String {
        self.plan.down_sql()
    }

    fn __bool__(&self) -> bool {
        !self.plan.is_empty()
    }

    fn __len__(&self) -> usize {
        self.plan.changes.len()
    }

    fn __repr__(&self) -> String {
        format!("<Plan: {} changes>", self.plan.changes.len())
    }
}

/// `pool.introspect()`: the schema of the pool's database (`schemas`: only these).
pub(super) fn introspect<'py>(
    py: Python<'py>,
    pool: &super::conns::ConnPool,
    schemas: Vec<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let pool = pool.clone();
    future_into_py(py, async move {
        let mut lease = pool.acquire().await?;
        super::session::count_statements(1);
        let read = crate::engine::postgres::inspect::inspect(lease.start(), &schemas).await;
        lease.idle_again();
        let db = read.map_err(from_engine)?;
        Ok(Schema { db: Arc::new(db) })
    })
}

/// The schema a SQL script makes, read on the sandboxed dev server as a `.sql` source is
/// (for `db.schema_of`, which writes its models as SQL): `name` names the script in errors.
#[pyfunction]
#[pyo3(signature = (sql, name, dev_url=None))]
pub(crate) fn schema_of_sql(
    py: Python<'_>,
    sql: String,
    name: String,
    dev_url: Option<String>,
) -> PyResult<Bound<'_, PyAny>> {
    future_into_py(py, async move {
        let dir = tempfile::tempdir().map_err(schema_error)?;
        let file = dir
            .path()
            .join(format!("{}.sql", name.replace(['/', '\\'], "_")));
        std::fs::write(&file, sql).map_err(schema_error)?;
        let mut dev = DevDatabase::new(dev_url);
        let loaded = Source::Sql(vec![file]).load(&mut dev, &[]).await;
        dev.close().await;
        let db = loaded.map_err(from_engine)?;
        Ok(Schema { db: Arc::new(db) })
    })
}

/// One side of a diff: a schema already read, or a source to read.
enum Side {
    Read(Arc<Database>),
    Source(Source),
}

impl Side {
    fn of(v: &Bound<'_, PyAny>) -> PyResult<Side> {
        if let Ok(schema) = v.cast::<Schema>() {
            return Ok(Side::Read(schema.get().db.clone()));
        }
        let text: String = match v.extract::<String>() {
            Ok(text) => text,
            Err(_) => v
                .call_method0("__fspath__")
                .and_then(|p| p.extract())
                .map_err(|_| {
                    PyTypeError::new_err(
                        "a schema source is a URL, a .sql file or directory, a snapshot path or a db.Schema",
                    )
                })?,
        };
        Source::parse(&text).map(Side::Source).map_err(from_engine)
    }

    async fn load(self, dev: &mut DevDatabase) -> PyResult<Arc<Database>> {
        match self {
            Side::Read(db) => Ok(db),
            Side::Source(source) => source
                .load(dev, &[])
                .await
                .map(Arc::new)
                .map_err(from_engine),
        }
    }
}

/// Plans the changes from `from_` to `to` (each a URL, a .sql file or directory, a
/// snapshot path, or a `Schema`); SQL sources run on `dev_url` (default: the embedded dev
/// server), sandboxed as for `dbridge diff`.
#[pyfunction]
#[pyo3(signature = (from_, to, *, renames=None, dev_url=None, safe=false))]
pub(crate) fn diff<'py>(
    py: Python<'py>,
    from_: &Bound<'py, PyAny>,
    to: &Bound<'py, PyAny>,
    renames: Option<Vec<String>>,
    dev_url: Option<String>,
    safe: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let (a, b) = (Side::of(from_)?, Side::of(to)?);
    let renames = Renames::parse(&renames.unwrap_or_default()).map_err(schema_error)?;
    future_into_py(py, async move {
        let mut dev = DevDatabase::new(dev_url);
        let loaded =
            async { Ok::<_, PyErr>((a.load(&mut dev).await?, b.load(&mut dev).await?)) }.await;
        dev.close().await;
        let (a, b) = loaded?;
        let options = PlanOptions { safe };
        let plan = compute(move || DiffPlan::with_options(&a, &b, &renames, options))
            .map_err(schema_error)?;
        Ok(Plan {
            plan: Arc::new(plan),
        })
    })
}
