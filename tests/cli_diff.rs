//! `dbridge diff` and `dbridge inspect` through the built binary, against real PostgreSQL.

mod common;

use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use common::{admin_url, assert_run, dbridge, TestDb};
use data_bridge::engine::postgres::script::{run_script, Atomicity};

fn write(dir: &Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).unwrap();
    name.to_string()
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

const V1: &str = "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);\n";
const V2: &str = "CREATE TABLE users (id int PRIMARY KEY, full_name text NOT NULL, age int);\n";

#[test]
fn diff_of_the_demo_with_the_embedded_dev_database() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = dbridge(
        root,
        &[
            "diff",
            "--from",
            "fixtures/demo/previous.sql",
            "--to",
            "fixtures/demo/schema.sql",
        ],
    );
    assert_run("diff_demo_up", &run, &[]);
}

#[test]
fn equal_schemas_print_nothing_and_exit_code_reports_differences() {
    let dir = temp();
    let a = write(dir.path(), "a.sql", V1);
    let b = write(dir.path(), "b.sql", V2);
    let dev = admin_url();
    let same = dbridge(
        dir.path(),
        &[
            "--dev-url",
            &dev,
            "diff",
            "--from",
            &a,
            "--to",
            &a,
            "--exit-code",
        ],
    );
    assert_run("diff_exit_code_equal", &same, &[]);
    let differ = dbridge(
        dir.path(),
        &[
            "--dev-url",
            &dev,
            "diff",
            "--from",
            &a,
            "--to",
            &b,
            "--exit-code",
        ],
    );
    assert_run("diff_exit_code_differences", &differ, &[]);
    let plain = dbridge(
        dir.path(),
        &["--dev-url", &dev, "diff", "--from", &a, "--to", &b],
    );
    assert_eq!((plain.code, &plain.stdout), (0, &differ.stdout));
}

/// Grants are compared, and `--no-privileges` or `[schema] privileges = false` leaves
/// them out.
#[test]
fn privileges_are_compared_unless_left_out() {
    let dir = temp();
    let a = write(dir.path(), "a.sql", "CREATE TABLE t (id int);\n");
    let b = write(
        dir.path(),
        "b.sql",
        "CREATE TABLE t (id int);\nGRANT SELECT ON t TO dbridge_cli_reader;\n",
    );
    let dev = admin_url();
    let diff = |extra: &[&str]| {
        let args = [
            &["--dev-url", &dev, "diff", "--from", &a, "--to", &b][..],
            extra,
        ]
        .concat();
        dbridge(dir.path(), &args)
    };
    let with = diff(&[]);
    assert_eq!(with.code, 0, "{}", with.stderr);
    assert_eq!(
        with.stdout, "GRANT SELECT ON TABLE public.t TO dbridge_cli_reader;\n",
        "{}",
        with.stderr
    );
    let without = diff(&["--no-privileges", "--exit-code"]);
    assert_eq!(
        (without.code, without.stdout.as_str()),
        (0, ""),
        "{}",
        without.stderr
    );
    write(dir.path(), "dbridge.toml", "[schema]\nprivileges = false\n");
    let configured = diff(&["--exit-code"]);
    assert_eq!(
        (configured.code, configured.stdout.as_str()),
        (0, ""),
        "{}",
        configured.stderr
    );
}

#[test]
fn rename_candidates_are_reported_and_hints_make_renames() {
    let dir = temp();
    let a = write(dir.path(), "a.sql", V1);
    let b = write(dir.path(), "b.sql", V2);
    let dev = admin_url();
    let guess = dbridge(
        dir.path(),
        &["--dev-url", &dev, "diff", "--from", &a, "--to", &b],
    );
    assert_run("diff_rename_candidate", &guess, &[]);
    let hinted = dbridge(
        dir.path(),
        &[
            "--dev-url",
            &dev,
            "diff",
            "--from",
            &a,
            "--to",
            &b,
            "--rename",
            "public.users.name=full_name",
        ],
    );
    assert_run("diff_rename_hint", &hinted, &[]);
    let down = dbridge(
        dir.path(),
        &[
            "--dev-url",
            &dev,
            "diff",
            "--from",
            &a,
            "--to",
            &b,
            "--down",
            "--rename",
            "public.users.name=full_name",
        ],
    );
    assert_run("diff_rename_hint_down", &down, &[]);
    let bad = dbridge(
        dir.path(),
        &[
            "--dev-url",
            &dev,
            "diff",
            "--from",
            &a,
            "--to",
            &b,
            "--rename",
            "users=x",
        ],
    );
    assert_run("diff_invalid_rename_hint", &bad, &[]);
    let unknown = dbridge(
        dir.path(),
        &[
            "--dev-url",
            &dev,
            "diff",
            "--from",
            &a,
            "--to",
            &b,
            "--rename",
            "public.users.nope=full_name",
        ],
    );
    assert_run("diff_rename_hint_unknown_column", &unknown, &[]);
}

