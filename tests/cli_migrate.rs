//! The migration workflow through the built binary: init, config, autogenerate, migrate,
//! the embedded default database; against real PostgreSQL.

mod common;

use std::path::{Path, PathBuf};

use common::{
    admin_url, assert_run, assert_run_matching, assert_text, dbridge, Run, TestDb, CLOCK,
};

/// A project folder with its own database.
struct Project {
    dir: tempfile::TempDir,
    db: TestDb,
}

impl Project {
    async fn new(label: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let p = Project {
            dir,
            db: TestDb::new(label).await,
        };
        p.run(&["init"]);
        p
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn migrations(&self) -> PathBuf {
        self.path().join("migrations")
    }

    fn schema(&self, sql: &str) {
        std::fs::write(self.path().join("schema/schema.sql"), sql).unwrap();
    }

    /// Runs dbridge against this project's database, with the test server as dev database.
    fn run(&self, args: &[&str]) -> Run {
        let url = self.db.url();
        let dev = admin_url();
        let mut all = vec!["--url", url.as_str(), "--dev-url", dev.as_str()];
        all.extend_from_slice(args);
        dbridge(self.path(), &all)
    }

    fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(
            r.code, 0,
            "dbridge {args:?}\nstdout:\n{}\nstderr:\n{}",
            r.stdout, r.stderr
        );
        r
    }

    /// Pins a run in `snapshots/cli/<name>.snap`, with the project's folder, its database
    /// and the clock filtered out.
    fn snap(&self, name: &str, run: &Run) {
        let project = self.path().display().to_string();
        let (url, dev) = (self.db.url(), admin_url());
        let filters = [
            (project.as_str(), "[PROJECT]"),
            (url.as_str(), "[URL]"),
            (dev.as_str(), "[DEV]"),
        ];
        assert_run_matching(name, run, &filters, CLOCK);
    }

    /// The migration files whose names end with `suffix`, each after a line with its name.
    fn read_files(&self, suffix: &str) -> String {
        self.files()
            .into_iter()
            .filter(|f| f.ends_with(suffix))
            .map(|f| {
                let text = std::fs::read_to_string(self.migrations().join(&f)).unwrap();
                format!("==> {f}\n{text}")
            })
            .collect()
    }

    fn files(&self) -> Vec<String> {
        let mut f: Vec<String> = std::fs::read_dir(self.migrations())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        f.sort();
        f
    }

    fn write_migration(&self, name: &str, sql: &str) {
        std::fs::write(self.migrations().join(name), sql).unwrap();
    }

    async fn scalar(&self, sql: &str) -> i64 {
        let mut conn = self.db.connect().await;
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&mut conn)
            .await
            .unwrap()
    }
}

const V1: &str = "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);\n";

#[tokio::test]
async fn init_writes_the_project_and_never_overwrites() {
    let p = Project::new("init").await;
    for f in ["dbridge.toml", "schema/schema.sql", ".gitignore"] {
        assert!(p.path().join(f).exists(), "{f}");
    }
    assert!(p.migrations().is_dir());
    p.schema("-- mine\n");
    let again = p.run(&["init"]);
    p.snap("init_keeps_existing_files", &again);
    assert_eq!(
        std::fs::read_to_string(p.path().join("schema/schema.sql")).unwrap(),
        "-- mine\n"
    );
    let config = std::fs::read_to_string(p.path().join("dbridge.toml")).unwrap();
    assert_text("init_config", &config, &[]);
}

