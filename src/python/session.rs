//! Where a statement runs: on any connection of a pool, or on a transaction's own
//! connection. Both go through the same steps: take the Python parameters apart, acquire
//! the connection, bind for the server's parameter types, run, decode without the GIL, and
//! build the Python result.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use sqlx::postgres::{PgArguments, PgTypeInfo};
use sqlx::{Either, Executor, Statement};
use tokio::sync::Mutex;

use super::catalog::CatalogCache;
use super::conns::{ConnPool, Lease};
use super::exceptions::{from_sqlx, raise, Details};
use super::loop_future::loop_future;
use super::params::{arguments_for, Param};
use super::rows;
use super::tag::command_tag;
use super::temporal::Temporal;
use super::transaction::TxState;
use super::type_kinds::TypeKinds;

/// The connection statements run on.
#[derive(Clone)]
pub(super) enum Target {
    Pool(ConnPool),
    Transaction(Arc<Mutex<TxState>>),
}

/// A target and how it prepares statements.
pub(super) struct Session {
    pub target: Target,
    pub statement_cache: bool,
    /// The tables of the database, for the table methods.
    pub catalog: Arc<CatalogCache>,
}

/// What turns decoded rows into the Python result.
pub(super) type Finish = fn(Python<'_>, rows::Rows) -> PyResult<Py<PyAny>>;

impl Session {
    /// Runs one statement; resolves to its command tag.
    pub(super) fn execute<'py>(
        &self,
        py: Python<'py>,
        sql: String,
        args: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = take_params(args)?;
        let (target, cache, catalog) = self.parts();
        loop_future(py, async move {
            let rows = match target {
                Target::Pool(pool) => {
                    let mut lease = pool.acquire().await?;
                    execute_on(&mut lease, &catalog.types, &sql, &params, cache).await?
                }
                Target::Transaction(tx) => {
                    let mut state = tx.lock().await;
                    execute_on(state.connection()?, &catalog.types, &sql, &params, cache).await?
                }
            };
            Ok(command_tag(&sql, rows))
        })
    }

    /// Runs a query; resolves to what `finish` makes of its rows.
    pub(super) fn query<'py>(
        &self,
        py: Python<'py>,
        sql: String,
        args: &Bound<'py, PyTuple>,
        finish: Finish,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = take_params(args)?;
        let (target, cache, catalog) = self.parts();
        loop_future(py, async move {
            let decoded = match target {
                Target::Pool(pool) => {
                    let mut lease = pool.acquire().await?;
                    fetch_on(&mut lease, &catalog, &sql, &params, cache).await?
                }
                Target::Transaction(tx) => {
                    let mut state = tx.lock().await;
                    fetch_on(state.connection()?, &catalog, &sql, &params, cache).await?
                }
            };
            Python::attach(|py| finish(py, decoded))
        })
    }
}

impl Session {
    /// What a table method's future takes with it: the target, whether statements are
    /// cached, and the catalog.
    pub(super) fn parts(&self) -> (Target, bool, Arc<CatalogCache>) {
        (
            self.target.clone(),
            self.statement_cache,
            self.catalog.clone(),
        )
    }
}

/// Statements this module has sent to servers, for `data_bridge.testing.assert_queries`.
static STATEMENTS_SENT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Counts `n` statements as sent.
pub(super) fn count_statements(n: u64) {
    STATEMENTS_SENT.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
}

/// How many statements this module has sent to servers since it was loaded (the
/// statements of every pool and transaction, including BEGIN, COMMIT and savepoints).
#[pyfunction]
pub(crate) fn statements_sent() -> u64 {
    STATEMENTS_SENT.load(std::sync::atomic::Ordering::Relaxed)
}

/// Runs one statement on `conn`; returns the rows it affected. Without parameters it goes
/// as a simple query, so that a script of several statements runs too.
async fn execute_on(
    lease: &mut Lease,
    kinds: &TypeKinds,
    sql: &str,
    params: &[Param],
    cache: bool,
) -> PyResult<u64> {
    count_statements(1);
    let result = if params.is_empty() {
        lease.start().execute(sqlx::raw_sql(sql)).await
    } else {
        let args = bind(lease, kinds, sql, params, cache).await?;
        lease
            .start()
            .execute(sqlx::query_with(sql, args).persistent(cache))
            .await
    };
    lease.done(&result);
    Ok(result.map_err(from_sqlx)?.rows_affected())
}

/// Runs one query on `lease`; its rows, decoded.
async fn fetch_on(
    lease: &mut Lease,
    catalog: &CatalogCache,
    sql: &str,
    params: &[Param],
    cache: bool,
) -> PyResult<rows::Rows> {
    count_statements(1);
    let args = bind(lease, &catalog.types, sql, params, cache).await?;
    let query = sqlx::query_with(sql, args).persistent(cache);
    catalog.fetch_rows(lease, query).await
}

fn take_params(args: &Bound<'_, PyTuple>) -> PyResult<Vec<Param>> {
    args.iter().map(|a| Param::from_python(&a)).collect()
}

/// The parameters encoded for their `$n`: for the types the server infers when statements
/// are cached (the statement is prepared once per connection anyway), else for the types
/// of the Python values.
async fn bind(
    lease: &mut Lease,
    kinds: &TypeKinds,
    sql: &str,
    params: &[Param],
    cache: bool,
) -> PyResult<PgArguments> {
    bind_for(lease, kinds, sql, params, cache, &[], true).await
}

/// [`bind`] with errors naming the column each parameter goes to (`labels`); unless
/// `exact`, the statement may take more parameters than `params`, which its caller binds
/// after them.
pub(super) async fn bind_for(
    lease: &mut Lease,
    kinds: &TypeKinds,
    sql: &str,
    params: &[Param],
    cache: bool,
    labels: &[String],
    exact: bool,
) -> PyResult<PgArguments> {
    let types: Vec<PgTypeInfo> = if cache {
        let prepared = lease.start().prepare_with(sql, &[]).await;
        lease.done(&prepared);
        let statement = prepared.map_err(from_sqlx)?;
        match statement.parameters() {
            Some(Either::Left(types)) => types.to_vec(),
            _ => Vec::new(),
        }
    } else {
        params.iter().map(guessed_type).collect()
    };
    if cache && (types.len() < params.len() || exact && types.len() != params.len()) {
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
    let mut types = types;
    let given = match cache {
        true => super::text_params::prepare(lease, kinds, params, &mut types)
            .await
            .map_err(|(i, e)| {
                let column = labels.get(i).cloned();
                let e = match &column {
                    Some(c) => format!("column {c}: {e}"),
                    None => format!("parameter ${}: {e}", i + 1),
                };
                let details = Details {
                    column,
                    ..Details::default()
                };
                raise("DataError", e, details)
            })?,
        false => Default::default(),
    };
    arguments_for(params, &types, labels, &given).map_err(|e| {
        let column = labels
            .iter()
            .find(|l| e.starts_with(&format!("column {l}:")));
        let details = Details {
            column: column.cloned(),
            ..Details::default()
        };
        raise("DataError", e, details)
    })
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
        Param::Range(bounds) => return super::shapes::guessed_range(bounds),
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