#[test]
fn json_format_lists_changes_with_hazards_and_sql_both_ways() {
    let dir = temp();
    let a = write(dir.path(), "a.sql", V1);
    let b = write(dir.path(), "b.sql", V2);
    let run = dbridge(
        dir.path(),
        &[
            "--dev-url",
            &admin_url(),
            "diff",
            "--from",
            &a,
            "--to",
            &b,
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    let drop = changes
        .iter()
        .find(|c| c["kind"] == "drop_column")
        .expect("a drop_column change");
    assert_eq!(drop["object"], "public.users.name");
    assert_eq!(
        drop["hazards"],
        serde_json::json!(["data-loss", "access-exclusive-lock", "irreversible"])
    );
    assert_eq!(drop["up"][0], "ALTER TABLE public.users DROP COLUMN name");
    assert_eq!(
        drop["down"][0],
        "ALTER TABLE public.users ADD COLUMN name text NOT NULL"
    );
    assert_eq!(drop["data_restored"], false);
    assert_eq!(drop["up_modes"], serde_json::json!(["transaction"]));
    assert_eq!(drop["down_modes"], serde_json::json!(["transaction"]));
    let add = changes
        .iter()
        .find(|c| c["kind"] == "add_column")
        .expect("an add_column change");
    assert_eq!(add["data_restored"], true);
    assert_eq!(plan["rename_candidates"][0]["to"], "full_name");
}

/// With safe rendering, an index on an existing table is built outside a transaction: the
/// planned change says so for its own statements, both ways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planned_changes_carry_their_statement_modes() {
    use data_bridge::diff::plan::{Mode, PlanOptions};
    use data_bridge::diff::{Plan, Renames};
    let a = TestDb::new("modes_a").await;
    let b = TestDb::new("modes_b").await;
    a.run("a", V1).await.unwrap();
    b.run(
        "b",
        &format!("{V1}CREATE INDEX users_name ON users (name);"),
    )
    .await
    .unwrap();
    let (from, to) = (a.inspect().await, b.inspect().await);
    let safe = PlanOptions { safe: true };
    let plan = Plan::with_options(&from, &to, &Renames::default(), safe).unwrap();
    let index = &plan.changes[0];
    assert_eq!(index.kind, "add_index");
    assert_eq!(index.up_modes, [Mode::NoTransaction]);
    assert_eq!(index.down_modes, [Mode::NoTransaction]);
    let plain = Plan::new(&from, &to, &Renames::default()).unwrap();
    assert_eq!(plain.changes[0].up_modes, [Mode::Transaction]);
    a.drop_db().await;
    b.drop_db().await;
}

#[test]
fn invalid_sql_names_file_and_line() {
    let dir = temp();
    let good = write(dir.path(), "good.sql", V1);
    let bad = write(
        dir.path(),
        "bad.sql",
        "CREATE TABLE a (id int);\n\nCREATE TABLE b (\n  id int,\n  oops oops\n);\n",
    );
    let run = dbridge(
        dir.path(),
        &[
            "--dev-url",
            &admin_url(),
            "diff",
            "--from",
            &good,
            "--to",
            &bad,
        ],
    );
    assert_run("diff_invalid_sql", &run, &[]);
    let syntax = write(
        dir.path(),
        "syntax.sql",
        "CREATE TABLE a (id int);\nCREATE TABEL b (id int);\n",
    );
    let run = dbridge(
        dir.path(),
        &[
            "--dev-url",
            &admin_url(),
            "diff",
            "--from",
            &good,
            "--to",
            &syntax,
        ],
    );
    assert_run("diff_syntax_error", &run, &[]);
}

#[test]
fn statements_in_any_order_are_applied() {
    let dir = temp();
    let a = write(dir.path(), "a.sql", "");
    let b = write(
        dir.path(),
        "b.sql",
        "CREATE TABLE posts (id int, author int REFERENCES authors (id));\nCREATE TABLE authors (id int PRIMARY KEY);\n",
    );
    let run = dbridge(
        dir.path(),
        &["--dev-url", &admin_url(), "diff", "--from", &a, "--to", &b],
    );
    assert_run("diff_statements_in_any_order", &run, &[]);
}

#[test]
fn directory_sources_are_applied_in_name_order() {
    let dir = temp();
    std::fs::create_dir(dir.path().join("schema")).unwrap();
    write(
        dir.path(),
        "schema/02_posts.sql",
        "ALTER TABLE users ADD COLUMN email text;\n",
    );
    write(dir.path(), "schema/01_users.sql", V1);
    write(dir.path(), "schema/notes.txt", "not sql");
    let empty = write(dir.path(), "empty.sql", "");
    let run = dbridge(
        dir.path(),
        &[
            "--dev-url",
            &admin_url(),
            "diff",
            "--from",
            &empty,
            "--to",
            "schema",
        ],
    );
    assert_run("diff_directory_source", &run, &[]);
}

#[test]
fn bad_arguments_are_clear_errors() {
    let dir = temp();
    let run = dbridge(
        dir.path(),
        &["diff", "--from", "missing.sql", "--to", "missing.sql"],
    );
    assert_run("diff_missing_file", &run, &[]);
    let run = dbridge(
        dir.path(),
        &[
            "inspect",
            "--url",
            "postgres://x@localhost/db",
            "--format",
            "yaml",
        ],
    );
    assert_run("inspect_bad_format", &run, &[]);
    let run = dbridge(dir.path(), &["inspect", "--url", "mysql://x@y/z"]);
    assert_run("inspect_not_a_postgres_url", &run, &[]);
    let run = dbridge(dir.path(), &["frobnicate"]);
    assert_run("unknown_command", &run, &[]);
}

#[test]
fn missing_server_binaries_say_how_to_install_them() {
    let dir = temp();
    let a = write(dir.path(), "a.sql", V1);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"))
        .args(["diff", "--from", &a, "--to", &a])
        .current_dir(dir.path())
        .env("DBRIDGE_PG_BIN", dir.path().join("no-such-dir"))
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let run = common::Run::of(out);
    assert_run("diff_without_server_binaries", &run, &[]);
}

#[test]
fn unreachable_server_and_wrong_password_never_show_the_password() {
    let dir = temp();
    let run = dbridge(
        dir.path(),
        &["inspect", "--url", "postgres://app:hunter2@127.0.0.1:1/db"],
    );
    assert_run("inspect_unreachable_with_password", &run, &[]);
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    let run = dbridge(
        dir.path(),
        &[
            "diff",
            "--from",
            "postgres://app:hunter2@127.0.0.1:1/db",
            "--to",
            "postgres://127.0.0.1:1/x",
        ],
    );
    assert_run("diff_unreachable_with_password", &run, &[]);
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
}

#[tokio::test]
async fn snapshots_round_trip_without_loss_and_canonical_sql_rebuilds_the_schema() {
    let src = TestDb::new("snapshot_src").await;
    let schema = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/diff/quoted_names/to.sql"),
    )
    .unwrap();
    src.run("quoted_names", &schema).await.unwrap();
    let dir = temp();
    for format in ["json", "toml"] {
        let file = format!("schema.{format}");
        let run = dbridge(
            dir.path(),
            &[
                "inspect",
                "--url",
                &src.url(),
                "--format",
                format,
                "-o",
                &file,
            ],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let run = dbridge(
            dir.path(),
            &["diff", "--from", &file, "--to", &src.url(), "--exit-code"],
        );
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, ""),
            "{format}: {}",
            run.stderr
        );
    }
    // Canonical SQL applied to an empty database gives the same schema back.
    let run = dbridge(dir.path(), &["inspect", "--url", &src.url()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let copy = TestDb::new("snapshot_copy").await;
    copy.run("canonical.sql", &run.stdout).await.unwrap();
    assert_eq!(copy.inspect().await, src.inspect().await);
    let only = dbridge(
        dir.path(),
        &[
            "inspect",
            "--url",
            &src.url(),
            "--schema",
            "public",
            "--format",
            "json",
        ],
    );
    assert_run("inspect_one_schema", &only, &[]);
    let typo = dbridge(
        dir.path(),
        &[
            "inspect",
            "--url",
            &src.url(),
            "--schema",
            "public",
            "--schema",
            "pubilc",
        ],
    );
    assert_run("inspect_unknown_schema", &typo, &[]);
    src.drop_db().await;
    copy.drop_db().await;
}

/// Collations, text search objects, operators, aggregates, casts, statistics, rules, event
/// triggers and publications survive a JSON and a TOML snapshot, and `--schema` keeps those
/// of the schema (publications belong to the database, and go).
#[tokio::test]
async fn snapshots_keep_every_kind_of_definition() {
    let db = TestDb::new("snapshot_definitions").await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for case in [
        "collations_and_conversions",
        "text_search",
        "operators_aggregates_casts",
        "statistics_and_rules",
        "event_triggers_and_publications",
    ] {
        let sql =
            std::fs::read_to_string(root.join("fixtures/diff").join(case).join("to.sql")).unwrap();
        db.run(case, &sql).await.unwrap();
    }
    let dir = temp();
    for format in ["json", "toml"] {
        let file = format!("schema.{format}");
        let args = [
            "inspect",
            "--url",
            &db.url(),
            "--format",
            format,
            "-o",
            &file,
        ];
        let run = dbridge(dir.path(), &args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let text = std::fs::read_to_string(dir.path().join(&file)).unwrap();
        for kind in [
            "collation",
            "text_search_configuration",
            "aggregate",
            "rule",
            "publication",
        ] {
            assert!(text.contains(kind), "{format} snapshot has no {kind}");
        }
        let run = dbridge(
            dir.path(),
            &["diff", "--from", &file, "--to", &db.url(), "--exit-code"],
        );
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, ""),
            "{format}: {}",
            run.stderr
        );
    }
    let only = dbridge(
        dir.path(),
        &["inspect", "--url", &db.url(), "--schema", "public"],
    );
    assert_eq!(only.code, 0, "{}", only.stderr);
    assert!(
        only.stdout.contains("CREATE RULE keep_orders"),
        "{}",
        only.stdout
    );
    assert!(
        !only.stdout.contains("CREATE PUBLICATION"),
        "{}",
        only.stdout
    );
}

