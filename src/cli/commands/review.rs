//! `dbridge review` (`autogenerate --interactive`): confirm renames, confirm destructive
//! changes and deselect changes before the migration is written (for a MongoDB schema: its
//! steps, renames coming from `--rename` only).

use std::io::IsTerminal;

use anyhow::bail;
use dialoguer::Confirm;

use crate::diff::change::ChangeId;
use crate::diff::hazard::Hazard;
use crate::diff::model::QualifiedName;
use crate::diff::mongo::{MongoHazard, MongoPlan};
use crate::diff::quote::SqlName;
use crate::diff::Renames;
use crate::engine::autogen::Pending;

/// How a table is named in questions: without `public.`.
fn short(t: &QualifiedName) -> String {
    if t.schema == "public" {
        crate::diff::quote::ident(&t.name)
    } else {
        t.sql().to_string()
    }
}

/// Refuses to ask questions without a terminal to answer them.
fn need_terminal() -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!("review asks questions and stdin is not a terminal; run `dbridge autogenerate` with --rename and --allow-destructive instead");
    }
    Ok(())
}

/// Whether to keep one change: shown with its hazards and statements, asked twice when it
/// loses data.
fn include(
    position: (usize, usize),
    description: &str,
    hazards: &[&str],
    statements: &[String],
    loses_data: bool,
) -> anyhow::Result<bool> {
    eprintln!("\n[{}/{}] {description}", position.0 + 1, position.1);
    if !hazards.is_empty() {
        eprintln!("  hazards: {}", hazards.join(", "));
    }
    for statement in statements {
        eprintln!("  {}", statement.replace('\n', "\n  "));
    }
    let mut include = Confirm::new()
        .with_prompt("Include this change?")
        .default(true)
        .interact()?;
    if include && loses_data {
        include = Confirm::new()
            .with_prompt(format!("{description} loses data. Include it anyway?"))
            .default(false)
            .interact()?;
    }
    Ok(include)
}

/// Asks about each step of a MongoDB plan; returns which to keep, or `None` when none is.
pub fn review_mongo(plan: &MongoPlan) -> anyhow::Result<Option<Vec<bool>>> {
    need_terminal()?;
    let total = plan.steps.len();
    let mut keep = Vec::with_capacity(total);
    for (i, step) in plan.steps.iter().enumerate() {
        let mut description = format!("{} {}", step.kind, step.object);
        if let Some(note) = &step.note {
            description = format!("{description} ({note})");
        }
        let hazards: Vec<&str> = step.hazards.iter().map(|h| h.id()).collect();
        let commands: Vec<String> = step.up.iter().map(|c| c.to_string()).collect();
        let loses_data = step.hazards.contains(&MongoHazard::DataLoss);
        keep.push(include(
            (i, total),
            &description,
            &hazards,
            &commands,
            loses_data,
        )?);
    }
    if !keep.contains(&true) {
        eprintln!("nothing selected; no migration written");
        return Ok(None);
    }
    Ok(Some(keep))
}

/// Asks about renames, then about each change; returns false when nothing is kept.
pub fn review(pending: &mut Pending, given: &Renames) -> anyhow::Result<bool> {
    need_terminal()?;
    let mut hints: Vec<String> = given.hints().to_vec();
    for c in pending.plan.rename_candidates.clone() {
        let (from, to) = match &c.table {
            Some(t) => (
                format!("{}.{}", short(t), c.from),
                format!("{}.{}", short(t), c.to),
            ),
            None => (
                c.from
                    .strip_prefix("public.")
                    .unwrap_or(&c.from)
                    .to_string(),
                c.to.clone(),
            ),
        };
        if Confirm::new()
            .with_prompt(format!("Did you rename {from} to {to}?"))
            .default(false)
            .interact()?
        {
            hints.push(c.hint());
        }
    }
    let renames = Renames::parse(&hints)?;
    pending.replan(&renames)?;
    let mut kept: Vec<ChangeId> = Vec::new();
    let total = pending.plan.changes.len();
    for (i, c) in pending.plan.changes.iter().enumerate() {
        let hazards: Vec<&str> = c.hazards.iter().map(|h| h.id()).collect();
        let statements: Vec<String> = c.up.iter().map(|sql| format!("{sql};")).collect();
        let loses_data = c.hazards.contains(&Hazard::DataLoss);
        if include(
            (i, total),
            &c.description,
            &hazards,
            &statements,
            loses_data,
        )? {
            kept.push(c.id.clone());
        }
    }
    if kept.is_empty() {
        eprintln!("nothing selected; no migration written");
        return Ok(false);
    }
    pending.restrict(&renames, &|c| kept.contains(&c.id()))?;
    Ok(true)
}
