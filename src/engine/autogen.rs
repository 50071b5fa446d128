//! Autogenerate: the migration that takes the replayed migrations directory to the desired
//! schema, proven on the dev database before anything is written.
//!
//! The plan's statements are grouped into migrations: statements that cannot run inside a
//! transaction (`CREATE INDEX CONCURRENTLY`) get a `-- no-transaction` migration of their own,
//! and new enum labels (`ALTER TYPE ... ADD VALUE`) are committed in a migration before the
//! statements that may use them. Each group is applied to the dev database in turn; its down
//! migration is planned from the state it produced back to the state before it. The last state
//! must equal the desired schema, and the downs, run in reverse, must return to the start.

use super::blocking::compute;
use super::dev::{DevDatabase, Scratch};
use super::error::Result;
use super::migrate::Migration;
use super::postgres::inspect::inspect;
use super::postgres::script::{run_migration, run_script, Atomicity};
use super::source::Source;
use crate::diff::change::ChangeId;
use crate::diff::model::Database;
use crate::diff::plan::{groups, to_text, Mode, PlanOptions, PlannedChange};
use crate::diff::{Plan, Renames};
use sqlx::PgConnection;

/// One migration to write.
#[derive(Debug, Clone)]
pub struct Generated {
    pub up: Vec<String>,
    pub down: Vec<String>,
    pub up_no_transaction: bool,
    pub down_no_transaction: bool,
    /// The changes this migration makes, with their hazards, for the file header.
    pub changes: Vec<PlannedChange>,
}

/// The state of the migrations directory compared with the desired schema.
pub struct Pending {
    pub plan: Plan,
    pub replayed: Database,
    pub desired: Database,
    replay: Scratch,
    schemas: Vec<String>,
    /// Whether privileges are compared (`--no-privileges` leaves them out).
    privileges: bool,
    options: PlanOptions,
    /// After a review: the changes kept (the others stay pending).
    kept: Option<Vec<ChangeId>>,
    /// The rename hints planned with: the caller's and those the source carries.
    pub renames: Renames,
}

/// Replays `migrations` on a scratch database and plans the way to `desired`.
pub async fn pending(
    dev: &mut DevDatabase,
    migrations: &[Migration],
    desired: &Source,
    schemas: &[String],
    privileges: bool,
    renames: &Renames,
    options: PlanOptions,
) -> Result<Pending> {
    let mut replay = dev.scratch().await?;
    for m in migrations {
        run_migration(
            &mut replay.conn,
            &m.up_path.display().to_string(),
            &m.up_sql,
        )
        .await?;
    }
    let replayed = read(&mut replay.conn, schemas, privileges).await?;
    let (mut desired, hints) = desired.load_with_hints(dev, schemas).await?;
    if !privileges {
        desired.drop_privileges();
    }
    let hints = Renames::applicable(&hints, &replayed, &desired)?;
    let renames = match hints.is_empty() {
        true => renames.clone(),
        false => Renames::parse(&[renames.hints(), &hints].concat())?,
    };
    let plan = compute(|| Plan::with_options(&replayed, &desired, &renames, options))?;
    Ok(Pending {
        plan,
        renames,
        replayed,
        desired,
        replay,
        schemas: schemas.to_vec(),
        privileges,
        options,
        kept: None,
    })
}

/// Why the proof of a generated migration failed.
#[derive(Debug, thiserror::Error)]
#[error(
    "the generated migration does not {what} on the dev database; nothing was written.\n{detail}"
)]
pub struct ProofFailed {
    pub what: &'static str,
    pub detail: String,
}

impl Pending {
    /// Plans again with other rename hints (after a review confirmed renames).
    pub fn replan(&mut self, renames: &Renames) -> Result<()> {
        self.plan =
            compute(|| Plan::with_options(&self.replayed, &self.desired, renames, self.options))?;
        Ok(())
    }

    /// Keeps only the changes `keep` accepts; the proof then checks that exactly those ran.
    pub fn restrict(
        &mut self,
        renames: &Renames,
        keep: &dyn Fn(&crate::diff::change::Change) -> bool,
    ) -> Result<()> {
        self.plan =
            compute(|| Plan::partial(&self.replayed, &self.desired, renames, self.options, keep))?;
        self.kept = Some(self.plan.changes.iter().map(|c| c.id.clone()).collect());
        Ok(())
    }

    /// Groups the plan into migrations and proves each on the dev database (see module docs).
    pub async fn prove(mut self) -> Result<std::result::Result<Vec<Generated>, ProofFailed>> {
        let groups = groups(&self.plan.up, &self.plan.up_modes);
        let mut states = vec![self.replayed.clone()];
        let mut out: Vec<Generated> = Vec::new();
        for (mode, statements) in groups {
            let no_tx = mode == Mode::NoTransaction;
            if let Err(e) = run_script(
                &mut self.replay.conn,
                "up.sql",
                &to_text(&statements),
                atomicity(no_tx),
            )
            .await
            {
                return Ok(Err(ProofFailed {
                    what: "apply",
                    detail: e.to_string(),
                }));
            }
            let state = read(&mut self.replay.conn, &self.schemas, self.privileges).await?;
            let previous = states.last().unwrap();
            let back = compute(|| {
                Plan::with_options(&state, previous, &Renames::default(), self.options)
            })?;
            let changes = self
                .plan
                .changes
                .iter()
                .filter(|c| c.up.iter().any(|s| statements.contains(s)))
                .cloned()
                .collect();
            out.push(Generated {
                down_no_transaction: back
                    .up_modes
                    .iter()
                    .any(|m| matches!(m, Mode::NoTransaction | Mode::CommitFirst)),
                down: back.up,
                up_no_transaction: no_tx,
                up: statements,
                changes,
            });
            states.push(state);
        }
        let reached = states.last().unwrap();
        let remaining = compute(|| Plan::new(reached, &self.desired, &Renames::default()))?;
        let unreached = match &self.kept {
            // After a review, what remains pending must not include a kept change.
            Some(kept) => remaining.changes.iter().any(|c| kept.contains(&c.id)),
            None => !remaining.is_empty(),
        };
        if unreached {
            return Ok(Err(ProofFailed {
                what: "reach the schema source",
                detail: format!(
                    "After it, these statements would still be needed:\n{}",
                    remaining.up_sql()
                ),
            }));
        }
        for (i, g) in out.iter().enumerate().rev() {
            if let Err(e) = run_script(
                &mut self.replay.conn,
                "down.sql",
                &to_text(&g.down),
                atomicity(g.down_no_transaction),
            )
            .await
            {
                return Ok(Err(ProofFailed {
                    what: "revert",
                    detail: e.to_string(),
                }));
            }
            let state = read(&mut self.replay.conn, &self.schemas, self.privileges).await?;
            if state.without_column_order() != states[i].without_column_order() {
                let left = compute(|| Plan::new(&state, &states[i], &Renames::default()))?;
                return Ok(Err(ProofFailed {
                    what: "revert cleanly",
                    detail: format!(
                        "After the down migration, these differences remain:\n{}",
                        left.up_sql()
                    ),
                }));
            }
        }
        Ok(Ok(out))
    }
}

/// The schemas of a scratch database, without privileges unless they are compared.
async fn read(conn: &mut PgConnection, schemas: &[String], privileges: bool) -> Result<Database> {
    let mut db = inspect(conn, schemas).await?;
    if !privileges {
        db.drop_privileges();
    }
    Ok(db)
}

fn atomicity(no_transaction: bool) -> Atomicity {
    if no_transaction {
        Atomicity::Autocommit
    } else {
        Atomicity::Transaction
    }
}
