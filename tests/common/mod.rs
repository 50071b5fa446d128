//! The test harness: one throwaway PostgreSQL server per test process, one database per test.
//!
//! The server is an embedded one started from the installed binaries (as the `postgres` user
//! when the tests run as root), or the server of `DATABASE_URL` when that is set. Each test
//! creates its own databases, so tests run in parallel.

#![allow(dead_code)]

use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use data_bridge::diff::model::Database;
use data_bridge::engine::embedded::EmbeddedServer;
use data_bridge::engine::postgres::{inspect, script};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, Executor};

/// Roles that schemas under test may grant to or name in policies.
const ROLES: &[&str] = &[
    "readonly_user",
    "app_user",
    "admin_role",
    "user-with-dash",
    "user.with.dot",
    "user with spaces",
    "CamelCaseUser",
    "UPPERCASE_USER",
    "user1",
    "user2",
    "user3",
    "user4",
    "My User",
    "reader",
    "writer",
    "admin",
    "reader1",
    "reader2",
    "writer1",
    "writer2",
    "role1",
    "role2",
    "power_user",
    "user@domain.com",
    "psqldef_user",
    "schemainspect_test_role",
];

struct Server {
    admin: PgConnectOptions,
    url_base: String,
    _embedded: Option<EmbeddedServer>,
}

static SERVER: OnceLock<Server> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        let server = match std::env::var("DATABASE_URL") {
            Ok(url) => Server {
                admin: PgConnectOptions::from_str(&url).expect("DATABASE_URL is a valid URL"),
                url_base: url,
                _embedded: None,
            },
            Err(_) => {
                let embedded = EmbeddedServer::start().expect("start the test PostgreSQL server");
                Server {
                    admin: embedded.connect_options("postgres"),
                    url_base: embedded.url("postgres"),
                    _embedded: Some(embedded),
                }
            }
        };
        // Set up roles once, from a runtime of its own (the caller may be inside another).
        let admin = server.admin.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let mut conn = PgConnection::connect_with(&admin).await.expect("connect to the test server");
                for role in ROLES {
                    let sql = format!(
                        "DO $$ BEGIN CREATE ROLE \"{role}\" NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
                    );
                    let _ = conn.execute(sql.as_str()).await;
                }
            });
        })
        .join()
        .unwrap();
        server
    })
}

/// A database of its own for one test; dropped when the test calls [`TestDb::drop_db`].
pub struct TestDb {
    pub name: String,
    pub options: PgConnectOptions,
}

impl TestDb {
    /// Creates an empty database whose name starts with `label`.
    pub async fn new(label: &str) -> TestDb {
        let server = server();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let clean: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        let name = format!("t_{}_{}_{n}", std::process::id(), clean);
        let mut admin = PgConnection::connect_with(&server.admin)
            .await
            .expect("connect to the test server");
        admin
            .execute(format!("CREATE DATABASE \"{name}\" TEMPLATE template0").as_str())
            .await
            .expect("create a test database");
        let options = server.admin.clone().database(&name);
        TestDb { name, options }
    }

    /// Opens a connection.
    pub async fn connect(&self) -> PgConnection {
        PgConnection::connect_with(&self.options)
            .await
            .expect("connect to the test database")
    }

    /// A URL for the dbridge binary.
    pub fn url(&self) -> String {
        let base = &server().url_base;
        let mut url = url::Url::parse(base).expect("valid base URL");
        url.set_path(&format!("/{}", self.name));
        url.to_string()
    }

    /// Runs a script in one transaction.
    pub async fn run(&self, name: &str, sql: &str) -> Result<(), data_bridge::engine::Error> {
        let mut conn = self.connect().await;
        script::run_script(&mut conn, name, sql, script::Atomicity::Transaction).await
    }

    /// Runs a plan's statements as the transactions their modes make, the way the
    /// migrations autogenerate writes for it would run.
    pub async fn run_plan(
        &self,
        name: &str,
        statements: &[String],
        modes: &[data_bridge::diff::plan::Mode],
    ) -> Result<(), data_bridge::engine::Error> {
        let mut conn = self.connect().await;
        script::run_plan(&mut conn, name, statements, modes).await
    }

    /// Reads the schema.
    pub async fn inspect(&self) -> Database {
        let mut conn = self.connect().await;
        inspect::inspect(&mut conn, &[])
            .await
            .expect("inspect the test database")
    }

    /// Drops the database.
    pub async fn drop_db(self) {
        if let Ok(mut admin) = PgConnection::connect_with(&server().admin).await {
            let _ = admin
                .execute(format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name).as_str())
                .await;
        }
    }
}
pub mod fixture;
pub mod harness;
#[cfg(feature = "mongodb")]
pub mod mongo;
pub mod proxy;
pub mod roundtrip;

/// The admin URL of the test server (for `--dev-url`).
pub fn admin_url() -> String {
    server().url_base.clone()
}

/// What a run of the `dbridge` binary printed and how it exited.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// What a finished process printed and how it exited.
    pub fn of(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The exit code, stdout and stderr as one text, each `(from, to)` filter replacing
    /// what varies between runs (temporary paths, database names).
    pub fn transcript(&self, filters: &[(&str, &str)]) -> String {
        let mut text = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        for (from, to) in filters {
            if !from.is_empty() {
                text = text.replace(from, to);
            }
        }
        without_durations(&text)
    }
}

/// Replaces durations such as `(12 ms)` or `(1.5 s)` with `([N] ms)` / `([N] s)`.
fn without_durations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let number = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let unit = [" ms)", " s)"]
            .into_iter()
            .find(|u| number > 0 && rest[number..].starts_with(u));
        if let Some(unit) = unit {
            out.push_str("[N]");
            out.push_str(unit);
            rest = &rest[number + unit.len()..];
        }
    }
    out.push_str(rest);
    out
}

/// Pins a run's exit code, stdout and stderr together in `snapshots/cli/<name>.snap`.
pub fn assert_run(name: &str, run: &Run, filters: &[(&str, &str)]) {
    assert_run_matching(name, run, filters, &[]);
}

/// What varies between runs of the migration commands: versions made from the clock and
/// the times migrations were applied.
pub const CLOCK: &[(&str, &str)] = &[
    (r"\d{14}", "[VERSION]"),
    (
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:\d{2})?)?",
        "[TIME]",
    ),
];

/// Like [`assert_run`], with `patterns` (regular expression, replacement) applied as well.
pub fn assert_run_matching(
    name: &str,
    run: &Run,
    filters: &[(&str, &str)],
    patterns: &[(&str, &str)],
) {
    insta::with_settings!({
        snapshot_path => "../../snapshots/cli",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        filters => patterns.to_vec(),
    }, {
        insta::assert_snapshot!(name, run.transcript(filters));
    });
}

/// Pins a text (a written file) in `snapshots/cli/<name>.snap`, with `patterns` applied.
pub fn assert_text(name: &str, text: &str, patterns: &[(&str, &str)]) {
    insta::with_settings!({
        snapshot_path => "../../snapshots/cli",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        filters => patterns.to_vec(),
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// Runs the `dbridge` binary with `args` in `dir`, feeding `input` on stdin.
pub fn dbridge_stdin(dir: &std::path::Path, args: &[&str], input: &str) -> Run {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run dbridge");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let data = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(data.as_bytes());
    });
    let out = child.wait_with_output().expect("wait for dbridge");
    writer.join().unwrap();
    Run::of(out)
}

/// Runs the `dbridge` binary with `args` in `dir` (without `DATABASE_URL`).
pub fn dbridge(dir: &std::path::Path, args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run dbridge");
    Run::of(out)
}
