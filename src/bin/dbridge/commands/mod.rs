//! The `dbridge` command line: argument definitions and one module per command.
//!
//! The binary only calls [`main`]; every command returns an [`ExitStatus`] or an error that
//! is printed with its causes.

mod autogenerate;
mod bench;
mod config;
mod dev;
mod diff;
mod fetch;
mod init;
mod inspect;
mod lint;
mod migrate;
mod output;
mod review;
mod target;
mod upsert;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Schema migrations and data access for PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "dbridge", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command understands.
#[derive(Debug, clap::Args)]
pub struct GlobalOptions {
    /// The configuration file (default: ./dbridge.toml, if present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// Target database URL (overrides DATABASE_URL).
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub url: Option<String>,
    /// A PostgreSQL server where scratch databases may be created to read SQL sources
    /// (default: an embedded, throwaway server started from the installed binaries).
    #[arg(long, global = true)]
    pub dev_url: Option<String>,
    /// Print what takes time (stage timings) to stderr.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a live database's schema as canonical SQL, or as a JSON/TOML snapshot.
    Inspect(inspect::InspectArgs),
    /// Print the SQL that turns one schema into another.
    Diff(diff::DiffArgs),
    /// Write dbridge.toml, schema/schema.sql and migrations/ (never overwrites a file).
    Init(init::InitArgs),
    /// Write the migration that takes migrations/ to the schema source, proven on the dev database.
    Autogenerate(autogenerate::AutogenerateArgs),
    /// Review the pending migration change by change, then write it (autogenerate --interactive).
    Review(autogenerate::AutogenerateArgs),
    /// Apply, revert and inspect migrations on the target database.
    #[command(subcommand)]
    Migrate(migrate::MigrateCommand),
    /// Report the hazards of migration SQL (default: the unapplied migrations) with file and line.
    Lint(lint::LintArgs),
    /// The embedded default database under .dbridge/.
    #[command(subcommand)]
    Dev(dev::DevCommand),
    /// Insert or update rows from CSV, NDJSON or JSON in bulk (all or nothing by default).
    Upsert(upsert::UpsertArgs),
    /// Print rows with their related rows (from foreign keys) as nested JSON.
    Fetch(fetch::FetchArgs),
    /// Measure the engine next to hand-written references, in a scratch schema.
    Bench(bench::BenchArgs),
}

/// How a command ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Success (0).
    Success,
    /// Differences found where the user asked to be told (2).
    Differences,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        match s {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Differences => ExitCode::from(2),
        }
    }
}

/// Parses the arguments, runs the command and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors exit 1, as 2 means "differences".
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return report(anyhow::Error::from(e)),
    };
    match runtime.block_on(run(cli)) {
        Ok(status) => status.into(),
        Err(e) => report(e),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    let load = || config::Project::load(cli.global.config.as_deref());
    match cli.command {
        Command::Inspect(args) => inspect::run(&cli.global, &load()?, args).await,
        Command::Diff(args) => diff::run(&cli.global, &load()?, args).await,
        Command::Init(args) => init::run(args),
        Command::Autogenerate(args) => autogenerate::run(&cli.global, &load()?, args).await,
        Command::Review(mut args) => {
            args.interactive = true;
            autogenerate::run(&cli.global, &load()?, args).await
        }
        Command::Migrate(cmd) => migrate::run(&cli.global, &load()?, cmd).await,
        Command::Dev(cmd) => dev::run(&load()?, cmd),
        Command::Lint(args) => lint::run(&cli.global, &load()?, args).await,
        Command::Upsert(args) => upsert::run(&cli.global, &load()?, args).await,
        Command::Fetch(args) => fetch::run(&cli.global, &load()?, args).await,
        Command::Bench(args) => bench::run(&cli.global, &load()?, args).await,
    }
}

/// Prints an error and its causes; a closed stdout (`dbridge ... | head`) is not an error.
fn report(err: anyhow::Error) -> ExitCode {
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