#[tokio::test]
async fn config_errors_name_the_key_and_the_variable() {
    let p = Project::new("config").await;
    std::fs::write(p.path().join("dbridge.toml"), "[database]\nurll = \"x\"\n").unwrap();
    let r = dbridge(p.path(), &["migrate", "status"]);
    assert_run("config_unknown_key", &r, &[]);
    std::fs::write(
        p.path().join("dbridge.toml"),
        "[database]\nurl = \"postgres://u:${DBRIDGE_NOT_SET_ANYWHERE}@h/d\"\n",
    )
    .unwrap();
    let r = dbridge(p.path(), &["migrate", "status"]);
    assert_run("config_unset_variable", &r, &[]);
    // ${VAR} expansion feeds the URL, and an explicit --config elsewhere is honoured.
    let other = p.path().join("other.toml");
    std::fs::write(
        &other,
        "[database]
url = \"${DBRIDGE_TEST_TARGET}\"
[migrations]
dir = \"elsewhere\"
",
    )
    .unwrap();
    std::fs::create_dir(p.path().join("elsewhere")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"))
        .args(["--config", other.to_str().unwrap(), "migrate", "status"])
        .current_dir(p.path())
        .env("DBRIDGE_TEST_TARGET", p.db.url())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    p.snap("migrate_status_with_config_elsewhere", &Run::of(out));
}

#[tokio::test]
async fn autogenerate_checks_proves_writes_and_migrate_runs_it() {
    let p = Project::new("autogen").await;
    p.schema(V1);
    let check = p.run(&["autogenerate", "--check"]);
    p.snap("autogenerate_check_pending", &check);
    assert_eq!(
        p.files(),
        vec!["dbridge.sum".to_string()]
            .into_iter()
            .filter(|_| false)
            .collect::<Vec<_>>()
    );
    let gen = p.run(&["autogenerate", "-m", "Create users"]);
    p.snap("autogenerate_writes_a_migration", &gen);
    let files = p.files();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(files[0].ends_with("_create_users.down.sql") && files[2] == "dbridge.sum");
    assert_text("autogenerate_up_file", &p.read_files(".up.sql"), CLOCK);
    assert_eq!(p.run(&["autogenerate", "--check"]).code, 0);
    p.snap(
        "autogenerate_no_changes",
        &p.run(&["autogenerate", "-m", "again"]),
    );
    p.snap("migrate_status_pending", &p.run(&["migrate", "status"]));
    p.snap(
        "migrate_up_dry_run",
        &p.run(&["migrate", "up", "--dry-run"]),
    );
    assert_eq!(
        p.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'users'")
            .await,
        0
    );
    p.ok(&["migrate", "up"]);
    assert_eq!(
        p.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'users'")
            .await,
        1
    );
    let json: serde_json::Value =
        serde_json::from_str(&p.ok(&["migrate", "status", "--json"]).stdout).unwrap();
    assert_eq!(json[0]["state"], "applied");

    // New enum labels go into a migration of their own, committed before they are used.
    p.schema(&format!(
        "CREATE TYPE state AS ENUM ('new', 'old');\n{V1}\nALTER TABLE users ADD COLUMN s state;\n"
    ));
    p.ok(&["autogenerate", "-m", "state"]);
    p.ok(&["migrate", "up"]);
    p.schema(&format!(
        "CREATE TYPE state AS ENUM ('new', 'mid', 'old');\n{V1}\nALTER TABLE users ADD COLUMN s state DEFAULT 'mid';\n"
    ));
    let split = p.run(&["autogenerate", "-m", "mid"]);
    p.snap("autogenerate_commits_new_labels_first", &split);
    let written = p.read_files("_mid.up.sql") + &p.read_files("_mid_2.up.sql");
    assert_text("autogenerate_new_label_files", &written, CLOCK);
    p.ok(&["migrate", "up"]);
    assert_eq!(p.run(&["autogenerate", "--check"]).code, 0);
    // A drift check of the migrated database: the history table is not part of the schema.
    let url = p.db.url();
    let drift = p.run(&["diff", "--from", &url, "--to", "schema/", "--exit-code"]);
    assert_eq!(
        (drift.code, drift.stdout.as_str()),
        (0, ""),
        "{}",
        drift.stderr
    );
    assert!(!p.run(&["inspect"]).stdout.contains("_sqlx_migrations"));

    // down, redo, verify, baseline
    let down = p.run(&["migrate", "down", "--steps", "2"]);
    p.snap("migrate_down_steps", &down);
    p.ok(&["migrate", "redo"]);
    p.ok(&["migrate", "up"]);
    p.snap("migrate_verify", &p.run(&["migrate", "verify"]));
    p.ok(&["migrate", "down", "--to", "0"]);
    assert_eq!(p.scalar("SELECT count(*) FROM _sqlx_migrations").await, 0);
    assert_eq!(
        p.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'users'")
            .await,
        0
    );
    let versions: Vec<String> = p
        .files()
        .iter()
        .filter(|f| f.ends_with(".up.sql"))
        .map(|f| f[..14].to_string())
        .collect();
    p.ok(&["migrate", "baseline", &versions[1]]);
    assert_eq!(
        p.scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
            .await,
        2
    );
    let unknown = p.run(&["migrate", "baseline", "123"]);
    p.snap("migrate_baseline_unknown_version", &unknown);
    p.db.drop_db().await;
}

#[tokio::test]
async fn destructive_changes_are_refused_without_a_tty_and_say_what_to_pass() {
    let p = Project::new("destructive").await;
    p.schema(V1);
    p.ok(&["autogenerate", "-m", "init"]);
    p.schema("CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, full_name text NOT NULL);\n");
    let r = p.run(&["autogenerate", "-m", "rename"]);
    assert_run("autogenerate_refuses_data_loss", &r, &[]);
    assert_eq!(p.files().len(), 3, "nothing written");
    let renamed = p.run(&[
        "autogenerate",
        "-m",
        "rename",
        "--rename",
        "public.users.name=full_name",
    ]);
    p.snap("autogenerate_with_a_rename_hint", &renamed);
    p.schema("CREATE TABLE accounts (id int);\n");
    let refused = p.run(&["autogenerate", "-m", "drop"]);
    p.snap("autogenerate_refuses_a_dropped_table", &refused);
    p.ok(&["autogenerate", "-m", "drop", "--allow-destructive"]);
    p.ok(&["migrate", "up"]);
    p.ok(&["migrate", "down", "--to", "0"]);
}

#[tokio::test]
async fn a_failing_migration_names_file_and_line_and_changes_nothing() {
    let p = Project::new("failing").await;
    p.write_migration("1_ok.up.sql", "CREATE TABLE a (id int);\n");
    p.write_migration(
        "2_bad.up.sql",
        "CREATE TABLE b (id int);\n\nINSERT INTO b VALUES ('x');\n",
    );
    p.ok(&["migrate", "hash"]);
    let r = p.run(&["migrate", "up"]);
    let project = p.path().display().to_string();
    assert_run("migrate_failing_statement", &r, &[(&project, "[PROJECT]")]);
    assert_eq!(p.scalar("SELECT count(*) FROM _sqlx_migrations").await, 1);
    assert_eq!(
        p.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'b'")
            .await,
        0
    );
    p.snap(
        "migrate_status_after_a_failure",
        &p.run(&["migrate", "status"]),
    );
}

#[tokio::test]
async fn a_no_transaction_migration_that_fails_blocks_later_runs() {
    let p = Project::new("notx").await;
    p.write_migration("1_index.up.sql", "-- no-transaction\nCREATE TABLE t (id int);\nCREATE INDEX CONCURRENTLY t_id ON t (id);\nSELECT 1/0;\n");
    p.ok(&["migrate", "hash"]);
    let r = p.run(&["migrate", "up"]);
    let project = p.path().display().to_string();
    let filters = [(project.as_str(), "[PROJECT]")];
    assert_run("migrate_no_transaction_failure", &r, &filters);
    assert_eq!(
        p.scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 't_id'")
            .await,
        1
    );
    let again = p.run(&["migrate", "up"]);
    assert_run("migrate_refuses_dirty_history", &again, &filters);
    p.snap("migrate_status_dirty", &p.run(&["migrate", "status"]));
    p.ok(&["migrate", "baseline", "1"]);
    p.ok(&["migrate", "up"]);
}

#[tokio::test]
async fn tampered_files_and_sums_are_refused_before_anything_runs() {
    let p = Project::new("tamper").await;
    p.schema(V1);
    p.ok(&["autogenerate", "-m", "init"]);
    p.ok(&["migrate", "up"]);
    let up = p
        .files()
        .into_iter()
        .find(|f| f.ends_with(".up.sql"))
        .unwrap();
    let path = p.migrations().join(&up);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("name text", "name varchar(10)")).unwrap();
    let r = p.run(&["migrate", "up"]);
    let project = p.path().display().to_string();
    let filters = [
        (project.as_str(), "[PROJECT]"),
        (up.as_str(), "[UP FILE]"),
        (&up[..14], "[VERSION]"),
    ];
    assert_run("migrate_refuses_an_edited_file", &r, &filters);
    p.ok(&["migrate", "hash"]);
    let r = p.run(&["migrate", "up"]);
    assert_run("migrate_refuses_a_changed_checksum", &r, &filters);
    std::fs::write(&path, text).unwrap();
    p.ok(&["migrate", "hash"]);
    // A migration added without updating the sum, as when two branches both add one.
    p.write_migration("29990101000000_other_branch.up.sql", "SELECT 1;\n");
    let r = p.run(&["migrate", "up"]);
    assert_run("migrate_refuses_an_unsummed_migration", &r, &filters);
    let r = p.run(&["autogenerate", "-m", "x"]);
    assert_eq!(r.code, 1, "autogenerate checks the sum too");
}

