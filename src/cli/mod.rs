//! The `dbridge` command line: parses the arguments, runs the command on a runtime of its
//! own, and maps the outcome to an exit code (0 success, 1 error, 2 differences found where
//! asked). The `dbridge` binary and the Python module's `dbridge` command both call [`run`].

mod args;
mod commands;
mod render;

use clap::Parser;

/// Runs the `dbridge` command line with `args` (the program name first) and returns its
/// exit code (0 success, 1 error, 2 differences where asked): what the `dbridge` binary and the Python module's `dbridge` command both run.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match args::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; `dbridge` alone prints the help and exits
            // 2 as clap does; other usage errors exit 1, as 2 means "differences" there.
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => 2,
                _ if e.use_stderr() => 1,
                _ => 0,
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
