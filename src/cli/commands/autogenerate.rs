//! `dbridge autogenerate`: write the migration that takes `migrations/` to the schema source.

use crate::diff::plan::PlanOptions;
use crate::diff::Renames;
use crate::engine::autogen::{self, Generated};
use crate::engine::dev::DevDatabase;
use crate::engine::migrate::{read_dir, verify_sum, Migration};
use crate::engine::source::Source;
use crate::project::error::refused_lines;
use crate::project::migrations::{hazard_names, refuse_destructive, write_migrations, Written};
use crate::project::{self, Project};

use super::{dev_url, ExitStatus};
use crate::cli::args::GlobalOptions;
use crate::cli::render::{output, Timer};

/// Arguments of `dbridge autogenerate`.
#[derive(Debug, clap::Args)]
pub struct AutogenerateArgs {
    /// The migration's name, e.g. `add_comments` (becomes <version>_add_comments.up.sql).
    #[arg(short = 'm', long = "message", required_unless_present = "check")]
    pub name: Option<String>,
    /// Write nothing; print the pending SQL and exit with 2 when a migration would be generated.
    #[arg(long, conflicts_with = "interactive")]
    pub check: bool,
    /// Review each change before writing (the same as `dbridge review`); needs a terminal.
    #[arg(long)]
    pub interactive: bool,
    /// Generate changes that lose data (dropped tables and columns, narrowed types).
    #[arg(long)]
    pub allow_destructive: bool,
    /// Treat a drop and an add as a rename: `schema.table.old=new` or `schema.old_table=new_table`.
    #[arg(long = "rename", value_name = "OLD=NEW")]
    pub renames: Vec<String>,
    /// Lock-safe forms on existing tables: indexes built CONCURRENTLY, foreign keys and checks
    /// added NOT VALID then validated, SET NOT NULL through a validated check, and a
    /// `lock_timeout` at the top of every migration.
    #[arg(long)]
    pub safe: bool,
    /// The lock_timeout that --safe migrations set, e.g. `5s` or `500ms`.
    #[arg(long, default_value = "5s", requires = "safe", value_parser = parse_timeout)]
    pub lock_timeout: String,
    /// Leave privileges (GRANT/REVOKE) out of the comparison, as `[schema] privileges =
    /// false` does.
    #[arg(long)]
    pub no_privileges: bool,
    /// The schema to reach instead of `[schema] source` (same forms as `diff --to`).
    #[arg(long, value_name = "SRC")]
    pub source: Option<String>,
}

/// Accepts `5s`, `500ms`, `1min`: a number and a unit PostgreSQL understands.
fn parse_timeout(text: &str) -> Result<String, String> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    if digits.parse::<u64>().is_err() || !["ms", "s", "min", "h"].contains(&unit) {
        return Err(format!("`{text}` is not a duration like 5s, 500ms or 1min"));
    }
    Ok(text.to_string())
}

pub async fn run(
    global: &GlobalOptions,
    project: &Project,
    args: AutogenerateArgs,
) -> anyhow::Result<ExitStatus> {
    let timer = Timer::new();
    let dir = project.migrations_dir();
    verify_sum(&dir)?;
    let migrations = read_dir(&dir)?;
    #[cfg(feature = "mongodb")]
    {
        let source = args
            .source
            .clone()
            .unwrap_or_else(|| project.schema_source());
        if super::mongo_diff::is_mongo_source(&source) {
            return super::mongo_autogenerate::run(global, project, &args, &source, &migrations)
                .await;
        }
    }
    let renames = Renames::parse(&args.renames)?;
    let source = match &args.source {
        Some(s) => project.with_python(Source::parse(s)?),
        None => project.source()?,
    };
    let mut dev = DevDatabase::new(dev_url(global, project));
    timer.lap("read the migrations directory and the sum");
    let result = generate(
        global,
        &mut dev,
        &migrations,
        &source,
        project,
        &renames,
        &args,
    )
    .await;
    dev.close().await;
    timer.lap("replay, diff and prove on the dev database");
    let Some(groups) = result? else {
        let source = crate::redact::redact(&project.config.schema.source).into_owned();
        output::result(
            global.json,
            || format!("no changes: {} matches {source}", dir.display()),
            || serde_json::json!({ "changes": 0, "written": [] }),
        )?;
        return Ok(ExitStatus::Success);
    };
    if args.check {
        return Ok(ExitStatus::Differences);
    }
    let name = args.name.as_deref().unwrap_or("migration");
    let lock_timeout = args.safe.then_some(args.lock_timeout.as_str());
    let written = write_migrations(&dir, &migrations, name, &groups, lock_timeout)?;
    timer.lap("write the migration files");
    output::result(
        global.json,
        || written.iter().map(written_line).collect(),
        || serde_json::json!({ "written": written }),
    )?;
    Ok(ExitStatus::Success)
}

/// Plans, checks the refusals and proves the migration; `None` when there is nothing to do.
async fn generate(
    global: &GlobalOptions,
    dev: &mut DevDatabase,
    migrations: &[Migration],
    source: &Source,
    project: &Project,
    renames: &Renames,
    args: &AutogenerateArgs,
) -> anyhow::Result<Option<Vec<Generated>>> {
    let pending = autogen::pending(
        dev,
        migrations,
        source,
        &project.config.schema.schemas,
        !args.no_privileges && project.config.schema.privileges,
        renames,
        PlanOptions { safe: args.safe },
    )
    .await?;
    if pending.plan.is_empty() {
        return Ok(None);
    }
    if args.check {
        if global.json {
            output::emit(
                &format!("{}\n", serde_json::to_string_pretty(&pending.plan)?),
                None,
            )?;
        } else {
            print!("{}", pending.plan.up_sql());
        }
        if !global.quiet {
            eprintln!(
                "a migration would be generated ({} changes)",
                pending.plan.changes.len()
            );
        }
        return Ok(Some(Vec::new()));
    }
    let mut pending = pending;
    if args.interactive {
        let renames = pending.renames.clone();
        if !super::review::review(&mut pending, &renames)? {
            return Ok(None);
        }
    } else if !args.allow_destructive {
        refuse_destructive(&pending.plan).map_err(with_flag_hints)?;
    }
    match pending.prove().await? {
        Ok(groups) => Ok(Some(groups)),
        Err(failed) => Err(failed.into()),
    }
}

/// The refusal as the command line says it: with the flags that accept each change.
fn with_flag_hints(err: project::Error) -> anyhow::Error {
    let project::Error::Destructive { changes } = &err else {
        return err.into();
    };
    anyhow::anyhow!(
        "refusing to generate a migration that loses data:\n{}\npass --allow-destructive to generate it anyway",
        refused_lines(changes, |hint| format!("pass --rename {hint}"))
    )
}

/// The line that says a migration was written: its files, statements and hazards.
fn written_line(w: &Written) -> String {
    let note = if w.hazards.is_empty() {
        String::new()
    } else {
        format!("; hazards: {}", hazard_names(&w.hazards))
    };
    let tx = if w.no_transaction {
        ", no transaction"
    } else {
        ""
    };
    format!(
        "wrote {}/{}.up.sql and .down.sql ({} statements{tx}{note})\n",
        w.dir.display(),
        w.stem,
        w.statements
    )
}
