//! `dbridge diff` between MongoDB schemas: `mongodb://` URLs, snapshots and hand-written
//! schema files (`engine = "mongodb"`). It prints the up commands as the JSON array a
//! migration file holds (`--down` the way back, `--format json` the steps with hazards), so
//! that running them in order with `runCommand` turns FROM into TO.

use std::path::Path;

use super::diff::{DiffArgs, DiffFormat};
use super::ExitStatus;
use crate::cli::render::output;
use crate::diff::mongo::{
    note_staged, plan_with, rename_hints, snapshot, stage_validators, MongoSchema,
};
use crate::diff::snapshot::Format;

/// Whether a `--from`/`--to` argument is a MongoDB source: a URL, or a snapshot file whose
/// `engine` is `mongodb`.
pub fn is_mongo_source(arg: &str) -> bool {
    if crate::engine::mongo::is_url(arg) {
        return true;
    }
    let path = Path::new(arg);
    if Format::from_path(path).is_none() || !path.is_file() {
        return false;
    }
    // The head of the file is enough (a PostgreSQL snapshot can be megabytes).
    let mut head = Vec::with_capacity(4096);
    let read = std::fs::File::open(path).and_then(|f| {
        use std::io::Read;
        f.take(4096).read_to_end(&mut head)
    });
    if read.is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&head);
    let engine = |line: &str| {
        let line = line.trim_start_matches(['{', ' ', '\t']);
        let rest = line
            .strip_prefix("\"engine\"")
            .or_else(|| line.strip_prefix("engine"))?;
        Some(
            rest.trim_start_matches([' ', '\t', '=', ':'])
                .starts_with("\"mongodb\""),
        )
    };
    text.lines().take(20).filter_map(engine).any(|m| m)
}

/// Reads one side.
async fn load(arg: &str) -> anyhow::Result<MongoSchema> {
    if crate::engine::mongo::is_url(arg) {
        let target = crate::engine::mongo::connect(arg).await?;
        return Ok(crate::engine::mongo::inspect(&target.db).await?);
    }
    let path = Path::new(arg);
    let format = Format::from_path(path)
        .ok_or_else(|| anyhow::anyhow!("{arg}: a MongoDB schema is a .json or .toml file"))?;
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{arg}: {e}"))?;
    Ok(snapshot::read(&text, format, arg)?)
}

pub async fn run(args: &DiffArgs, format: DiffFormat) -> anyhow::Result<ExitStatus> {
    for (flag, set) in [("--schema", !args.schemas.is_empty())] {
        if set {
            anyhow::bail!("{flag} is not supported for MongoDB schemas yet");
        }
    }
    for side in [&args.from, &args.to] {
        if !is_mongo_source(side) {
            anyhow::bail!(
                "{}: the other side is a MongoDB schema; both sides must be (a mongodb:// URL, or a .json/.toml file with engine = \"mongodb\")",
                crate::redact::redact(side)
            );
        }
    }
    let (from, to) = tokio::try_join!(load(&args.from), load(&args.to))?;
    let renames = rename_hints(&args.renames, &from, &to)?;
    let (to, staged) = match args.safe {
        true => stage_validators(&from, &to),
        false => (to, Vec::new()),
    };
    let mut plan = plan_with(&from, &to, &renames);
    note_staged(&mut plan, &staged);
    if crate::engine::mongo::is_url(&args.from) {
        let target = crate::engine::mongo::connect(&args.from).await?;
        crate::engine::mongo::counts::annotate(&target.db, &mut plan).await;
    }
    let text = match format {
        DiffFormat::Json => serde_json::to_string_pretty(&plan)? + "\n",
        DiffFormat::Sql if args.down => match plan.down() {
            Some(commands) => serde_json::to_string_pretty(&commands)? + "\n",
            None => anyhow::bail!("a step of this plan cannot be undone"),
        },
        DiffFormat::Sql => serde_json::to_string_pretty(&plan.up())? + "\n",
    };
    output::emit(&text, None)?;
    Ok(if args.exit_code && !plan.is_empty() {
        ExitStatus::Differences
    } else {
        ExitStatus::Success
    })
}
