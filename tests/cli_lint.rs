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

/// The findings of `dbridge lint --json` on one file written with `sql`, and the exit code.
fn lint_json(sql: &str, extra: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.sql"), sql).unwrap();
    let mut args = vec!["lint", "m.sql", "--json"];
    args.extend_from_slice(extra);
    let run = dbridge(dir.path(), &args);
    let json: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {}", run.stdout, run.stderr));
    (run.code, json.as_array().unwrap().clone())
}

fn rules_of(findings: &[serde_json::Value]) -> Vec<(String, u64)> {
    findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_concurrent_index_in_a_transactional_migration_is_an_error() {
    let sql = "SET lock_timeout = '1s';\nSET statement_timeout = '1min';\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);\n";
    let (code, found) = lint_json(sql, &[]);
    assert_eq!(code, 2);
    let hit = found
        .iter()
        .find(|f| f["rule"] == "ban-concurrent-index-creation-in-transaction")
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert_eq!(
        (hit["level"].as_str(), hit["line"].as_u64()),
        (Some("error"), Some(3))
    );
    assert_eq!(hit["rule_set"], "squawk");
    // The same statement in a migration that runs outside a transaction is what to write.
    let (code, found) = lint_json(&format!("-- no-transaction\n{sql}"), &[]);
    assert_eq!((code, found.len()), (0, 0), "{found:#?}");
}

#[test]
fn renaming_a_column_or_table_is_reported() {
    let sql =
        "ALTER TABLE users RENAME COLUMN email TO mail;\nALTER TABLE users RENAME TO people;\n";
    let (code, found) = lint_json(sql, &[]);
    assert_eq!(code, 2);
    let rules = rules_of(&found);
    assert!(rules.contains(&("renaming-column".into(), 1)), "{rules:?}");
    assert!(rules.contains(&("renaming-table".into(), 2)), "{rules:?}");
}

#[test]
fn squawk_ignore_comments_silence_both_rule_sets() {
    let sql = "-- squawk-ignore data-loss, ban-drop-column, access-exclusive-lock, missing-lock-timeout, require-statement-timeout\n\
               ALTER TABLE users DROP COLUMN legacy;\n\
               /* squawk-ignore renaming-column */\n\
               ALTER TABLE users RENAME COLUMN a TO b;\n\
               -- squawk-ignore no-such-rule\n\
               DROP TABLE audit;\n";
    let (_, found) = lint_json(sql, &[]);
    let rules = rules_of(&found);
    assert!(!rules.iter().any(|(_, line)| *line == 2), "{rules:?}");
    assert!(
        !rules.iter().any(|(r, _)| r == "renaming-column"),
        "{rules:?}"
    );
    assert!(rules.contains(&("unused-ignore".into(), 5)), "{rules:?}");
    assert!(rules.contains(&("data-loss".into(), 6)), "{rules:?}");
    let (code, found) = lint_json(&format!("-- squawk-ignore-file\n{sql}"), &[]);
    assert_eq!((code, found.len()), (0, 0), "{found:#?}");
    let (_, found) = lint_json(&format!("-- squawk-ignore-file data-loss\n{sql}"), &[]);
    assert!(
        !rules_of(&found).iter().any(|(r, _)| r == "data-loss"),
        "{found:#?}"
    );
}

#[test]
fn rules_are_chosen_by_flags_and_configuration() {
    let sql = "DROP TRIGGER audit ON users;\nALTER TABLE users RENAME COLUMN a TO b;\nDROP TABLE audit;\n";
    let (_, found) = lint_json(sql, &[]);
    let default = rules_of(&found);
    assert!(
        !default.iter().any(|(r, _)| r == "ban-drop-trigger"),
        "opt-in rule ran: {default:?}"
    );
    let (_, found) = lint_json(
        sql,
        &[
            "--include",
            "ban-drop-trigger",
            "--exclude",
            "data-loss,renaming-column",
        ],
    );
    let chosen = rules_of(&found);
    assert!(
        chosen.contains(&("ban-drop-trigger".into(), 1)),
        "{chosen:?}"
    );
    assert!(
        !chosen
            .iter()
            .any(|(r, _)| r == "data-loss" || r == "renaming-column"),
        "{chosen:?}"
    );
    // Without data-loss, Squawk's ban-drop-table speaks for itself.
    assert!(chosen.contains(&("ban-drop-table".into(), 3)), "{chosen:?}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.sql"), sql).unwrap();
    std::fs::write(
        dir.path().join("dbridge.toml"),
        "[lint]\nexclude = [\"renaming-column\"]\npg_version = \"16\"\n",
    )
    .unwrap();
    let run = dbridge(dir.path(), &["lint", "m.sql"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        !run.stdout.contains("renaming-column") && run.stdout.contains("[data-loss]"),
        "{}",
        run.stdout
    );

    let run = dbridge(dir.path(), &["lint", "m.sql", "--exclude", "no-such-rule"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("no lint rule is named \"no-such-rule\"")
            && run.stdout.is_empty(),
        "{}",
        run.stderr
    );
    let run = dbridge(dir.path(), &["lint", "m.sql", "--pg-version", "fifteen"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("\"fifteen\" is not a PostgreSQL version"),
        "{}",
        run.stderr
    );

    let run = dbridge(dir.path(), &["--json", "lint", "--rules"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let all: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    let count = |set: &str| all.iter().filter(|r| r["rule_set"] == set).count();
    assert_eq!(count("dbridge"), data_bridge::lint::RULES.len());
    assert!(count("squawk") >= 40, "{} Squawk rules", count("squawk"));
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
