//! `pool.transaction()`: statements on one connection inside `BEGIN ... COMMIT`, committed
//! when the `async with` block ends and rolled back when it raises; `tx.savepoint()` nests
//! a block that is rolled back alone. A transaction that is dropped while open (its task
//! cancelled, say) is rolled back before its connection goes back to the pool.

use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3_async_runtimes::tokio::future_into_py;
use sqlx::postgres::PgTransactionManager;
use sqlx::{Executor, TransactionManager};
use tokio::sync::Mutex;

use super::catalog::CatalogCache;
use super::conns::{ConnPool, Lease};
use super::exceptions::{from_sqlx, raise, Details};
use super::methods::statement_methods;
use super::session::{count_statements, Session, Target};

/// Where a transaction is in its life.
pub(crate) enum TxState {
    NotStarted,
    /// Open on its connection, with the number of savepoints made so far (for their names).
    Open(Lease, u32),
    Finished,
}

impl TxState {
    /// The open transaction's connection; an error outside the `async with` block.
    pub(super) fn connection(&mut self) -> PyResult<&mut Lease> {
        match self {
            TxState::Open(lease, _) => Ok(lease),
            TxState::NotStarted => Err(not_open("has not started: use it with `async with`")),
            TxState::Finished => Err(not_open("has ended")),
        }
    }
}

fn not_open(what: &str) -> PyErr {
    raise(
        "TransactionError",
        format!("the transaction {what}"),
        Details::default(),
    )
}

/// The `BEGIN` of a transaction with these characteristics.
fn begin_statement(isolation: &str, readonly: bool, deferrable: bool) -> PyResult<String> {
    let level = match isolation {
        "read_uncommitted" => "READ UNCOMMITTED",
        "read_committed" => "READ COMMITTED",
        "repeatable_read" => "REPEATABLE READ",
        "serializable" => "SERIALIZABLE",
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown isolation level {other:?}: use read_uncommitted, read_committed, repeatable_read or serializable"
            )))
        }
    };
    let mut sql = format!("BEGIN ISOLATION LEVEL {level}");
    sql.push_str(if readonly {
        " READ ONLY"
    } else {
        " READ WRITE"
    });
    if deferrable {
        sql.push_str(" DEFERRABLE");
    }
    Ok(sql)
}

/// A transaction, for `async with pool.transaction(...) as tx`.
#[pyclass(frozen, module = "data_bridge._data_bridge", name = "Transaction")]
pub(crate) struct Transaction {
    pool: ConnPool,
    begin: String,
    statement_cache: bool,
    catalog: Arc<CatalogCache>,
    state: Arc<Mutex<TxState>>,
}

impl Transaction {
    pub(super) fn new(
        pool: ConnPool,
        statement_cache: bool,
        catalog: Arc<CatalogCache>,
        isolation: &str,
        readonly: bool,
        deferrable: bool,
    ) -> PyResult<Self> {
        Ok(Transaction {
            pool,
            begin: begin_statement(isolation, readonly, deferrable)?,
            statement_cache,
            catalog,
            state: Arc::new(Mutex::new(TxState::NotStarted)),
        })
    }

    fn session(&self) -> Session {
        Session {
            target: Target::Transaction(self.state.clone()),
            statement_cache: self.statement_cache,
            catalog: self.catalog.clone(),
        }
    }
}

statement_methods!(Transaction, {
    /// A savepoint, for `async with tx.savepoint()`: its block is rolled back alone when
    /// it raises.
    fn savepoint(&self) -> Savepoint {
        Savepoint {
            state: self.state.clone(),
            name: std::sync::Mutex::new(None),
        }
    }

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let me = slf.get();
        let (pool, begin, state) = (me.pool.clone(), me.begin.clone(), me.state.clone());
        let handle: Py<Transaction> = slf.clone().unbind();
        future_into_py(py, async move {
            let mut state = state.lock().await;
            if !matches!(*state, TxState::NotStarted) {
                return Err(not_open("was already used: make a new one"));
            }
            let mut lease = pool.acquire().await?;
            // Through sqlx's transaction manager, so that the engine's own transactions on
            // this connection (an upsert's, a COPY's) become savepoints inside it.
            count_statements(1);
            let begun = PgTransactionManager::begin(lease.start(), Some(begin.into())).await;
            lease.done(&begun);
            begun.map_err(from_sqlx)?;
            lease.in_transaction = true;
            *state = TxState::Open(lease, 0);
            Ok(handle)
        })
    }

    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        exc_type: Py<PyAny>,
        _exc: Py<PyAny>,
        _tb: Py<PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let failed = !exc_type.is_none(py);
        let state = self.state.clone();
        future_into_py(py, async move {
            let mut state = state.lock().await;
            if let TxState::Open(mut lease, _) = std::mem::replace(&mut *state, TxState::Finished) {
                count_statements(1);
                let end = if failed {
                    PgTransactionManager::rollback(lease.start()).await
                } else {
                    PgTransactionManager::commit(lease.start()).await
                };
                lease.done(&end);
                if end.is_err() {
                    // The server ends the transaction even when COMMIT fails; the driver
                    // learns it with a ROLLBACK (a warning on the server, not an error).
                    let _ = PgTransactionManager::rollback(lease.start()).await;
                    lease.idle_again();
                }
                lease.in_transaction = false;
                end.map_err(from_sqlx)?;
            }
            Ok(false)
        })
    }
});

/// A savepoint inside a transaction.
#[pyclass(frozen, module = "data_bridge._data_bridge", name = "Savepoint")]
pub(crate) struct Savepoint {
    state: Arc<Mutex<TxState>>,
    name: std::sync::Mutex<Option<String>>,
}

#[pymethods]
impl Savepoint {
    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let state = slf.get().state.clone();
        let handle: Py<Savepoint> = slf.clone().unbind();
        future_into_py(py, async move {
            let mut state = state.lock().await;
            let name = match &mut *state {
                TxState::Open(_, count) => {
                    *count += 1;
                    format!("data_bridge_{count}")
                }
                _ => {
                    return Err(not_open(
                        "is not open: a savepoint needs an open transaction",
                    ))
                }
            };
            run(state.connection()?, &format!("SAVEPOINT {name}")).await?;
            *handle.get().name.lock().expect("savepoint name") = Some(name);
            Ok(handle)
        })
    }

    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        exc_type: Py<PyAny>,
        _exc: Py<PyAny>,
        _tb: Py<PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let failed = !exc_type.is_none(py);
        let state = self.state.clone();
        let name = self.name.lock().expect("savepoint name").take();
        future_into_py(py, async move {
            let Some(name) = name else {
                return Ok(false);
            };
            let mut state = state.lock().await;
            let lease = state.connection()?;
            if failed {
                run(lease, &format!("ROLLBACK TO SAVEPOINT {name}")).await?;
            }
            run(lease, &format!("RELEASE SAVEPOINT {name}")).await?;
            Ok(false)
        })
    }
}

/// Runs one statement of the transaction's own (BEGIN, COMMIT, a savepoint) on `lease`.
async fn run(lease: &mut Lease, sql: &str) -> PyResult<()> {
    count_statements(1);
    let result = lease.start().execute(sqlx::raw_sql(sql)).await;
    lease.done(&result);
    result.map(drop).map_err(from_sqlx)
}

#[cfg(test)]
mod tests {
    use super::begin_statement;

    #[test]
    fn begin_names_the_isolation_level() {
        assert_eq!(
            begin_statement("serializable", true, true).unwrap(),
            "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE"
        );
        assert_eq!(
            begin_statement("read_committed", false, false).unwrap(),
            "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE"
        );
    }
}
