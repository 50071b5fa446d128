//! The module's pool of connections. Each connection is kept with its server process id, so
//! that a statement whose caller goes away (an asyncio task cancelled mid-query) is cancelled
//! on the server (`pg_cancel_backend` from a second connection) and its connection drained
//! (and an open transaction rolled back) before it serves anyone else. Until then it keeps
//! its place in `max_size`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pyo3::PyResult;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, TransactionManager};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::exceptions::{from_engine, from_sqlx, raise, Details};
use crate::engine::postgres::connect::{connect_with, options, redact, PoolConfig};

/// A pool; clones share it.
#[derive(Clone)]
pub(crate) struct ConnPool {
    inner: Arc<Inner>,
}

struct Inner {
    opts: PgConnectOptions,
    shown: String,
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Live>>,
    acquire_timeout: Duration,
    open: AtomicU32,
}

/// An open connection and its server process.
struct Live {
    conn: PgConnection,
    pid: i32,
    /// When it last came back to the pool.
    since: Instant,
}

/// A connection idle for longer is pinged before it is lent (the server or a proxy may
/// have closed it meanwhile); one back sooner is lent as it is.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// A connection lent to one caller; dropping it gives the connection back.
pub(crate) struct Lease {
    live: Option<Live>,
    permit: Option<OwnedSemaphorePermit>,
    pool: Arc<Inner>,
    /// A statement is in flight: if the lease is dropped now, its caller went away.
    busy: bool,
    /// Inside BEGIN ... COMMIT: a lease dropped now is rolled back first.
    pub(super) in_transaction: bool,
    /// The connection failed (not a server error): it is closed, not reused.
    broken: bool,
}

impl ConnPool {
    /// Opens a pool on `url` with `min_size` connections made at once (the first reports
    /// a wrong URL, host or password with the server's own message).
    pub(crate) async fn open(url: &str, config: &PoolConfig) -> PyResult<ConnPool> {
        let mut opts = options(url).map_err(from_engine)?;
        if !config.statement_cache {
            opts = opts.statement_cache_capacity(0);
        }
        let inner = Arc::new(Inner {
            opts,
            shown: redact(url),
            permits: Arc::new(Semaphore::new(config.max_size.max(1) as usize)),
            idle: Mutex::new(Vec::new()),
            acquire_timeout: config.acquire_timeout,
            open: AtomicU32::new(0),
        });
        let mut warm = Vec::new();
        for _ in 0..config.min_size.max(1).min(config.max_size.max(1)) {
            warm.push(inner.connect().await?);
        }
        inner.idle.lock().expect("pool").extend(warm);
        Ok(ConnPool { inner })
    }

    /// A connection, waiting up to `acquire_timeout` for one to be free.
    pub(crate) async fn acquire(&self) -> PyResult<Lease> {
        let inner = &self.inner;
        let permit = match tokio::time::timeout(
            inner.acquire_timeout,
            inner.permits.clone().acquire_owned(),
        )
        .await
        {
            Err(_) => {
                return Err(raise(
                    "PoolTimeout",
                    "no connection of the pool became free within acquire_timeout",
                    Details::default(),
                ))
            }
            Ok(Err(_)) => {
                return Err(raise(
                    "OperationalError",
                    "the pool is closed",
                    Details::default(),
                ))
            }
            Ok(Ok(permit)) => permit,
        };
        let live = loop {
            let idle = inner.idle.lock().expect("pool").pop();
            match idle {
                Some(live) if live.since.elapsed() < PING_AFTER_IDLE => break live,
                Some(mut live) => {
                    if live.conn.ping().await.is_ok() {
                        break live;
                    }
                    inner.open.fetch_sub(1, Ordering::Relaxed);
                }
                None => break inner.connect().await?,
            }
        };
        Ok(Lease {
            live: Some(live),
            permit: Some(permit),
            pool: inner.clone(),
            busy: false,
            in_transaction: false,
            broken: false,
        })
    }