/// Definitions the client cannot write (a foreign key into a schema that is not read, an
/// index with a collation or operator class of its own, an expression) come from the server,
/// and every definition reads as the server's own.
#[tokio::test]
async fn inspecting_some_schemas_still_writes_every_definition() {
    let db = TestDb::new("inspect_some_schemas").await;
    db.run(
        "schema.sql",
        "CREATE SCHEMA other;
         CREATE TABLE other.\"Parent\" (id int PRIMARY KEY, code text UNIQUE);
         CREATE TABLE child (
             id int PRIMARY KEY,
             parent_id int REFERENCES other.\"Parent\" (id) ON DELETE SET NULL (parent_id),
             code text,
             \"Select\" text,
             FOREIGN KEY (code) REFERENCES other.\"Parent\" (code) MATCH FULL DEFERRABLE,
             UNIQUE NULLS NOT DISTINCT (code) INCLUDE (\"Select\"));
         CREATE TABLE grandchild (id int);
         ALTER TABLE grandchild ADD FOREIGN KEY (id) REFERENCES child (id) NOT VALID;
         CREATE INDEX child_c ON child (code COLLATE \"C\" DESC);
         CREATE INDEX child_ops ON child (code text_pattern_ops);
         CREATE INDEX child_lower ON child (lower(code)) WHERE id > 0;
         CREATE INDEX child_plain ON child (\"Select\" NULLS FIRST, id) INCLUDE (code) WHERE code <> 'x';",
    )
    .await
    .unwrap();
    let run = dbridge(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            "inspect",
            "--url",
            &db.url(),
            "--schema",
            "public",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    use data_bridge::diff::postgres::definitions;
    use data_bridge::diff::snapshot;
    let model = snapshot::read(&run.stdout, snapshot::Format::Json, "stdout").unwrap();
    let q = &data_bridge::diff::quote::ident;
    let mut ours = Vec::new();
    for t in &model.tables {
        for c in &t.constraints {
            ours.push((c.name.clone(), definitions::constraint(q, c)));
        }
        let form = if t.partition_by.is_some() {
            definitions::IndexForm::OnlyParent
        } else {
            definitions::IndexForm::Plain
        };
        for i in &t.indexes {
            ours.push((i.name.clone(), definitions::index(q, &t.name, i, form)));
        }
    }
    ours.sort();
    let theirs = server_texts(
        &db,
        "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
         WHERE connamespace = 'public'::regnamespace \
         UNION ALL SELECT c.relname::text, pg_get_indexdef(c.oid) FROM pg_class c \
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'i' \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = c.oid)",
    )
    .await;
    assert_eq!(ours, theirs);
    assert_eq!(ours.len(), 9, "{ours:#?}");
    db.drop_db().await;
}

#[test]
fn the_dev_url_of_dbridge_toml_is_used() {
    let dir = temp();
    let a = write(dir.path(), "a.sql", V1);
    let b = write(dir.path(), "b.sql", V2);
    std::fs::write(
        dir.path().join("dbridge.toml"),
        format!("[database]\ndev_url = \"{}\"\n", admin_url()),
    )
    .unwrap();
    // No server binaries: only the configured dev database can read the SQL files.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"))
        .args(["diff", "--from", &a, "--to", &b])
        .current_dir(dir.path())
        .env("DBRIDGE_PG_BIN", dir.path().join("no-such-dir"))
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let run = common::Run::of(out);
    assert_run("diff_with_configured_dev_url", &run, &[]);
}

/// The keywords the renderer quotes are exactly the server's non-unreserved keywords, plus
/// words that newer releases than the server's added (quoting them costs nothing).
#[tokio::test]
async fn quoted_keywords_match_the_servers() {
    use sqlx::Row;
    const NEWER: &[&str] = &[
        // PostgreSQL 16
        "json",
        "json_array",
        "json_arrayagg",
        "json_object",
        "json_objectagg",
        "system_user",
        // PostgreSQL 17
        "json_exists",
        "json_query",
        "json_scalar",
        "json_serialize",
        "json_table",
        "json_value",
        "merge_action",
    ];
    let db = TestDb::new("keywords").await;
    let mut conn = db.connect().await;
    let server: Vec<String> =
        sqlx::query("SELECT word::text FROM pg_catalog.pg_get_keywords() WHERE catcode <> 'U'")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    drop(conn);
    db.drop_db().await;
    let ours = data_bridge::diff::quote::keywords();
    let missing: Vec<&String> = server
        .iter()
        .filter(|w| !ours.contains(&w.as_str()))
        .collect();
    let unknown: Vec<&&str> = ours
        .iter()
        .filter(|w| !server.iter().any(|s| s == *w) && !NEWER.contains(w))
        .collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "missing: {missing:?}; not keywords to the server: {unknown:?}"
    );
}

/// A target nobody listens on fails with the network's own message (not a pool timeout),
/// and the password stays out of it.
#[test]
fn an_unreachable_target_says_why() {
    let dir = temp();
    let run = dbridge(
        dir.path(),
        &["inspect", "--url", "postgres://app:s3cret@127.0.0.1:1/db"],
    );
    assert_run("inspect_unreachable_target", &run, &[]);
    assert!(!run.stderr.contains("s3cret"), "{}", run.stderr);
}

/// A `CREATE UNIQUE INDEX CONCURRENTLY` that failed leaves an invalid index that enforces
/// nothing: `inspect` marks it, and the next plan rebuilds it.
#[tokio::test]
async fn an_invalid_index_is_marked_and_rebuilt() {
    let db = TestDb::new("invalid_index").await;
    db.run(
        "setup.sql",
        "CREATE TABLE t (id int, code text); INSERT INTO t VALUES (1, 'a'), (2, 'a');",
    )
    .await
    .unwrap();
    let mut conn = db.connect().await;
    let failed = sqlx::raw_sql("CREATE UNIQUE INDEX CONCURRENTLY t_code ON t (code)")
        .execute(&mut conn)
        .await;
    assert!(failed.is_err(), "the duplicate makes the build fail");
    sqlx::raw_sql("DELETE FROM t WHERE id = 2")
        .execute(&mut conn)
        .await
        .unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let inspect = dbridge(root, &["inspect", "--url", &db.url()]);
    assert_run("inspect_invalid_index", &inspect, &[]);
    let dir = temp();
    let schema = write(
        dir.path(),
        "schema.sql",
        "CREATE TABLE t (id int, code text);\nCREATE UNIQUE INDEX t_code ON t (code);\n",
    );
    let (dev, url) = (admin_url(), db.url());
    let args = ["--dev-url", &dev, "diff", "--from", &url, "--to", &schema];
    let plan = dbridge(dir.path(), &args);
    assert_run("diff_rebuilds_invalid_index", &plan, &[]);
    db.run("up.sql", &plan.stdout).await.unwrap();
    let valid: bool = sqlx::query_scalar(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.t_code'::regclass",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(valid);
    let dup = sqlx::raw_sql("INSERT INTO t VALUES (3, 'a')")
        .execute(&mut conn)
        .await;
    assert!(dup.is_err(), "the rebuilt index enforces uniqueness");
    let again = dbridge(dir.path(), &[&args[..], &["--exit-code"]].concat());
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, ""),
        "{}",
        again.stderr
    );
}

/// A catalog value that should never be NULL is an error naming its row and column, not
/// a default: a check constraint whose expression went missing is not read as `CHECK ()`.
#[tokio::test]
async fn an_unreadable_catalog_value_is_an_error_not_a_default() {
    let db = TestDb::new("catalog_null").await;
    db.run(
        "setup.sql",
        "CREATE TABLE t (id int CONSTRAINT positive CHECK (id > 0));",
    )
    .await
    .unwrap();
    let mut conn = db.connect().await;
    sqlx::raw_sql("UPDATE pg_catalog.pg_constraint SET conbin = NULL WHERE conname = 'positive'")
        .execute(&mut conn)
        .await
        .unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let inspect = dbridge(root, &["inspect", "--url", &db.url()]);
    assert_eq!(inspect.code, 1, "{}", inspect.stderr);
    assert!(inspect.stdout.is_empty(), "{}", inspect.stdout);
    assert!(
        inspect.stderr.contains("conname=positive")
            && inspect.stderr.contains("column definition (#4) is NULL"),
        "{}",
        inspect.stderr
    );
}

/// A unique index added to an existing partitioned table is enforced on every partition
/// once the plan has run, with and without `--safe`.
#[tokio::test]
async fn a_unique_index_added_to_a_partitioned_table_is_enforced() {
    const TABLE: &str =
        "CREATE TABLE e (id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);\n\
        CREATE TABLE e_2024 PARTITION OF e FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n\
        CREATE TABLE e_2025 PARTITION OF e FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n";
    for safe in [false, true] {
        let db = TestDb::new("partition_unique").await;
        db.run("setup.sql", TABLE).await.unwrap();
        let dir = temp();
        let text = format!("{TABLE}CREATE UNIQUE INDEX e_id_at ON e (id, at);\n");
        let schema = write(dir.path(), "schema.sql", &text);
        let (dev, url) = (admin_url(), db.url());
        let mut args = vec!["--dev-url", &dev, "diff", "--from", &url, "--to", &schema];
        if safe {
            args.push("--safe");
        }
        let plan = dbridge(dir.path(), &args);
        assert_eq!(plan.code, 0, "{}", plan.stderr);
        // Statement by statement: CREATE INDEX CONCURRENTLY cannot run in a transaction.
        let mut conn = db.connect().await;
        run_script(&mut conn, "up.sql", &plan.stdout, Atomicity::Autocommit)
            .await
            .unwrap();
        sqlx::raw_sql("INSERT INTO e VALUES (1, '2025-03-01')")
            .execute(&mut conn)
            .await
            .unwrap();
        let dup = sqlx::raw_sql("INSERT INTO e VALUES (1, '2025-03-01')")
            .execute(&mut conn)
            .await;
        assert!(dup.is_err(), "safe = {safe}: the index enforces uniqueness");
        args.push("--exit-code");
        let again = dbridge(dir.path(), &args);
        assert_eq!(
            (again.code, again.stdout.as_str()),
            (0, ""),
            "{}",
            again.stderr
        );
    }
}

/// A snapshot that does not read completely is refused, never read as an empty schema
/// (which would plan to drop every table).
#[test]
fn incomplete_or_misspelled_snapshots_are_refused() {
    let dir = temp();
    let schema = write(dir.path(), "schema.sql", V1);
    let empty = write(dir.path(), "empty.json", "{}");
    let typo = write(
        dir.path(),
        "typo.toml",
        "format = 2\nengine = \"postgresql\"\n\n[[tables]]\nname = { schema = \"public\", name = \"users\" }\ncolumns = [{ name = \"id\", data_type = \"integer\", not_nul = true }]\n",
    );
    let dev = admin_url();
    for (name, file) in [
        ("diff_empty_snapshot", &empty),
        ("diff_misspelled_snapshot", &typo),
    ] {
        let run = dbridge(
            dir.path(),
            &["--dev-url", &dev, "diff", "--from", &schema, "--to", file],
        );
        assert_run(name, &run, &[]);
    }
}

/// `-o` replaces a regular file only: a device or a symlink is refused and left as it is.
#[tokio::test]
async fn output_files_never_replace_devices_or_symlinks() {
    let db = TestDb::new("output_files").await;
    db.run("schema.sql", V1).await.unwrap();
    let dir = temp();
    let target = dir.path().join("real.sql");
    std::fs::write(&target, "keep").unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join("link.sql")).unwrap();
    let url = db.url();
    let device = dbridge(dir.path(), &["inspect", "--url", &url, "-o", "/dev/null"]);
    assert_run("inspect_output_to_a_device", &device, &[]);
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    let link = dbridge(dir.path(), &["inspect", "--url", &url, "-o", "link.sql"]);
    assert_run("inspect_output_to_a_symlink", &link, &[]);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    let file = dbridge(dir.path(), &["inspect", "--url", &url, "-o", "real.sql"]);
    assert_eq!(file.code, 0, "{}", file.stderr);
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .contains("CREATE TABLE public.users"));
}

