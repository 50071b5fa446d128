//! `dbridge lint` on hand-written hazardous migrations.

mod common;

use std::path::Path;

use common::{assert_run, dbridge, TestDb};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_hazard_is_reported_with_file_and_line() {
    let run = dbridge(root(), &["lint", "fixtures/lint/hazardous.sql"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    insta::with_settings!({snapshot_path => "../snapshots/lint", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("hazardous", run.stdout);
    });
    for rule in [
        "data-loss",
        "table-rewrite",
        "access-exclusive-lock",
        "index-without-concurrently",
        "not-null-without-default",
        "volatile-default",
        "missing-lock-timeout",
        "constraint-without-not-valid",
        "secret-placeholder",
    ] {
        assert!(
            run.stdout.contains(&format!("[{rule}]")),
            "{rule} not reported"
        );
    }
}

#[test]
fn safe_forms_pass_and_levels_set_the_threshold() {
    let safe = dbridge(root(), &["lint", "fixtures/lint/safe.sql"]);
    assert_run("lint_safe_forms", &safe, &[]);
    let bounded = dbridge(root(), &["lint", "fixtures/lint/not_valid.sql"]);
    assert_run("lint_not_valid_at_warning_level", &bounded, &[]);
    let info = dbridge(
        root(),
        &["lint", "fixtures/lint/not_valid.sql", "--level", "info"],
    );
    assert_run("lint_not_valid_at_info_level", &info, &[]);
    let errors_only = dbridge(
        root(),
        &[
            "lint",
            "fixtures/lint/hazardous.sql",
            "--level",
            "error",
            "--json",
        ],
    );
    assert_eq!(errors_only.code, 2);
    let json: serde_json::Value = serde_json::from_str(&errors_only.stdout).unwrap();
    let first = &json.as_array().unwrap()[0];
    assert_eq!(first["rule"], "data-loss");
    assert_eq!(first["line"], 2);
    assert_eq!(first["level"], "error");
}

#[test]
fn invalid_sql_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.sql"),
        "SELECT 1;\n\nCREATE TABEL x (id int);",
    )
    .unwrap();
    let run = dbridge(dir.path(), &["lint", "bad.sql"]);
    assert_run("lint_invalid_sql", &run, &[]);
}

#[tokio::test]
async fn by_default_only_unapplied_migrations_are_checked() {
    let db = TestDb::new("lint_default").await;
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(
        migrations.join("1_create.up.sql"),
        "CREATE TABLE t (id int);\n",
    )
    .unwrap();
    let url = db.url();
    let r = dbridge(dir.path(), &["--url", &url, "migrate", "hash"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = dbridge(dir.path(), &["--url", &url, "migrate", "up"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::write(
        migrations.join("2_index.up.sql"),
        "\nCREATE INDEX t_id ON t (id);\n",
    )
    .unwrap();
    std::fs::write(migrations.join("1_create.down.sql"), "DROP TABLE t;\n").unwrap();
    // 1_create is applied: its down file, added since, is not linted.
    let r = dbridge(dir.path(), &["--url", &url, "lint"]);
    let project = dir.path().display().to_string();
    assert_run("lint_unapplied_migrations", &r, &[(&project, "[PROJECT]")]);
    db.drop_db().await;
}
