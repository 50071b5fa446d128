//! Rows of Python mappings taken apart into [`Param`]s ([`RowShape`]): the first row's keys
//! are the fields, and every later row must have the same keys. [`LazyRows`] reads them
//! batch by batch on the upsert's reading thread, so that taking rows apart overlaps with
//! the COPY of the batches before them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyIterator, PyMapping};
use rayon::prelude::*;

use super::exceptions::{raise, Details};
use super::params::Param;
use super::values::to_value;
use crate::engine::data::input::{Batch, RowSource, Rows};
use crate::engine::data::value::Value;
use crate::engine::data::{Column, DataError, RowError};

/// The fields of a sequence of rows, from its first row.
pub(super) struct RowShape {
    pub(super) fields: Vec<String>,
    positions: HashMap<String, usize>,
    /// The first row's key objects: later rows with the same keys in the same order (rows
    /// made by one dict display) are read without looking each key up.
    first_keys: Vec<Py<PyAny>>,
}

impl RowShape {
    /// The shape that `first` gives, and its values.
    pub(super) fn first(first: &Bound<'_, PyAny>) -> PyResult<(RowShape, Vec<Param>)> {
        let pairs = pairs(1, first)?;
        let fields: Vec<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
        let positions = fields
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), i))
            .collect();
        let first_keys = match first.cast::<PyDict>() {
            Ok(d) => d.keys().iter().map(Bound::unbind).collect(),
            Err(_) => Vec::new(),
        };
        let values = pairs
            .iter()
            .map(|(_, v)| Param::from_python(v))
            .collect::<PyResult<_>>()?;
        let shape = RowShape {
            fields,
            positions,
            first_keys,
        };
        Ok((shape, values))
    }

    /// The values of row `n` (counted from 1) in field order.
    pub(super) fn values(&self, n: u64, row: &Bound<'_, PyAny>) -> PyResult<Vec<Param>> {
        if let Ok(d) = row.cast::<PyDict>() {
            if let Some(values) = self.in_order(d)? {
                return Ok(values);
            }
        }
        let pairs = pairs(n, row)?;
        let bad = |message: String| {
            raise(
                "DataError",
                format!("rows: row {n}: {message}"),
                Details::default(),
            )
        };
        if pairs.len() != self.fields.len() {
            let missing = self
                .fields
                .iter()
                .find(|f| !pairs.iter().any(|(k, _)| k == *f));
            return Err(bad(match missing {
                Some(m) => format!("no value for {m:?} (every row has the keys of the first)"),
                None => format!(
                    "{} keys where the first row has {}",
                    pairs.len(),
                    self.fields.len()
                ),
            }));
        }
        let mut values = vec![Param::Null; self.fields.len()];
        for (k, v) in pairs {
            let at = *self
                .positions
                .get(&k)
                .ok_or_else(|| bad(format!("key {k:?} is not in the first row")))?;
            values[at] = Param::from_python(&v)?;
        }
        Ok(values)
    }

    /// The values of `row` when its keys are the first row's, in that order; else None.
    fn in_order(&self, row: &Bound<'_, PyDict>) -> PyResult<Option<Vec<Param>>> {
        let keys = &self.first_keys;
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
}

/// The (key, value) pairs of row `n`.
fn pairs<'py>(n: u64, row: &Bound<'py, PyAny>) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
    match row.cast::<PyDict>() {
        Ok(d) => d.iter().map(|(k, v)| Ok((k.extract()?, v))).collect(),
        Err(_) => row
            .cast::<PyMapping>()
            .map_err(|_| {
                PyTypeError::new_err(format!(
                    "row {n}: a row is a mapping of column name to value"
                ))
            })?
            .items()?
            .iter()
            .map(|p| p.extract())
            .collect(),
    }
}

/// Converts the values of row `n` for `columns`; a value that does not fit names its row
/// and column.
pub(super) fn typed(n: u64, row: &[Param], columns: &[Column]) -> Result<Vec<Value>, DataError> {
    row.iter()
        .zip(columns)
        .map(|(p, c)| {
            to_value(p, c).map_err(|message| DataError::Row {
                input: "rows".into(),
                error: RowError {
                    row: n,
                    line: 0,
                    column: Some(c.name.clone()),
                    message,
                },
                committed: None,
            })
        })
        .collect()
}

/// A Python error a row raised while it was read: the caller raises it as it is.
pub(super) type Raised = Arc<Mutex<Option<PyErr>>>;

/// The rows of a Python iterator, read one batch at a time: each batch is taken apart
/// holding the GIL, then converted for its columns without it, on the reading thread of the
/// upsert pipeline while the connection copies the batches before it.
///
/// Rows are read as the upsert goes: like asyncpg's `copy_records_to_table`, the caller
/// must not change them until the call returns.
pub(super) struct LazyRows {
    shape: RowShape,
    /// The table's columns, in field order.
    columns: Vec<Column>,
    /// The first row, taken apart by the caller (it gave the fields).
    first: Option<Vec<Param>>,
    /// The rows after it; None once they have all been read.
    rest: Option<Py<PyIterator>>,
    next_row: u64,
    raised: Raised,
}

impl LazyRows {
    pub(super) fn new(
        shape: RowShape,
        columns: Vec<Column>,
        first: Vec<Param>,
        rest: Py<PyIterator>,
        raised: Raised,
    ) -> LazyRows {
        LazyRows {
            shape,
            columns,
            first: Some(first),
            rest: Some(rest),
            next_row: 1,
            raised,
        }
    }

    /// Takes up to `max_rows` more rows apart, holding the GIL.
    fn take(&mut self, max_rows: usize) -> Result<Vec<Vec<Param>>, DataError> {
        let mut params: Vec<Vec<Param>> = self.first.take().into_iter().collect();
        if self.rest.is_none() {
            return Ok(params);
        }
        let first_row = self.next_row;
        let taken = Python::attach(|py| -> PyResult<()> {
            let Some(rest) = &self.rest else {
                return Ok(());
            };
            let mut rest = rest.bind(py).clone();
            while params.len() < max_rows {
                let n = first_row + params.len() as u64;
                match rest.next() {
                    Some(row) => params.push(self.shape.values(n, &row?)?),
                    None => {
                        self.rest = None;
                        break;
                    }
                }
            }
            Ok(())
        });
        if let Err(e) = taken {
            let row = first_row + params.len() as u64;
            let message = e.to_string();
            if let Ok(mut raised) = self.raised.lock() {
                *raised = Some(e);
            }
            return Err(DataError::Row {
                input: "rows".into(),
                error: RowError {
                    row,
                    line: 0,
                    column: None,
                    message,
                },
                committed: None,
            });
        }
        Ok(params)
    }
}

impl RowSource for LazyRows {
    fn fields(&self) -> &[String] {
        &self.shape.fields
    }

    fn next_batch(&mut self, max_rows: usize) -> crate::engine::data::Result<Option<Batch>> {
        let params = self.take(max_rows.max(1))?;
        let start = self.next_row;
        self.next_row += params.len() as u64;
        let rows = params
            .par_iter()
            .enumerate()
            .map(|(i, row)| {
                let n = start + i as u64;
                Ok((n, typed(n, row, &self.columns)?))
            })
            .collect::<Result<Vec<_>, DataError>>()?;
        Ok((!rows.is_empty()).then_some(Batch {
            rows: Rows::Values(rows),
            bytes_read: 0,
        }))
    }
}
