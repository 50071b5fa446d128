//! The planner: orders the rendered steps of a diff into up and down scripts. The down
//! script is the inverse of each change ([`NameMap::inverse`]), computed with it.

use rayon::prelude::*;
use serde::Serialize;

use super::change::{Change, ChangeId};
use super::differ::{diff, Diff};
use super::error::Error;
use super::hazard::{hazards, Hazard};
use super::model::Database;
use super::postgres::Dependents;
use super::rename::{RenameCandidate, Renames};
use super::reverse::NameMap;
pub use super::sql::Mode;
use super::sql::{render, Context, Step};

/// A change with everything a reviewer needs: its hazards and its SQL both ways.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedChange {
    /// The change's stable address.
    pub id: ChangeId,
    pub kind: String,
    pub object: String,
    pub description: String,
    pub hazards: Vec<Hazard>,
    pub up: Vec<String>,
    /// How each statement of `up` must run (in a transaction, outside one...).
    pub up_modes: Vec<Mode>,
    /// What undoes `up`: the inverse change, with whatever the way back alone has to drop
    /// and recreate around it; `None` for a change that cannot be reversed.
    pub down: Option<Vec<String>>,
    /// How each statement of `down` must run.
    pub down_modes: Vec<Mode>,
    /// False when `down` brings the structure back but not the data `up` destroys.
    pub data_restored: bool,
    #[serde(skip)]
    pub change: Change,
}

/// The full plan between two schemas.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub changes: Vec<PlannedChange>,
    pub rename_candidates: Vec<RenameCandidate>,
    /// The statements of the up migration, in order.
    pub up: Vec<String>,
    /// How each statement of `up` must run.
    pub up_modes: Vec<Mode>,
    /// The statements of the down migration, in order.
    pub down: Vec<String>,
    /// How each statement of `down` must run.
    pub down_modes: Vec<Mode>,
}

/// How a plan is rendered.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Lock-safe forms on existing tables: indexes built and dropped CONCURRENTLY, foreign
    /// keys and checks added NOT VALID then validated, SET NOT NULL through a validated check.
    pub safe: bool,
}

impl Plan {
    /// The plan that creates `db` in a fresh database (which already has `public`): its
    /// up SQL is the canonical DDL of the schema, as `dbridge inspect` prints it.
    pub fn create(db: &Database) -> Result<Plan, Error> {
        let base = Database {
            schemas: db
                .schemas
                .iter()
                .filter(|s| s.name == "public")
                .cloned()
                .collect(),
            ..Database::default()
        };
        Plan::new(&base, db, &Renames::default())
    }

    /// Diffs `from` against `to` and plans both directions.
    pub fn new(from: &Database, to: &Database, renames: &Renames) -> Result<Plan, Error> {
        Self::with_options(from, to, renames, PlanOptions::default())
    }

    /// Like [`Plan::new`], with rendering options.
    pub fn with_options(
        from: &Database,
        to: &Database,
        renames: &Renames,
        options: PlanOptions,
    ) -> Result<Plan, Error> {
        Self::partial(from, to, renames, options, &|_| true)
    }

    /// The plan of only the changes `keep` accepts, for a review that skips some. The down
    /// script keeps the inverses of the kept changes.
    pub fn partial(
        from: &Database,
        to: &Database,
        renames: &Renames,
        options: PlanOptions,
        keep: &dyn Fn(&Change) -> bool,
    ) -> Result<Plan, Error> {
        let mut up = diff(from, to, renames)?;
        up.changes.retain(|c| keep(c));
        let names = renames.name_map();
        let (renamed_back, _) = renames.inverse().apply(to, from)?;
        let back_from = renamed_back.as_ref().unwrap_or(to);
        let dependents = Dependents::new(back_from, from);
        let down = Diff {
            changes: down_changes(&up.changes, &names, &dependents),
            rename_candidates: Vec::new(),
        };
        // Only when the way back needs fix-ups at all is each change asked for its own.
        let fix_ups = down.changes.len() > up.changes.len();
        let up_ctx = Context::new(from, to, &up.changes, options.safe);
        let down_ctx = Context::new(to, from, &down.changes, options.safe);
        let existing: std::collections::HashSet<_> = from.tables.iter().map(|t| &t.name).collect();
        // Each change is rendered once per direction; the scripts and the changes' own
        // statements are ordered from the same steps.
        let up_steps: Vec<Vec<Step>> = up.changes.par_iter().map(|c| render(c, &up_ctx)).collect();
        let down_steps: Vec<Vec<Step>> = down
            .changes
            .par_iter()
            .map(|c| render(c, &down_ctx))
            .collect();
        let ((up_sql, up_modes), (down_sql, down_modes)): ((Vec<_>, Vec<_>), (Vec<_>, Vec<_>)) =
            rayon::join(
                || order(&up_steps).into_iter().unzip(),
                || order(&down_steps).into_iter().unzip(),
            );
        let changes = up
            .changes
            .par_iter()
            .zip(up_steps.par_iter())
            .map(|(c, up_steps)| {
                let mut h = hazards(c, |t| existing.contains(t));
                if up_steps.iter().any(|s| s.mode == Mode::NoTransaction) {
                    h.retain(|h| *h != Hazard::IndexWithoutConcurrently);
                }
                if up_steps.iter().any(|s| s.mode == Mode::Validate) {
                    h.retain(|h| *h != Hazard::AccessExclusiveLock);
                }
                let data_restored = !h.contains(&Hazard::DataLoss);
                let (up, up_modes) = order(std::slice::from_ref(up_steps)).into_iter().unzip();
                let back = match fix_ups {
                    true => down_changes(std::slice::from_ref(c), &names, &dependents),
                    false => vec![names.inverse(c)],
                };
                let down_steps: Vec<_> = back.iter().map(|c| render(c, &down_ctx)).collect();
                let (down, down_modes) = order(&down_steps).into_iter().unzip();
                PlannedChange {
                    id: c.id(),
                    kind: c.kind(),
                    object: c.object().display_name(),
                    description: c.describe(),
                    hazards: h,
                    data_restored,
                    up,
                    up_modes,
                    down: Some(down),
                    down_modes,
                    change: c.clone(),
                }
            })
            .collect();
        Ok(Plan {
            changes,
            up: up_sql,
            up_modes,
            down: down_sql,
            down_modes,
            rename_candidates: up.rename_candidates,
        })
    }

    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.up.is_empty()
    }

    /// The up migration as SQL text, one statement per paragraph.
    pub fn up_sql(&self) -> String {
        to_text(&self.up)
    }

    /// The down migration as SQL text.
    pub fn down_sql(&self) -> String {
        to_text(&self.down)
    }

    /// The up migration as SQL text with each hazardous change's hazards written as a
    /// comment above its first statement (what `diff` prints for people to read).
    pub fn annotated_up_sql(&self) -> String {
        annotate(&self.up, self.changes.iter().map(|c| (&c.up, &c.hazards)))
    }

    /// The down migration as SQL text, annotated like [`Plan::annotated_up_sql`].
    pub fn annotated_down_sql(&self) -> String {
        let empty = Vec::new();
        annotate(
            &self.down,
            self.changes
                .iter()
                .map(|c| (c.down.as_ref().unwrap_or(&empty), &c.hazards)),
        )
    }
}

