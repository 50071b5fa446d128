//! The one statement executor: runs SQL statement by statement, in a transaction or not,
//! so that a failure names its file and line and a transaction leaves nothing half-applied.
//!
//! Every path that runs SQL goes through it: migrations (the runner, the replay and the
//! proof of `autogenerate`), SQL schema sources, and plans applied by tests. The rules live
//! here: a migration whose first line is `-- no-transaction` runs outside a transaction
//! ([`Atomicity::of_migration`]); a plan runs as the groups its statement modes make
//! ([`run_plan`]), so `ALTER TYPE ... ADD VALUE` is committed before a later statement uses
//! the label, exactly as `autogenerate` writes it into migrations of their own.

use sqlx::postgres::{PgConnection, PgDatabaseError, PgErrorPosition};
use sqlx::Executor;

use super::split::{split, Statement};
use crate::diff::plan::{groups, Mode};
use crate::engine::error::{Error, Result};

/// The first line by which a migration opts out of a transaction, as sqlx spells it.
pub const NO_TRANSACTION: &str = "-- no-transaction";

/// Whether a script runs inside one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Atomicity {
    /// All statements commit together or not at all.
    Transaction,
    /// Each statement commits on its own (needed for `CREATE INDEX CONCURRENTLY`).
    Autocommit,
}

impl Atomicity {
    /// A migration file's atomicity: autocommit when its first line is `-- no-transaction`.
    pub fn of_migration(sql: &str) -> Atomicity {
        if sql.starts_with(NO_TRANSACTION) {
            Atomicity::Autocommit
        } else {
            Atomicity::Transaction
        }
    }
}

/// Statements running on one connection, inside a transaction when asked: open it with
/// [`Batch::begin`], run scripts, add what must commit with them (a history row) through
/// [`Batch::connection`], then [`Batch::commit`]. A failed statement rolls back.
pub struct Batch<'c> {
    conn: &'c mut PgConnection,
    transactional: bool,
}

impl<'c> Batch<'c> {
    /// Starts a batch (with `BEGIN` for [`Atomicity::Transaction`]).
    pub async fn begin(conn: &'c mut PgConnection, atomicity: Atomicity) -> Result<Batch<'c>> {
        let transactional = atomicity == Atomicity::Transaction;
        if transactional {
            control(conn, "BEGIN").await?;
        }
        Ok(Batch {
            conn,
            transactional,
        })
    }

    /// Runs `statements` of the file `name`; on failure rolls the transaction back and
    /// returns the error with the file, line and the server's message.
    pub async fn run(&mut self, name: &str, statements: &[Statement]) -> Result<()> {
        for stmt in statements {
            if let Err(failed) = execute(self.conn, name, stmt).await {
                if self.transactional {
                    let _ = self.conn.execute("ROLLBACK").await;
                }
                return Err(failed.error);
            }
        }
        Ok(())
    }

    /// The connection, for statements that belong to the batch (inside its transaction).
    pub fn connection(&mut self) -> &mut PgConnection {
        self.conn
    }

    /// Ends the batch (with `COMMIT` inside a transaction).
    pub async fn commit(self) -> Result<()> {
        if self.transactional {
            control(self.conn, "COMMIT").await?;
        }
        Ok(())
    }
}

/// Runs every statement of `sql`; `name` (a file path, usually) appears in errors.
pub async fn run_script(
    conn: &mut PgConnection,
    name: &str,
    sql: &str,
    atomicity: Atomicity,
) -> Result<()> {
    let mut batch = Batch::begin(conn, atomicity).await?;
    batch.run(name, &split(sql)).await?;
    batch.commit().await
}

/// Runs a migration file's SQL with the atomicity its first line asks for.
pub async fn run_migration(conn: &mut PgConnection, name: &str, sql: &str) -> Result<()> {
    run_script(conn, name, sql, Atomicity::of_migration(sql)).await
}

/// Runs a plan's statements as the groups their modes make, each group a transaction of its
/// own (or autocommit for [`Mode::NoTransaction`]): what a sequence of generated migrations
/// does, in one call.
pub async fn run_plan(
    conn: &mut PgConnection,
    name: &str,
    statements: &[String],
    modes: &[Mode],
) -> Result<()> {
    for (mode, group) in groups(statements, modes) {
        let atomicity = match mode {
            Mode::NoTransaction => Atomicity::Autocommit,
            _ => Atomicity::Transaction,
        };
        run_script(conn, name, &crate::diff::plan::to_text(&group), atomicity).await?;
    }
    Ok(())
}

/// A statement the server refused: the error to report, and its SQLSTATE.
pub struct Failed {
    pub error: Error,
    pub sqlstate: Option<String>,
}

/// Runs one statement of the file `name`: the single place statements reach the server.
pub async fn execute(
    conn: &mut PgConnection,
    name: &str,
    stmt: &Statement,
) -> std::result::Result<(), Failed> {
    match conn.execute(sqlx::raw_sql(&stmt.text)).await {
        Ok(_) => Ok(()),
        Err(e) => {
            let sqlstate = e
                .as_database_error()
                .and_then(|d| d.code())
                .map(|c| c.into_owned());
            Err(Failed {
                error: statement_error(name, stmt, e),
                sqlstate,
            })
        }
    }
}

async fn control(conn: &mut PgConnection, sql: &str) -> Result<()> {
    conn.execute(sql)
        .await
        .map(|_| ())
        .map_err(|e| Error::query(sql, e))
}

/// Turns a failed statement into an error naming the file, the line and the server's message.
pub fn statement_error(name: &str, stmt: &Statement, err: sqlx::Error) -> Error {
    let Some(pg) = err
        .as_database_error()
        .and_then(|d| d.try_downcast_ref::<PgDatabaseError>())
    else {
        return Error::Sql {
            file: name.to_string(),
            line: stmt.line,
            message: err.to_string(),
        };
    };
    let mut line = stmt.line;
    if let Some(PgErrorPosition::Original(pos)) = pg.position() {
        let before: String = stmt.text.chars().take(pos.saturating_sub(1)).collect();
        line += before.matches('\n').count();
    }
    Error::Sql {
        file: name.to_string(),
        line,
        message: describe(pg),
    }
}

/// PostgreSQL's message with its detail and hint, the way psql prints them.
pub fn describe(pg: &PgDatabaseError) -> String {
    let mut msg = format!("ERROR: {}", pg.message());
    if let Some(detail) = pg.detail() {
        msg.push_str(&format!("\nDETAIL: {detail}"));
    }
    if let Some(hint) = pg.hint() {
        msg.push_str(&format!("\nHINT: {hint}"));
    }
    msg
}
