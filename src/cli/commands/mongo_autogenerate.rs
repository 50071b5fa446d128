//! `dbridge autogenerate` when the schema source is a MongoDB schema file: the migration of
//! commands that takes `migrations/` there, proven on a scratch database first (of the dev
//! server when `--dev-url`/`dev_url` is a MongoDB URL, else of the target server).

use super::autogenerate::AutogenerateArgs;
use super::{dev_url, ExitStatus};
use crate::cli::args::GlobalOptions;
use crate::cli::render::{output, Timer};
use crate::diff::mongo::{snapshot, MongoHazard};
use crate::diff::snapshot::Format;
use crate::engine::migrate::Migration;
use crate::engine::mongo::autogen;
use crate::project::migrations::write_mongo_migration;
use crate::project::Project;

pub async fn run(
    global: &GlobalOptions,
    project: &Project,
    args: &AutogenerateArgs,
    source: &str,
    migrations: &[Migration],
) -> anyhow::Result<ExitStatus> {
    let timer = Timer::new();
    let path = std::path::Path::new(source);
    let format = Format::from_path(path).unwrap_or(Format::Toml);
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
    let desired = snapshot::read(&text, format, source)?;
    // The configured target only: an embedded PostgreSQL would be of no use here.
    let target = super::configured_url(global, project);
    let server = [dev_url(global, project), target]
        .into_iter()
        .flatten()
        .find(|url| crate::engine::mongo::is_url(url))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "the schema source {source} is a MongoDB schema: pass --dev-url or --url with a mongodb:// URL to prove the migration on (a scratch database there, dropped afterwards)"
            )
        })?;
    let renames = &args.renames;
    let pending = autogen::pending(&server, migrations, &desired, renames, args.safe, None).await?;
    timer.lap("replay, plan and prove on a scratch database");
    let mut plan = pending?.plan;
    let dir = project.migrations_dir();
    if plan.is_empty() {
        output::result(
            global.json,
            || format!("no changes: {} matches {source}", dir.display()),
            || serde_json::json!({ "changes": 0, "written": [] }),
        )?;
        return Ok(ExitStatus::Success);
    }
    if args.check {
        let text = match global.json {
            true => serde_json::to_string_pretty(&plan)?,
            false => serde_json::to_string_pretty(&plan.up())?,
        };
        output::emit(&format!("{text}\n"), None)?;
        if !global.quiet {
            eprintln!(
                "a migration would be generated ({} steps)",
                plan.steps.len()
            );
        }
        return Ok(ExitStatus::Differences);
    }
    if args.interactive {
        let Some(keep) = super::review::review_mongo(&plan)? else {
            return Ok(ExitStatus::Success);
        };
        let selection = autogen::Selection {
            steps: autogen::step_names(&plan),
            keep,
        };
        let selected = Some(&selection);
        let pending =
            autogen::pending(&server, migrations, &desired, renames, args.safe, selected).await?;
        timer.lap("prove the selected steps on a scratch database");
        plan = pending?.plan;
    }
    let losing: Vec<String> = plan
        .steps
        .iter()
        .filter(|s| s.hazards.contains(&MongoHazard::DataLoss))
        .map(|s| format!("  {} {}", s.kind, s.object))
        .collect();
    if !losing.is_empty() && !args.allow_destructive && !args.interactive {
        anyhow::bail!(
            "refusing to generate a migration that loses data:\n{}\npass --allow-destructive to generate it anyway",
            losing.join("\n")
        );
    }
    let name = args.name.as_deref().unwrap_or("migration");
    let written = write_mongo_migration(&dir, migrations, name, &plan)?;
    timer.lap("write the migration files");
    output::result(
        global.json,
        || {
            let hazards = match written.hazards.is_empty() {
                true => String::new(),
                false => format!(" [{}]", written.hazards.join(", ")),
            };
            format!(
                "wrote {}/{}.up.json ({} commands){hazards}",
                written.dir.display(),
                written.stem,
                written.commands
            )
        },
        || serde_json::json!({ "written": [written] }),
    )?;
    Ok(ExitStatus::Success)
}