#[tokio::test]
async fn eight_concurrent_runners_apply_each_migration_once() {
    let p = Project::new("concurrent").await;
    p.write_migration(
        "1_a.up.sql",
        "CREATE TABLE a (id int);\nSELECT pg_sleep(0.3);\n",
    );
    p.write_migration(
        "2_b.up.sql",
        "CREATE TABLE b (id int);\nINSERT INTO a VALUES (1);\n",
    );
    p.write_migration("3_c.up.sql", "CREATE TABLE c (id int);\n");
    p.ok(&["migrate", "hash"]);
    let url = p.db.url();
    let children: Vec<_> = (0..8)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"))
                .args(["--url", &url, "migrate", "up"])
                .current_dir(p.path())
                .env_remove("DATABASE_URL")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut applied = 0;
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        applied += String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("applied ") && l.contains(".up.sql"))
            .count();
    }
    assert_eq!(applied, 3, "each migration applied by exactly one runner");
    assert_eq!(p.scalar("SELECT count(*) FROM _sqlx_migrations").await, 3);
    assert_eq!(p.scalar("SELECT count(*) FROM a").await, 1);
}

#[tokio::test]
async fn a_runner_killed_mid_migration_leaves_nothing_and_a_rerun_succeeds() {
    let p = Project::new("killed").await;
    p.write_migration(
        "1_slow.up.sql",
        "CREATE TABLE slow (id int);\nSELECT pg_sleep(30);\n",
    );
    p.ok(&["migrate", "hash"]);
    kill_runner_during(&p, "SELECT pg_sleep(30)%").await;
    assert_eq!(
        p.scalar("SELECT count(*) FROM pg_class WHERE relname = 'slow'")
            .await,
        0,
        "the killed migration left its table behind"
    );
    std::fs::write(
        p.migrations().join("1_slow.up.sql"),
        "CREATE TABLE slow (id int);\n",
    )
    .unwrap();
    p.ok(&["migrate", "hash"]);
    p.ok(&["migrate", "up"]);
    assert_eq!(
        p.scalar("SELECT count(*) FROM pg_class WHERE relname = 'slow'")
            .await,
        1
    );
    assert_eq!(p.scalar("SELECT count(*) FROM _sqlx_migrations").await, 1);
}

