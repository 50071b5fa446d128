//! Server errors of COPY and the merge, mapped back to the input row they concern.

use sqlx::postgres::PgDatabaseError;

use crate::engine::data::error::{DataError, RowError};

pub(super) fn code(e: &sqlx::Error) -> Option<&str> {
    e.as_database_error()
        .and_then(|d| d.try_downcast_ref::<PgDatabaseError>())
        .map(|p| p.code())
}

/// The column and a message (with PostgreSQL's detail) of a server error.
pub(super) fn describe(e: &sqlx::Error) -> (Option<String>, String) {
    match e
        .as_database_error()
        .and_then(|d| d.try_downcast_ref::<PgDatabaseError>())
    {
        Some(pg) => {
            let mut message = pg.message().to_string();
            if let Some(detail) = pg.detail() {
                message.push_str(&format!(" ({detail})"));
            }
            (pg.column().map(str::to_string), message)
        }
        None => (None, e.to_string()),
    }
}

/// Maps a server error to its row when COPY says which line failed.
pub(super) fn server_error(
    input: &str,
    e: sqlx::Error,
    rows: &[(u64, u64)],
    committed: Option<u64>,
) -> DataError {
    let (column, message) = describe(&e);
    let context = e
        .as_database_error()
        .and_then(|d| d.try_downcast_ref::<PgDatabaseError>())
        .and_then(|pg| pg.r#where().map(str::to_string));
    if let Some((index, copy_column)) = context.as_deref().and_then(copy_position) {
        if let Some(&(row, line)) = rows.get(index.wrapping_sub(1)) {
            return DataError::Row {
                input: input.to_string(),
                error: RowError {
                    row,
                    line,
                    column: copy_column.or(column),
                    message,
                },
                committed,
            };
        }
    }
    DataError::Server {
        input: input.to_string(),
        message,
        committed,
    }
}

/// Reads `COPY dbridge_upsert, line 3, column price: "abc"` into (3, Some("price")).
pub(super) fn copy_position(context: &str) -> Option<(usize, Option<String>)> {
    let rest = &context[context.find(", line ")? + 7..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let line = digits.parse().ok()?;
    let column = rest[digits.len()..]
        .strip_prefix(", column ")
        .and_then(|c| c.split_once(':').map(|(name, _)| name.to_string()));
    Some((line, column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_copy_context() {
        assert_eq!(
            copy_position("COPY dbridge_upsert, line 3, column price: \"abc\""),
            Some((3, Some("price".to_string())))
        );
        assert_eq!(
            copy_position("COPY dbridge_upsert, line 12"),
            Some((12, None))
        );
        assert_eq!(copy_position("SQL function"), None);
    }
}