/// Runs `diff --from empty.sql --to <sql>` with the test server as the dev server.
fn diff_source(dir: &Path, sql: &str) -> common::Run {
    write(dir, "empty.sql", "");
    write(dir, "source.sql", sql);
    let dev = admin_url();
    dbridge(
        dir,
        &[
            "--dev-url",
            &dev,
            "diff",
            "--from",
            "empty.sql",
            "--to",
            "source.sql",
        ],
    )
}

/// The first value of a query on the test server's admin database.
async fn admin_scalar(sql: &str) -> i64 {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&admin_url()).await.unwrap();
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn schema_sources_cannot_act_outside_their_scratch_database() {
    let victim = TestDb::new("victim").await;
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pwned");
    let marker = marker.display();
    let tag = format!("boss_{}", std::process::id());
    // Refused before anything runs, with the line and the reason.
    let mut transcript = String::new();
    for stmt in [
        format!("DROP DATABASE {};", victim.name),
        "CREATE DATABASE made_by_a_source;".to_string(),
        format!("CREATE ROLE {tag} SUPERUSER LOGIN;"),
        "ALTER ROLE CURRENT_USER SUPERUSER;".to_string(),
        "ALTER SYSTEM SET work_mem = '1GB';".to_string(),
        format!("COPY (SELECT 1) TO PROGRAM 'touch {marker}';"),
        "COPY t FROM '/etc/passwd';".to_string(),
        "CREATE TABLESPACE ts LOCATION '/tmp';".to_string(),
        "LOAD 'auto_explain';".to_string(),
        "GRANT pg_execute_server_program TO CURRENT_USER;".to_string(),
    ] {
        let r = diff_source(dir.path(), &format!("CREATE TABLE t (id int);\n{stmt}\n"));
        assert_eq!(r.code, 1, "{stmt}: {}", r.stdout);
        transcript.push_str(&format!("{stmt}\n  {}", r.stderr));
    }
    // Hidden in a DO block, the same statements meet the role's lack of rights.
    for stmt in [
        format!("DO $$ BEGIN EXECUTE 'CREATE ROLE {tag} SUPERUSER'; END $$;"),
        format!("DO $$ BEGIN EXECUTE $q$COPY (SELECT 1) TO PROGRAM 'touch {marker}'$q$; END $$;"),
        "SELECT pg_read_file('/etc/passwd');".to_string(),
        "SET ROLE postgres;".to_string(),
        "DO $$ BEGIN EXECUTE 'ALTER SYSTEM SET work_mem = ''1GB'''; END $$;".to_string(),
    ] {
        let r = diff_source(dir.path(), &format!("CREATE TABLE t (id int);\n{stmt}\n"));
        assert_eq!(r.code, 1, "{stmt}: {}", r.stdout);
        transcript.push_str(&format!("{stmt}\n  {}", r.stderr));
    }
    let transcript = transcript
        .replace(&victim.name, "[VICTIM]")
        .replace(&tag, "[ROLE]")
        .replace(&marker.to_string(), "[MARKER]");
    insta::with_settings!({snapshot_path => "../snapshots/cli", prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!("diff_source_sandbox_refusals", transcript);
    });
    assert!(!dir.path().join("pwned").exists(), "a source ran a program");
    assert_eq!(
        admin_scalar(&format!(
            "SELECT count(*) FROM pg_database WHERE datname IN ('{}', 'made_by_a_source')",
            victim.name
        ))
        .await,
        1,
        "the victim database is there and no database was created"
    );
    assert_eq!(
        admin_scalar(&format!(
            "SELECT count(*) FROM pg_roles WHERE rolname = '{tag}'"
        ))
        .await,
        0
    );
}

