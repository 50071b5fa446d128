//! Writing command output: to stdout, or atomically to a file.

use std::io::Write;
use std::path::Path;

use crate::project::write_atomic;
use anyhow::Context;

/// Prints a command's result on stdout: `value` as JSON under `--json`, else `text` (one
/// line per item, for people).
pub fn result(
    json: bool,
    text: impl FnOnce() -> String,
    value: impl FnOnce() -> serde_json::Value,
) -> anyhow::Result<()> {
    let mut out = if json {
        serde_json::to_string_pretty(&value())?
    } else {
        text()
    };
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    emit(&out, None)
}

/// Writes `text` to `path` atomically, or to stdout.
pub fn emit(text: &str, path: Option<&Path>) -> anyhow::Result<()> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
        Some(path) => write_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
    }
    Ok(())
}
