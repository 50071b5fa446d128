//! Result rows: read from the server's binary format without the GIL ([`RawRow`]s, values
//! of the less common types decoded into [`Cell`]s), then turned into Python objects in one
//! pass, as [`Row`]s.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList};

use super::network::{bits_text, hstore_pairs, inet_text, mac_text};
use super::raw_row::RawRow;
use super::row::Row;
use super::temporal::{DateTimeModule, Temporal};
use sqlx::postgres::{PgRow, PgValueFormat};
use sqlx::{Column, Row as _, TypeInfo, ValueRef};

/// One decoded value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A numeric, exactly, as decimal text (`"-12.50"`, `"NaN"`, `"Infinity"`).
    Numeric(String),
    Text(String),
    Bytes(Vec<u8>),
    /// A json or jsonb document's text.
    Json(String),
    Uuid([u8; 16]),
    Temporal(Temporal),
    /// An inet or cidr as text, and whether it is a cidr.
    Inet(String, bool),
    /// An hstore's pairs.
    Map(Vec<(String, Option<String>)>),
    Array(Vec<Cell>),
    /// A range, with its bounds decoded.
    Range(Box<super::shapes::Bounds<Cell>>),
    /// A value of a type this module has no decoder for, as the server sent it: its type's
    /// oid and binary form, until [`super::foreign`] turns it into its text.
    Foreign(u32, Vec<u8>),
}

/// Rows with their column names.
#[derive(Default)]
pub(super) struct Rows {
    pub columns: Arc<[String]>,
    pub rows: Vec<RawRow>,
}

impl Rows {
    /// Reads `row` (its columns' names with the first); a value of a type this module
    /// does not know is left as [`Cell::Foreign`] for [`super::foreign::resolve`].
    pub(super) fn push(&mut self, row: &PgRow) -> Result<(), String> {
        let size = match self.rows.last() {
            Some(last) => last.size(),
            None => {
                self.columns = row.columns().iter().map(|c| c.name().to_string()).collect();
                0
            }
        };
        self.rows.push(RawRow::of(row, 0..row.len(), size)?);
        Ok(())
    }
}

pub(super) fn decode_value(row: &PgRow, i: usize) -> Result<Cell, String> {
    let raw = row.try_get_raw(i).map_err(|e| e.to_string())?;
    if raw.is_null() {
        return Ok(Cell::Null);
    }
    let type_info = raw.type_info();
    let oid = type_info.oid().map_or(0, |o| o.0);
    let bytes = raw.as_bytes().map_err(|e| e.to_string())?;
    if raw.format() == PgValueFormat::Text {
        return Ok(Cell::Text(String::from_utf8_lossy(bytes).into_owned()));
    }
    let column = || format!("column {:?} ({})", row.column(i).name(), type_info.name());
    // Extension types have no fixed oid: hstore is known by name (only for such oids).
    if oid >= 16384 && type_info.name() == "hstore" {
        return hstore_pairs(bytes)
            .map(Cell::Map)
            .map_err(|e| format!("{}: {e}", column()));
    }
    binary(oid, bytes).map_err(|e| format!("{}: {e}", column()))
}

/// The value of a type from its binary form.
pub(super) fn binary(oid: u32, b: &[u8]) -> Result<Cell, String> {
    Ok(match oid {
        16 => Cell::Bool(b.first().is_some_and(|&x| x != 0)),
        20 => Cell::Int(i64::from_be_bytes(fixed(b)?)),
        23 => Cell::Int(i64::from(i32::from_be_bytes(fixed(b)?))),
        26 => Cell::Int(i64::from(u32::from_be_bytes(fixed(b)?))),
        21 => Cell::Int(i64::from(i16::from_be_bytes(fixed(b)?))),
        700 => Cell::Float(f64::from(f32::from_be_bytes(fixed(b)?))),
        701 => Cell::Float(f64::from_be_bytes(fixed(b)?)),
        1700 => Cell::Numeric(super::numeric::numeric_text(b)?),
        17 => Cell::Bytes(b.to_vec()),
        114 => Cell::Json(utf8(b)?),
        3802 => match b.split_first() {
            Some((1, doc)) => Cell::Json(utf8(doc)?),
            _ => return Err("unknown jsonb version".into()),
        },
        2950 => Cell::Uuid(fixed(b)?),
        869 | 650 => {
            let (text, cidr) = inet_text(b)?;
            Cell::Inet(text, cidr)
        }
        829 | 774 => Cell::Text(mac_text(b)),
        1560 | 1562 => Cell::Text(bits_text(b)?),
        // text, varchar, bpchar, name, "char", unknown, xml, pg_node_tree: their text.
        25 | 1043 | 1042 | 19 | 18 | 705 | 142 | 194 => Cell::Text(utf8(b)?),
        _ => {
            // Each decoder says whether the type is its own, and decodes it at once.
            if let Some(shape) = super::shapes::decode(oid, b) {
                shape?
            } else if let Some(temporal) = Temporal::decode(oid, b) {
                Cell::Temporal(temporal?)
            } else if let Some(elem) = array_element(oid) {
                array(elem, b)?
            } else {
                Cell::Foreign(oid, b.to_vec())
            }
        }
    })
}

