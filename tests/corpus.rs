//! The external corpus (`../shared/corpus`): every case goes through the round trip on a
//! real server. Cases known to fail are listed, with a reason, in
//! `tests/corpus_expected_failures.txt`; the test fails when an unlisted case fails and when
//! a listed case passes, so the list can only shrink.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::roundtrip::{self, Case, Failure};
use data_bridge::diff::Renames;

const EXPECTED: &str = "tests/corpus_expected_failures.txt";
/// Cases run at once; each needs two databases.
const PARALLEL: usize = 4;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

fn read(dir: &Path, file: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(file)).ok()
}

/// Database settings from a case's `meta.json`, e.g. `search_path = 'foo, public'`.
fn settings(dir: &Path) -> Vec<(String, String)> {
    let meta: serde_json::Value = read(dir, "meta.json")
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    meta["db_settings"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let value = v.as_str().map_or(v.to_string(), str::to_string);
                    (k.clone(), value)
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn run_case(dir: PathBuf) -> (String, Option<Failure>) {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let from = read(&dir, "current.sql").unwrap_or_default();
    let to = read(&dir, "desired.sql").unwrap_or_default();
    let setup = read(&dir, "setup.sql");
    let case = Case {
        name: &name,
        from: &from,
        to: &to,
        setup: setup.as_deref(),
        settings: settings(&dir),
        renames: Renames::default(),
    };
    let outcome = roundtrip::run(&case).await;
    (name, outcome.failure)
}

fn expected_failures() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(EXPECTED))
        .unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (id, reason) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (id.to_string(), reason.trim().to_string())
        })
        .collect()
}

fn stage(f: &Failure) -> (&'static str, &String) {
    match f {
        Failure::Input(m) => ("input", m),
        Failure::Unstable(m) => ("unstable", m),
        Failure::Up(m) => ("up", m),
        Failure::Down(m) => ("down", m),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_round_trips() {
    let filter = std::env::var("CORPUS_FILTER").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("../shared/corpus is beside the project")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("desired.sql").exists())
        .filter(|p| p.to_string_lossy().contains(&filter))
        .collect();
    dirs.sort();
    let total = dirs.len();
    let limit = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let mut tasks = tokio::task::JoinSet::new();
    for dir in dirs {
        let limit = limit.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await.unwrap();
            run_case(dir).await
        });
    }
    let mut results = BTreeMap::new();
    while let Some(r) = tasks.join_next().await {
        let (name, failure) = r.expect("a case panicked");
        results.insert(name, failure);
    }

    let up_ok = results
        .values()
        .filter(|f| matches!(f, None | Some(Failure::Down(_))))
        .count();
    let down_ok = results.values().filter(|f| f.is_none()).count();
    let mut report = String::new();
    for (name, f) in &results {
        if let Some(f) = f {
            let (stage, msg) = stage(f);
            report += &format!("=== {name} [{stage}]\n{msg}\n\n");
        }
    }
    if let Ok(path) = std::env::var("CORPUS_REPORT") {
        std::fs::write(path, &report).unwrap();
    }
    println!("corpus: {total} cases, up passes {up_ok}, up and down pass {down_ok}");

    if !filter.is_empty() {
        return;
    }
    assert!(
        up_ok * 10 >= total * 9,
        "up passes {up_ok} of {total} cases, under 90%"
    );
    assert!(
        down_ok * 10 >= total * 9,
        "up and down pass {down_ok} of {total} cases, under 90%"
    );
    let expected = expected_failures();
    let unexpected: Vec<String> = results
        .iter()
        .filter(|(name, f)| f.is_some() && !expected.contains_key(*name))
        .map(|(name, f)| {
            let (stage, msg) = stage(f.as_ref().unwrap());
            format!(
                "{name} [{stage}]: {}",
                msg.lines().take(12).collect::<Vec<_>>().join("\n    ")
            )
        })
        .collect();
    let fixed: Vec<&String> = expected
        .keys()
        .filter(|name| matches!(results.get(*name), Some(None)))
        .collect();
    let missing: Vec<&String> = expected
        .keys()
        .filter(|n| !results.contains_key(*n))
        .collect();
    assert!(
        unexpected.is_empty() && fixed.is_empty() && missing.is_empty(),
        "corpus ratchet broken.\nUnlisted failures ({}):\n{}\n\nListed cases that now pass (remove them from {EXPECTED}): {:?}\n\nListed cases that do not exist: {:?}",
        unexpected.len(),
        unexpected.join("\n"),
        fixed,
        missing
    );
}
