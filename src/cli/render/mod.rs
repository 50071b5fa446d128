//! What the command line prints: errors with their causes, command output, stage timings.

pub mod color;
pub mod output;
pub mod table;

use crate::redact::redact;

/// Prints an error and its causes; a closed stdout (`dbridge ... | head`) is not an error.
/// The flag that fixes an error the library describes without naming flags.
fn hint(err: &anyhow::Error) -> Option<&'static str> {
    use crate::engine::Error;
    err.chain().find_map(|c| match engine_error(c)? {
        Error::NoServerBinaries | Error::NoUnprivilegedUser { .. } => {
            Some("pass --dev-url with a database dbridge may use as scratch space")
        }
        _ => None,
    })
}

/// The engine error in `c`, also where another module's error wraps it transparently (and
/// so leaves it out of the chain of sources).
fn engine_error<'a>(c: &'a (dyn std::error::Error + 'static)) -> Option<&'a crate::engine::Error> {
    use crate::engine::{data::DataError, migrate::MigrateError};
    use crate::project;
    if let Some(e) = c.downcast_ref() {
        return Some(e);
    }
    match (
        c.downcast_ref::<project::Error>(),
        c.downcast_ref::<MigrateError>(),
        c.downcast_ref::<DataError>(),
    ) {
        (Some(project::Error::Engine(e)), _, _)
        | (_, Some(MigrateError::Engine(e)), _)
        | (_, _, Some(DataError::Engine(e))) => Some(e),
        _ => None,
    }
}

/// Prints an error for people, or under `--json` as one JSON object on stderr
/// (`{"error": ..., "causes": [...], "hint": ...}`); exit code 1 either way.
pub fn report(err: anyhow::Error, json: bool) -> u8 {
    if err
        .chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    {
        return 0;
    }
    // Every line goes through the redaction: a message may quote a URL from anywhere.
    let shown = err.to_string();
    if json {
        let causes: Vec<String> = err
            .chain()
            .skip(1)
            .map(|c| c.to_string())
            .filter(|c| !shown.contains(c.as_str()))
            .map(|c| redact(&c).into_owned())
            .collect();
        let value = serde_json::json!({
            "error": redact(&shown),
            "causes": causes,
            "hint": hint(&err),
        });
        eprintln!("{value}");
        return 1;
    }
    eprintln!("error: {}", redact(&shown));
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !shown.contains(&text) {
            eprintln!("  caused by: {}", redact(&text));
        }
        source = cause.source();
    }
    if let Some(hint) = hint(&err) {
        eprintln!("  hint: {hint}");
    }
    1
}

/// Stage timings for `--verbose`: each lap prints the time since the previous one.
pub(crate) struct Timer {
    last: std::cell::Cell<std::time::Instant>,
}

impl Timer {
    pub(crate) fn new() -> Self {
        Timer {
            last: std::cell::Cell::new(std::time::Instant::now()),
        }
    }

    /// Logs the time since the previous lap (shown with `-v`).
    pub(crate) fn lap(&self, what: &str) {
        let now = std::time::Instant::now();
        let ms = now.duration_since(self.last.get()).as_secs_f64() * 1000.0;
        tracing::info!("{what}: {ms:.1} ms");
        self.last.set(now);
    }
}

/// Sends log events to stderr, one plain line each: the command's stage timings and the
/// engine's own events (servers started, catalogs read, migrations run). Without `-v` only
/// warnings are shown.
pub fn init_logging(verbose: bool, quiet: bool) {
    let level = if verbose {
        tracing::Level::INFO
    } else if quiet {
        tracing::Level::ERROR
    } else {
        tracing::Level::WARN
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(|| RedactedStderr(Vec::new()))
        .with_max_level(level)
        .with_ansi(false)
        .without_time()
        .with_level(false)
        .with_target(false)
        .try_init();
}

/// Logs the process's peak resident memory (`VmHWM`), the last line of `-v`.
pub fn log_peak_memory() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(kb) = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    {
        tracing::info!("peak memory: {:.1} MB", kb as f64 / 1024.0);
    }
}

/// A log line on its way to stderr, written with its passwords redacted when it is complete
/// (the log writer makes one per event and drops it after the event).
struct RedactedStderr(Vec<u8>);

impl std::io::Write for RedactedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let text = String::from_utf8_lossy(&self.0).into_owned();
        self.0.clear();
        std::io::stderr().write_all(redact(&text).as_bytes())
    }
}

impl Drop for RedactedStderr {
    fn drop(&mut self) {
        let _ = std::io::Write::flush(self);
    }
}