/// `statements` as text, with a `-- hazards: ...` line (their ids; `--format json` and
/// `dbridge lint` give the help) before the first statement of each change of `owners` (its
/// statements and hazards) that has hazards.
fn annotate<'a>(
    statements: &[String],
    owners: impl Iterator<Item = (&'a Vec<String>, &'a Vec<Hazard>)>,
) -> String {
    let mut notes: std::collections::HashMap<&str, Vec<Hazard>> = Default::default();
    for (stmts, hazards) in owners.filter(|(s, h)| !h.is_empty() && !s.is_empty()) {
        let entry = notes.entry(stmts[0].as_str()).or_default();
        for h in hazards {
            if !entry.contains(h) {
                entry.push(*h);
            }
        }
    }
    let mut out = String::new();
    let mut noted = std::collections::HashSet::new();
    for (i, stmt) in statements.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if let Some(hazards) = notes
            .get(stmt.as_str())
            .filter(|_| noted.insert(stmt.as_str()))
        {
            let ids: Vec<&str> = hazards.iter().map(|h| h.id()).collect();
            out.push_str(&format!("-- hazards: {}\n", ids.join(", ")));
        }
        out.push_str(stmt);
        out.push_str(";\n");
    }
    out
}

/// The changes that undo `up`, going back from the target (renamed back) to the source
/// (`dependents` indexes the two): the inverse of every change, plus what the way back has
/// to drop and recreate around them that the way there did not (an enum that gains a label
/// in place on the way there is rebuilt on the way back).
fn down_changes(up: &[Change], names: &NameMap, dependents: &Dependents<'_>) -> Vec<Change> {
    let mut down: Vec<Change> = up.iter().map(|c| names.inverse(c)).collect();
    dependents.recreate(&mut down);
    down
}

/// Sorts the steps of all changes by phase, then rank, keeping the differ's order otherwise;
/// a statement that two changes both need is kept once, where it comes first.
fn order(per_change: &[Vec<Step>]) -> Vec<(String, Mode)> {
    let mut steps: Vec<(usize, &Step)> = per_change.iter().flatten().enumerate().collect();
    // The position makes every key unique, so an unstable sort keeps the differ's order.
    steps.sort_unstable_by_key(|(i, s)| (s.phase, s.rank, *i));
    let mut seen = std::collections::HashSet::with_capacity(steps.len());
    steps
        .into_iter()
        .filter(|(_, s)| seen.insert(s.sql.as_str()))
        .map(|(_, s)| (s.sql.clone(), s.mode))
        .collect()
}

/// Splits statements into runs of the same mode, each a migration (or transaction) of its own.
pub fn groups(statements: &[String], modes: &[Mode]) -> Vec<(Mode, Vec<String>)> {
    let mut groups: Vec<(Mode, Vec<String>)> = Vec::new();
    for (s, mode) in statements.iter().zip(modes) {
        match groups.last_mut() {
            Some((m, list)) if m == mode => list.push(s.clone()),
            _ => groups.push((*mode, vec![s.clone()])),
        }
    }
    groups
}

/// Joins statements into a script: each ends with `;` and a blank line separates them.
pub fn to_text(statements: &[String]) -> String {
    statements
        .iter()
        .map(|s| format!("{s};\n"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_runs_of_one_mode() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let statements = s(&["a", "b", "c", "d", "e"]);
        let modes = [
            Mode::CommitFirst,
            Mode::CommitFirst,
            Mode::Transaction,
            Mode::NoTransaction,
            Mode::Validate,
        ];
        let groups = groups(&statements, &modes);
        assert_eq!(groups.len(), 4);
        assert_eq!(groups[0].1, s(&["a", "b"]));
        assert_eq!(groups[2].0, Mode::NoTransaction);
    }
}
