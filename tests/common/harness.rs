//! A test harness for suites with one test per case directory (the corpus, the diff
//! fixtures): each case is a test of its own, runnable by name, on one shared async runtime.
//!
//! Test names are `<suite>/<case>`. A filter that starts with `<suite>/` (or is the suite's
//! name) is a request for that suite's cases: when it matches none, the run fails, so that a
//! mistyped case name cannot pass with zero tests. Other filters behave as `cargo test`'s
//! do, since `cargo test NAME` hands the same filter to every test binary.

use std::process::ExitCode;
use std::sync::OnceLock;

pub use libtest_mimic::{Arguments, Failed, Trial};

/// Cases run at once when `--test-threads` is not given; each case mostly waits on the
/// server, so more than the two cores keeps the server busy.
const DEFAULT_THREADS: usize = 4;

/// The runtime every case's future runs on.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("start the test runtime")
    })
}

/// Runs a future to completion on the shared runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    runtime().block_on(future)
}

/// Parses the command line, runs `trials` and returns the exit code. `suite` is the prefix
/// of every trial's name, e.g. `corpus` for `corpus/sqldef.tables.CreateTable`.
pub fn run(suite: &str, trials: Vec<Trial>) -> ExitCode {
    let mut args = Arguments::from_args();
    if args.test_threads.is_none() {
        args.test_threads = Some(DEFAULT_THREADS);
    }
    if let Some(filter) = &args.filter {
        let scoped = filter == suite || filter.starts_with(&format!("{suite}/"));
        if scoped && trials.iter().all(|t| args.is_filtered_out(t)) {
            eprintln!("error: no {suite} case matches the filter {filter:?}");
            return ExitCode::FAILURE;
        }
    }
    libtest_mimic::run(&args, trials).exit_code()
}

/// Turns a failure message into a test failure.
pub fn fail(message: impl Into<String>) -> Failed {
    Failed::from(message.into())
}
