//! Blocking work from async code, kept off the runtime's worker threads: processes and
//! waits (`initdb`, `pg_ctl`, a server starting) go to the blocking pool, CPU-bound planning
//! (rayon) tells the runtime it blocks.

use tokio::runtime::{Handle, RuntimeFlavor};

/// Runs `f`, which waits on processes or files, on the runtime's blocking pool.
pub async fn run_blocking<T, F>(f: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(value) => value,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("a blocking task was cancelled: {e}"),
    }
}

/// Runs CPU-bound `f` (planning) where it stands, telling a multi-threaded runtime to move
/// its other tasks elsewhere meanwhile; on a single-threaded runtime it just runs.
pub fn compute<T>(f: impl FnOnce() -> T) -> T {
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}