#[tokio::test]
async fn sqlx_migrator_runs_a_dbridge_directory_and_dbridge_sees_it() {
    let p = Project::new("sqlx").await;
    p.schema(V1);
    p.ok(&["autogenerate", "-m", "init"]);
    p.schema(&format!("{V1}CREATE INDEX users_name ON users (name);\n"));
    p.ok(&["autogenerate", "-m", "index"]);
    let migrator = sqlx::migrate::Migrator::new(p.migrations()).await.unwrap();
    let mut conn = p.db.connect().await;
    migrator.run(&mut conn).await.unwrap();
    let status = p.ok(&["migrate", "status", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .all(|e| e["state"] == "applied"),
        "{json}"
    );
    p.ok(&["migrate", "verify"]);
    p.ok(&["migrate", "down"]);
    assert_eq!(
        p.scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'users_name'")
            .await,
        0
    );
    // And the other way: what dbridge applied, sqlx accepts.
    p.ok(&["migrate", "up"]);
    migrator.run(&mut conn).await.unwrap();
}

#[tokio::test]
async fn dev_start_status_stop_and_the_embedded_default_target() {
    let dir = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let project = dir.path().display().to_string();
    let url = std::cell::RefCell::new(String::from("(not started)"));
    let d = |name: &str, args: &[&str]| {
        let r = dbridge(dir.path(), args);
        let url = url.borrow();
        let filters = [
            (project.as_str(), "[PROJECT]"),
            (url.as_str(), "[EMBEDDED]"),
        ];
        assert_run_matching(name, &r, &filters, CLOCK);
    };
    assert_eq!(dbridge(dir.path(), &["init"]).code, 0);
    d("dev_status_not_created", &["dev", "status"]);
    let started = dbridge(dir.path(), &["dev", "start"]);
    *url.borrow_mut() = dbridge(dir.path(), &["dev", "url"])
        .stdout
        .trim()
        .to_string();
    assert!(
        url.borrow().starts_with("postgresql://postgres@127.0.0.1:"),
        "{}",
        url.borrow()
    );
    let embedded = url.borrow().clone();
    let filters = [
        (project.as_str(), "[PROJECT]"),
        (embedded.as_str(), "[EMBEDDED]"),
    ];
    assert_run_matching("dev_start", &started, &filters, CLOCK);
    // No URL anywhere: commands use the embedded default database.
    std::fs::write(dir.path().join("schema/schema.sql"), V1).unwrap();
    let dev = admin_url();
    let init = ["--dev-url", dev.as_str(), "autogenerate", "-m", "init"];
    assert_eq!(dbridge(dir.path(), &init).code, 0);
    d("dev_migrate_up", &["migrate", "up"]);
    d("dev_migrate_status", &["migrate", "status"]);
    d("dev_inspect", &["inspect"]);
    d("dev_stop", &["dev", "stop"]);
    d("dev_status_stopped", &["dev", "status"]);
    // Started on demand, with its data kept, on the port it had: a saved URL stays valid.
    d("dev_migrate_status", &["migrate", "status"]);
    assert_eq!(dbridge(dir.path(), &["dev", "url"]).stdout.trim(), embedded);
    assert_eq!(dbridge(dir.path(), &["dev", "stop"]).code, 0);
    // A server that cannot start says where its log is, once.
    let conf = dir.path().join(".dbridge/data/postgresql.conf");
    let mut text = std::fs::read_to_string(&conf).unwrap();
    text.push_str("\nthis is not a setting\n");
    std::fs::write(&conf, text).unwrap();
    let failed = dbridge(dir.path(), &["dev", "start"]);
    assert_eq!(failed.code, 1);
    assert_eq!(
        failed.stderr.matches(".dbridge/server.log").count(),
        1,
        "{}",
        failed.stderr
    );
    assert!(!failed.stderr.contains("pg_ctl"), "{}", failed.stderr);
}

#[tokio::test]
async fn safe_mode_writes_lock_safe_forms_in_separate_migrations() {
    let p = Project::new("safe").await;
    p.schema("CREATE TABLE parent (id int PRIMARY KEY);\nCREATE TABLE t (id int PRIMARY KEY, a int, b int, p int);\n");
    p.ok(&["autogenerate", "-m", "init"]);
    p.ok(&["migrate", "up"]);
    let mut conn = p.db.connect().await;
    sqlx::Executor::execute(&mut conn, "INSERT INTO parent VALUES (1); INSERT INTO t SELECT g, 1, 2, 1 FROM generate_series(1, 1000) g")
        .await
        .unwrap();
    p.schema(
        "CREATE TABLE parent (id int PRIMARY KEY);\n\
         CREATE TABLE t (id int PRIMARY KEY, a int CHECK (a > 0), b int NOT NULL, p int REFERENCES parent (id));\n\
         CREATE INDEX t_a ON t (a);\nCREATE TABLE fresh (id int);\nCREATE INDEX fresh_id ON fresh (id);\n",
    );
    let r = p.run(&[
        "autogenerate",
        "-m",
        "harden",
        "--safe",
        "--lock-timeout",
        "2s",
    ]);
    p.snap("autogenerate_safe", &r);
    // New tables need no CONCURRENTLY; checks and foreign keys are validated in a later
    // transaction; the lock timeout is set for each migration.
    let harden: String = ["_harden.up.sql", "_harden_2.up.sql", "_harden_3.up.sql"]
        .iter()
        .map(|suffix| p.read_files(suffix))
        .collect();
    assert_text("autogenerate_safe_files", &harden, CLOCK);
    p.ok(&["migrate", "up"]);
    assert_eq!(p.run(&["autogenerate", "--check"]).code, 0);
    assert_eq!(
        p.scalar("SELECT count(*) FROM pg_constraint WHERE NOT convalidated")
            .await,
        0,
        "every constraint ends validated"
    );
    p.ok(&["migrate", "down", "--to", "0"]);
    let bad = p.run(&["autogenerate", "-m", "x", "--lock-timeout", "5s"]);
    assert_eq!(bad.code, 1, "--lock-timeout needs --safe");
}

/// `dbridge review` driven through a pseudo-terminal: a rename confirmed, a change skipped,
/// a destructive change declined, and the migration written with what was kept.
#[tokio::test]
async fn review_asks_about_renames_and_each_change_in_a_terminal() {
    let p = Project::new("review").await;
    p.schema("CREATE TABLE users (id int PRIMARY KEY, name text);\nCREATE TABLE logs (id int);\n");
    p.ok(&["autogenerate", "-m", "init"]);
    p.schema("CREATE TABLE users (id int PRIMARY KEY, full_name text, age int);\nCREATE TABLE extra (id int);\n");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"));
    cmd.args([
        "--url",
        &p.db.url(),
        "--dev-url",
        &admin_url(),
        "review",
        "-m",
        "reviewed",
    ])
    .current_dir(p.path())
    .env_remove("DATABASE_URL");
    let mut s = expectrl::Session::spawn(cmd).expect("spawn dbridge in a pty");
    s.set_expect_timeout(Some(std::time::Duration::from_secs(60)));
    let step = |s: &mut expectrl::Session, expect: &str, answer: &str| {
        s.expect(expect)
            .unwrap_or_else(|e| panic!("waiting for {expect:?}: {e}"));
        s.send(answer).unwrap();
    };
    // logs and extra have the same columns: a table rename candidate, declined.
    step(&mut s, "Did you rename logs to extra?", "n");
    step(&mut s, "Did you rename users.name to users.full_name?", "y");
    // Then each change: keep the rename and the new table, skip the new column, and accept
    // the drop at first but decline it when asked about the data loss.
    let mut seen = Vec::new();
    for _ in 0..4 {
        let found = s
            .expect(expectrl::Regex(r"\[\d/4\] ([^\r\n]+)"))
            .expect("a change");
        let description = String::from_utf8_lossy(found.get(1).unwrap()).into_owned();
        step(
            &mut s,
            "Include this change?",
            if description.contains("age") {
                "n"
            } else {
                "y"
            },
        );
        if description.starts_with("drop table") {
            step(&mut s, "loses data. Include it anyway?", "n");
        }
        seen.push(description);
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "add column public.users.age",
            "add table public.extra",
            "drop table public.logs",
            "rename column public.users.name to public.users.full_name"
        ]
    );
    s.expect("_reviewed.up.sql")
        .expect("the migration is written");
    s.expect(expectrl::Eof).unwrap();
    assert_text(
        "review_written_migration",
        &p.read_files("_reviewed.up.sql"),
        CLOCK,
    );
    p.ok(&["migrate", "up"]);
    // What was skipped is still pending.
    let check = p.run(&["autogenerate", "--check"]);
    p.snap("review_leaves_skipped_changes_pending", &check);
    // Without a terminal, review never prompts.
    let r = p.run(&["review", "-m", "x"]);
    p.snap("review_without_a_terminal", &r);
}

