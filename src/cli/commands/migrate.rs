//! `dbridge migrate ...`: apply, revert and inspect migrations on the target database.

use std::io::IsTerminal;

use super::target_engine;
use super::ExitStatus;
use crate::cli::args::GlobalOptions;
use crate::cli::render::table::table;
use crate::cli::render::{output, Timer};
use crate::engine::backend::Engine;
use crate::engine::migrate::{
    write_sum, Direction, Migration, MigrationDir, Migrator, Options, Reporter, StatusState,
    SUM_FILE,
};
use crate::project::Project;
use serde_json::json;

/// The `migrate` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum MigrateCommand {
    /// Apply pending migrations, in version order.
    Up {
        /// Stop after this version.
        #[arg(long)]
        to: Option<i64>,
        /// Print the SQL that would run, in order, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Revert applied migrations, newest first (one by default).
    Down {
        /// How many to revert.
        #[arg(long, conflicts_with = "to")]
        steps: Option<usize>,
        /// Revert every migration applied after this version (0: all of them).
        #[arg(long)]
        to: Option<i64>,
        /// Print the SQL that would run, in order, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// List every migration and whether it is applied.
    Status,
    /// Check the directory against dbridge.sum and the applied migrations' checksums.
    Verify,
    /// Mark every migration up to VERSION as applied without running it (for an existing
    /// database), or with --undo forget those marks again.
    Baseline {
        /// The last migration the database already has: it and every earlier one are marked.
        version: i64,
        /// Undo a baseline: forget the records of migrations up to VERSION that were marked
        /// without running (migrations a run applied keep theirs).
        #[arg(long)]
        undo: bool,
    },
    /// Revert the last applied migration and apply it again.
    Redo,
    /// Rewrite migrations/dbridge.sum for the files as they are.
    Hash,
}

pub async fn run(
    global: &GlobalOptions,
    project: &Project,
    cmd: MigrateCommand,
) -> anyhow::Result<ExitStatus> {
    let dir = project.migrations_dir();
    let timer = Timer::new();
    if let MigrateCommand::Hash = cmd {
        write_sum(&dir)?;
        let path = dir.join(SUM_FILE).display().to_string();
        output::result(
            global.json,
            || format!("wrote {path}"),
            || json!({ "wrote": path }),
        )?;
        timer.lap("hash");
        return Ok(ExitStatus::Success);
    }
    // The directory is read before any database is reached (or an embedded one started).
    let files = MigrationDir::open(&dir)?;
    timer.lap("read the migrations directory");
    #[cfg(feature = "mongodb")]
    if let Some(url) = super::mongo_target(global, project) {
        let backend = crate::engine::mongo::MongoMigrations::connect(&url).await?;
        timer.lap("connect");
        return drive(global, &dir, &timer, Migrator::new(backend, files), cmd).await;
    }
    // The migration lock belongs to a session: the migrator keeps one connection.
    let engine = target_engine(global, project, &[]).await?;
    let runner = Migrator::new(engine.migrations().await?, files);
    timer.lap("connect");
    drive(global, &dir, &timer, runner, cmd).await
}

/// Runs `cmd` with `runner`, whichever database it migrates.
async fn drive<B: crate::engine::migrate::MigrationBackend>(
    global: &GlobalOptions,
    dir: &std::path::Path,
    timer: &Timer,
    mut runner: Migrator<B>,
    cmd: MigrateCommand,
) -> anyhow::Result<ExitStatus> {
    let mut progress = Progress::new(global);
    let json = global.json;
    match cmd {
        MigrateCommand::Up { to, dry_run } => {
            let done = runner.up(to, &mut progress.options(dry_run)).await?;
            progress.summary(&done, "applied", "up to date")?;
        }
        MigrateCommand::Down { steps, to, dry_run } => {
            let done = runner
                .down(steps, to, &mut progress.options(dry_run))
                .await?;
            progress.summary(&done, "reverted", "nothing to revert")?;
        }
        MigrateCommand::Redo => {
            let done = runner.redo(&mut progress.options(false)).await?;
            if json {
                output::result(true, String::new, || json!({ "redone": done }))?;
            } else if done.is_empty() {
                println!("nothing to redo");
            }
        }
        MigrateCommand::Status => {
            let entries = runner.status().await?;
            let unlisted = runner.unlisted_sum_problems(&entries);
            if json {
                output::emit(
                    &format!("{}\n", serde_json::to_string_pretty(&entries)?),
                    None,
                )?;
            } else if entries.is_empty() && unlisted.is_empty() {
                output::emit(&format!("no migrations in {}\n", dir.display()), None)?;
            } else {
                // The dbridge.sum column only when some file does not match it.
                let sums = entries.iter().any(|e| e.sum.is_some());
                let rows = entries.iter().map(|e| {
                    let state = match e.state {
                        StatusState::Applied => "applied",
                        StatusState::Pending => "pending",
                        StatusState::Failed => "FAILED",
                        StatusState::Interrupted => "INTERRUPTED",
                        StatusState::Changed => "CHANGED",
                        StatusState::MissingFile => "MISSING FILE",
                    };
                    let sum = e
                        .sum
                        .as_ref()
                        .map_or(String::new(), |s| format!("mismatch: {s}"));
                    let mut row = vec![
                        e.version.to_string(),
                        state.to_string(),
                        e.installed_on.clone().unwrap_or_default(),
                        e.description.clone(),
                    ];
                    row.extend(sums.then_some(sum));
                    row
                });
                let header = [
                    "version",
                    "state",
                    "installed on",
                    "description",
                    "dbridge.sum",
                ];
                let header = &header[..if sums { 5 } else { 4 }];
                output::emit(&table(header, rows), None)?;
            }
            let mismatched = entries.iter().any(|e| e.sum.is_some()) || !unlisted.is_empty();
            for problem in &unlisted {
                eprintln!("warning: {problem}");
            }
            if mismatched {
                eprintln!(
                    "warning: {} does not match the files (marked above); `migrate up` refuses to run until it does",
                    dir.join(SUM_FILE).display()
                );
            }
        }
        MigrateCommand::Verify => {
            let applied = runner.verify().await?;
            let total = runner.migrations().len();
            output::result(
                json,
                || {
                    format!(
                        "ok: {total} migrations in {}, {applied} applied, checksums match",
                        dir.display()
                    )
                },
                || json!({ "ok": true, "migrations": total, "applied": applied }),
            )?;
        }
        MigrateCommand::Baseline {
            version,
            undo: true,
        } => {
            let forgotten = runner.unbaseline(version).await?;
            let list: Vec<String> = forgotten.iter().map(i64::to_string).collect();
            output::result(
                json,
                || {
                    format!(
                        "forgot {} baseline mark(s) up to {version}{}",
                        forgotten.len(),
                        if list.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", list.join(", "))
                        }
                    )
                },
                || json!({ "forgotten": forgotten }),
            )?;
        }
        MigrateCommand::Baseline { version, .. } => {
            let marked = runner.baseline(version).await?;
            output::result(
                json,
                || {
                    format!(
                        "marked {} migration(s) as applied up to {version}",
                        marked.len()
                    )
                },
                || json!({ "marked": marked }),
            )?;
        }
        MigrateCommand::Hash => unreachable!("handled above"),
    }
    timer.lap("run");
    Ok(ExitStatus::Success)
}

