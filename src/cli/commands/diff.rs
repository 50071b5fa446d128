//! `dbridge diff`: the SQL that turns one schema into another.

use super::ExitStatus;
use crate::cli::args::GlobalOptions;
use crate::cli::render::{color, output, Timer};
use crate::diff::plan::PlanOptions;
use crate::diff::quote::SqlName;
use crate::diff::{Plan, Renames};
use crate::engine::blocking::compute;
use crate::engine::dev::DevDatabase;
use crate::engine::source::Source;
use crate::project::Project;

/// Output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Sql,
    Json,
}

/// Arguments of `dbridge diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The schema to start from: a postgres:// URL, a .sql file, a directory of .sql files,
    /// or a .json/.toml snapshot; or, for MongoDB, a mongodb:// URL or a .json/.toml schema
    /// with engine = "mongodb" (the output is then the JSON array of commands).
    #[arg(long)]
    pub from: String,
    /// The schema to reach (same forms as --from).
    #[arg(long)]
    pub to: String,
    /// Print the SQL that goes back from --to to --from instead.
    #[arg(long)]
    pub down: bool,
    /// Output format: SQL, or JSON listing every change with its hazards and SQL (default:
    /// sql; json under --json).
    #[arg(long, value_enum)]
    pub format: Option<DiffFormat>,
    /// Exit with status 2 when the schemas differ.
    #[arg(long)]
    pub exit_code: bool,
    /// Treat a drop and an add as a rename: `schema.table.old=new` or `schema.old_table=new_table`.
    #[arg(long = "rename", value_name = "OLD=NEW")]
    pub renames: Vec<String>,
    /// Only these schemas (repeatable; default: every non-system schema).
    #[arg(long = "schema")]
    pub schemas: Vec<String>,
    /// Lock-safe forms on existing tables, as `autogenerate --safe` writes them: indexes
    /// built CONCURRENTLY (on a partitioned table, one partition at a time), foreign keys and
    /// checks added NOT VALID then validated.
    #[arg(long)]
    pub safe: bool,
    /// Leave privileges (GRANT/REVOKE) out of the comparison, as `[schema] privileges =
    /// false` does.
    #[arg(long)]
    pub no_privileges: bool,
}

pub async fn run(
    global: &GlobalOptions,
    project: &Project,
    args: DiffArgs,
) -> anyhow::Result<ExitStatus> {
    let format = match (args.format, global.json) {
        (None, true) | (Some(DiffFormat::Json), _) => DiffFormat::Json,
        (Some(DiffFormat::Sql), true) => {
            anyhow::bail!("--json conflicts with --format sql; pass one of them")
        }
        (None, false) | (Some(DiffFormat::Sql), false) => DiffFormat::Sql,
    };
    #[cfg(feature = "mongodb")]
    if super::mongo_diff::is_mongo_source(&args.from)
        || super::mongo_diff::is_mongo_source(&args.to)
    {
        return super::mongo_diff::run(&args, format).await;
    }
    let renames = Renames::parse(&args.renames)?;
    let from = project.with_python(Source::parse(&args.from)?);
    let to = project.with_python(Source::parse(&args.to)?);
    let mut dev = DevDatabase::new(super::dev_url(global, project));
    let timer = Timer::new();
    let loaded = Source::load_pair(&from, &to, &mut dev, &args.schemas).await;
    timer.lap("read --from and --to");
    dev.close().await;
    let (mut a, mut b) = loaded?;
    if args.no_privileges || !project.config.schema.privileges {
        a.drop_privileges();
        b.drop_privileges();
    }
    let options = PlanOptions { safe: args.safe };
    let plan = compute(|| Plan::with_options(&a, &b, &renames, options))?;
    timer.lap("diff and render (up and down)");
    for c in plan.rename_candidates.iter().filter(|_| !global.quiet) {
        eprintln!(
            "note: {} {} may have been renamed to {}; if so, pass --rename {}",
            c.kind,
            c.table
                .as_ref()
                .map_or(c.from.clone(), |t| format!("{}.{}", t.sql(), c.from)),
            c.to,
            c.hint()
        );
    }
    let text = match format {
        DiffFormat::Json => {
            let mut json = serde_json::to_string_pretty(&plan)?;
            json.push('\n');
            json
        }
        DiffFormat::Sql if args.down => plan.annotated_down_sql(),
        DiffFormat::Sql => plan.annotated_up_sql(),
    };
    let text = if format == DiffFormat::Sql && color::enabled() {
        color::plan(&plan, &text, args.down)
    } else {
        text
    };
    output::emit(&text, None)?;
    let status = if args.exit_code && !plan.is_empty() {
        ExitStatus::Differences
    } else {
        ExitStatus::Success
    };
    // The process ends here: freeing two large models and the plan piece by piece would
    // only delay the exit (5-8 ms for 1,000 tables).
    std::mem::forget((a, b, plan));
    Ok(status)
}
