//! `Row`: a result row, a read-only mapping from column name to value that also takes a
//! position (`row["id"]`, `row[0]`).

use std::sync::Arc;

use pyo3::exceptions::{PyIndexError, PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

/// A result row: a read-only mapping from column name to value that also takes a position
/// (`row["id"]`, `row[0]`).
#[pyclass(frozen, module = "data_bridge._data_bridge", name = "Row")]
pub(crate) struct Row {
    pub(super) columns: Arc<[String]>,
    /// Held by the row itself rather than in a tuple: a tuple per row is one more object
    /// for the cyclic GC to track, and its collections showed in a large fetch's profile.
    pub(super) values: Box<[Py<PyAny>]>,
}

#[pymethods]
impl Row {
    fn __getitem__<'py>(&self, py: Python<'py>, key: &Bound<'py, PyAny>) -> PyResult<Py<PyAny>> {
        let values = &self.values;
        if let Ok(name) = key.extract::<&str>() {
            return match self.columns.iter().position(|c| c == name) {
                Some(i) => Ok(values[i].clone_ref(py)),
                None => Err(PyKeyError::new_err(name.to_string())),
            };
        }
        let index: isize = key
            .extract()
            .map_err(|_| PyTypeError::new_err("a row is indexed by column name or position"))?;
        let len = values.len() as isize;
        let i = if index < 0 { index + len } else { index };
        if i < 0 || i >= len {
            return Err(PyIndexError::new_err("row index out of range"));
        }
        Ok(values[i as usize].clone_ref(py))
    }

    fn __len__(&self) -> usize {
        self.columns.len()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyList::new(py, self.columns.iter())?
            .try_iter()
            .map(Bound::into_any)
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> bool {
        key.extract::<&str>()
            .is_ok_and(|k| self.columns.iter().any(|c| c == k))
    }

    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.columns.iter())
    }

    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.values.iter().map(|v| v.bind(py)))
    }

    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let pairs = self
            .columns
            .iter()
            .zip(self.values.iter())
            .map(|(k, v)| PyTuple::new(py, [k.into_pyobject(py)?.into_any(), v.bind(py).clone()]))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, pairs)
    }

    #[pyo3(signature = (key, default=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &str,
        default: Option<Py<PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        match self.columns.iter().position(|c| c == key) {
            Some(i) => Ok(self.values[i].clone_ref(py)),
            None => Ok(default.unwrap_or_else(|| py.None())),
        }
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let mine = pyo3::types::PyDict::new(py);
        for (k, v) in self.columns.iter().zip(self.values.iter()) {
            mine.set_item(k, v)?;
        }
        let other = match other.cast::<Row>() {
            Ok(row) => row.get().to_dict(py)?.into_any(),
            Err(_) => other.clone(),
        };
        mine.eq(other)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let parts = self
            .columns
            .iter()
            .zip(self.values.iter())
            .map(|(k, v)| Ok(format!("{k}={}", v.bind(py).repr()?)))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(format!("Row({})", parts.join(", ")))
    }
}

impl Row {
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let d = pyo3::types::PyDict::new(py);
        for (k, v) in self.columns.iter().zip(self.values.iter()) {
            d.set_item(k, v)?;
        }
        Ok(d)
    }
}