/// Event triggers and publications need a superuser: a source's run on the privileged
/// session, event triggers only once the rest of the source has run, so their function
/// (here one that would run a program) never runs with the session's rights.
#[test]
fn event_triggers_and_publications_of_a_source_run_without_lending_rights() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pwned");
    let sql = format!(
        "CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $f$
BEGIN EXECUTE $q$COPY (SELECT 1) TO PROGRAM 'touch {marker}'$q$; END $f$;
CREATE EVENT TRIGGER every_ddl ON ddl_command_end EXECUTE FUNCTION on_ddl();
COMMENT ON EVENT TRIGGER every_ddl IS 'runs for every statement';
CREATE TABLE t (id int PRIMARY KEY);
CREATE PUBLICATION everything FOR ALL TABLES;
",
        marker = marker.display()
    );
    let r = diff_source(dir.path(), &sql);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for wanted in [
        "CREATE EVENT TRIGGER every_ddl ON ddl_command_end EXECUTE FUNCTION public.on_ddl();",
        "COMMENT ON EVENT TRIGGER every_ddl IS 'runs for every statement';",
        "CREATE PUBLICATION everything FOR ALL TABLES",
    ] {
        assert!(r.stdout.contains(wanted), "{wanted}\n{}", r.stdout);
    }
    assert!(!marker.exists(), "an event trigger ran a program");
}

