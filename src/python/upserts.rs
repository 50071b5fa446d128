//! `insert_many` and `upsert_many`: rows of Python mappings taken apart while the GIL is
//! held ([`RowShape`]), then converted for their columns and written by the engine without
//! it: one COPY for `insert_many`, and for `upsert_many` the pipeline of `dbridge upsert`
//! (COPY into a staging table, one `MERGE` or `INSERT ... ON CONFLICT`; duplicates in the
//! input: the last wins), which reads the rows batch by batch as it sends them
//! ([`LazyRows`]).

use pyo3::prelude::*;
use pyo3_async_runtimes::tokio::future_into_py;
use rayon::prelude::*;

use super::catalog::{CatalogCache, Conn};
use super::conns::Lease;
use super::crud::table_name;
use super::exceptions::{from_data, raise, Details};
use super::params::Param;
use super::row_reader::{typed, LazyRows, Raised, RowShape};
use super::session::{bind_for, count_statements, Session};
use super::tree::objs_to_python;
use crate::engine::data::condition::Condition;
use crate::engine::data::fetch::{FetchPlan, FetchRequest};
use crate::engine::data::input::ValueRows;
use crate::engine::data::insert::insert_many;
use crate::engine::data::upsert::{upsert, UpsertOptions};
use crate::engine::data::value::Value;
use crate::engine::data::{DataError, Table};

/// What an upsert did.
#[pyclass(frozen, module = "data_bridge._data_bridge", name = "UpsertResult", eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UpsertResult {
    #[pyo3(get)]
    inserted: u64,
    #[pyo3(get)]
    updated: u64,
    /// Rows whose key existed with equal values (or left alone by `do_nothing`).
    #[pyo3(get)]
    unchanged: u64,
}

#[pymethods]
impl UpsertResult {
    #[new]
    fn new(inserted: u64, updated: u64, unchanged: u64) -> Self {
        UpsertResult {
            inserted,
            updated,
            unchanged,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "UpsertResult(inserted={}, updated={}, unchanged={})",
            self.inserted, self.updated, self.unchanged
        )
    }
}

/// Rows taken apart: the fields of the first row, and every row's values in that order.
pub(super) struct UpsertArgs {
    table: String,
    fields: Vec<String>,
    rows: Vec<Vec<Param>>,
}

impl UpsertArgs {
    /// Takes `rows` (an iterable of mappings with the same keys) apart.
    pub(super) fn take(table: &Bound<'_, PyAny>, rows: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut rows = rows.try_iter()?;
        let Some(first) = rows.next() else {
            return Ok(UpsertArgs {
                table: table_name(table)?,
                fields: Vec::new(),
                rows: Vec::new(),
            });
        };
        let (shape, first) = RowShape::first(&first?)?;
        let mut out = vec![first];
        for (n, row) in (2..).zip(rows) {
            out.push(shape.values(n, &row?)?);
        }
        Ok(UpsertArgs {
            table: table_name(table)?,
            fields: shape.fields,
            rows: out,
        })
    }

