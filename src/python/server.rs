//! A throwaway PostgreSQL server for tests (`data_bridge.testing`): the engine's embedded
//! server, started from the installed binaries on a private Unix socket.

use std::sync::Mutex;

use pyo3::prelude::*;

use super::exceptions::{raise, Details};
use crate::engine::embedded::EmbeddedServer;

/// A running throwaway server; `stop()` (or the end of the process) removes it.
#[pyclass(frozen, module = "data_bridge._data_bridge", name = "TestServer")]
pub(crate) struct TestServer {
    server: Mutex<Option<EmbeddedServer>>,
}

#[pymethods]
impl TestServer {
    /// Starts a fresh, empty server (a few seconds, without the GIL).
    #[new]
    fn new(py: Python<'_>) -> PyResult<Self> {
        let server = py
            .detach(EmbeddedServer::start)
            .map_err(|e| raise("OperationalError", e.to_string(), Details::default()))?;
        Ok(TestServer {
            server: Mutex::new(Some(server)),
        })
    }

    /// The URL of `database` on this server.
    #[pyo3(signature = (database="postgres"))]
    fn url(&self, database: &str) -> PyResult<String> {
        match self.server.lock().expect("server lock").as_ref() {
            Some(s) => Ok(s.url(database)),
            None => Err(raise(
                "OperationalError",
                "the server is stopped",
                Details::default(),
            )),
        }
    }

    /// Stops the server and removes its files.
    fn stop(&self, py: Python<'_>) {
        let server = self.server.lock().expect("server lock").take();
        if let Some(s) = server {
            py.detach(move || s.stop());
        }
    }
}
