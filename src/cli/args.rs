//! The command line's arguments: global options and the subcommands. Each subcommand's own
//! arguments live with it in `commands/<name>.rs`.

use clap::{Parser, Subcommand};

use crate::cli::commands::{
    autogenerate, bench, dev, diff, fetch, init, inspect, lint, migrate, upsert,
};

/// Schema migrations and data access for PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "dbridge", version, about, long_about = None, arg_required_else_help = true)]
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
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Print only the result and errors: no progress bars, per-step lines or notes.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Machine-readable output: the command's result as JSON on stdout (errors as a JSON
    /// object on stderr).
    #[arg(long, global = true)]
    pub json: bool,
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

/// Declares a clap value enum that mirrors a library enum variant for variant, so that the
/// library needs no clap: `choice!(LevelArg => Level { Info, Warning, Error })`.
macro_rules! choice {
    ($arg:ident => $lib:ty { $($variant:ident),+ $(,)? }) => {
        #[doc = concat!("The command-line spelling of [`", stringify!($lib), "`].")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
        pub enum $arg {
            $($variant),+
        }

        impl From<$arg> for $lib {
            fn from(value: $arg) -> $lib {
                match value {
                    $($arg::$variant => <$lib>::$variant),+
                }
            }
        }
    };
}
pub(crate) use choice;

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every command says what it does and every option and argument what it takes: `--help`
    /// is the reference a user reads.
    #[test]
    fn every_command_and_option_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", cmd.get_name());
            if cmd.get_about().is_none() {
                missing.push(format!("{path}: no about"));
            }
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path}: {id}"));
                }
            }
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                walk(sub, &path, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "", &mut missing);
        assert!(missing.is_empty(), "without help:\n{}", missing.join("\n"));
    }
}
