//! The MongoDB server of a test run: `MONGODB_URL` when set, else a SecantusDB server
//! (a MongoDB wire-protocol server over WiredTiger) started once per test binary from
//! `$SECANTUSD` or `secantusd-py` on PATH, and stopped when the test process ends. Each test
//! gets a database of its own. A missing server is a failure, never a skip.
//!
//! Tests of a server without transactions (not a replica set) use a second one:
//! `MONGODB_STANDALONE_URL`, else SecantusDB started with `--standalone`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use mongodb::bson::doc;

struct Server {
    /// `mongodb://host:port`, without a database.
    base: String,
    _storage: Option<tempfile::TempDir>,
    /// The shell that runs the server and stops it with this process.
    _watchdog: Option<std::process::Child>,
}

static SERVER: OnceLock<Server> = OnceLock::new();
static STANDALONE: OnceLock<Server> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn server() -> &'static Server {
    SERVER.get_or_init(|| start("MONGODB_URL", ""))
}

fn standalone() -> &'static Server {
    STANDALONE.get_or_init(|| start("MONGODB_STANDALONE_URL", "--standalone"))
}

/// The server at the URL in `variable`, else a SecantusDB server started with `flags`.
fn start(variable: &str, flags: &str) -> Server {
    if let Ok(url) = std::env::var(variable) {
        let base = url.trim_end_matches('/').to_string();
        return Server {
            base,
            _storage: None,
            _watchdog: None,
        };
    }
    let program = std::env::var("SECANTUSD").unwrap_or_else(|_| "secantusd-py".into());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let storage = tempfile::tempdir().expect("a storage directory");
    // A shell watches this process and stops the server when it is gone (a test
    // binary's statics are never dropped).
    let script = format!(
        "{program} --host 127.0.0.1 --port {port} --storage-path {dir} {flags} > {dir}/server.log 2>&1 & server=$!; \
         while kill -0 {me} 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 1; done; kill $server 2>/dev/null",
        dir = storage.path().display(),
        me = std::process::id(),
    );
    let watchdog = std::process::Command::new("sh")
        .args(["-c", &script])
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        let log = std::fs::read_to_string(storage.path().join("server.log")).unwrap_or_default();
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the MongoDB test server ({program}) did not start within 60 s; install it \
             (pip install secantusdb, then set SECANTUSD to its secantusd-py) or set \
             MONGODB_URL. Its log:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Server {
        base: format!("mongodb://127.0.0.1:{port}"),
        _storage: Some(storage),
        _watchdog: Some(watchdog),
    }
}

/// A database of its own for one test, dropped by [`TestMongo::drop_db`].
pub struct TestMongo {
    pub name: String,
    pub client: mongodb::Client,
    server: &'static Server,
}

impl TestMongo {
    pub async fn new(label: &str) -> TestMongo {
        TestMongo::on(server(), label).await
    }

    /// A database on the server without transactions.
    #[allow(dead_code)]
    pub async fn standalone(label: &str) -> TestMongo {
        TestMongo::on(standalone(), label).await
    }

    async fn on(server: &'static Server, label: &str) -> TestMongo {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("t_{label}_{}_{n}", std::process::id());
        let client = mongodb::Client::with_uri_str(&server.base)
            .await
            .expect("a client for the test server");
        // The server accepts connections a little before it answers commands.
        let started = Instant::now();
        while let Err(e) = client.database("admin").run_command(doc! {"ping": 1}).await {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the test server does not answer: {e}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        TestMongo {
            name,
            client,
            server,
        }
    }

    /// The database's URL.
    pub fn url(&self) -> String {
        format!("{}/{}", self.server.base, self.name)
    }

    pub fn db(&self) -> mongodb::Database {
        self.client.database(&self.name)
    }

    pub async fn drop_db(self) {
        self.db().drop().await.expect("drop the test database");
    }
}
