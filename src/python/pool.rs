//! `connect()` and the `Pool`: raw SQL with bound parameters over a pool of connections
//! that any number of asyncio tasks share. Each method returns an awaitable; the query runs
//! on the engine's runtime without the GIL, and the rows are turned into Python objects
//! once they are all decoded.

use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use pyo3_async_runtimes::tokio::future_into_py;
use sqlx::postgres::{PgArguments, PgPool, PgRow, PgTypeInfo};
use sqlx::{Either, Executor, Statement};

use super::exceptions::{from_engine, from_sqlx, raise, Details};
use super::params::{arguments, Param};
use super::rows;
use super::tag::command_tag;
use super::temporal::Temporal;
use crate::engine::postgres::connect::{pool, PoolConfig};
use crate::project::Project;

/// A pool of connections to one database.
#[pyclass(frozen, module = "data_bridge._data_bridge", name = "Pool")]
pub(crate) struct Pool {
    pool: PgPool,
    statement_cache: bool,
}

/// Opens a pool; without a URL, the target the CLI would use (`DATABASE_URL`, then
/// `dbridge.toml`, then the embedded default database).
#[pyfunction]
#[pyo3(signature = (url=None, *, min_size=1, max_size=10, acquire_timeout=30.0, statement_cache=true))]
pub(crate) fn connect(
    py: Python<'_>,
    url: Option<String>,
    min_size: u32,
    max_size: u32,
    acquire_timeout: f64,
    statement_cache: bool,
) -> PyResult<Bound<'_, PyAny>> {
    if max_size == 0 || min_size > max_size {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "max_size must be at least 1 and at least min_size",
        ));
    }
    let config = PoolConfig {
        min_size,
        max_size,
        acquire_timeout: Duration::from_secs_f64(acquire_timeout.max(0.0)),
        statement_cache,
        settings: Vec::new(),
    };
    future_into_py(py, async move {
        let url = match url {
            Some(u) => u,
            None => {
                let project = Project::load(None)
                    .map_err(|e| raise("OperationalError", e.to_string(), Details::default()))?;
                project
                    .target(None)
                    .await
                    .map_err(|e| raise("OperationalError", e.to_string(), Details::default()))?
                    .url
            }
        };
        let pool = pool(&url, &config).await.map_err(from_engine)?;
        Ok(Pool {
            pool,
            statement_cache,
        })
    })
}

#[pymethods]
impl Pool {
    /// Runs one statement; returns its command tag (`"INSERT 0 1"`).
    #[pyo3(signature = (sql, *args))]
    fn execute<'py>(
        &self,
        py: Python<'py>,
        sql: String,
        args: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = take_params(args)?;
        let (pool, cache) = (self.pool.clone(), self.statement_cache);
        future_into_py(py, async move {
            let mut conn = pool.acquire().await.map_err(from_sqlx)?;
            let rows = if params.is_empty() {
                conn.execute(sqlx::raw_sql(&sql)).await
            } else {
                let args = bind(&mut conn, &sql, &params, cache).await?;
                conn.execute(sqlx::query_with(&sql, args).persistent(cache))
                    .await
            }
            .map_err(from_sqlx)?
            .rows_affected();
            Ok(command_tag(&sql, rows))
        })
    }

    /// Runs a query; returns its rows.
    #[pyo3(signature = (sql, *args))]
    fn fetch<'py>(
        &self,
        py: Python<'py>,
        sql: String,
        args: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, sql, args, rows::to_python)
    }

    /// Runs a query; returns its first row, or None.
    #[pyo3(signature = (sql, *args))]
    fn fetch_row<'py>(
        &self,
        py: Python<'py>,
        sql: String,
        args: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, sql, args, |py, rows| {
            let list = rows::to_python(py, rows)?;
            let list = list.bind(py);
            match list.len()? {
                0 => Ok(py.None()),
                _ => Ok(list.get_item(0)?.unbind()),
            }
        })
    }

    /// Runs a query; returns the first column of its first row, or None.
    #[pyo3(signature = (sql, *args))]
    fn fetch_val<'py>(
        &self,
        py: Python<'py>,
        sql: String,
        args: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.query(py, sql, args, rows::first_value)
    }

    /// Closes every connection; waits for those in use to come back.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pool = self.pool.clone();
        future_into_py(py, async move {
            pool.close().await;
            Ok(())
        })
    }

    /// Connections open, in use or idle.
    #[getter]
    fn size(&self) -> u32 {
        self.pool.size()
    }

    /// Connections open and idle.
    #[getter]
    fn idle(&self) -> usize {
        self.pool.num_idle()
    }

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let me: Py<Pool> = slf.unbind();
        future_into_py(py, async move { Ok(me) })
    }

    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc_type: Py<PyAny>,
        _exc: Py<PyAny>,
        _tb: Py<PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.close(py)
    }
}

