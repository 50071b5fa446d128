//! `dbridge review` (`autogenerate --interactive`): confirm renames, confirm destructive
//! changes and deselect changes before the migration is written.

use std::io::IsTerminal;

use anyhow::bail;
use dialoguer::Confirm;

use crate::diff::change::ChangeId;
use crate::diff::hazard::Hazard;
use crate::diff::model::QualifiedName;
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

/// Asks about renames, then about each change; returns false when nothing is kept.
pub fn review(pending: &mut Pending, given: &Renames) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("review asks questions and stdin is not a terminal; run `dbridge autogenerate` with --rename and --allow-destructive instead");
    }
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
        eprintln!("\n[{}/{total}] {}", i + 1, c.description);
        if !c.hazards.is_empty() {
            let names: Vec<&str> = c.hazards.iter().map(|h| h.id()).collect();
            eprintln!("  hazards: {}", names.join(", "));
        }
        for sql in &c.up {
            eprintln!("  {};", sql.replace('\n', "\n  "));
        }
        let mut include = Confirm::new()
            .with_prompt("Include this change?")
            .default(true)
            .interact()?;
        if include && c.hazards.contains(&Hazard::DataLoss) {
            include = Confirm::new()
                .with_prompt(format!("{} loses data. Include it anyway?", c.description))
                .default(false)
                .interact()?;
        }
        if include {
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