    /// Closes the idle connections and refuses new leases; leased ones close on return.
    pub(crate) async fn close(&self) {
        self.inner.permits.close();
        let idle: Vec<Live> = std::mem::take(&mut *self.inner.idle.lock().expect("pool"));
        for live in idle {
            self.inner.open.fetch_sub(1, Ordering::Relaxed);
            let _ = live.conn.close().await;
        }
    }

    /// Connections open (in use or idle).
    pub(crate) fn size(&self) -> u32 {
        self.inner.open.load(Ordering::Relaxed)
    }

    /// Connections open and idle.
    pub(crate) fn idle(&self) -> usize {
        self.inner.idle.lock().expect("pool").len()
    }
}

impl Inner {
    async fn connect(&self) -> PyResult<Live> {
        let mut conn = connect_with(&self.opts, &self.shown)
            .await
            .map_err(from_engine)?;
        let pid: i32 = sqlx::query_scalar("SELECT pg_catalog.pg_backend_pid()")
            .fetch_one(&mut conn)
            .await
            .map_err(from_sqlx)?;
        self.open.fetch_add(1, Ordering::Relaxed);
        Ok(Live {
            conn,
            pid,
            since: Instant::now(),
        })
    }

    /// Takes a connection back: at once when it is clean, else after cancelling what runs
    /// on it and rolling back its transaction, on the runtime.
    fn give_back(
        self: Arc<Self>,
        mut live: Live,
        permit: OwnedSemaphorePermit,
        busy: bool,
        in_tx: bool,
    ) {
        if self.permits.is_closed() {
            self.open.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        if !busy && !in_tx {
            live.since = Instant::now();
            self.idle.lock().expect("pool").push(live);
            drop(permit);
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.open.fetch_sub(1, Ordering::Relaxed);
            return;
        };
        runtime.spawn(async move {
            let clean = async {
                if busy {
                    let mut other = connect_with(&self.opts, &self.shown).await.ok()?;
                    let _ = sqlx::query("SELECT pg_catalog.pg_cancel_backend($1)")
                        .bind(live.pid)
                        .execute(&mut other)
                        .await;
                    let _ = other.close().await;
                }
                // Waits for the cancelled statement's end, then leaves any transaction.
                let _ = live.conn.ping().await;
                if in_tx {
                    // Through the transaction manager, which began it (and so knows it ended).
                    sqlx::postgres::PgTransactionManager::rollback(&mut live.conn)
                        .await
                        .ok()?;
                }
                live.conn.ping().await.ok()
            };
            if clean.await.is_some() && !self.permits.is_closed() {
                live.since = Instant::now();
                self.idle.lock().expect("pool").push(live);
            } else {
                self.open.fetch_sub(1, Ordering::Relaxed);
                let _ = live.conn.close().await;
            }
            drop(permit);
        });
    }
}

impl Lease {
    /// The connection, marked busy until [`Lease::done`].
    pub(crate) fn start(&mut self) -> &mut PgConnection {
        self.busy = true;
        &mut self
            .live
            .as_mut()
            .expect("a lease holds its connection")
            .conn
    }

    /// The engine's work on the connection ended (its errors are its own to report).
    pub(crate) fn idle_again(&mut self) {
        self.busy = false;
    }

    /// The statement ended; `failed_connection` when it failed other than by the server
    /// refusing it (the connection is then not reused).
    pub(crate) fn done<T>(&mut self, result: &Result<T, sqlx::Error>) {
        self.busy = false;
        if let Err(e) = result {
            if !matches!(e, sqlx::Error::Database(_)) {
                self.broken = true;
            }
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let (Some(live), Some(permit)) = (self.live.take(), self.permit.take()) else {
            return;
        };
        if self.broken {
            self.pool.open.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
            return;
        }
        self.pool
            .clone()
            .give_back(live, permit, self.busy, self.in_transaction);
    }
}