pub(super) fn fixed<const N: usize>(b: &[u8]) -> Result<[u8; N], String> {
    b.try_into()
        .map_err(|_| format!("expected {N} bytes, got {}", b.len()))
}

fn utf8(b: &[u8]) -> Result<String, String> {
    String::from_utf8(b.to_vec()).map_err(|e| e.to_string())
}

/// The element type of the built-in array types this module decodes.
pub(super) fn array_element(oid: u32) -> Option<u32> {
    Some(match oid {
        1000 => 16,
        1001 => 17,
        1005 => 21,
        1007 => 23,
        1016 => 20,
        1021 => 700,
        1022 => 701,
        1231 => 1700,
        1009 => 25,
        1015 => 1043,
        1014 => 1042,
        1003 => 19,
        199 => 114,
        3807 => 3802,
        2951 => 2950,
        1028 => 26,
        1182 => 1082,
        1183 => 1083,
        1270 => 1266,
        1115 => 1114,
        1185 => 1184,
        1187 => 1186,
        1041 => 869,
        651 => 650,
        1040 => 829,
        143 => 142,
        1561 => 1560,
        1563 => 1562,
        _ => return None,
    })
}

/// An array's binary form: dimensions, then each element with its length (-1 for NULL);
/// several dimensions become nested lists.
pub(super) fn array(elem: u32, b: &[u8]) -> Result<Cell, String> {
    let mut r = Reader(b);
    let ndim = r.i32()?;
    let _has_nulls = r.i32()?;
    let _elem_oid = r.i32()?;
    if ndim == 0 {
        return Ok(Cell::Array(Vec::new()));
    }
    let mut dims = Vec::new();
    for _ in 0..ndim {
        let len = usize::try_from(r.i32()?).map_err(|_| "negative dimension")?;
        let _lower = r.i32()?;
        dims.push(len);
    }
    let total: usize = dims.iter().product();
    let mut flat = Vec::with_capacity(total);
    for _ in 0..total {
        let len = r.i32()?;
        flat.push(match usize::try_from(len) {
            Ok(n) => binary(elem, r.take(n)?)?,
            Err(_) => Cell::Null,
        });
    }
    Ok(nest(&dims, &mut flat.into_iter()))
}

fn nest(dims: &[usize], items: &mut impl Iterator<Item = Cell>) -> Cell {
    match dims.split_first() {
        Some((n, [])) => Cell::Array(items.take(*n).collect()),
        Some((n, rest)) => Cell::Array((0..*n).map(|_| nest(rest, items)).collect()),
        None => Cell::Array(Vec::new()),
    }
}

/// Reads big-endian integers and slices off the front of a buffer.
pub(super) struct Reader<'a>(pub(super) &'a [u8]);

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("value ends early".into());
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
    pub(super) fn i32(&mut self) -> Result<i32, String> {
        Ok(i32::from_be_bytes(fixed(self.take(4)?)?))
    }
    pub(super) fn i16(&mut self) -> Result<i16, String> {
        Ok(i16::from_be_bytes(fixed(self.take(2)?)?))
    }
}

/// Python's `decimal.Decimal`, `json.loads` and `uuid.UUID`, looked up once per result.
pub(super) struct Converters<'py> {
    decimal: Bound<'py, PyAny>,
    loads: Bound<'py, PyAny>,
    uuid: Bound<'py, PyAny>,
    datetime: DateTimeModule<'py>,
    ipaddress: Bound<'py, PyAny>,
    range: Bound<'py, PyAny>,
}

