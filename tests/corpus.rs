//! The external corpus (`fixtures/corpus/`): one test per case, `corpus/<case id>`, each
//! going through the round trip on a real server.
//!
//! Cases known to fail are listed in `tests/corpus_expected_failures.txt` with the stage
//! they fail at and a reason. A listed case must fail at exactly that stage: when it passes,
//! or fails elsewhere, its test fails, so the list can only shrink. The test
//! `corpus/expected_failures` checks the list itself: known cases, known stages, a reason
//! each, and at most a tenth of the corpus.
//!
//! Run one case: `cargo test --test corpus -- corpus/sqldef.tables.CreateTable`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use common::harness::{self, fail, Failed, Trial};
use common::roundtrip::{self, Case};
use data_bridge::diff::Renames;

const SUITE: &str = "corpus";
const EXPECTED: &str = "tests/corpus_expected_failures.txt";
const STAGES: &[&str] = &["input", "unstable", "up", "second-diff", "down"];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus")
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

/// One line of the expected-failures list.
#[derive(Debug, Clone)]
struct Expected {
    line: usize,
    stage: String,
    reason: String,
}

/// Reads `id<TAB>stage<TAB>reason` lines; `#` starts a comment line.
fn expected_failures() -> BTreeMap<String, Expected> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(EXPECTED);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let mut fields = l.splitn(3, '\t');
            let id = fields.next().unwrap_or_default().trim().to_string();
            let stage = fields.next().unwrap_or_default().trim().to_string();
            let reason = fields.next().unwrap_or_default().trim().to_string();
            let expected = Expected {
                line: i + 1,
                stage,
                reason,
            };
            (id, expected)
        })
        .collect()
}

fn run_case(dir: &Path, expected: Option<&Expected>) -> Result<(), Failed> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let from = read(dir, "current.sql").unwrap_or_default();
    let to = read(dir, "desired.sql").unwrap_or_default();
    let setup = read(dir, "setup.sql");
    let case = Case {
        name: &name,
        from: &from,
        to: &to,
        setup: setup.as_deref(),
        settings: settings(dir),
        renames: Renames::default(),
        options: Default::default(),
    };
    let outcome = harness::block_on(roundtrip::run(&case));
    match (outcome.failure, expected) {
        (None, None) => Ok(()),
        (Some(f), None) => Err(fail(f.to_string())),
        (Some(f), Some(e)) if f.stage() == e.stage => Ok(()),
        (Some(f), Some(e)) => Err(fail(format!(
            "{EXPECTED}:{} expects a failure at stage {}, but it failed at another:\n{f}",
            e.line, e.stage
        ))),
        (None, Some(e)) => Err(fail(format!(
            "the case passes now: remove line {} from {EXPECTED}",
            e.line
        ))),
    }
}

/// The list names existing cases, known stages and reasons, for at most a tenth of them.
fn check_list(cases: &[String], expected: &BTreeMap<String, Expected>) -> Result<(), Failed> {
    let mut problems = Vec::new();
    for (id, e) in expected {
        if !cases.contains(id) {
            problems.push(format!("line {}: no case {id}", e.line));
        }
        if !STAGES.contains(&e.stage.as_str()) {
            problems.push(format!(
                "line {}: stage {:?} is none of {STAGES:?}",
                e.line, e.stage
            ));
        }
        if e.reason.is_empty() {
            problems.push(format!("line {}: no reason given", e.line));
        }
    }
    if expected.len() * 10 > cases.len() {
        problems.push(format!(
            "{} of {} cases are expected to fail, over a tenth",
            expected.len(),
            cases.len()
        ));
    }
    if cases.len() < 500 {
        problems.push(format!("only {} corpus cases found", cases.len()));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(fail(format!("{EXPECTED}:\n{}", problems.join("\n"))))
    }
}

fn main() -> ExitCode {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("fixtures/corpus exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("desired.sql").exists())
        .collect();
    dirs.sort();
    let names: Vec<String> = dirs
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let expected = Arc::new(expected_failures());
    let mut trials: Vec<Trial> = dirs
        .into_iter()
        .zip(&names)
        .map(|(dir, name)| {
            let expected = expected.clone();
            let id = name.clone();
            Trial::test(format!("{SUITE}/{name}"), move || {
                run_case(&dir, expected.get(&id))
            })
        })
        .collect();
    trials.push(Trial::test(
        format!("{SUITE}/expected_failures"),
        move || check_list(&names, &expected),
    ));
    harness::run(SUITE, trials)
}
