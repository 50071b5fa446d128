//! The `dbridge` command inside the Python module: `python -m data_bridge ...` and the
//! `dbridge` console script run the same command line as the binary, in-process.

use pyo3::prelude::*;

/// Runs the command line with `argv` (the program name first) without the GIL; returns the
/// exit code.
#[pyfunction]
pub(crate) fn run_cli(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(move || crate::cli::run(argv))
}