impl<'py> Converters<'py> {
    /// The converters, looked up once per process.
    pub(super) fn new(py: Python<'py>) -> PyResult<Self> {
        static LOOKUPS: PyOnceLock<[Py<PyAny>; 5]> = PyOnceLock::new();
        let [decimal, loads, uuid, ipaddress, range] = LOOKUPS
            .get_or_try_init(py, || -> PyResult<_> {
                Ok([
                    py.import("decimal")?.getattr("Decimal")?.unbind(),
                    py.import("json")?.getattr("loads")?.unbind(),
                    py.import("uuid")?.getattr("UUID")?.unbind(),
                    py.import("ipaddress")?.into_any().unbind(),
                    py.import("data_bridge._range")?.getattr("Range")?.unbind(),
                ])
            })?
            .each_ref()
            .map(|c| c.bind(py).clone());
        Ok(Converters {
            decimal,
            loads,
            uuid,
            datetime: DateTimeModule::new(py)?,
            ipaddress,
            range,
        })
    }

    pub(super) fn cell(&self, py: Python<'py>, cell: Cell) -> PyResult<Bound<'py, PyAny>> {
        Ok(match cell {
            Cell::Null => py.None().into_bound(py),
            Cell::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
            Cell::Int(i) => i.into_pyobject(py)?.into_any(),
            Cell::Float(f) => f.into_pyobject(py)?.into_any(),
            Cell::Numeric(s) => self.decimal.call1((s,))?,
            Cell::Text(s) => s.into_pyobject(py)?.into_any(),
            Cell::Bytes(b) | Cell::Foreign(_, b) => PyBytes::new(py, &b).into_any(),
            Cell::Json(s) => self.loads.call1((s,))?,
            Cell::Uuid(b) => {
                let kwargs = pyo3::types::PyDict::new(py);
                kwargs.set_item("bytes", PyBytes::new(py, &b))?;
                self.uuid.call((), Some(&kwargs))?
            }
            Cell::Temporal(t) => self.datetime.to_python(t)?,
            // As asyncpg: a cidr is a network, an inet with a netmask an interface, else
            // an address.
            Cell::Inet(text, true) => self.ipaddress.call_method1("ip_network", (text,))?,
            Cell::Inet(text, false) if text.contains('/') => {
                self.ipaddress.call_method1("ip_interface", (text,))?
            }
            Cell::Inet(text, false) => self.ipaddress.call_method1("ip_address", (text,))?,
            Cell::Map(pairs) => {
                let d = PyDict::new(py);
                for (k, v) in pairs {
                    d.set_item(k, v)?;
                }
                d.into_any()
            }
            Cell::Range(bounds) => {
                let bounds = *bounds;
                let kwargs = PyDict::new(py);
                kwargs.set_item("lower_inc", bounds.lower_inc)?;
                kwargs.set_item("upper_inc", bounds.upper_inc)?;
                kwargs.set_item("empty", bounds.empty)?;
                let bound = |b: Option<Cell>| match b {
                    Some(c) => self.cell(py, c),
                    None => Ok(py.None().into_bound(py)),
                };
                let args = (bound(bounds.lower)?, bound(bounds.upper)?);
                self.range.call(args, Some(&kwargs))?
            }
            Cell::Array(items) => {
                let items = items
                    .into_iter()
                    .map(|c| self.cell(py, c))
                    .collect::<PyResult<Vec<_>>>()?;
                PyList::new(py, items)?.into_any()
            }
        })
    }
}

/// The rows as a list of [`Row`].
pub(super) fn to_python(py: Python<'_>, rows: Rows) -> PyResult<Py<PyAny>> {
    let conv = Converters::new(py)?;
    let out = rows
        .rows
        .into_iter()
        .map(|raw| {
            let values = raw
                .into_python(py, &conv)
                .map(|v| v.map(Bound::unbind))
                .collect::<PyResult<_>>()?;
            let row = Row {
                columns: rows.columns.clone(),
                values,
            };
            Py::new(py, row)
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, out)?.into_any().unbind())
}

/// The first row, or None.
pub(super) fn first_row(py: Python<'_>, rows: Rows) -> PyResult<Py<PyAny>> {
    let rows = Rows {
        columns: rows.columns,
        rows: rows.rows.into_iter().take(1).collect(),
    };
    let list = to_python(py, rows)?;
    let list = list.bind(py);
    match list.len()? {
        0 => Ok(py.None()),
        _ => Ok(list.get_item(0)?.unbind()),
    }
}

/// The first value of the first row, or None.
pub(super) fn first_value(py: Python<'_>, rows: Rows) -> PyResult<Py<PyAny>> {
    let conv = Converters::new(py)?;
    match rows.rows.into_iter().next() {
        Some(raw) => match raw.into_python(py, &conv).next() {
            Some(value) => Ok(value?.unbind()),
            None => Ok(py.None()),
        },
        None => Ok(py.None()),
    }
}