/// Per-migration progress: a spinner on a terminal, plain lines otherwise (neither under
/// `-q` or `--json`); in a dry run, the SQL that would run.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    dry_run: bool,
    quiet: bool,
    json: bool,
    seen: Vec<serde_json::Value>,
}

impl Progress {
    fn new(global: &GlobalOptions) -> Self {
        Progress {
            bar: None,
            dry_run: false,
            quiet: global.quiet,
            json: global.json,
            seen: Vec::new(),
        }
    }

    fn options(&mut self, dry_run: bool) -> Options<'_> {
        self.dry_run = dry_run;
        Options {
            dry_run,
            reporter: self,
        }
    }

    /// The last line: what was done, would be done (dry run), or that nothing was to do.
    fn summary(&self, done: &[i64], verb: &str, nothing: &str) -> anyhow::Result<()> {
        let seen = self.seen.len();
        let text = || {
            if seen == 0 {
                nothing.to_string()
            } else if self.dry_run {
                format!("-- dry run: {seen} migration(s) would run; nothing was changed")
            } else {
                format!("{verb} {} migration(s)", done.len())
            }
        };
        let value = || {
            if self.dry_run {
                json!({ "dry_run": true, "would_run": self.seen })
            } else {
                json!({ verb: done })
            }
        };
        output::result(self.json, text, value)
    }
}

fn file_label(m: &Migration, d: Direction) -> String {
    match (d, &m.down_path) {
        (Direction::Down, Some(p)) => p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
        _ => m.file_name(),
    }
}

impl Reporter for Progress {
    fn start(&mut self, m: &Migration, d: Direction, sql: &str) {
        self.seen
            .push(json!({ "version": m.version, "file": file_label(m, d), "sql": sql }));
        if self.dry_run {
            if !self.json {
                println!("-- {}\n{}\n", file_label(m, d), sql.trim_end());
            }
            return;
        }
        if self.quiet || self.json {
            return;
        }
        if self.bar.is_none() && std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(100));
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            let verb = if d == Direction::Up {
                "applying"
            } else {
                "reverting"
            };
            bar.set_message(format!("{verb} {}", file_label(m, d)));
        }
    }

    fn done(&mut self, m: &Migration, d: Direction, seconds: f64) {
        if self.quiet || self.json {
            return;
        }
        let verb = if d == Direction::Up {
            "applied"
        } else {
            "reverted"
        };
        let line = format!("{verb} {} ({:.0} ms)", file_label(m, d), seconds * 1000.0);
        match &self.bar {
            Some(bar) => bar.println(line),
            None => println!("{line}"),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
