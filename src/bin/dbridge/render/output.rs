//! Writing command output: to stdout, or atomically to a file.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Writes `text` to `path` atomically (a temporary file renamed into place), or to stdout.
pub fn emit(text: &str, path: Option<&Path>) -> anyhow::Result<()> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let mut tmp = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("cannot write to {}", dir.display()))?;
            tmp.write_all(text.as_bytes())?;
            tmp.persist(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(())
}
