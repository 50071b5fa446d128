//! The merge of staged rows into the table, its counts, and the search for the row a
//! constraint rejects.

use sqlx::postgres::PgConnection;
use sqlx::Executor;

use super::errors::{code, describe};
use super::{UpsertPlan, STAGE};
use crate::engine::data::error::{Result, RowError};

pub(super) enum MergeError {
    Row(RowError),
    Query(sqlx::Error),
}

/// Merges the staged rows into the table: (inserted, updated, duplicates removed).
///
/// Where [`merge_does_the_same`] says so, a `MERGE` is tried first; any error from it is
/// rolled back and the `INSERT ... ON CONFLICT` runs instead, which then decides the outcome
/// (a duplicate key in the input, a row inserted meanwhile by another session, a row that
/// breaks a constraint).
pub(super) async fn merge(
    conn: &mut PgConnection,
    plan: &UpsertPlan,
    rows: &[(u64, u64)],
    mut duplicates: bool,
) -> std::result::Result<(u64, u64, u64), MergeError> {
    let mut superseded = 0;
    let mut deduplicated = false;
    let mut fast = merge_does_the_same(conn, &plan.table).await?;
    let (merge_sql, insert_sql) = (plan.merge_sql(), plan.insert_sql(false));
    loop {
        if duplicates && !deduplicated {
            conn.execute(format!("ANALYZE {STAGE}").as_str())
                .await
                .map_err(MergeError::Query)?;
            superseded += conn
                .execute(plan.dedupe_sql().as_str())
                .await
                .map_err(MergeError::Query)?
                .rows_affected();
            deduplicated = true;
        }
        conn.execute("SAVEPOINT dbridge_merge")
            .await
            .map_err(MergeError::Query)?;
        // Inserted vs updated: this transaction's insert count on the table, before and
        // after (cheaper than RETURNING a row for every row merged).
        let before = inserted_so_far(conn, &plan.table).await?;
        let sql = if fast { &merge_sql } else { &insert_sql };
        tracing::info!("{sql}");
        match conn.execute(sql.as_str()).await {
            Ok(done) => {
                let inserted = inserted_so_far(conn, &plan.table).await? - before;
                let updated = done.rows_affected().saturating_sub(inserted);
                return Ok((inserted, updated, superseded));
            }
            Err(e) => {
                conn.execute("ROLLBACK TO SAVEPOINT dbridge_merge")
                    .await
                    .map_err(MergeError::Query)?;
                if fast {
                    tracing::info!("the MERGE failed ({e}): merging with ON CONFLICT instead");
                    fast = false;
                    continue;
                }
                // Two rows with equal keys that the client saw as different text (01 vs 1).
                if code(&e) == Some("21000") && !duplicates {
                    duplicates = true;
                    continue;
                }
                return Err(match find_failing_row(conn, plan, rows).await {
                    Some(error) => MergeError::Row(error),
                    None => MergeError::Query(e),
                });
            }
        }
    }
}

/// Whether a `MERGE` into `table` does exactly what its `INSERT ... ON CONFLICT` does: the
/// server has `MERGE` (PostgreSQL 15), and neither the table nor any of its partitions has
/// triggers of its own (`ON CONFLICT` runs BEFORE INSERT triggers also for the rows it then
/// updates, and takes their changes), rules, row security, or inheritance children (which
/// `MERGE` would also update).
pub(super) async fn merge_does_the_same(
    conn: &mut PgConnection,
    table: &str,
) -> Result<bool, MergeError> {
    if conn.server_version_num().is_none_or(|v| v < 150_000) {
        return Ok(false);
    }
    sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_class c \
                            WHERE (c.oid = $1::regclass \
                                   OR c.oid IN (SELECT relid FROM pg_catalog.pg_partition_tree($1::regclass))) \
                              AND (c.relhasrules OR c.relrowsecurity \
                                   OR (c.relhassubclass AND c.relkind <> 'p') \
                                   OR EXISTS (SELECT FROM pg_catalog.pg_trigger tg \
                                              WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal)))",
    )
    .bind(table)
    .fetch_one(&mut *conn)
    .await
    .map_err(MergeError::Query)
}

/// Rows this transaction has inserted into `table` (and its partitions) so far.
pub(super) async fn inserted_so_far(
    conn: &mut PgConnection,
    table: &str,
) -> Result<u64, MergeError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT coalesce((SELECT sum(pg_stat_get_xact_tuples_inserted(relid)) \
                          FROM pg_partition_tree($1::regclass)), \
                         pg_stat_get_xact_tuples_inserted($1::regclass))::int8",
    )
    .bind(table)
    .fetch_one(&mut *conn)
    .await
    .map_err(MergeError::Query)?;
    Ok(n as u64)
}

/// Finds the first row whose merge fails: the shortest failing prefix, by bisection.
pub(super) async fn find_failing_row(
    conn: &mut PgConnection,
    plan: &UpsertPlan,
    rows: &[(u64, u64)],
) -> Option<RowError> {
    let sql = plan.insert_sql(true);
    let mut attempt = async |upto: usize| -> Option<Option<sqlx::Error>> {
        let last_row = rows[upto - 1].0 as i64;
        conn.execute("SAVEPOINT dbridge_probe").await.ok()?;
        let outcome = sqlx::query(&sql).bind(last_row).execute(&mut *conn).await;
        conn.execute("ROLLBACK TO SAVEPOINT dbridge_probe")
            .await
            .ok()?;
        Some(outcome.err())
    };
    // Invariant: the first `ok` rows merge, the first `failing` rows do not.
    let (mut ok, mut failing) = (0usize, rows.len());
    let mut error = attempt(failing).await??;
    while failing - ok > 1 {
        let mid = ok + (failing - ok) / 2;
        match attempt(mid).await? {
            None => ok = mid,
            Some(e) => {
                failing = mid;
                error = e;
            }
        }
    }
    let (row, line) = rows[failing - 1];
    let (column, message) = describe(&error);
    Some(RowError {
        row,
        line,
        column,
        message,
    })
}
