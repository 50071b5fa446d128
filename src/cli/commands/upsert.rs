//! `dbridge upsert`: bulk insert-or-update from CSV, NDJSON or a JSON array.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::target_engine;
use super::ExitStatus;
use crate::cli::args::GlobalOptions;
use crate::cli::render::Timer;
use crate::engine::backend::DataBackend;
use crate::engine::data::error::{list, resume_note, DataError};
use crate::engine::data::input::{Format, Reader};
use crate::engine::data::upsert::{UpsertOptions, UpsertProgress, UpsertSummary};
use crate::project::Project;

use crate::cli::args::choice;

choice!(FormatArg => Format { Csv, Ndjson, Json });

/// Arguments of `dbridge upsert`.
#[derive(Debug, clap::Args)]
pub struct UpsertArgs {
    /// The table (`schema.table`, or a table name found in `public` first).
    pub table: String,
    /// The input file, or `-` for stdin.
    #[arg(long, short = 'i')]
    pub input: String,
    /// Conflict columns: a primary key or unique index of the table (comma-separated).
    #[arg(long, value_delimiter = ',', required = true)]
    pub on: Vec<String>,
    /// Columns updated on conflict (default: every input column not in --on).
    #[arg(long, value_delimiter = ',', conflicts_with = "do_nothing")]
    pub update: Option<Vec<String>>,
    /// Leave existing rows untouched.
    #[arg(long)]
    pub do_nothing: bool,
    /// Input format (default: from the file extension; ndjson for stdin).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Commit every N rows (default: everything in one transaction).
    #[arg(long, value_name = "N")]
    pub commit_every: Option<u64>,
    /// Skip the first N rows of the input (to resume after a --commit-every failure).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub skip: u64,
}

pub async fn run(
    global: &GlobalOptions,
    project: &Project,
    args: UpsertArgs,
) -> anyhow::Result<ExitStatus> {
    let timer = Timer::new();
    let format = input_format(&args)?;
    let options = UpsertOptions {
        on: args.on.clone(),
        update: args.update.clone(),
        do_nothing: args.do_nothing,
        commit_every: args.commit_every,
        skip: args.skip,
    };
    #[cfg(feature = "mongodb")]
    if let Some(url) = super::mongo_target(global, project) {
        let target = crate::engine::mongo::connect(&url).await?;
        let (name, source, _) = open_input(&args)?;
        let mut docs =
            crate::engine::mongo::input::read(&name, format, source).map_err(with_flags)?;
        if format == Format::Csv {
            let types = crate::engine::mongo::validator_field_types(&target, &args.table).await?;
            crate::engine::mongo::input::type_csv_fields(&mut docs, &types, &name)
                .map_err(with_flags)?;
        }
        timer.lap("reading the input");
        let total = docs.len() as u64;
        let bar =
            (!global.quiet && std::io::stderr().is_terminal()).then(|| progress_bar(Some(total)));
        let started = std::time::Instant::now();
        let report = |rows: u64| {
            if let Some(bar) = &bar {
                let rate = rows as f64 / started.elapsed().as_secs_f64().max(1e-3);
                bar.set_message(format!("{rows} documents, {rate:.0} documents/s"));
                bar.set_position(rows);
            }
        };
        let upsert = crate::engine::mongo::upsert::upsert;
        let result = upsert(&target, &args.table, docs, &name, &options, &report).await;
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        let summary = result.map_err(with_flags)?;
        timer.lap("upsert");
        print_summary(&args.table, &summary, global.json);
        return Ok(ExitStatus::Success);
    }
    let engine = target_engine(global, project, &[]).await?;
    timer.lap("connecting");
    let catalog = engine.catalog().await?;
    let table = catalog.table(&args.table)?;
    timer.lap("reading the catalog");
    let (name, source, size) = open_input(&args)?;
    let reader = Reader::new(&name, format, source)?;
    timer.lap("opening the input");
    upsert_table(global, &engine, table, reader, &name, &options, size).await
}

/// The input's name for messages, its reader and its size (for the progress bar).
type Input = (String, Box<dyn std::io::Read + Send>, Option<u64>);

