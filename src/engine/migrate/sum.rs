//! `dbridge.sum`: a hash per migration file and one for the whole directory, so that an
//! edited file or two branches that both added migrations are caught before anything runs.
//!
//! The first line is `h1:<hash of the lines below>`, then one line per file:
//! `<file name> h1:<base64 SHA-256 of the file>`.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::error::MigrateError;
use crate::engine::Error;

/// The name of the sum file inside the migrations directory.
pub const SUM_FILE: &str = "dbridge.sum";

fn hash(bytes: &[u8]) -> String {
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
    )
}

/// The per-file hashes of the migration files of a directory.
fn file_hashes(dir: &Path) -> Result<BTreeMap<String, String>, MigrateError> {
    let mut out = BTreeMap::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io(dir, e).into()),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_file() && super::migration::is_migration_file(&path) {
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            out.insert(
                entry.file_name().to_string_lossy().into_owned(),
                hash(&bytes),
            );
        }
    }
    Ok(out)
}

fn render(files: &BTreeMap<String, String>) -> String {
    let body: String = files.iter().map(|(f, h)| format!("{f} {h}\n")).collect();
    format!("{}\n{body}", hash(body.as_bytes()))
}

/// Writes `dbridge.sum` for the directory as it is now (atomically), after checking that its
/// files are migrations with one version each.
pub fn write_sum(dir: &Path) -> Result<(), MigrateError> {
    super::migration::MigrationDir::open(dir)?;
    let text = render(&file_hashes(dir)?);
    let path = dir.join(SUM_FILE);
    crate::project::write_atomic(&path, text.as_bytes()).map_err(|e| Error::io(&path, e))?;
    Ok(())
}

/// One way the directory differs from its `dbridge.sum`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumProblem {
    /// The file that differs (`dbridge.sum` itself for a missing sum or a wrong head hash).
    pub file: String,
    /// What is wrong, e.g. "the file was edited".
    pub problem: String,
    /// What to do about it.
    pub fix: String,
}

impl SumProblem {
    fn new(file: &str, problem: &str, fix: &str) -> SumProblem {
        SumProblem {
            file: file.to_string(),
            problem: problem.to_string(),
            fix: fix.to_string(),
        }
    }

    /// The problem as the error that stops a run.
    pub fn into_error(self, dir: &Path) -> MigrateError {
        MigrateError::SumMismatch {
            dir: dir.display().to_string(),
            file: self.file,
            problem: self.problem,
            fix: self.fix,
        }
    }
}

/// Every way the directory differs from its `dbridge.sum`, by file name; empty when it
/// matches. A directory without migrations needs no sum.
pub fn sum_problems(dir: &Path) -> Result<Vec<SumProblem>, MigrateError> {
    let current = file_hashes(dir)?;
    let path = dir.join(SUM_FILE);
    let recorded = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(_) if current.is_empty() => return Ok(Vec::new()),
        Err(_) => {
            return Ok(vec![SumProblem::new(
                SUM_FILE,
                "the sum file is missing",
                "Run `dbridge migrate hash` to create it after checking the files.",
            )])
        }
    };
    let mut lines = recorded.lines();
    let head = lines.next().unwrap_or_default().trim().to_string();
    let mut listed = BTreeMap::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let (file, h) = line.rsplit_once(' ').unwrap_or((line, ""));
        listed.insert(file.to_string(), h.to_string());
    }
    let edited_fix = "If the edit is intended and the migration was never applied anywhere, run `dbridge migrate hash`; otherwise restore the file and write a new migration.";
    let added_fix = "If two branches both added migrations, keep the other branch's files and generate yours again on top of them (`dbridge autogenerate`); if you added the file by hand, run `dbridge migrate hash`.";
    let removed_fix = "Restore the file, or run `dbridge migrate hash` if it was removed on purpose and never applied.";
    let mut problems = Vec::new();
    for (file, h) in &current {
        match listed.get(file) {
            Some(l) if l == h => {}
            Some(_) => problems.push(SumProblem::new(file, "the file was edited", edited_fix)),
            None => problems.push(SumProblem::new(
                file,
                "the file is not in the sum",
                added_fix,
            )),
        }
    }
    for file in listed.keys().filter(|f| !current.contains_key(*f)) {
        problems.push(SumProblem::new(
            file,
            "the file is in the sum but missing",
            removed_fix,
        ));
    }
    let body = render(&current);
    let body = body.split_once('\n').map_or("", |(_, b)| b);
    if problems.is_empty() && head != hash(body.as_bytes()) {
        problems.push(SumProblem::new(
            SUM_FILE,
            "its directory hash is wrong",
            "Run `dbridge migrate hash`.",
        ));
    }
    Ok(problems)
}

/// Checks the directory against its `dbridge.sum`: the first difference is the error.
pub fn verify_sum(dir: &Path) -> Result<(), MigrateError> {
    match sum_problems(dir)?.into_iter().next() {
        Some(problem) => Err(problem.into_error(dir)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_edits_additions_and_removals() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        assert!(verify_sum(p).is_ok(), "an empty directory needs no sum");
        std::fs::write(p.join("1_a.up.sql"), "select 1;").unwrap();
        assert!(verify_sum(p).is_err(), "a missing sum is an error");
        write_sum(p).unwrap();
        verify_sum(p).unwrap();
        std::fs::write(p.join("1_a.up.sql"), "select 2;").unwrap();
        let err = verify_sum(p).unwrap_err().to_string();
        assert!(
            err.contains("1_a.up.sql") && err.contains("edited"),
            "{err}"
        );
        write_sum(p).unwrap();
        std::fs::write(p.join("2_b.up.sql"), "select 3;").unwrap();
        let err = verify_sum(p).unwrap_err().to_string();
        assert!(
            err.contains("2_b.up.sql") && err.contains("two branches"),
            "{err}"
        );
        std::fs::remove_file(p.join("2_b.up.sql")).unwrap();
        std::fs::remove_file(p.join("1_a.up.sql")).unwrap();
        let err = verify_sum(p).unwrap_err().to_string();
        assert!(err.contains("missing"), "{err}");
    }
}
