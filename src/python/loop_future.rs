//! Engine futures polled on the event loop's own thread.
//!
//! `pyo3_async_runtimes::tokio::future_into_py` hands every call to a tokio worker and the
//! result to a blocking-pool thread that resolves an asyncio future: three thread switches
//! per call, each a wake-up of an idle thread (and a new blocking thread when the last one
//! expired while Python did other work). A [`LoopFuture`] instead polls the engine future
//! where the coroutine runs: at the call, which sends the statement at once, and again each
//! time the engine wakes it. The only switch left is the one every event loop has: tokio's
//! I/O driver sees the socket become readable and wakes the loop, through the loop's
//! [`doorbell`](super::doorbell) (no GIL needed), or `call_soon_threadsafe` on a loop that
//! cannot watch sockets. The GIL is released while the engine future runs.
//!
//! For calls that do their work in one burst (a statement and its rows). Bulk calls, which
//! encode rows for seconds or read them from Python on another thread, keep
//! `future_into_py` so that the loop stays free while they run.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

use pyo3::exceptions::{PyBaseException, PyRuntimeError, PyStopIteration};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyCFunction;
use pyo3::IntoPyObjectExt;

use super::doorbell::{self, Bell};

/// What the engine future resolves to: a maker of the Python result, run with the GIL.
type Made = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;
type EngineFuture = Pin<Box<dyn Future<Output = PyResult<Made>> + Send>>;

/// Starts `future` now, on this thread; returns the awaitable that finishes it.
pub(super) fn loop_future<'py, F, T>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let future: EngineFuture = Box::pin(async move {
        let value = future.await?;
        Ok(Box::new(move |py: Python<'_>| value.into_py_any(py)) as Made)
    });
    let call = LoopFuture {
        state: Mutex::new(State::Running(future)),
        wakeup: Arc::new(Wakeup::default()),
    };
    call.poll_engine(py);
    Ok(Bound::new(py, call)?.into_any())
}

/// The awaitable of one engine call (an iterator in the protocol of generator-based
/// coroutines, as asyncio's own futures are).
#[pyclass(module = "data_bridge._data_bridge")]
pub(crate) struct LoopFuture {
    state: Mutex<State>,
    wakeup: Arc<Wakeup>,
}

enum State {
    Running(EngineFuture),
    Done(PyResult<Made>),
    /// Its result was taken, or it was closed.
    Finished,
}

#[pymethods]
impl LoopFuture {
    fn __await__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// Polls again if woken; returns the asyncio future to wait on, or raises
    /// `StopIteration` with the result.
    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.step(py)
    }

    fn send(&self, py: Python<'_>, _value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.step(py)
    }

    /// Raises `kind` (the task was cancelled, say) after dropping the engine future, which
    /// cancels its statement on the server.
    #[pyo3(signature = (kind, value=None, _traceback=None))]
    fn throw(
        &self,
        kind: &Bound<'_, PyAny>,
        value: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        self.close();
        let exception = match value {
            _ if kind.is_instance_of::<PyBaseException>() => kind.clone(),
            Some(v) if v.is_instance_of::<PyBaseException>() => v.clone(),
            Some(v) if !v.is_none() => kind.call1((v,))?,
            _ => kind.call0()?,
        };
        Err(PyErr::from_value(exception))
    }

    /// Drops the engine future (cancelling its statement) unless it is done.
    fn close(&self) {
        let state = std::mem::replace(&mut *self.lock(), State::Finished);
        self.wakeup.lock().waiting = None;
        let _runtime = pyo3_async_runtimes::tokio::get_runtime().enter();
        drop(state);
    }
}

impl Drop for LoopFuture {
    fn drop(&mut self) {
        self.close();
    }
}

impl LoopFuture {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Polls the engine future once, without the GIL, in the runtime's context.
    fn poll_engine(&self, py: Python<'_>) {
        let mut state = self.lock();
        let State::Running(future) = &mut *state else {
            return;
        };
        self.wakeup.lock().woken = false;
        let waker = Waker::from(self.wakeup.clone());
        let polled = {
            let _runtime = pyo3_async_runtimes::tokio::get_runtime().enter();
            py.detach(|| future.as_mut().poll(&mut Context::from_waker(&waker)))
        };
        if let Poll::Ready(result) = polled {
            *state = State::Done(result);
        }
    }

    fn step(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if self.wakeup.lock().woken {
            self.poll_engine(py);
        }
        let state = std::mem::replace(&mut *self.lock(), State::Finished);
        match state {
            State::Done(result) => {
                let value = result.and_then(|make| make(py))?;
                Err(PyStopIteration::new_err((value,)))
            }
            State::Finished => Err(PyRuntimeError::new_err(
                "cannot reuse an already awaited data_bridge call",
            )),
            running @ State::Running(_) => {
                *self.lock() = running;
                self.wait(py)
            }
        }
    }

    /// An asyncio future that the engine's next wake-up resolves (at once if it came
    /// while the engine was polled).
    fn wait(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let event_loop = pyo3_async_runtimes::get_running_loop(py)?;
        let waiter = event_loop.call_method0(pyo3::intern!(py, "create_future"))?;
        waiter.setattr(pyo3::intern!(py, "_asyncio_future_blocking"), true)?;
        let waiting = match doorbell::for_loop(py, &event_loop) {
            Some(bell) => Waiting::Bell(bell, waiter.clone().unbind()),
            None => Waiting::Loop(event_loop.unbind(), waiter.clone().unbind()),
        };
        let mut wakeup = self.wakeup.lock();
        if wakeup.woken {
            drop(wakeup);
            waiter.call_method1(pyo3::intern!(py, "set_result"), (py.None(),))?;
        } else {
            wakeup.waiting = Some(waiting);
        }
        Ok(waiter.unbind())
    }
}

/// What the engine's waker reaches: whether it fired, and the asyncio future it resolves.
#[derive(Default)]
struct Wakeup {
    state: Mutex<WakeState>,
}

#[derive(Default)]
struct WakeState {
    woken: bool,
    waiting: Option<Waiting>,
}

/// The asyncio future a wake-up resolves, and how it reaches the loop.
enum Waiting {
    /// Through the loop's doorbell, without the GIL.
    Bell(Arc<Bell>, Py<PyAny>),
    /// Through `call_soon_threadsafe` on the loop.
    Loop(Py<PyAny>, Py<PyAny>),
}

impl Wakeup {
    fn lock(&self) -> MutexGuard<'_, WakeState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Wake for Wakeup {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let waiting = {
            let mut state = self.lock();
            state.woken = true;
            state.waiting.take()
        };
        match waiting {
            None => {}
            Some(Waiting::Bell(bell, waiter)) => bell.ring(waiter),
            Some(Waiting::Loop(event_loop, waiter)) => Python::attach(|py| {
                // A closed loop has no one left to wake.
                let _ = event_loop.call_method1(
                    py,
                    pyo3::intern!(py, "call_soon_threadsafe"),
                    (resolver(py), waiter),
                );
            }),
        }
    }
}

/// `resolve(waiter)`: marks the waiter done unless it was cancelled meanwhile.
fn resolver(py: Python<'_>) -> &Py<PyCFunction> {
    static RESOLVE: PyOnceLock<Py<PyCFunction>> = PyOnceLock::new();
    RESOLVE.get_or_init(py, || {
        PyCFunction::new_closure(py, None, None, |args, _| -> PyResult<()> {
            doorbell::resolve(&args.get_item(0)?)
        })
        .expect("a resolver function")
        .unbind()
    })
}
