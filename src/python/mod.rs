//! The Python module `data_bridge._data_bridge`: bindings only. Values are converted here,
//! the GIL is released while the engine works, and engine errors become the exception
//! hierarchy of [`exceptions`]; connecting, querying and decoding rows stay in the engine
//! and in [`rows`], which runs without the GIL.

mod catalog;
mod cli;
mod conns;
mod crud;
mod doorbell;
mod exceptions;
mod filters;
mod foreign;
mod loop_future;
mod methods;
mod migrations;
mod network;
mod numeric;
mod param_arrays;
mod params;
mod pool;
mod raw_row;
mod row;
mod row_reader;
mod rows;
mod schema;
mod server;
mod session;
mod shapes;
mod tag;
mod temporal;
mod text_params;
mod transaction;
mod tree;
mod type_kinds;
mod upserts;
mod values;

use pyo3::prelude::*;

/// mimalloc for the module's own allocations (Python's objects keep Python's allocator):
/// decoding a result allocates a value per cell and frees it once the Python object is
/// made, which the system allocator did in ~12% of a 1,000-row fetch's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The engine's runtime: fewer worker threads than cores, since the Python thread needs one
/// and each extra worker adds cross-thread wake-ups to every round trip (on 2 cores, one
/// worker took a single-row insert from ~180 to ~120 µs). `DATA_BRIDGE_WORKER_THREADS`
/// overrides it.
fn runtime_builder() -> tokio::runtime::Builder {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let threads = std::env::var("DATA_BRIDGE_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| cores.saturating_sub(1).clamp(1, 4));
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(threads).enable_all();
    builder
}

/// The native module: the pool, the test server and the exceptions.
#[pymodule]
fn _data_bridge(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    pyo3_async_runtimes::tokio::init(runtime_builder());
    m.add_function(wrap_pyfunction!(pool::connect, m)?)?;
    m.add_function(wrap_pyfunction!(cli::run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(session::statements_sent, m)?)?;
    m.add_class::<pool::Pool>()?;
    m.add_class::<row::Row>()?;
    m.add_class::<transaction::Transaction>()?;
    m.add_class::<transaction::Savepoint>()?;
    m.add_class::<server::TestServer>()?;
    m.add_class::<upserts::UpsertResult>()?;
    m.add_class::<schema::Schema>()?;
    m.add_class::<schema::Plan>()?;
    m.add_function(wrap_pyfunction!(schema::diff, m)?)?;
    m.add_function(wrap_pyfunction!(schema::schema_of_sql, m)?)?;
    m.add_function(wrap_pyfunction!(migrations::migrate, m)?)?;
    m.add_function(wrap_pyfunction!(migrations::migrate_down, m)?)?;
    m.add_function(wrap_pyfunction!(migrations::migration_status, m)?)?;
    m.add_class::<filters::Col>()?;
    m.add_class::<filters::Expr>()?;
    m.add_function(wrap_pyfunction!(filters::col, m)?)?;
    exceptions::register(m)?;
    Ok(())
}
