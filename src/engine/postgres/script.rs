//! Runs SQL scripts statement by statement, so that a failure names its file and line.

use sqlx::postgres::{PgConnection, PgDatabaseError, PgErrorPosition};
use sqlx::Executor;

use super::split::{split, Statement};
use crate::engine::error::{Error, Result};

/// Whether a script runs inside one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Atomicity {
    /// All statements commit together or not at all.
    Transaction,
    /// Each statement commits on its own (needed for `CREATE INDEX CONCURRENTLY`).
    Autocommit,
}

/// Runs every statement of `sql`; `name` (a file path, usually) appears in errors.
///
/// With [`Atomicity::Transaction`] a failure rolls back everything the script did, with
/// one exception: PostgreSQL forbids using an enum label in the transaction that added it,
/// so `ALTER TYPE ... ADD VALUE` commits what ran before it (plans put these first).
pub async fn run_script(
    conn: &mut PgConnection,
    name: &str,
    sql: &str,
    atomicity: Atomicity,
) -> Result<()> {
    run_statements(conn, name, &split(sql), atomicity).await
}

/// Runs already split statements; see [`run_script`].
pub async fn run_statements(
    conn: &mut PgConnection,
    name: &str,
    statements: &[Statement],
    atomicity: Atomicity,
) -> Result<()> {
    let transactional = atomicity == Atomicity::Transaction;
    if transactional {
        execute(conn, "BEGIN").await?;
    }
    for stmt in statements {
        if let Err(e) = conn.execute(sqlx::raw_sql(&stmt.text)).await {
            if transactional {
                let _ = conn.execute("ROLLBACK").await;
            }
            return Err(statement_error(name, stmt, e));
        }
        if transactional && adds_enum_value(&stmt.text) {
            execute(conn, "COMMIT").await?;
            execute(conn, "BEGIN").await?;
        }
    }
    if transactional {
        execute(conn, "COMMIT").await?;
    }
    Ok(())
}

/// Whether a statement is `ALTER TYPE ... ADD VALUE`.
fn adds_enum_value(sql: &str) -> bool {
    let upper = sql.trim_start().to_ascii_uppercase();
    upper.starts_with("ALTER TYPE") && upper.contains(" ADD VALUE ")
}

async fn execute(conn: &mut PgConnection, sql: &str) -> Result<()> {
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