/// A user mapping's password never reaches a plan: a placeholder stands in for it, with a
/// hazard; servers over an extension's wrapper work in a sandboxed source.
#[test]
fn user_mapping_passwords_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let sql = "CREATE EXTENSION IF NOT EXISTS postgres_fdw;
CREATE SERVER warehouse FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'dw.internal');
CREATE USER MAPPING FOR PUBLIC SERVER warehouse OPTIONS (user 'reports', password 'hunter2-s3cret');
CREATE FOREIGN TABLE sales (id bigint) SERVER warehouse;
";
    let r = diff_source(dir.path(), sql);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stdout.contains("hunter2") && !r.stderr.contains("hunter2"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("-- hazards: secret-placeholder\nCREATE USER MAPPING FOR PUBLIC SERVER warehouse OPTIONS (password '<secret>', \"user\" 'reports');"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("CREATE FOREIGN TABLE public.sales ("),
        "{}",
        r.stdout
    );
}

/// Default privileges a source sets for itself (no `FOR ROLE`) are those of whatever role
/// runs the migrations: a database where that role set the same compares equal.
#[tokio::test]
async fn default_privileges_without_for_role_match_across_roles() {
    let db = TestDb::new("default_privileges").await;
    let sql = "CREATE SCHEMA app;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO dbridge_cli_reader;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
";
    db.run(
        "setup.sql",
        &format!("DO $$ BEGIN CREATE ROLE dbridge_cli_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;\n{sql}"),
    )
    .await
    .unwrap();
    let dir = temp();
    write(dir.path(), "schema.sql", sql);
    let (dev, url) = (admin_url(), db.url());
    let same = dbridge(
        dir.path(),
        &[
            "--dev-url",
            &dev,
            "diff",
            "--from",
            &url,
            "--to",
            "schema.sql",
            "--exit-code",
        ],
    );
    assert_eq!(
        (same.code, same.stdout.as_str()),
        (0, ""),
        "{}",
        same.stderr
    );
    let inspect = dbridge(dir.path(), &["inspect", "--url", &url]);
    assert!(
        inspect.stdout.contains(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO dbridge_cli_reader;"
        ),
        "{}",
        inspect.stdout
    );
}

