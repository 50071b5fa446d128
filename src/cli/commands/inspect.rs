//! `dbridge inspect`: a live schema as canonical SQL or as a snapshot.

use std::path::PathBuf;

use super::target_engine;
use super::ExitStatus;
use crate::cli::args::GlobalOptions;
use crate::cli::render::{output, Timer};
use crate::diff::snapshot::{self, Format};
use crate::diff::Plan;
use crate::engine::backend::Inspector;
use crate::project::Project;

/// Output formats of `inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InspectFormat {
    Sql,
    Json,
    Toml,
}

/// Arguments of `dbridge inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// Output format (default: sql; json under --json).
    #[arg(long, value_enum)]
    pub format: Option<InspectFormat>,
    /// Write to this file (atomically) instead of stdout.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Only these schemas (repeatable; default: every non-system schema).
    #[arg(long = "schema")]
    pub schemas: Vec<String>,
    /// Leave privileges (GRANT/REVOKE) out, as `[schema] privileges =
    /// false` does.
    #[arg(long)]
    pub no_privileges: bool,
}

pub async fn run(
    global: &GlobalOptions,
    project: &Project,
    args: InspectArgs,
) -> anyhow::Result<ExitStatus> {
    let format = match (args.format, global.json) {
        (None, true) | (Some(InspectFormat::Json), _) => InspectFormat::Json,
        (Some(other), true) => {
            anyhow::bail!("--json conflicts with --format {other:?}; pass one of them")
        }
        (None, false) => InspectFormat::Sql,
        (Some(f), false) => f,
    };
    let timer = Timer::new();
    #[cfg(feature = "mongodb")]
    if let Some(url) = super::mongo_target(global, project) {
        return inspect_mongo(
            &url,
            args.format,
            global.json,
            args.output.as_deref(),
            &timer,
        )
        .await;
    }
    let engine = target_engine(global, project, &[]).await?;
    timer.lap("connect");
    if !args.schemas.is_empty() {
        let existing = engine.schema_names().await?;
        let missing: Vec<&str> = args
            .schemas
            .iter()
            .filter(|s| !existing.contains(s))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            anyhow::bail!(
                "no schema named {} in the database; its schemas: {}",
                missing.join(", "),
                existing.join(", ")
            );
        }
    }
    let mut db = engine.inspect(&args.schemas).await?;
    if args.no_privileges || !project.config.schema.privileges {
        db.drop_privileges();
    }
    timer.lap("read the catalog");
    let text = match format {
        InspectFormat::Json => snapshot::write(&db, Format::Json),
        InspectFormat::Toml => snapshot::write(&db, Format::Toml),
        InspectFormat::Sql => Plan::create(&db)?.up_sql(),
    };
    timer.lap("render");
    output::emit(&text, args.output.as_deref())?;
    timer.lap("write");
    Ok(ExitStatus::Success)
}

/// `inspect` of a MongoDB database: its snapshot (JSON unless `--format toml`).
#[cfg(feature = "mongodb")]
async fn inspect_mongo(
    url: &str,
    format: Option<InspectFormat>,
    json: bool,
    output_file: Option<&std::path::Path>,
    timer: &Timer,
) -> anyhow::Result<ExitStatus> {
    use crate::diff::mongo::snapshot as mongo_snapshot;
    let format = match (format, json) {
        (Some(InspectFormat::Sql), _) => {
            anyhow::bail!("a MongoDB database has no SQL form; pass --format json or --format toml")
        }
        (Some(InspectFormat::Toml), true) => {
            anyhow::bail!("--json conflicts with --format Toml; pass one of them")
        }
        (Some(InspectFormat::Toml), false) => Format::Toml,
        _ => Format::Json,
    };
    let target = crate::engine::mongo::connect(url).await?;
    timer.lap("connect");
    let schema = crate::engine::mongo::inspect(&target.db).await?;
    timer.lap("read the collections and indexes");
    output::emit(&mongo_snapshot::write(&schema, format), output_file)?;
    timer.lap("write");
    Ok(ExitStatus::Success)
}