impl Pool {
    /// Runs `sql` and hands its decoded rows to `finish`, under the GIL.
    fn query<'py>(
        &self,
        py: Python<'py>,
        sql: String,
        args: &Bound<'py, PyTuple>,
        finish: fn(Python<'_>, rows::Rows) -> PyResult<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = take_params(args)?;
        let (pool, cache) = (self.pool.clone(), self.statement_cache);
        future_into_py(py, async move {
            let mut conn = pool.acquire().await.map_err(from_sqlx)?;
            let args = bind(&mut conn, &sql, &params, cache).await?;
            let fetched: Vec<PgRow> = sqlx::query_with(&sql, args)
                .persistent(cache)
                .fetch_all(&mut *conn)
                .await
                .map_err(from_sqlx)?;
            drop(conn);
            let decoded =
                rows::decode(&fetched).map_err(|e| raise("DataError", e, Details::default()))?;
            drop(fetched);
            Python::attach(|py| finish(py, decoded))
        })
    }
}

fn take_params(args: &Bound<'_, PyTuple>) -> PyResult<Vec<Param>> {
    args.iter().map(|a| Param::from_python(&a)).collect()
}

/// The parameters encoded for their `$n`: for the types the server infers when statements
/// are cached (the statement is prepared once per connection anyway), else for the types
/// of the Python values.
async fn bind(
    conn: &mut sqlx::pool::PoolConnection<sqlx::Postgres>,
    sql: &str,
    params: &[Param],
    cache: bool,
) -> PyResult<PgArguments> {
    let types: Vec<PgTypeInfo> = if cache {
        let statement = (&mut **conn)
            .prepare_with(sql, &[])
            .await
            .map_err(from_sqlx)?;
        match statement.parameters() {
            Some(Either::Left(types)) => types.to_vec(),
            _ => Vec::new(),
        }
    } else {
        params.iter().map(guessed_type).collect()
    };
    if cache && types.len() != params.len() {
        return Err(raise(
            "ProgrammingError",
            format!(
                "the statement takes {} parameter(s), {} given",
                types.len(),
                params.len()
            ),
            Details::default(),
        ));
    }
    arguments(params, &types).map_err(|e| raise("DataError", e, Details::default()))
}

/// The type a Python value binds as when the server is not asked.
fn guessed_type(p: &Param) -> PgTypeInfo {
    let oid = match p {
        Param::Null => 0,
        Param::Bool(_) => 16,
        Param::Int(_) => 20,
        Param::Float(_) => 701,
        Param::Decimal(_) => 1700,
        Param::Str(_) => 25,
        Param::Bytes(_) => 17,
        Param::Uuid(_) => 2950,
        Param::Dict(..) => 3802,
        Param::Temporal(t) => match t {
            Temporal::Date(_) => 1082,
            Temporal::Time(_) => 1083,
            Temporal::TimeTz(..) => 1266,
            Temporal::Timestamp(_) => 1114,
            Temporal::TimestampTz(_) => 1184,
            Temporal::Interval(..) => 1186,
        },
        Param::List(items) => match items.iter().find(|i| **i != Param::Null).map(guessed_type) {
            Some(t) => match t.oid().map(|o| o.0) {
                Some(16) => 1000,
                Some(20) => 1016,
                Some(701) => 1022,
                Some(1700) => 1231,
                Some(17) => 1001,
                Some(2950) => 2951,
                Some(3802) => 3807,
                Some(1082) => 1182,
                Some(1083) => 1183,
                Some(1266) => 1270,
                Some(1114) => 1115,
                Some(1184) => 1185,
                Some(1186) => 1187,
                _ => 1009,
            },
            None => 1009,
        },
    };
    PgTypeInfo::with_oid(sqlx::postgres::types::Oid(oid))
}
