//! What the command line prints: errors with their causes, command output, stage timings.

pub mod output;

use std::process::ExitCode;

/// Prints an error and its causes; a closed stdout (`dbridge ... | head`) is not an error.
pub fn report(err: anyhow::Error) -> ExitCode {
    if err
        .chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    {
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !err.to_string().contains(&text) {
            eprintln!("  caused by: {text}");
        }
        source = cause.source();
    }
    ExitCode::from(1)
}

/// Stage timings for `--verbose`: each lap prints the time since the previous one.
pub(crate) struct Timer {
    enabled: bool,
    last: std::cell::Cell<std::time::Instant>,
}

impl Timer {
    pub(crate) fn new(enabled: bool) -> Self {
        Timer {
            enabled,
            last: std::cell::Cell::new(std::time::Instant::now()),
        }
    }

    pub(crate) fn lap(&self, what: &str) {
        let now = std::time::Instant::now();
        if self.enabled {
            let ms = now.duration_since(self.last.get()).as_secs_f64() * 1000.0;
            eprintln!("{what}: {ms:.1} ms");
        }
        self.last.set(now);
    }
}
