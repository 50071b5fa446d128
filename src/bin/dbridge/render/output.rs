//! Writing command output: to stdout, or atomically to a file.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use data_bridge::project::write_atomic;

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
