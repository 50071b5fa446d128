//! Planning without a server: every case under `fixtures/diff/` is planned from its pinned
//! models (`from.model.json`, `to.model.json`, which `tests/diff_fixtures.rs` checks against
//! the server) and must print the same up and down SQL as the round trip pinned in
//! `snapshots/diff/`. Each case is a test, `plans/<case>`.

mod common;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use common::fixture;
use common::harness::{self, fail, Failed, Trial};
use data_bridge::diff::model::Database;
use data_bridge::diff::snapshot::{self, Format};
use data_bridge::diff::{Plan, Renames};

const SUITE: &str = "plans";

fn model(dir: &Path, file: &str) -> Result<Database, Failed> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        fail(format!(
            "{}: {e} (run tests/diff_fixtures.rs with INSTA_UPDATE=always)",
            path.display()
        ))
    })?;
    snapshot::read(&text, Format::Json, &path.display().to_string())
        .map_err(|e| fail(e.to_string()))
}

fn plan_case(dir: &Path) -> Result<(), Failed> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let (renames, options) = fixture::plan_inputs(dir).map_err(fail)?;
    let from = model(dir, "from.model.json")?;
    let to = model(dir, "to.model.json")?;
    let plan =
        Plan::with_options(&from, &to, &renames, options).map_err(|e| fail(e.to_string()))?;
    if !Plan::new(&to, &to, &Renames::default())
        .map_err(|e| fail(e.to_string()))?
        .is_empty()
    {
        return Err(fail("diff(to, to) is not empty"));
    }
    every_statement_belongs_to_a_change(&plan)?;
    let (up, down) = (plan.up_sql(), plan.down_sql());
    if up.is_empty() {
        return Err(fail("the models should differ"));
    }
    insta::with_settings!({
        snapshot_path => "../snapshots/diff",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name.as_str(), format!("-- up\n{up}\n-- down\n{down}"));
    });
    Ok(())
}

/// The scripts are the changes' own statements: each statement of the up and the down script
/// is in the `up` or `down` of a change (so a review that keeps some changes keeps their
/// whole way back, fix-ups included), and each change's statements are in the scripts.
fn every_statement_belongs_to_a_change(plan: &Plan) -> Result<(), Failed> {
    use std::collections::HashSet;
    let ups: HashSet<&String> = plan.changes.iter().flat_map(|c| &c.up).collect();
    let downs: HashSet<&String> = plan
        .changes
        .iter()
        .flat_map(|c| c.down.iter().flatten())
        .collect();
    for (script, owned, way) in [(&plan.up, &ups, "up"), (&plan.down, &downs, "down")] {
        let script: HashSet<&String> = script.iter().collect();
        if let Some(s) = script.iter().find(|s| !owned.contains(*s)) {
            return Err(fail(format!("{way} statement of no change: {s}")));
        }
        if let Some(s) = owned.iter().find(|s| !script.contains(*s)) {
            return Err(fail(format!(
                "{way} statement of a change not in the script: {s}"
            )));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/diff");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("fixtures/diff exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("to.sql").exists())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 30,
        "expected the fixture cases, found {}",
        dirs.len()
    );
    let trials = dirs
        .into_iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            Trial::test(format!("{SUITE}/{name}"), move || plan_case(&dir))
        })
        .collect();
    harness::run(SUITE, trials)
}
