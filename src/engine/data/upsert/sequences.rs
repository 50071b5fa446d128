//! Moving the sequences of identity and serial columns past explicit ids: without it the
//! application's next plain INSERT draws an id the upsert already wrote and fails with a
//! duplicate key.

use sqlx::postgres::PgConnection;

use super::merge::MergeError;
use super::{AdvancedSequence, UpsertPlan};
use crate::diff::quote::ident;

/// For every sequence-backed input column, sets its sequence to the column's maximum when the
/// next value would not be above it (ascending sequences only; never moves one back). Runs in
/// the merge's transaction after the merge succeeded; `setval` is not undone by a rollback,
/// so a commit that fails after it leaves a gap in the ids, never a collision.
pub(super) async fn advance(
    conn: &mut PgConnection,
    plan: &UpsertPlan,
    done: &mut Vec<AdvancedSequence>,
) -> Result<(), MergeError> {
    let columns = plan.fields.iter().filter(|c| c.sequence_backed);
    advance_columns(conn, &plan.table, columns.map(|c| c.name.as_str()), done)
        .await
        .map_err(MergeError::Query)
}

/// [`advance`] for the sequences of `columns` of `table` (quoted and qualified): what a
/// plain bulk insert of explicit ids needs too.
pub(crate) async fn advance_columns(
    conn: &mut PgConnection,
    table: &str,
    columns: impl Iterator<Item = &str>,
    done: &mut Vec<AdvancedSequence>,
) -> Result<(), sqlx::Error> {
    for column in columns {
        let sequence: Option<String> = sqlx::query_scalar("SELECT pg_get_serial_sequence($1, $2)")
            .bind(table)
            .bind(column)
            .fetch_one(&mut *conn)
            .await?;
        let Some(sequence) = sequence else {
            continue;
        };
        // The sequence's name comes quoted from the server; the column is quoted here.
        let sql = format!(
            "SELECT m.max FROM {sequence} s, pg_sequence p, \
                 (SELECT max({col})::int8 AS max FROM {table}) m \
             WHERE p.seqrelid = $1::regclass AND p.seqincrement > 0 AND m.max IS NOT NULL \
               AND m.max::numeric >= s.last_value::numeric \
                   + CASE WHEN s.is_called THEN p.seqincrement ELSE 0 END",
            col = ident(column),
        );
        let behind: Option<i64> = sqlx::query_scalar(&sql)
            .bind(&sequence)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(max) = behind else {
            continue;
        };
        sqlx::query("SELECT setval($1::regclass, $2)")
            .bind(&sequence)
            .bind(max)
            .execute(&mut *conn)
            .await?;
        done.retain(|d| d.sequence != sequence);
        done.push(AdvancedSequence {
            sequence,
            column: column.to_string(),
            value: max,
        });
    }
    Ok(())
}
