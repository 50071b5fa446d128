//! `connect()` and the `Pool`: raw SQL with bound parameters over a pool of connections
//! that any number of asyncio tasks share. Each method returns an awaitable; the query runs
//! on the engine's runtime without the GIL, and the rows are turned into Python objects
//! once they are all decoded.

use std::sync::Arc;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3_async_runtimes::tokio::future_into_py;

use super::catalog::CatalogCache;
use super::conns::ConnPool;
use super::exceptions::{raise, Details};
use super::methods::statement_methods;
use super::session::{Session, Target};
use super::transaction::Transaction;
use crate::engine::postgres::connect::PoolConfig;
use crate::project::Project;

/// A pool of connections to one database.
#[pyclass(frozen, module = "data_bridge._data_bridge", name = "Pool")]
pub(crate) struct Pool {
    pool: ConnPool,
    statement_cache: bool,
    catalog: Arc<CatalogCache>,
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
        let pool = ConnPool::open(&url, &config).await?;
        Ok(Pool {
            pool,
            statement_cache,
            catalog: Arc::default(),
        })
    })
}

statement_methods!(Pool, {
    /// A transaction on one connection of the pool, for `async with`: committed when the
    /// block ends, rolled back when it raises.
    #[pyo3(signature = (isolation="read_committed", *, readonly=false, deferrable=false))]
    fn transaction(
        &self,
        isolation: &str,
        readonly: bool,
        deferrable: bool,
    ) -> PyResult<Transaction> {
        Transaction::new(
            self.pool.clone(),
            self.statement_cache,
            self.catalog.clone(),
            isolation,
            readonly,
            deferrable,
        )
    }

    /// The schema of the pool's database (only `schemas` when given), as `dbridge inspect`
    /// reads it.
    #[pyo3(signature = (schemas=None))]
    fn introspect<'py>(
        &self,
        py: Python<'py>,
        schemas: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        super::schema::introspect(py, &self.pool, schemas.unwrap_or_default())
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
        self.pool.idle()
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
});

impl Pool {
    fn session(&self) -> Session {
        Session {
            target: Target::Pool(self.pool.clone()),
            statement_cache: self.statement_cache,
            catalog: self.catalog.clone(),
        }
    }
}
