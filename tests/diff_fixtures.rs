//! Every case under `fixtures/diff/` is a test of its own, `fixtures/<case>`: the round trip
//! on a real server, and its up and down SQL pinned by a snapshot under `snapshots/diff/`.
//!
//! A case is a directory with `from.sql` and `to.sql`, and optionally `renames.txt` (one
//! `--rename` hint per line). Run one: `cargo test --test diff_fixtures -- fixtures/views`.
//!
//! The introspected models of both sides are pinned too, as `from.model.json` and
//! `to.model.json` beside the SQL: `tests/plan_snapshots.rs` plans from them without a server
//! and must reach the same snapshot. `INSTA_UPDATE=always` rewrites model files that differ.

mod common;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use common::fixture;
use common::harness::{self, fail, Failed, Trial};
use common::roundtrip::{self, Case};
use data_bridge::diff::model::Database;
use data_bridge::diff::snapshot::{self, Format};
use data_bridge::diff::Renames;

const SUITE: &str = "fixtures";

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

fn run_case(dir: &Path) -> Result<(), Failed> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_default();
    let (from, to) = (read("from.sql"), read("to.sql"));
    let (renames, options) = fixture::plan_inputs(dir).map_err(fail)?;
    let case = Case {
        name: &name,
        from: &from,
        to: &to,
        setup: None,
        settings: Vec::new(),
        renames,
        options,
    };
    let outcome = harness::block_on(roundtrip::run(&case));
    if let Some(f) = outcome.failure {
        return Err(fail(f.to_string()));
    }
    let plan = outcome.plan.ok_or_else(|| fail("no plan"))?;
    let (from_model, to_model) = outcome.models.ok_or_else(|| fail("no models"))?;
    pin_model(&dir.join("from.model.json"), &from_model)?;
    pin_model(&dir.join("to.model.json"), &to_model)?;
    let (up, down) = (plan.up_sql(), plan.down_sql());
    if up.is_empty() {
        return Err(fail("from.sql and to.sql should differ"));
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

/// Checks a side's introspected model against its pinned JSON file (rewriting the file
/// instead under `INSTA_UPDATE=always`).
fn pin_model(path: &Path, model: &Database) -> Result<(), Failed> {
    let text = snapshot::write(model, Format::Json);
    let pinned = std::fs::read_to_string(path).unwrap_or_default();
    if pinned == text {
        return Ok(());
    }
    if std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always") {
        return std::fs::write(path, &text).map_err(|e| fail(format!("{}: {e}", path.display())));
    }
    let diff = similar::TextDiff::from_lines(&pinned, &text)
        .unified_diff()
        .context_radius(2)
        .header("pinned", "introspected")
        .to_string();
    Err(fail(format!(
        "{} differs from the introspected model (INSTA_UPDATE=always rewrites it):\n{diff}",
        path.display()
    )))
}

/// Runs a generator under `benchmarks/` and returns the schema it prints.
fn generate(script: &str, args: &[&str]) -> Result<String, Failed> {
    let out = std::process::Command::new("python3")
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("benchmarks")
                .join(script),
        )
        .args(args)
        .output()
        .map_err(|e| fail(format!("python3 benchmarks/{script}: {e}")))?;
    if !out.status.success() {
        return Err(fail(String::from_utf8_lossy(&out.stderr)));
    }
    String::from_utf8(out.stdout).map_err(|e| fail(e.to_string()))
}

/// The generated benchmark schema (100 tables, enums, views, foreign-key chains) round-trips.
fn generated_benchmark_schema() -> Result<(), Failed> {
    let (from, to) = (
        generate("gen_schema.py", &["100", "a"])?,
        generate("gen_schema.py", &["100", "b"])?,
    );
    let case = Case {
        name: "bench100",
        from: &from,
        to: &to,
        setup: None,
        settings: Vec::new(),
        renames: Renames::default(),
        options: Default::default(),
    };
    let outcome = harness::block_on(roundtrip::run(&case));
    if let Some(f) = outcome.failure {
        return Err(fail(f.to_string()));
    }
    let plan = outcome.plan.ok_or_else(|| fail("no plan"))?;
    for wanted in ["ADD VALUE 'archived'", "DROP COLUMN c3"] {
        if !plan.up.iter().any(|s| s.contains(wanted)) {
            return Err(fail(format!("the up plan has no {wanted}")));
        }
    }
    Ok(())
}

/// A generated schema of 30 partitioned tables with 12 partitions and a default each (421
/// tables, 1,300 indexes) is created from nothing, dropped to nothing, and evolved (new and
/// dropped partitions, new parent indexes, a widened column), each way round-tripped.
fn generated_partitioned_schema() -> Result<(), Failed> {
    let a = generate("gen_partitioned.py", &["30", "12", "a"])?;
    let b = generate("gen_partitioned.py", &["30", "12", "b"])?;
    for (name, from, to) in [
        ("partitioned_create", "", a.as_str()),
        ("partitioned_evolve", a.as_str(), b.as_str()),
    ] {
        let case = Case {
            name,
            from,
            to,
            setup: None,
            settings: Vec::new(),
            renames: Renames::default(),
            options: Default::default(),
        };
        let outcome = harness::block_on(roundtrip::run(&case));
        if let Some(f) = outcome.failure {
            return Err(fail(format!("{name}: {f}")));
        }
        let plan = outcome.plan.ok_or_else(|| fail("no plan"))?;
        if name == "partitioned_evolve" {
            let wanted = "CREATE INDEX events_0_amount ON public.events_0 USING btree (amount)";
            if !plan.up.iter().any(|s| s.contains(wanted)) {
                return Err(fail(format!("the evolution has no {wanted}")));
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let dirs = cases();
    assert!(
        dirs.len() >= 30,
        "expected the fixture cases, found {}",
        dirs.len()
    );
    let mut trials: Vec<Trial> = dirs
        .into_iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            Trial::test(format!("{SUITE}/{name}"), move || run_case(&dir))
        })
        .collect();
    trials.push(Trial::test(
        format!("{SUITE}/generated_benchmark_schema"),
        generated_benchmark_schema,
    ));
    trials.push(Trial::test(
        format!("{SUITE}/generated_partitioned_schema"),
        generated_partitioned_schema,
    ));
    harness::run(SUITE, trials)
}