fn open_input(args: &UpsertArgs) -> anyhow::Result<Input> {
    if args.input == "-" {
        return Ok(("<stdin>".into(), Box::new(std::io::stdin()), None));
    }
    let path = PathBuf::from(&args.input);
    let file =
        std::fs::File::open(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let size = file.metadata().ok().map(|m| m.len());
    Ok((args.input.clone(), Box::new(file), size))
}

/// The input's format: `--format`, else the file's extension (NDJSON for stdin).
fn input_format(args: &UpsertArgs) -> anyhow::Result<Format> {
    Ok(match args.format.map(Format::from) {
        Some(f) => f,
        None if args.input == "-" => Format::Ndjson,
        None => Format::from_path(std::path::Path::new(&args.input)).ok_or_else(|| {
            anyhow::anyhow!(
                "{}: cannot tell the format from the extension; pass --format csv|ndjson|json",
                args.input
            )
        })?,
    })
}

/// The PostgreSQL upsert, with its progress bar on a terminal.
async fn upsert_table(
    global: &GlobalOptions,
    engine: &crate::engine::postgres::Postgres,
    table: &crate::engine::data::Table,
    reader: Reader,
    name: &str,
    options: &UpsertOptions,
    size: Option<u64>,
) -> anyhow::Result<ExitStatus> {
    let timer = Timer::new();
    let bar = (!global.quiet && std::io::stderr().is_terminal()).then(|| progress_bar(size));
    let started = std::time::Instant::now();
    // Rows per second over the whole run so far, as the summary counts them.
    let report = |p: UpsertProgress| {
        if let Some(bar) = &bar {
            let rate = p.rows as f64 / started.elapsed().as_secs_f64().max(1e-3);
            let rows = p.rows;
            if p.merging {
                bar.set_message(format!(
                    "{rows} rows, {rate:.0} rows/s; merging into the table"
                ));
            } else {
                bar.set_message(format!("{rows} rows, {rate:.0} rows/s"));
            }
            if size.is_some() {
                bar.set_position(p.bytes);
            } else {
                bar.tick();
            }
        }
    };
    let result = engine.upsert(table, reader, name, options, &report).await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = result.map_err(with_flags)?;
    timer.lap("upsert");
    print_summary(&table.display(), &summary, global.json);
    Ok(ExitStatus::Success)
}

/// Upsert errors as the command line says them: with the flags that set what is wrong.
fn with_flags(err: DataError) -> anyhow::Error {
    let resume = |committed: &Option<u64>| {
        resume_note(committed, |n| format!("rerun with --skip {n} to resume"))
    };
    let text = match &err {
        DataError::NoUniqueKey {
            table,
            columns,
            candidates,
        } => format!(
            "--on {columns} matches no primary key or unique index of {table}; candidates: {}",
            list(candidates)
        ),
        DataError::NoConflictColumns => "--on needs at least one column".into(),
        DataError::ConflictColumnMissing { input, column } => {
            format!("{input}: --on column {column} is not in the input")
        }
        DataError::UpdateColumnMissing { input, column } => {
            format!("{input}: --update column {column} is not in the input")
        }
        DataError::UpdateColumnIsConflict { column } => {
            format!("--update column {column} is a conflict column (--on)")
        }
        DataError::Row {
            input,
            error,
            committed,
        } => format!("{input}: {error}{}", resume(committed)),
        DataError::Server {
            input,
            message,
            committed,
        } => format!("{input}: {message}{}", resume(committed)),
        _ => return err.into(),
    };
    anyhow::anyhow!(text)
}

fn progress_bar(size: Option<u64>) -> indicatif::ProgressBar {
    let bar = match size {
        Some(size) => indicatif::ProgressBar::new(size).with_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:30}] {percent:>3}% {msg} (ETA {eta})",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        ),
        None => indicatif::ProgressBar::new_spinner(),
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn print_summary(table: &str, s: &UpsertSummary, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(s).expect("a summary serializes")
        );
    } else {
        let duplicates = if s.duplicates > 0 {
            format!(", {} duplicates superseded", s.duplicates)
        } else {
            String::new()
        };
        println!(
            "{table}: {} rows: {} inserted, {} updated, {} unchanged{duplicates} in {:.2} s ({:.0} rows/s)",
            s.rows, s.inserted, s.updated, s.unchanged, s.seconds, s.rows_per_second
        );
        for a in &s.sequences_advanced {
            println!(
                "advanced sequence {} to {} (the largest {}), so the next generated id is above it",
                a.sequence, a.value, a.column
            );
        }
    }
}