#[tokio::test]
async fn a_migration_that_fails_its_proof_is_not_written() {
    let p = Project::new("proof").await;
    p.schema("CREATE TABLE v (volt int GENERATED BY DEFAULT AS IDENTITY (START WITH -200 INCREMENT BY 10 MINVALUE -200 MAXVALUE 200));\n");
    p.ok(&["autogenerate", "-m", "init"]);
    let before = p.files();
    // Narrowing an identity below its current value cannot apply without a RESTART.
    p.schema("CREATE TABLE v (volt int GENERATED BY DEFAULT AS IDENTITY (START WITH -100 INCREMENT BY 5 MINVALUE -100 MAXVALUE 100));\n");
    let r = p.run(&["autogenerate", "-m", "narrow"]);
    p.snap("autogenerate_proof_failure", &r);
    assert_eq!(p.files(), before);
}

#[tokio::test]
async fn up_to_a_version_stops_there() {
    let p = Project::new("upto").await;
    for (i, t) in ["a", "b", "c"].iter().enumerate() {
        p.write_migration(
            &format!("{}_{t}.up.sql", i + 1),
            &format!("CREATE TABLE {t} (id int);\n"),
        );
        p.write_migration(
            &format!("{}_{t}.down.sql", i + 1),
            &format!("DROP TABLE {t};\n"),
        );
    }
    p.ok(&["migrate", "hash"]);
    p.snap(
        "migrate_up_to_a_version",
        &p.run(&["migrate", "up", "--to", "2"]),
    );
    assert_eq!(p.scalar("SELECT count(*) FROM _sqlx_migrations").await, 2);
    // Newest first.
    let dry = p.run(&["migrate", "down", "--to", "0", "--dry-run"]);
    p.snap("migrate_down_dry_run", &dry);
    assert_eq!(
        p.scalar("SELECT count(*) FROM _sqlx_migrations").await,
        2,
        "a dry run changes nothing"
    );
    p.ok(&["migrate", "up"]);
    assert_eq!(p.scalar("SELECT count(*) FROM _sqlx_migrations").await, 3);
}

