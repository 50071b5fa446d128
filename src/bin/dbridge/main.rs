//! The `dbridge` command: parses the arguments, runs the command on a runtime, and maps the
//! outcome to an exit code (0 success, 1 error, 2 differences found where asked).

mod args;
mod commands;
mod render;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: the schema commands allocate millions of small
/// strings on several threads, where glibc's per-thread arenas grow by many small steps.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; `dbridge` alone prints the help and exits
            // 2 as clap does; other usage errors exit 1, as 2 means "differences" there.
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    ExitCode::from(2)
                }
                _ if e.use_stderr() => ExitCode::from(1),
                _ => ExitCode::SUCCESS,
            };
        }
    };
    render::init_logging(cli.global.verbose, cli.global.quiet);
    let json = cli.global.json;
    let verbose = cli.global.verbose;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    let outcome = match runtime {
        Ok(rt) => rt.block_on(commands::run(cli)),
        Err(e) => Err(e.into()),
    };
    if verbose {
        render::log_peak_memory();
    }
    match outcome {
        Ok(status) => status.into(),
        Err(e) => render::report(e, json),
    }
}
