//! Every case under `fixtures/diff/` goes through the round trip on a real server, and its
//! up and down SQL is pinned by a snapshot under `snapshots/diff/`.
//!
//! A case is a directory with `from.sql` and `to.sql`, and optionally `renames.txt` (one
//! `--rename` hint per line).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::roundtrip::{self, Case};
use data_bridge::diff::Renames;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/diff");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("fixtures/diff exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("to.sql").exists())
        .collect();
    dirs.sort();
    dirs
}

struct Result {
    up: String,
    down: String,
    failure: Option<String>,
}

async fn run(dir: PathBuf) -> (String, Result) {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_default();
    let (from, to) = (read("from.sql"), read("to.sql"));
    let hints: Vec<String> = read("renames.txt")
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect();
    let case = Case {
        name: &name,
        from: &from,
        to: &to,
        setup: None,
        settings: Vec::new(),
        renames: Renames::parse(&hints).expect("valid renames.txt"),
    };
    let outcome = roundtrip::run(&case).await;
    let (up, down) = outcome
        .plan
        .as_ref()
        .map(|p| (p.up_sql(), p.down_sql()))
        .unwrap_or_default();
    let failure = outcome.failure.map(|f| format!("{f:?}"));
    (name, Result { up, down, failure })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_round_trip_and_match_snapshots() {
    let mut tasks = tokio::task::JoinSet::new();
    for dir in cases() {
        tasks.spawn(run(dir));
    }
    let mut results = BTreeMap::new();
    while let Some(r) = tasks.join_next().await {
        let (name, result) = r.expect("a case panicked");
        results.insert(name, result);
    }
    assert!(
        results.len() >= 30,
        "expected the fixture cases, found {}",
        results.len()
    );
    let failures: Vec<String> = results
        .iter()
        .filter_map(|(name, r)| {
            r.failure
                .as_ref()
                .map(|f| format!("--- {name}\n{}", f.replace("\\n", "\n")))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for (name, r) in &results {
        assert!(
            !r.up.is_empty(),
            "{name}: from.sql and to.sql should differ"
        );
        insta::with_settings!({
            snapshot_path => "../snapshots/diff",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name.as_str(), format!("-- up\n{}\n-- down\n{}", r.up, r.down));
        });
    }
}

/// The generated benchmark schema (100 tables, enums, views, foreign-key chains) round-trips.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_benchmark_schema_round_trips() {
    let generate = |variant: &str| {
        let out = std::process::Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benchmarks/gen_schema.py"))
            .args(["100", variant])
            .output()
            .expect("python3 runs benchmarks/gen_schema.py");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let (from, to) = (generate("a"), generate("b"));
    let case = Case {
        name: "bench100",
        from: &from,
        to: &to,
        setup: None,
        settings: Vec::new(),
        renames: Renames::default(),
    };
    let outcome = roundtrip::run(&case).await;
    assert_eq!(outcome.failure, None);
    let plan = outcome.plan.unwrap();
    assert!(plan.up.iter().any(|s| s.contains("ADD VALUE 'archived'")));
    assert!(plan.up.iter().any(|s| s.contains("DROP COLUMN c3")));
}