#[tokio::test]
async fn migrate_shows_progress_on_a_terminal() {
    let p = Project::new("progress").await;
    p.write_migration(
        "1_slow.up.sql",
        "CREATE TABLE slow (id int);\nSELECT pg_sleep(0.8);\n",
    );
    p.write_migration("1_slow.down.sql", "DROP TABLE slow;\n");
    p.ok(&["migrate", "hash"]);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"));
    cmd.args(["--url", &p.db.url(), "migrate", "up"])
        .current_dir(p.path())
        .env_remove("DATABASE_URL");
    let mut s = expectrl::Session::spawn(cmd).expect("spawn dbridge in a pty");
    s.set_expect_timeout(Some(std::time::Duration::from_secs(30)));
    // The spinner names the migration while it runs, then a line reports it.
    s.expect("applying 1_slow.up.sql")
        .expect("a spinner while the migration runs");
    s.expect("applied 1_slow.up.sql")
        .expect("a line when it is done");
    s.expect(expectrl::Eof).unwrap();
    // Without a terminal: plain lines only, no spinner.
    p.ok(&["migrate", "down"]);
    let plain = p.run(&["migrate", "up"]);
    p.snap("migrate_up_without_a_terminal", &plain);
}

/// Starts `migrate up` on the project, waits until its session runs a statement matching the
/// LIKE pattern `running` while holding the migration lock, SIGKILLs it, and waits until
/// the server has ended the dead session.
async fn kill_runner_during(p: &Project, running: &str) {
    let url = p.db.url();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"))
        .args(["--url", &url, "migrate", "up"])
        .current_dir(p.path())
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let sleeping = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND query LIKE '{running}' AND xact_start IS NOT NULL"
    );
    let locked = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted \
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    let mut mid_migration = false;
    for _ in 0..600 {
        if p.scalar(&sleeping).await > 0 && p.scalar(locked).await > 0 {
            mid_migration = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(mid_migration, "the migration never reached {running}");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "the runner was killed, not finished"
    );
    // The server notices the dead client, ends its statement and frees the lock.
    let mut released = false;
    for _ in 0..600 {
        if p.scalar(&sleeping).await == 0 && p.scalar(locked).await == 0 {
            released = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(released, "the dead runner's session still holds the lock");
}

#[tokio::test]
async fn a_killed_no_transaction_migration_blocks_the_next_run() {
    let p = Project::new("killed_notx").await;
    p.write_migration(
        "1_backfill.up.sql",
        "-- no-transaction\nCREATE TABLE counted (n int);\nINSERT INTO counted VALUES (1);\nSELECT pg_sleep(30);\n",
    );
    p.write_migration("2_later.up.sql", "CREATE TABLE later (id int);\n");
    p.ok(&["migrate", "hash"]);
    kill_runner_during(&p, "SELECT pg_sleep(30)%").await;
    assert_eq!(p.scalar("SELECT count(*) FROM counted").await, 1);
    let project = p.path().display().to_string();
    let filters = [(project.as_str(), "[PROJECT]")];
    // Without the attempt's record the next run would insert the row a second time.
    assert_run(
        "migrate_refuses_an_interrupted_migration",
        &p.run(&["migrate", "up"]),
        &filters,
    );
    assert_eq!(p.scalar("SELECT count(*) FROM counted").await, 1);
    p.snap("migrate_status_interrupted", &p.run(&["migrate", "status"]));
    p.ok(&["migrate", "baseline", "1"]);
    p.ok(&["migrate", "up"]);
    assert_eq!(p.scalar("SELECT count(*) FROM counted").await, 1);
    assert_eq!(p.scalar("SELECT count(*) FROM later").await, 0);
}

#[tokio::test]
async fn a_statement_that_needs_autocommit_is_refused_before_anything_runs() {
    let p = Project::new("needs_notx").await;
    p.write_migration("1_table.up.sql", "CREATE TABLE a (id int);\n");
    p.write_migration(
        "2_index.up.sql",
        "-- the index for lookups\nALTER TABLE a ADD COLUMN b int;\n\n/* built online */\nCREATE INDEX CONCURRENTLY a_b ON a (b);\n",
    );
    p.ok(&["migrate", "hash"]);
    let project = p.path().display().to_string();
    let filters = [(project.as_str(), "[PROJECT]")];
    assert_run(
        "migrate_refuses_concurrently_in_a_transaction",
        &p.run(&["migrate", "up"]),
        &filters,
    );
    assert_eq!(
        p.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'a'")
            .await,
        0,
        "the first migration ran although a later one could not"
    );
    // The same file with the header runs.
    p.write_migration("2_index.up.sql", "-- no-transaction\nALTER TABLE a ADD COLUMN b int;\nCREATE INDEX CONCURRENTLY a_b ON a (b);\n");
    p.ok(&["migrate", "hash"]);
    p.ok(&["migrate", "up"]);
    assert_eq!(
        p.scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'a_b'")
            .await,
        1
    );
}

#[tokio::test]
async fn errors_point_at_the_failing_statement_not_at_comments_or_the_header() {
    let p = Project::new("error_line").await;
    p.write_migration(
        "1_lines.up.sql",
        "-- no-transaction\n-- a comment\n\n/* a block\n   comment */\nSELECT 1;\n-- above the failure\n\nSELECT\n  1/0;\n",
    );
    p.write_migration(
        "2_lines.up.sql",
        "-- a comment\n\nCREATE TABLE t (\n  id int,\n  kind nosuchtype\n);\n",
    );
    p.ok(&["migrate", "hash"]);
    let project = p.path().display().to_string();
    let filters = [(project.as_str(), "[PROJECT]")];
    assert_run(
        "migrate_error_line_no_transaction",
        &p.run(&["migrate", "up"]),
        &filters,
    );
    p.ok(&["migrate", "baseline", "1"]);
    assert_run(
        "migrate_error_line_in_a_statement",
        &p.run(&["migrate", "up"]),
        &filters,
    );
}

#[tokio::test]
async fn a_missing_migrations_directory_is_an_error_and_starts_nothing() {
    let db = TestDb::new("no_dir").await;
    let dir = tempfile::tempdir().unwrap();
    let url = db.url();
    let r = dbridge(dir.path(), &["--url", &url, "migrate", "up"]);
    assert_run("migrate_without_a_directory", &r, &[]);
    for args in [
        &["migrate", "down"][..],
        &["migrate", "status"],
        &["migrate", "verify"],
        &["migrate", "redo"],
        &["migrate", "baseline", "1"],
        &["migrate", "hash"],
    ] {
        let with_url: Vec<&str> = ["--url", url.as_str()]
            .iter()
            .copied()
            .chain(args.iter().copied())
            .collect();
        let other = dbridge(dir.path(), &with_url);
        assert_eq!((other.code, &other.stderr), (r.code, &r.stderr), "{args:?}");
        // Without a target the embedded default database would be next: it is not started.
        let other = dbridge(dir.path(), args);
        assert_eq!((other.code, &other.stderr), (r.code, &r.stderr), "{args:?}");
    }
    assert!(
        !dir.path().join(".dbridge").exists(),
        "an embedded server was started"
    );
    let config = dir.path().join("dbridge.toml");
    std::fs::write(&config, "[migrations]\ndir = \"migratons\"\n").unwrap();
    std::fs::write(dir.path().join("migratons"), "").unwrap();
    let r = dbridge(dir.path(), &["--url", &url, "migrate", "status"]);
    assert_run("migrate_directory_is_a_file", &r, &[]);
}

#[tokio::test]
async fn status_lists_every_migration_when_the_sum_does_not_match() {
    let p = Project::new("status_sum").await;
    p.write_migration("1_a.up.sql", "CREATE TABLE a (id int);\n");
    p.write_migration("2_b.up.sql", "CREATE TABLE b (id int);\n");
    p.write_migration("2_b.down.sql", "DROP TABLE b;\n");
    p.write_migration("3_c.up.sql", "CREATE TABLE c (id int);\n");
    p.ok(&["migrate", "hash"]);
    p.ok(&["migrate", "up", "--to", "2"]);
    p.write_migration("2_b.down.sql", "DROP TABLE IF EXISTS b;\n");
    std::fs::remove_file(p.migrations().join("3_c.up.sql")).unwrap();
    p.write_migration("4_d.up.sql", "CREATE TABLE d (id int);\n");
    p.snap(
        "migrate_status_sum_mismatch",
        &p.run(&["migrate", "status"]),
    );
    p.snap(
        "migrate_status_sum_mismatch_json",
        &p.run(&["migrate", "status", "--json"]),
    );
    let r = p.run(&["migrate", "up"]);
    assert_eq!(r.code, 1, "up refuses the mismatch: {}", r.stderr);
}

#[tokio::test]
async fn hash_refuses_two_migrations_with_one_version() {
    let p = Project::new("hash_dup").await;
    p.write_migration(
        "20260101000000_users.up.sql",
        "CREATE TABLE users (id int);\n",
    );
    p.write_migration(
        "20260101000000_posts.up.sql",
        "CREATE TABLE posts (id int);\n",
    );
    let project = p.path().display().to_string();
    let r = p.run(&["migrate", "hash"]);
    assert_run(
        "migrate_hash_duplicate_version",
        &r,
        &[(&project, "[PROJECT]")],
    );
    assert!(!p.migrations().join("dbridge.sum").exists());
}

#[tokio::test]
async fn baseline_can_be_undone() {
    let p = Project::new("unbaseline").await;
    for (v, t) in [(1, "a"), (2, "b"), (3, "c")] {
        p.write_migration(
            &format!("{v}_{t}.up.sql"),
            &format!("CREATE TABLE {t} (id int);\n"),
        );
    }
    p.ok(&["migrate", "hash"]);
    p.ok(&["migrate", "up", "--to", "1"]);
    p.ok(&["migrate", "baseline", "3"]);
    let r = p.ok(&["migrate", "baseline", "3", "--undo"]);
    p.snap("migrate_baseline_undo", &r);
    p.snap(
        "migrate_status_after_unbaseline",
        &p.run(&["migrate", "status"]),
    );
    p.ok(&["migrate", "up"]);
    assert_eq!(
        p.scalar("SELECT count(*) FROM pg_tables WHERE tablename IN ('a', 'b', 'c')")
            .await,
        3
    );
    let help = p.ok(&["migrate", "baseline", "--help"]);
    assert!(help.stdout.contains("--undo"), "{}", help.stdout);
}

/// Whether `text` holds a stage timing line as `-v` prints them (`what: 1.2 ms`).
fn has_timing(text: &str) -> bool {
    text.lines().any(|l| {
        l.strip_suffix(" ms")
            .and_then(|l| l.rsplit_once(": "))
            .is_some_and(|(what, ms)| !what.is_empty() && ms.parse::<f64>().is_ok())
    })
}

#[tokio::test]
async fn every_command_takes_json_quiet_and_verbose() {
    let p = Project::new("global_flags").await;
    p.schema(V1);
    std::fs::write(p.path().join("rows.csv"), "name\nann\n").unwrap();
    let schema = p.path().join("schema/schema.sql").display().to_string();
    let fresh = tempfile::tempdir().unwrap();
    let fresh_dir = fresh.path().display().to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["init", &fresh_dir],
        vec!["autogenerate", "-m", "init"],
        vec!["autogenerate", "-m", "again"],
        vec!["migrate", "hash"],
        vec!["migrate", "up", "--dry-run"],
        vec!["migrate", "up"],
        vec!["migrate", "status"],
        vec!["migrate", "verify"],
        vec!["migrate", "redo"],
        vec!["migrate", "down"],
        vec!["migrate", "baseline", "--undo", "1"],
        vec!["migrate", "up"],
        vec!["inspect"],
        vec!["diff", "--from", &schema, "--to", &schema],
        vec!["lint", &schema],
        vec!["upsert", "users", "--input", "rows.csv", "--on", "id"],
        vec!["fetch", "users"],
        vec!["fetch", "users", "--relations"],
    ];
    for args in &commands {
        if args[0] == "init" {
            std::fs::remove_dir_all(fresh.path()).unwrap();
        }
        let mut json = vec!["--json"];
        json.extend(args.iter().copied());
        let r = p.run(&json);
        // upsert needs its key in the input: it fails, as JSON.
        if args[0] == "upsert" {
            assert_eq!(r.code, 1, "{args:?}");
            let err: serde_json::Value =
                serde_json::from_str(r.stderr.trim()).unwrap_or_else(|e| {
                    panic!(
                        "{args:?}: stderr is not one JSON object ({e}):\n{}",
                        r.stderr
                    )
                });
            assert!(
                err["error"].as_str().is_some_and(|e| e.contains("id")),
                "{err}"
            );
            continue;
        }
        assert_eq!(r.code, 0, "{args:?}\n{}\n{}", r.stdout, r.stderr);
        serde_json::from_str::<serde_json::Value>(&r.stdout)
            .unwrap_or_else(|e| panic!("{args:?} --json: not JSON ({e}):\n{}", r.stdout));
    }
    // -v: every command reports its stages.
    let verbose: Vec<Vec<&str>> = vec![
        vec!["migrate", "status"],
        vec!["migrate", "hash"],
        vec!["inspect"],
        vec!["diff", "--from", &schema, "--to", &schema],
        vec!["autogenerate", "-m", "x"],
        vec!["lint", &schema],
        vec!["fetch", "users"],
        vec!["dev", "status"],
    ];
    for args in &verbose {
        let mut all = vec!["-v"];
        all.extend(args.iter().copied());
        let r = p.ok(&all);
        assert!(
            has_timing(&r.stderr),
            "dbridge -v {args:?} printed no stage timing:\n{}",
            r.stderr
        );
    }
    // -q: the result only.
    p.write_migration(
        "29990101000000_more.up.sql",
        "CREATE TABLE more (id int);\n",
    );
    p.ok(&["migrate", "hash"]);
    let r = p.ok(&["-q", "migrate", "up"]);
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("applied 1 migration(s)\n", "")
    );
    let r = p.run(&["-q", "-v", "migrate", "status"]);
    assert_eq!(r.code, 1, "-q and -v exclude each other");
    let r = p.run(&["inspect", "--json", "--format", "toml"]);
    assert_eq!(r.code, 1, "--json and another format exclude each other");
    // No arguments: the help, exit 2.
    let r = dbridge(p.path(), &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("Usage: dbridge"), "{}", r.stderr);
}

