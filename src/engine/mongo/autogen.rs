//! `autogenerate` for MongoDB: the migrations are replayed on a scratch database, the plan
//! from there to the desired schema is computed, and it is proven on the same scratch
//! database before anything is written: up must reach the desired schema, down must return
//! to the replayed one. Scratch databases are named `dbridge_scratch_<unix time>_<pid>` and
//! dropped afterwards; one left by a killed run is dropped by the next run after an hour.

use mongodb::bson::Document;
use mongodb::{Client, Database};

use super::connect::connect;
use super::inspect::inspect;
use super::migrate::commands;
use crate::diff::mongo::{
    note_staged, plan, plan_with, rename_hints, stage_validators, MongoPlan, MongoSchema,
};
use crate::engine::error::{Error, Result};
use crate::engine::migrate::Migration;

/// The prefix of scratch databases.
pub const SCRATCH_PREFIX: &str = "dbridge_scratch_";

/// The plan from the replayed migrations to the desired schema, proven.
pub struct MongoPending {
    pub plan: MongoPlan,
}

/// Why a proof failed: what the scratch database looked like instead.
#[derive(Debug, thiserror::Error)]
#[error("the generated migration does not {what} on the scratch database; nothing was written. What still differs:\n{detail}")]
pub struct MongoProofFailed {
    pub what: &'static str,
    pub detail: String,
}

/// Some of a plan's steps, chosen in review: the steps of the whole plan as `(kind, object)`
/// (to tell that the plan did not change meanwhile) and which of them to keep.
pub struct Selection {
    pub steps: Vec<(String, String)>,
    pub keep: Vec<bool>,
}

/// Replays `migrations` on a scratch database of the server `url` names, plans the way to
/// `desired` and proves it there (only the steps `selection` keeps, when given). The scratch
/// database is dropped whatever happens.
pub async fn pending(
    url: &str,
    migrations: &[Migration],
    desired: &MongoSchema,
    renames: &[String],
    safe: bool,
    selection: Option<&Selection>,
) -> Result<std::result::Result<MongoPending, MongoProofFailed>> {
    let target = connect(url).await?;
    drop_stale(&target.client).await;
    let name = format!("{SCRATCH_PREFIX}{}_{}", now_secs(), std::process::id());
    let scratch = target.client.database(&name);
    let result = prove(&scratch, migrations, desired, renames, safe, selection).await;
    let _ = scratch.drop().await;
    result
}

/// The `(kind, object)` of each step, as a [`Selection`] records them.
pub fn step_names(plan: &MongoPlan) -> Vec<(String, String)> {
    plan.steps
        .iter()
        .map(|s| (s.kind.to_string(), s.object.clone()))
        .collect()
}

async fn prove(
    scratch: &Database,
    migrations: &[Migration],
    desired: &MongoSchema,
    renames: &[String],
    safe: bool,
    selection: Option<&Selection>,
) -> Result<std::result::Result<MongoPending, MongoProofFailed>> {
    for m in migrations {
        let file = m.up_path.display().to_string();
        run(scratch, &file, &commands(&m.up_sql, &file)?).await?;
    }
    let replayed = inspect(scratch).await?;
    let renames = rename_hints(renames, &replayed, desired)?;
    let (staged, staged_names) = match safe {
        true => stage_validators(&replayed, desired),
        false => (desired.clone(), Vec::new()),
    };
    let desired = &staged;
    let mut planned = plan_with(&replayed, desired, &renames);
    note_staged(&mut planned, &staged_names);
    // The steps left out in review: what must still differ once the kept ones ran.
    let mut left_out = Vec::new();
    if let Some(selection) = selection {
        if step_names(&planned) != selection.steps || selection.keep.len() != planned.steps.len() {
            return Ok(Err(failed(
                "match the reviewed plan (the migrations or the schema source changed during the review; run it again)",
                &planned,
            )));
        }
        let steps = std::mem::take(&mut planned.steps);
        for (step, keep) in steps.into_iter().zip(&selection.keep) {
            match keep {
                true => planned.steps.push(step),
                false => left_out.push((step.kind.to_string(), step.object)),
            }
        }
    }
    if planned.is_empty() {
        return Ok(Ok(MongoPending { plan: planned }));
    }
    run(scratch, "the generated up commands", &planned.up()).await?;
    let reached = plan(&inspect(scratch).await?, desired);
    if step_names(&reached) != left_out {
        let Some(_) = selection else {
            return Ok(Err(failed("reach the schema source", &reached)));
        };
        let mut failure = failed(
            "reach the schema source but for the steps left out (a kept step may need one left out)",
            &reached,
        );
        let left: Vec<String> = left_out.iter().map(|(k, o)| format!("  {k} {o}")).collect();
        failure.detail = format!(
            "{}\ninstead of the steps left out:\n{}",
            match failure.detail.is_empty() {
                true => "  nothing".to_string(),
                false => failure.detail,
            },
            left.join("\n")
        );
        return Ok(Err(failure));
    }
    let Some(down) = planned.down() else {
        return Ok(Ok(MongoPending { plan: planned }));
    };
    run(scratch, "the generated down commands", &down).await?;
    let back = plan(&inspect(scratch).await?, &replayed);
    if !back.is_empty() {
        return Ok(Err(failed(
            "return to the migrations' state when run down",
            &back,
        )));
    }
    Ok(Ok(MongoPending { plan: planned }))
}

fn failed(what: &'static str, left: &MongoPlan) -> MongoProofFailed {
    let detail = left
        .steps
        .iter()
        .map(|s| format!("  {} {}", s.kind, s.object))
        .collect::<Vec<_>>()
        .join("\n");
    MongoProofFailed { what, detail }
}

async fn run(db: &Database, file: &str, commands: &[Document]) -> Result<()> {
    for (index, command) in commands.iter().enumerate() {
        let name = command.keys().next().cloned().unwrap_or_default();
        super::command::run_checked(db, command.clone())
            .await
            .map_err(|e| Error::MongoCommand {
                file: file.to_string(),
                index,
                name,
                error: Box::new(e),
            })?;
    }
    Ok(())
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Drops the scratch databases of runs that ended more than an hour ago without dropping
/// theirs (killed). Best effort: a server that refuses listing databases keeps them.
async fn drop_stale(client: &Client) {
    let Ok(names) = client.list_database_names().await else {
        return;
    };
    for name in names {
        let started = name
            .strip_prefix(SCRATCH_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if started.is_some_and(|s| s + 3600 < now_secs()) {
            let _ = client.database(&name).drop().await;
        }
    }
}
