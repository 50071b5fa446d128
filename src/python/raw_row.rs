//! A fetched row kept close to the server's bytes: the values of the common types (booleans,
//! integers, floats, text, bytea) are copied into one buffer per row and become Python
//! objects straight from it, without an owned Rust value per cell in between; values of other
//! types are decoded into [`Cell`]s as before (and resolved by [`super::foreign`]).

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyString};
use sqlx::postgres::{PgRow, PgValueFormat};
use sqlx::{Row as _, ValueRef as _};

use super::rows::{decode_value, fixed, Cell, Converters};
use crate::engine::data::fetch::Columns;

/// One row's values, in column order.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RawRow {
    bytes: Vec<u8>,
    slots: Vec<Slot>,
}

/// Where one value is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Slot {
    /// The binary form of a value of type `oid`, at `start..end` of the row's buffer.
    Raw { oid: u32, start: u32, end: u32 },
    /// Any other value, decoded.
    Cell(Cell),
}

/// Whether values of `oid` are kept as bytes and made into Python objects directly.
fn direct(oid: u32) -> bool {
    matches!(
        oid,
        16 | 17 | 20 | 21 | 23 | 26 | 700 | 701 | 25 | 1043 | 1042 | 19
    )
}

impl RawRow {
    /// The values of `row`'s columns `columns` (of a fetch's tree).
    pub(super) fn read(row: &PgRow, columns: &Columns<'_>) -> Result<RawRow, String> {
        let raw = RawRow::of(row, columns.range(), columns.size_hint())?;
        columns.used(raw.bytes.len());
        Ok(raw)
    }

    /// The values of `row`'s columns `range`, with room for `size` bytes to begin with.
    pub(super) fn of(
        row: &PgRow,
        range: std::ops::Range<usize>,
        size: usize,
    ) -> Result<RawRow, String> {
        let mut slots = Vec::with_capacity(range.len());
        let mut bytes = Vec::with_capacity(size);
        for i in range {
            let raw = row.try_get_raw(i).map_err(|e| e.to_string())?;
            let oid = raw.type_info().oid().map_or(0, |o| o.0);
            if raw.is_null() || raw.format() != PgValueFormat::Binary || !direct(oid) {
                slots.push(Slot::Cell(decode_value(row, i)?));
                continue;
            }
            let start = bytes.len() as u32;
            bytes.extend_from_slice(raw.as_bytes().map_err(|e| e.to_string())?);
            slots.push(Slot::Raw {
                oid,
                start,
                end: bytes.len() as u32,
            });
        }
        Ok(RawRow { bytes, slots })
    }

    /// The number of bytes kept.
    pub(super) fn size(&self) -> usize {
        self.bytes.len()
    }

    /// The decoded values, for [`super::foreign`] to resolve.
    pub(super) fn cells_mut(&mut self) -> impl Iterator<Item = &mut Cell> {
        self.slots.iter_mut().filter_map(|s| match s {
            Slot::Cell(c) => Some(c),
            Slot::Raw { .. } => None,
        })
    }

    /// The values as Python objects, in column order.
    pub(super) fn into_python<'a, 'py>(
        self,
        py: Python<'py>,
        conv: &'a Converters<'py>,
    ) -> impl Iterator<Item = PyResult<Bound<'py, PyAny>>> + use<'a, 'py> {
        let bytes = self.bytes;
        self.slots.into_iter().map(move |slot| match slot {
            Slot::Cell(cell) => conv.cell(py, cell),
            Slot::Raw { oid, start, end } => {
                direct_value(py, oid, &bytes[start as usize..end as usize])
            }
        })
    }
}

/// A value of one of the [`direct`] types from its binary form.
fn direct_value<'py>(py: Python<'py>, oid: u32, b: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let wrong = pyo3::exceptions::PyValueError::new_err;
    Ok(match oid {
        16 => PyBool::new(py, b.first().is_some_and(|&x| x != 0))
            .to_owned()
            .into_any(),
        20 => PyInt::new(py, i64::from_be_bytes(fixed(b).map_err(wrong)?)).into_any(),
        23 => PyInt::new(py, i32::from_be_bytes(fixed(b).map_err(wrong)?)).into_any(),
        26 => PyInt::new(py, u32::from_be_bytes(fixed(b).map_err(wrong)?)).into_any(),
        21 => PyInt::new(py, i16::from_be_bytes(fixed(b).map_err(wrong)?)).into_any(),
        700 => PyFloat::new(py, f64::from(f32::from_be_bytes(fixed(b).map_err(wrong)?))).into_any(),
        701 => PyFloat::new(py, f64::from_be_bytes(fixed(b).map_err(wrong)?)).into_any(),
        17 => PyBytes::new(py, b).into_any(),
        // text, varchar, bpchar, name: Python checks the UTF-8 as it copies it.
        _ => PyString::from_bytes(py, b)?.into_any(),
    })
}