#[tokio::test]
async fn roles_a_source_names_are_created_and_extensions_work() {
    let dir = tempfile::tempdir().unwrap();
    let role = |what: &str| format!("src_{what}_{}", std::process::id());
    let (owner, reader, policy) = (role("owner"), role("reader"), role("policy"));
    let sql = format!(
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE SCHEMA app;
CREATE TABLE app.t (id int PRIMARY KEY, name text);
ALTER TABLE app.t OWNER TO {owner};
COMMENT ON TABLE app.t IS 'owned by a role the source names';
GRANT SELECT ON app.t TO {reader};
ALTER TABLE app.t ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON app.t TO {policy} USING (true);
CREATE INDEX t_name_trgm ON app.t USING gin (name gin_trgm_ops);
CREATE TABLE app.u (id int);
ALTER TABLE app.u OWNER TO postgres;
"
    );
    let first = diff_source(dir.path(), &sql);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let filters = [
        (owner.as_str(), "[OWNER]"),
        (reader.as_str(), "[READER]"),
        (policy.as_str(), "[POLICY]"),
    ];
    assert_run("diff_source_names_roles", &first, &filters);
    for r in [&owner, &reader, &policy] {
        assert_eq!(
            admin_scalar(&format!("SELECT count(*) FROM pg_roles WHERE rolname = '{r}' AND NOT rolcanlogin AND NOT rolsuper")).await,
            1,
            "{r} was created NOLOGIN"
        );
    }
    // The roles exist now: the same source loads without creating anything.
    let again = diff_source(dir.path(), &sql);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, first.stdout.as_str())
    );
    assert!(!again.stderr.contains("created role"), "{}", again.stderr);
    // An extension the server does not have is named with its line.
    let r = diff_source(
        dir.path(),
        "CREATE TABLE a (id int);\nCREATE EXTENSION no_such_extension;\n",
    );
    assert_run("diff_source_unknown_extension", &r, &[]);
}

#[tokio::test]
async fn a_killed_runs_scratch_databases_and_roles_are_reclaimed() {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let host = data_bridge::engine::dev::host_tag();
    let db = format!("dbridge_dev_{host}_{dead}_0");
    let role = format!("dbridge_sandbox_{host}_{dead}_0");
    {
        use sqlx::{Connection, Executor};
        let mut conn = sqlx::PgConnection::connect(&admin_url()).await.unwrap();
        conn.execute(format!("CREATE ROLE \"{role}\" NOLOGIN").as_str())
            .await
            .unwrap();
        conn.execute(format!("CREATE DATABASE \"{db}\" OWNER \"{role}\"").as_str())
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let r = diff_source(dir.path(), "CREATE TABLE t (id int);\n");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        admin_scalar(&format!(
            "SELECT count(*) FROM pg_database WHERE datname = '{db}'"
        ))
        .await
            + admin_scalar(&format!(
                "SELECT count(*) FROM pg_roles WHERE rolname = '{role}'"
            ))
            .await,
        0,
        "the dead run's database and role are still there"
    );
}

