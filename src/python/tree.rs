//! Fetched rows with their relations: each table's columns read without the GIL
//! ([`CellRows`], the engine's row builder for this module, keeps them as [`RawRow`]s), then
//! the tree turned into dicts, a to-one relation as a dict (or None) and a to-many one as a
//! list.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use sqlx::postgres::PgRow;

use super::raw_row::RawRow;
use super::rows::{Converters, Rows};
use super::session::count_statements;
use crate::engine::data::fetch::{Columns, Layout, Obj, Rel, RowBuilder};
use crate::engine::data::{DataError, Result};

/// Rows as [`RawRow`]s.
pub(super) struct CellRows;

impl RowBuilder for CellRows {
    type Row = RawRow;

    fn build(&self, row: &PgRow, columns: &Columns<'_>) -> Result<RawRow> {
        RawRow::read(row, columns).map_err(DataError::Invalid)
    }

    fn sent(&self) {
        count_statements(1);
    }
}

/// The fetched rows as a list of dicts.
pub(super) fn objs_to_python(
    py: Python<'_>,
    objs: Vec<Obj<RawRow>>,
    layout: &Layout,
) -> PyResult<Py<PyAny>> {
    let conv = Converters::new(py)?;
    let keys = Keys::new(py, layout);
    let list = PyList::empty(py);
    for obj in objs {
        list.append(obj_dict(py, &conv, obj, &keys)?)?;
    }
    Ok(list.into_any().unbind())
}

/// The names of a layout as Python strings, made once per result rather than once per row.
struct Keys<'py> {
    columns: Vec<Bound<'py, PyString>>,
    relations: Vec<(Bound<'py, PyString>, Keys<'py>)>,
}

impl<'py> Keys<'py> {
    fn new(py: Python<'py>, layout: &Layout) -> Self {
        Keys {
            columns: layout
                .columns
                .iter()
                .map(|c| PyString::new(py, c))
                .collect(),
            relations: layout
                .relations
                .iter()
                .map(|(name, _, child)| (PyString::new(py, name), Keys::new(py, child)))
                .collect(),
        }
    }
}

fn obj_dict<'py>(
    py: Python<'py>,
    conv: &Converters<'py>,
    obj: Obj<RawRow>,
    keys: &Keys<'py>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (name, value) in keys.columns.iter().zip(obj.fields.into_python(py, conv)) {
        d.set_item(name, value?)?;
    }
    for ((name, child), rel) in keys.relations.iter().zip(obj.rels) {
        match rel {
            Rel::One(Some(one)) => d.set_item(name, obj_dict(py, conv, *one, child)?)?,
            Rel::One(None) => d.set_item(name, py.None())?,
            Rel::Many(many) => {
                let list = PyList::empty(py);
                for one in many {
                    list.append(obj_dict(py, conv, one, child)?)?;
                }
                d.set_item(name, list)?;
            }
        }
    }
    Ok(d)
}

/// Result rows as a list of dicts.
pub(super) fn rows_to_dicts(py: Python<'_>, rows: Rows) -> PyResult<Bound<'_, PyList>> {
    let conv = Converters::new(py)?;
    let names: Vec<Bound<'_, PyString>> =
        rows.columns.iter().map(|c| PyString::new(py, c)).collect();
    let list = PyList::empty(py);
    for raw in rows.rows {
        let d = PyDict::new(py);
        for (name, value) in names.iter().zip(raw.into_python(py, &conv)) {
            d.set_item(name, value?)?;
        }
        list.append(d)?;
    }
    Ok(list)
}
