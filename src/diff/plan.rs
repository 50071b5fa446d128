//! The planner: orders the rendered steps of a diff into up and down scripts.

use serde::Serialize;

use super::change::Change;
use super::differ::{diff, Diff};
use super::error::Error;
use super::hazard::{hazards, Hazard};
use super::model::Database;
use super::rename::{RenameCandidate, Renames};
use super::sql::{render, Context, Step};

/// A change with everything a reviewer needs: its hazards and its SQL both ways.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedChange {
    pub kind: String,
    pub object: String,
    pub description: String,
    pub hazards: Vec<Hazard>,
    pub up: Vec<String>,
    pub down: Vec<String>,
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
    /// The statements of the down migration, in order.
    pub down: Vec<String>,
}

impl Plan {
    /// Diffs `from` against `to` and plans both directions.
    pub fn new(from: &Database, to: &Database, renames: &Renames) -> Result<Plan, Error> {
        let up = diff(from, to, renames)?;
        let down = diff(to, from, &renames.inverse())?;
        let up_ctx = Context::new(from, to, &up.changes);
        let down_ctx = Context::new(to, from, &down.changes);
        let existing: std::collections::HashSet<_> = from.tables.iter().map(|t| &t.name).collect();
        let changes = up
            .changes
            .iter()
            .map(|c| PlannedChange {
                kind: c.kind(),
                object: c.object().display_name(),
                description: c.describe(),
                hazards: hazards(c, |t| existing.contains(t)),
                up: order(vec![render(c, &up_ctx)]),
                down: order(vec![render(&c.inverse(), &down_ctx)]),
                change: c.clone(),
            })
            .collect();
        Ok(Plan {
            changes,
            up: script(&up, &up_ctx),
            down: script(&down, &down_ctx),
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
}

fn script(d: &Diff, ctx: &Context) -> Vec<String> {
    order(d.changes.iter().map(|c| render(c, ctx)).collect())
}

/// Sorts the steps of all changes by phase, then rank, keeping the differ's order otherwise.
fn order(per_change: Vec<Vec<Step>>) -> Vec<String> {
    let mut steps: Vec<(usize, Step)> = per_change.into_iter().flatten().enumerate().collect();
    steps.sort_by(|(i, a), (j, b)| (a.phase, a.rank, i).cmp(&(b.phase, b.rank, j)));
    let mut seen = std::collections::HashSet::new();
    steps
        .into_iter()
        .filter(|(_, s)| seen.insert(s.sql.clone()))
        .map(|(_, s)| s.sql)
        .collect()
}

/// Joins statements into a script: each ends with `;` and a blank line separates them.
pub fn to_text(statements: &[String]) -> String {
    statements
        .iter()
        .map(|s| format!("{s};\n"))
        .collect::<Vec<_>>()
        .join("\n")
}