#[tokio::test]
async fn embedded_servers_run_as_their_own_user_and_leftovers_are_removed() {
    use data_bridge::engine::embedded::EmbeddedServer;
    // A leftover of a process that is gone, and one of a process that runs.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let temp = std::env::temp_dir();
    let stale = temp.join(format!("dbridge-pg-{dead}-leftover"));
    let alive = temp.join(format!("dbridge-pg-{}-inuse", std::process::id()));
    for dir in [&stale, &alive] {
        std::fs::create_dir_all(dir.join("data")).unwrap();
    }
    let server = tokio::task::spawn_blocking(EmbeddedServer::start)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !stale.exists(),
        "a dead run's server folder was left behind"
    );
    assert!(alive.exists(), "a live run's server folder was removed");
    std::fs::remove_dir_all(&alive).unwrap();
    let pid_file = std::fs::read_to_string(server.dir().join("data/postmaster.pid")).unwrap();
    let pid: u32 = pid_file.lines().next().unwrap().trim().parse().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid: u32 = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|u| u.parse().ok())
        .unwrap();
    let me = nix::unistd::Uid::effective();
    if me.is_root() {
        let user = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
            .unwrap()
            .unwrap();
        assert_eq!(
            user.name, "dbridge",
            "as root the server runs as the dbridge user"
        );
        let postgres = nix::unistd::User::from_name("postgres").ok().flatten();
        assert!(
            postgres.is_none_or(|p| p.uid.as_raw() != uid),
            "not as postgres"
        );
    } else {
        assert_eq!(
            uid,
            me.as_raw(),
            "the server runs as the user who started it"
        );
    }
    tokio::task::spawn_blocking(move || server.stop())
        .await
        .unwrap();
}
