//! A wake-up line from the engine's threads to one asyncio event loop that needs no GIL.
//!
//! `loop.call_soon_threadsafe` must be called with the GIL. From tokio's threads that means
//! waiting for it whenever Python code runs, up to the interpreter's switch interval (5 ms)
//! per wake-up, and every other engine task on that thread waits too. A [`Doorbell`] is a
//! socket pair whose reading end the loop watches (`loop.add_reader`): a wake-up queues the
//! asyncio future to resolve and writes one byte, without the GIL, and the loop resolves
//! every queued future in one callback when it next polls its sockets.

use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// The waking end, shared by the engine's wakers of every call waiting on one loop.
pub(super) struct Bell {
    queue: Mutex<Queue>,
    writer: UnixStream,
    reader: UnixStream,
}

#[derive(Default)]
struct Queue {
    waiters: Vec<Py<PyAny>>,
    /// A byte is on its way to the loop; later wake-ups only queue their future.
    rung: bool,
}

impl Bell {
    fn new() -> std::io::Result<Self> {
        let (writer, reader) = UnixStream::pair()?;
        writer.set_nonblocking(true)?;
        reader.set_nonblocking(true)?;
        Ok(Self {
            queue: Mutex::default(),
            writer,
            reader,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `waiter` (an asyncio future of the bell's loop) to be resolved on the loop.
    /// Any thread, no GIL.
    pub(super) fn ring(&self, waiter: Py<PyAny>) {
        let mut queue = self.lock();
        queue.waiters.push(waiter);
        if !queue.rung {
            queue.rung = true;
            // Nothing else is ever written, so the socket cannot be full; a loop that was
            // closed meanwhile has no one left to wake.
            let _ = (&self.writer).write(&[1]);
        }
    }

    /// Empties the socket, then takes the queue: a wake-up that lands between the two has
    /// its future taken now and leaves a byte for a harmless empty round later, and one
    /// after finds `rung` cleared and writes a new byte.
    fn take(&self) -> Vec<Py<PyAny>> {
        let mut buffer = [0u8; 64];
        loop {
            match (&self.reader).read(&mut buffer) {
                Ok(0) => break,
                Ok(_) => continue,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        let mut queue = self.lock();
        queue.rung = false;
        std::mem::take(&mut queue.waiters)
    }
}

/// The loop's reader callback: resolves the futures whose engine calls woke up.
#[pyclass(frozen, module = "data_bridge._data_bridge")]
pub(crate) struct Doorbell {
    bell: Arc<Bell>,
}

#[pymethods]
impl Doorbell {
    /// Resolves every queued waiter, even when one of them raises (a third-party loop's
    /// future, say): the first error goes to the loop's exception handler after the rest
    /// were resolved, so that one bad future strands no other call.
    fn __call__(&self, py: Python<'_>) -> PyResult<()> {
        let mut failed = None;
        for waiter in self.bell.take() {
            if let Err(e) = resolve(waiter.bind(py)) {
                failed.get_or_insert(e);
            }
        }
        failed.map_or(Ok(()), Err)
    }
}

/// Marks `waiter` (an asyncio future) done, unless its task was cancelled meanwhile and
/// it is done already.
pub(super) fn resolve(waiter: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = waiter.py();
    if !waiter
        .call_method0(pyo3::intern!(py, "done"))?
        .is_truthy()?
    {
        waiter.call_method1(pyo3::intern!(py, "set_result"), (py.None(),))?;
    }
    Ok(())
}

/// The bell of `event_loop`, installed on first use; `None` when the loop cannot watch a
/// socket (`add_reader` unsupported) or cannot be weakly referenced, so that the caller
/// falls back to `call_soon_threadsafe`.
///
/// Bells are kept in a `weakref.WeakKeyDictionary` keyed by the loop: a new loop never
/// finds the bell of an old one that lived at the same address, and a loop's bell (its
/// socket pair) goes when the loop does.
pub(super) fn for_loop(py: Python<'_>, event_loop: &Bound<'_, PyAny>) -> Option<Arc<Bell>> {
    static BELLS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let bells = BELLS
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("weakref")?
                .getattr("WeakKeyDictionary")?
                .call0()?
                .unbind())
        })
        .ok()?
        .bind(py);
    let known = bells
        .call_method1(pyo3::intern!(py, "get"), (event_loop,))
        .ok()?;
    if let Ok(doorbell) = known.cast::<Doorbell>() {
        return Some(doorbell.get().bell.clone());
    }
    if !known.is_none() {
        // Marked as a loop that cannot watch sockets.
        return None;
    }
    match install(py, event_loop) {
        Ok(doorbell) => {
            let bell = doorbell.get().bell.clone();
            bells.set_item(event_loop, doorbell).ok()?;
            Some(bell)
        }
        Err(_) => {
            let _ = bells.set_item(event_loop, false);
            None
        }
    }
}

/// Makes a bell and has `event_loop` watch its reading end.
fn install<'py>(py: Python<'py>, event_loop: &Bound<'py, PyAny>) -> PyResult<Bound<'py, Doorbell>> {
    let bell = Arc::new(Bell::new()?);
    let fd = bell.reader.as_raw_fd();
    let doorbell = Bound::new(py, Doorbell { bell })?;
    event_loop.call_method1(pyo3::intern!(py, "add_reader"), (fd, &doorbell))?;
    Ok(doorbell)
}