    /// `upsert_many`: with `returning`, every row is taken apart first (their keys select
    /// the rows returned); else only the first one is, and the others as the upsert sends
    /// them ([`LazyRows`]).
    pub(super) fn upsert_many<'py>(
        table: &Bound<'py, PyAny>,
        rows: &Bound<'py, PyAny>,
        session: &Session,
        options: UpsertOptions,
        returning: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = table.py();
        if returning {
            return UpsertArgs::take(table, rows)?.upsert(session, py, options, true);
        }
        let mut rest = rows.try_iter()?;
        let Some(first) = rest.next() else {
            return UpsertArgs::take(table, rows)?.upsert(session, py, options, false);
        };
        let (shape, first) = RowShape::first(&first?)?;
        let args = UpsertArgs {
            table: table_name(table)?,
            fields: shape.fields.clone(),
            rows: Vec::new(),
        };
        let rest = rest.unbind();
        let (target, _, catalog) = session.parts();
        future_into_py(py, async move {
            let mut conn = Conn::of(&target).await?;
            let lease = conn.lease()?;
            let table = args.table_of(&catalog, lease).await?;
            let columns = args
                .fields
                .iter()
                .map(|f| table.column(f).cloned())
                .collect::<Result<Vec<_>, _>>()
                .map_err(from_data)?;
            let raised = Raised::default();
            let source = LazyRows::new(shape, columns, first, rest, raised.clone());
            count_statements(1);
            let summary = upsert(lease.start(), &table, source, "rows", &options, &|_| {}).await;
            lease.idle_again();
            let summary = match summary {
                Ok(summary) => summary,
                Err(e) => {
                    let raised = raised.lock().ok().and_then(|mut r| r.take());
                    return Err(raised.unwrap_or_else(|| from_data(e)));
                }
            };
            let result = UpsertResult {
                inserted: summary.inserted,
                updated: summary.updated,
                unchanged: summary.unchanged,
            };
            Python::attach(|py| Ok(Py::new(py, result)?.into_any()))
        })
    }

    /// The table, with every field checked to be one of its columns (so that a column
    /// added since the catalog was read is found).
    async fn table_of(&self, catalog: &CatalogCache, lease: &mut Lease) -> PyResult<Table> {
        catalog
            .resolve(lease, |c| {
                let table = c.table(&self.table)?;
                for field in &self.fields {
                    table.column(field)?;
                }
                Ok(table.clone())
            })
            .await
    }

    /// The rows as typed values for the table's columns; a value that does not fit names
    /// its row and column.
    fn values(&self, table: &Table) -> Result<Vec<Vec<Value>>, DataError> {
        let columns = self
            .fields
            .iter()
            .map(|f| table.column(f).cloned())
            .collect::<Result<Vec<_>, _>>()?;
        self.rows
            .par_iter()
            .enumerate()
            .map(|(n, row)| typed(n as u64 + 1, row, &columns))
            .collect()
    }

    /// Inserts the rows with one COPY; resolves to their number.
    pub(super) fn insert<'py>(
        self,
        session: &Session,
        py: Python<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (target, _, catalog) = session.parts();
        future_into_py(py, async move {
            let mut conn = Conn::of(&target).await?;
            let lease = conn.lease()?;
            let table = self.table_of(&catalog, lease).await?;
            let values = self.values(&table).map_err(from_data)?;
            count_statements(1);
            let inserted = insert_many(lease.start(), &table, &self.fields, &values).await;
            lease.idle_again();
            Ok(inserted.map_err(from_data)?.rows)
        })
    }

    /// Upserts the rows; resolves to an [`UpsertResult`], or with `returning` to the rows
    /// as they are afterwards (in key order).
    pub(super) fn upsert<'py>(
        self,
        session: &Session,
        py: Python<'py>,
        options: UpsertOptions,
        returning: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (target, cache, catalog) = session.parts();
        future_into_py(py, async move {
            let mut conn = Conn::of(&target).await?;
            let lease = conn.lease()?;
            let table = self.table_of(&catalog, lease).await?;
            let values = self.values(&table).map_err(from_data)?;
            let keys = returning
                .then(|| self.key_condition(&options.on))
                .transpose()?;
            let source = ValueRows::new(self.fields.clone(), values).map_err(from_data)?;
            count_statements(1);
            let summary = upsert(lease.start(), &table, source, "rows", &options, &|_| {}).await;
            lease.idle_again();
            let summary = summary.map_err(from_data)?;
            let Some((condition, params)) = keys else {
                let result = UpsertResult {
                    inserted: summary.inserted,
                    updated: summary.updated,
                    unchanged: summary.unchanged,
                };
                return Python::attach(|py| Ok(Py::new(py, result)?.into_any()));
            };
            let request = FetchRequest {
                table: self.table.clone(),
                condition: Some(condition),
                stored: true,
                cast_args: true,
                ..FetchRequest::default()
            };
            let plan = catalog
                .resolve(lease, |c| FetchPlan::new(c, &request))
                .await?;
            let args = bind_for(
                lease,
                &catalog.types,
                plan.root_sql(),
                &params,
                cache,
                &options.on,
                true,
            )
            .await?;
            let objs = catalog.fetch_tree(lease, &plan, args).await?;
            drop(conn);
            let layout = plan.layout();
            Python::attach(|py| objs_to_python(py, objs, &layout))
        })
    }

    /// The condition that selects the input's rows by their conflict columns, with its
    /// arguments (one array per column).
    fn key_condition(&self, on: &[String]) -> PyResult<(Condition, Vec<Param>)> {
        let mut params = Vec::new();
        for name in on {
            let at = self.fields.iter().position(|f| f == name).ok_or_else(|| {
                raise(
                    "ProgrammingError",
                    format!("rows: conflict column {name} is not in the input"),
                    Details::default(),
                )
            })?;
            params.push(Param::List(
                self.rows.iter().map(|r| r[at].clone()).collect(),
            ));
        }
        let condition = match on {
            [column] => Condition::In {
                column: column.clone(),
                arg: 0,
            },
            _ => Condition::InRows {
                columns: on.to_vec(),
                args: (0..on.len()).collect(),
            },
        };
        Ok((condition, params))
    }
}