#[tokio::test]
async fn serial_to_identity_keeps_the_sequence_name_and_the_ids() {
    let db = TestDb::new("serial_identity").await;
    let serial = "CREATE TABLE t (id serial PRIMARY KEY, v text);\nINSERT INTO t (v) VALUES ('a'), ('b'), ('c');\n";
    db.run("from", serial).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let to = write(
        dir.path(),
        "to.sql",
        "CREATE TABLE t (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v text);\n",
    );
    let from = write(
        dir.path(),
        "from.sql",
        "CREATE TABLE t (id serial PRIMARY KEY, v text);\n",
    );
    let dev = admin_url();
    let url = db.url();
    for (target, next) in [(&to, 4), (&from, 5)] {
        let r = dbridge(
            dir.path(),
            &["--dev-url", &dev, "diff", "--from", &url, "--to", target],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let mut conn = db.connect().await;
        run_script(&mut conn, "plan", &r.stdout, Atomicity::Transaction)
            .await
            .unwrap();
        let seq: String = sqlx::query_scalar("SELECT pg_get_serial_sequence('t', 'id')")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(seq, "public.t_id_seq", "the sequence keeps its name");
        sqlx::query("INSERT INTO t (v) VALUES ('new')")
            .execute(&mut conn)
            .await
            .unwrap();
        let id: i32 = sqlx::query_scalar("SELECT max(id) FROM t")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(id, next, "a new row takes the id after the existing ones");
    }
    db.drop_db().await;
}

#[tokio::test]
async fn every_keyword_the_server_reserves_is_quoted() {
    use sqlx::Row;
    let db = TestDb::new("keywords").await;
    let mut conn = db.connect().await;
    let rows = sqlx::query("SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(
        rows.len() > 50,
        "pg_get_keywords() returned {} rows",
        rows.len()
    );
    for row in rows {
        let word: String = row.get(0);
        assert!(
            data_bridge::diff::quote::is_keyword(&word),
            "{word} is a keyword to the server but written unquoted"
        );
        assert_eq!(
            data_bridge::diff::quote::ident(&word),
            format!("\"{word}\"")
        );
    }
    drop(conn);
    db.drop_db().await;
}

#[test]
fn a_terminal_gets_colour_and_what_each_definition_changes() {
    let dir = temp();
    let from = "CREATE TABLE t (a int, b int);\nCREATE VIEW v AS SELECT a FROM t;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n";
    let to = from
        .replace("SELECT a FROM", "SELECT a, b FROM")
        .replace("SELECT 1", "SELECT 2");
    write(dir.path(), "from.sql", from);
    write(dir.path(), "to.sql", &to);
    let run = |force: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"));
        cmd.args(["diff", "--from", "from.sql", "--to", "to.sql"])
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("CLICOLOR_FORCE");
        if let Some(v) = force {
            cmd.env("CLICOLOR_FORCE", v);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let plain = run(None);
    assert!(
        !plain.contains('\x1b') && !plain.contains("-- what"),
        "{plain}"
    );
    let coloured = run(Some("1"));
    assert!(
        coloured.contains("\x1b[31mDROP VIEW public.v;\x1b[0m"),
        "{coloured}"
    );
    assert!(
        coloured.contains("what CREATE FUNCTION public.f() changes:"),
        "{coloured}"
    );
    assert!(
        coloured.contains("\x1b[31m-- - AS $function$ SELECT 1 $function$\x1b[0m"),
        "{coloured}"
    );
    assert!(
        coloured.contains("\x1b[32m-- + AS $function$ SELECT 2 $function$\x1b[0m"),
        "{coloured}"
    );
    assert!(
        coloured.contains("\x1b[32m-- +     t.b\x1b[0m"),
        "{coloured}"
    );
    // Without the escapes and notes it is the same SQL.
    let stripped: String = coloured
        .replace("\x1b[31m", "")
        .replace("\x1b[32m", "")
        .replace("\x1b[36m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[2m", "")
        .replace("\x1b[0m", "")
        .lines()
        .filter(|l| {
            !l.starts_with("-- - ")
                && !l.starts_with("-- + ")
                && !l.starts_with("--   ")
                && !l.starts_with("-- what ")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(stripped, plain);
    assert!(!run(Some("0")).contains('\x1b'));
}

/// Checks, index predicates and defaults are written in the client from their node trees
/// where every node is a common one, by the server otherwise, and read as the server's own
/// text either way.
#[tokio::test]
async fn expressions_read_as_the_server_writes_them_most_without_asking_it() {
    let db = TestDb::new("inspect_expressions").await;
    db.run(
        "schema.sql",
        "CREATE TYPE mood AS ENUM ('sad', 'it''s ok');
         CREATE TYPE \"Odd Type\" AS ENUM ('x');
         CREATE DOMAIN posint AS int CHECK (VALUE > 0);
         CREATE TABLE \"Things\" (
             id int8 PRIMARY KEY CHECK (id > 0),
             n int4 DEFAULT -3 CHECK (n <> -3 OR n IS NULL),
             small int2 DEFAULT 7,
             big int8 DEFAULT 9000000000,
             price numeric(10,2) DEFAULT 0 CHECK (price >= 0),
             m mood DEFAULT 'it''s ok' CHECK (m <> 'sad'),
             o \"Odd Type\" DEFAULT 'x',
             flag bool NOT NULL DEFAULT false CHECK (NOT flag OR n > 0),
             note text DEFAULT 'it''s' CHECK (note <> ''),
             \"select\" varchar(10) DEFAULT 'v' CHECK (\"select\" IN ('a', 'v')),
             code text COLLATE \"C\" CHECK (code > 'a'),
             at timestamptz DEFAULT now(),
             slash text DEFAULT 'a\\b',
             p posint CHECK (p < 100),
             doubled int GENERATED ALWAYS AS (big::int * 2) STORED,
             upper_note text GENERATED ALWAYS AS (upper(note)) STORED,
             CHECK (note IN ('x', 'it''s')),
             CHECK (m IN ('sad', 'it''s ok')),
             CHECK (\"select\" <> ''));
         CREATE INDEX things_partial ON \"Things\" (id) WHERE note IS NOT NULL AND NOT flag;
         CREATE INDEX things_lower ON \"Things\" (id) WHERE lower(note) <> 'x';
         CREATE VIEW v AS SELECT id, n FROM \"Things\";
         ALTER VIEW v ALTER COLUMN n SET DEFAULT 5;",
    )
    .await
    .unwrap();
    let run = dbridge(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["-v", "inspect", "--url", &db.url(), "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    use data_bridge::diff::postgres::definitions;
    use data_bridge::diff::snapshot;
    let model = snapshot::read(&run.stdout, snapshot::Format::Json, "stdout").unwrap();
    let q = &data_bridge::diff::quote::ident;
    let mut ours = Vec::new();
    for t in &model.tables {
        for c in &t.constraints {
            if !matches!(
                c.body,
                data_bridge::diff::model::ConstraintBody::PrimaryKey(_)
            ) {
                ours.push((c.name.clone(), definitions::constraint(q, c)));
            }
        }
        for i in &t.indexes {
            let form = definitions::IndexForm::Plain;
            ours.push((i.name.clone(), definitions::index(q, &t.name, i, form)));
        }
        for c in &t.columns {
            if let Some(text) = c.default.as_ref().or(c.generated.as_ref()) {
                ours.push((format!("{}.{}", t.name.name, c.name), text.clone()));
            }
        }
    }
    for v in &model.views {
        for c in &v.columns {
            if let Some(text) = &c.default {
                ours.push((format!("{}.{}", v.name.name, c.name), text.0.clone()));
            }
        }
    }
    ours.sort();
    let theirs = server_texts(
        &db,
        "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
         WHERE connamespace = 'public'::regnamespace AND contype = 'c' AND conrelid <> 0 \
         UNION ALL SELECT c.relname::text, pg_get_indexdef(c.oid) FROM pg_class c \
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'i' \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = c.oid) \
         UNION ALL SELECT c.relname || '.' || a.attname, \
                pg_get_expr(ad.adbin, CASE WHEN a.attgenerated = '' THEN 0 ELSE c.oid END) \
         FROM pg_attrdef ad JOIN pg_class c ON c.oid = ad.adrelid \
         JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum \
         WHERE c.relnamespace = 'public'::regnamespace",
    )
    .await;
    assert_eq!(ours, theirs);
    assert_eq!(ours.len(), 28, "{ours:#?}");
    // now(), the backslash, upper() and lower() are the server's to write; everything else
    // is written here.
    if cfg!(target_endian = "little") {
        assert!(
            run.stderr
                .contains("(24 expressions written from their node trees, 4 by the server)"),
            "{}",
            run.stderr
        );
    }
    db.drop_db().await;
}

/// The (name, text) pairs `sql` returns, sorted, run with an empty `search_path` (as
/// introspection reads, so that the server qualifies every name).
async fn server_texts(db: &TestDb, sql: &str) -> Vec<(String, String)> {
    use sqlx::Row;
    let mut conn = db.connect().await;
    sqlx::query("SET search_path = ''")
        .execute(&mut conn)
        .await
        .unwrap();
    let mut texts: Vec<(String, String)> = sqlx::query(sql)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    texts.sort();
    texts
}
