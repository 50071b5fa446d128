//! `insert_many` and `upsert_many`: rows of Python mappings taken apart while the GIL is
//! held, then converted for their columns and written by the engine without it: one COPY
//! for `insert_many`, and for `upsert_many` the pipeline of `dbridge upsert` (COPY into a
//! staging table, one `INSERT ... ON CONFLICT`; duplicates in the input: the last wins).

use std::collections::HashMap;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping};
use pyo3_async_runtimes::tokio::future_into_py;
use rayon::prelude::*;

use super::catalog::{CatalogCache, Conn};
use super::conns::Lease;
use super::crud::table_name;
use super::exceptions::{from_data, raise, Details};
use super::params::Param;
use super::session::{bind_for, count_statements, Session};
use super::tree::objs_to_python;
use super::values::to_value;
use crate::engine::data::condition::Condition;
use crate::engine::data::fetch::{FetchPlan, FetchRequest};
use crate::engine::data::input::ValueRows;
use crate::engine::data::insert::insert_many;
use crate::engine::data::upsert::{upsert, UpsertOptions};
use crate::engine::data::value::Value;
use crate::engine::data::{DataError, RowError, Table};

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

/// The values of `row` when its keys are `keys`, in that order; None when they are not.
fn in_order(row: &Bound<'_, PyDict>, keys: &[Bound<'_, PyAny>]) -> PyResult<Option<Vec<Param>>> {
    if row.len() != keys.len() || keys.is_empty() {
        return Ok(None);
    }
    let mut values = Vec::with_capacity(keys.len());
    for ((k, v), first) in row.iter().zip(keys) {
        if !(k.is(first) || k.eq(first)?) {
            return Ok(None);
        }
        values.push(Param::from_python(&v)?);
    }
    Ok(Some(values))
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
        let mut fields: Vec<String> = Vec::new();
        let mut positions: HashMap<String, usize> = HashMap::new();
        let mut out = Vec::new();
        // The first row's keys: later rows with the same keys in the same order (rows made
        // by one dict display) are read without looking each key up.
        let mut first_keys: Vec<Bound<'_, PyAny>> = Vec::new();
        for (n, row) in rows.try_iter()?.enumerate() {
            let row = row?;
            if n > 0 {
                if let Ok(d) = row.cast::<PyDict>() {
                    if let Some(values) = in_order(d, &first_keys)? {
                        out.push(values);
                        continue;
                    }
                }
            }
            let pairs: Vec<(String, Bound<'_, PyAny>)> = match row.cast::<PyDict>() {
                Ok(d) => d
                    .iter()
                    .map(|(k, v)| Ok((k.extract()?, v)))
                    .collect::<PyResult<_>>()?,
                Err(_) => row
                    .cast::<PyMapping>()
                    .map_err(|_| {
                        PyTypeError::new_err(format!(
                            "row {}: a row is a mapping of column name to value",
                            n + 1
                        ))
                    })?
                    .items()?
                    .iter()
                    .map(|p| p.extract())
                    .collect::<PyResult<_>>()?,
            };
            if n == 0 {
                for (i, (k, _)) in pairs.iter().enumerate() {
                    positions.insert(k.clone(), i);
                    fields.push(k.clone());
                }
                if let Ok(d) = row.cast::<PyDict>() {
                    first_keys = d.keys().iter().collect();
                }
            }
            let bad = |message: String| {
                raise(
                    "DataError",
                    format!("rows: row {}: {message}", n + 1),
                    Details::default(),
                )
            };
            if pairs.len() != fields.len() {
                let missing: Vec<&String> = fields
                    .iter()
                    .filter(|f| !pairs.iter().any(|(k, _)| k == *f))
                    .collect();
                return Err(bad(match missing.first() {
                    Some(m) => format!("no value for {m:?} (every row has the keys of the first)"),
                    None => format!(
                        "{} keys where the first row has {}",
                        pairs.len(),
                        fields.len()
                    ),
                }));
            }
            let mut values = vec![Param::Null; fields.len()];
            for (k, v) in pairs {
                let at = *positions
                    .get(&k)
                    .ok_or_else(|| bad(format!("key {k:?} is not in the first row")))?;
                values[at] = Param::from_python(&v)?;
            }
            out.push(values);
        }
        Ok(UpsertArgs {
            table: table_name(table)?,
            fields,
            rows: out,
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
            .map(|f| table.column(f))
            .collect::<Result<Vec<_>, _>>()?;
        self.rows
            .par_iter()
            .enumerate()
            .map(|(n, row)| {
                row.iter()
                    .zip(&columns)
                    .map(|(p, c)| {
                        to_value(p, c).map_err(|message| DataError::Row {
                            input: "rows".into(),
                            error: RowError {
                                row: n as u64 + 1,
                                line: 0,
                                column: Some(c.name.clone()),
                                message,
                            },
                            committed: None,
                        })
                    })
                    .collect()
            })
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
