//! No command prints a password: every failure path of every command that takes a URL (and a
//! few that succeed while showing a source) runs with a password in the URL, and all of its
//! output is searched for it.

mod common;

use common::{Run, TestDb};

/// The password every URL of these tests carries.
const SECRET: &str = "Sup3rSecretPw";

/// `url` with the password set.
fn with_password(url: &str) -> String {
    let mut u = url::Url::parse(url).unwrap();
    if u.username().is_empty() {
        u.set_username("postgres").unwrap();
    }
    u.set_password(Some(SECRET)).unwrap();
    u.to_string()
}

/// Runs `dbridge -v ARGS` in `dir` with `env`, and fails when any output holds the password.
fn run_without_leaking(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec!["-v"];
    all.extend_from_slice(args);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"))
        .args(&all)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .envs(env.iter().copied())
        .output()
        .expect("run dbridge");
    let run = Run::of(out);
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.contains(SECRET),
            "dbridge {args:?} printed the password on {name}:\n{text}"
        );
    }
    run
}

fn fails(dir: &std::path::Path, args: &[&str]) -> Run {
    let run = run_without_leaking(dir, args, &[]);
    assert_ne!(run.code, 0, "dbridge {args:?} should fail:\n{}", run.stdout);
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_failure_path_prints_a_password() {
    let db = TestDb::new("secrets").await;
    db.run("schema", "CREATE TABLE t (id int PRIMARY KEY, v text);")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("migrations")).unwrap();
    std::fs::write(
        d.join("migrations/1_a.up.sql"),
        "CREATE TABLE a (id int);\n",
    )
    .unwrap();
    std::fs::write(
        d.join("schema.sql"),
        "CREATE TABLE t (id int PRIMARY KEY, v text);\n",
    )
    .unwrap();
    std::fs::write(d.join("rows.csv"), "id,v\n1,x\n").unwrap();
    let unreachable = with_password("postgres://postgres@127.0.0.1:1/nowhere");
    let typo = unreachable.replacen("postgres://", "postgress://", 1);
    let no_such_db = {
        let mut u = url::Url::parse(&with_password(&db.url())).unwrap();
        u.set_path("/no_such_database_here");
        u.to_string()
    };
    for url in [&unreachable, &typo, &no_such_db] {
        let url = url.as_str();
        for args in [
            &["inspect", "--url", url][..],
            &["inspect", "--url", url, "--format", "json"],
            &["diff", "--from", url, "--to", "schema.sql"],
            &["diff", "--from", "schema.sql", "--to", url],
            &[
                "diff",
                "--dev-url",
                url,
                "--from",
                "schema.sql",
                "--to",
                "schema.sql",
            ],
            &["migrate", "up", "--url", url],
            &["migrate", "status", "--url", url],
            &["migrate", "baseline", "1", "--url", url],
            &["migrate", "hash", "--url", url, "--config", "nosuch.toml"],
            &["autogenerate", "--url", url, "--dev-url", url],
            &["lint", "--url", url],
            &[
                "upsert", "t", "--input", "rows.csv", "--on", "id", "--url", url,
            ],
            &["fetch", "t", "--url", url],
            &["bench", "--url", url, "--suite", "fetch", "--rows", "10"],
        ] {
            fails(d, args);
        }
        // The target from the environment.
        let run = run_without_leaking(d, &["migrate", "up"], &[("DATABASE_URL", url)]);
        assert_ne!(run.code, 0);
    }

    // Configuration files that hold a URL: a syntax error echoes the line; an unterminated
    // variable; a mistyped scheme; a URL schema source.
    let configs = [
        format!("[database]\nurl = \"{unreachable}\" trailing\n"),
        format!("[database]\nurl = \"{}${{UNTERMINATED\"\n", unreachable),
        format!("[database]\nurl = \"{typo}\"\ndev_url = \"{typo}\"\n"),
        format!("[database]\nurl = \"{unreachable}\"\ndev_url = \"{unreachable}\"\n[schema]\nsource = \"{unreachable}\"\n"),
        format!("[database]\nurl = \"${{NOT_SET_ANYWHERE}}\"\ndev_url = \"{unreachable}\"\n"),
    ];
    for config in &configs {
        std::fs::write(d.join("dbridge.toml"), config).unwrap();
        for args in [
            &["migrate", "up"][..],
            &["migrate", "status"],
            &["autogenerate", "-m", "x"],
            &["inspect"],
            &["diff", "--from", "schema.sql", "--to", "schema.sql"],
        ] {
            fails(d, args);
        }
    }

    // Success paths that name a URL source: autogenerate's "no changes" and a diff of it.
    let reachable = with_password(&db.url());
    std::fs::remove_file(d.join("migrations/1_a.up.sql")).unwrap();
    std::fs::write(
        d.join("dbridge.toml"),
        format!(
            "[database]\nurl = \"{reachable}\"\ndev_url = \"{}\"\n[schema]\nsource = \"{reachable}\"\n",
            with_password(&common::admin_url())
        ),
    )
    .unwrap();
    let run = run_without_leaking(d, &["autogenerate", "-m", "init"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = run_without_leaking(d, &["autogenerate", "-m", "again"], &[]);
    assert!(run.stdout.contains("no changes"), "{}", run.stdout);
    let run = run_without_leaking(
        d,
        &["diff", "--from", &reachable, "--to", "schema.sql"],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    db.drop_db().await;
}
