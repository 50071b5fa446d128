//! Inserts: one row returning the new row, rendered like `fetch` renders rows; and many rows
//! of typed values with one COPY.

use sqlx::postgres::PgConnection;

use super::catalog::{Column, Table};
use super::convert::{write_field, Field};
use super::error::{DataError, Result, RowError};
use super::render::Shape;
use super::upsert::sequences::advance_columns;
use super::upsert::AdvancedSequence;
use super::value::Value;
use crate::diff::quote::ident_list;

/// An `INSERT ... RETURNING` for one table and column list; the text of the statement is
/// fixed, so the server's prepared statement is reused across calls.
#[derive(Debug, Clone)]
pub struct InsertOne {
    sql: String,
    shape: Shape,
}

impl InsertOne {
    /// Prepares an insert of `columns` (values are text, cast by the server to each type).
    pub fn new(table: &Table, columns: &[&str]) -> Result<InsertOne> {
        let mut values = Vec::new();
        for (i, name) in columns.iter().enumerate() {
            let column = table.column(name)?;
            values.push(format!("${}::text::{}", i + 1, column.cast_type));
        }
        let (returning, shape) = Shape::new(&table.columns, "t");
        let sql = format!(
            "INSERT INTO {} AS t ({}) VALUES ({}) RETURNING {}",
            table.qualified(),
            ident_list(columns),
            values.join(", "),
            returning.join(", ")
        );
        Ok(InsertOne { sql, shape })
    }

    /// Inserts one row; returns it as a JSON object (defaults and identities filled in).
    pub async fn run(&self, conn: &mut PgConnection, values: &[Option<&str>]) -> Result<String> {
        let mut query = sqlx::query(&self.sql);
        for v in values {
            query = query.bind(*v);
        }
        let row = query
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| DataError::query("inserting a row", e))?;
        let mut out = String::from("{");
        self.shape.write_fields(&row, 0, &mut out)?;
        out.push('}');
        Ok(out)
    }
}

/// What [`insert_many`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inserted {
    pub rows: u64,
    /// Sequences of identity or serial columns moved past the ids the rows carried.
    pub sequences_advanced: Vec<AdvancedSequence>,
}

/// Where a server error of a `COPY ... FROM STDIN` happened: the line (the 1-based row, as
/// COPY sends no header) and the column, from the error's context (`COPY t, line 3, column
/// k: "x"`).
pub fn copy_position(e: &sqlx::Error) -> Option<(u64, Option<String>)> {
    let sqlx::Error::Database(db) = e else {
        return None;
    };
    let context = db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()?
        .r#where()?;
    let context = context.lines().find(|l| l.starts_with("COPY "))?;
    let (_, rest) = context.split_once(", line ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let row = digits.parse().ok()?;
    let column = rest[digits.len()..]
        .strip_prefix(", column ")
        .and_then(|c| c.split_once(':').map(|(c, _)| c.to_string()));
    Some((row, column))
}

/// Inserts rows of typed values (one value per field, fields named as the table's columns)
/// with one `COPY`, in one transaction (a savepoint when the connection is already in one):
/// every row or none. Values are converted in parallel and checked against their column's
/// type first, so that a bad value is reported with its row and column before anything is
/// sent.
pub async fn insert_many(
    conn: &mut PgConnection,
    table: &Table,
    fields: &[String],
    rows: &[Vec<Value>],
) -> Result<Inserted> {
    use rayon::prelude::*;
    use sqlx::Connection;

    if rows.is_empty() {
        return Ok(Inserted::default());
    }
    let columns: Vec<&Column> = fields
        .iter()
        .map(|f| table.column(f))
        .collect::<Result<_>>()?;
    if let Some(c) = columns.iter().find(|c| c.generated) {
        return Err(DataError::Invalid(format!(
            "{}.{} is a generated column and cannot be written",
            table.display(),
            c.name
        )));
    }
    if !table.kind.writable() {
        return Err(DataError::Invalid(format!(
            "{} is a view, not a table",
            table.display()
        )));
    }
    const CHUNK: usize = 2_048;
    let chunks: Vec<Vec<u8>> = rows
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(n, chunk)| encode_rows(&columns, n * CHUNK, chunk))
        .collect::<Result<_>>()?;
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let copy_sql = format!(
        "COPY {} ({}) FROM STDIN",
        table.qualified(),
        ident_list(&names)
    );
    let query = |what: &'static str| move |e| DataError::query(what, e);
    let mut tx = conn
        .begin()
        .await
        .map_err(query("starting a transaction"))?;
    let mut copy = tx
        .copy_in_raw(&copy_sql)
        .await
        .map_err(query("starting COPY"))?;
    for chunk in chunks {
        if let Err(e) = copy.send(chunk).await {
            let _ = copy.abort("data_bridge: sending rows failed").await;
            return Err(DataError::query("sending rows", e));
        }
    }
    let written = copy.finish().await.map_err(|e| {
        let at = copy_position(&e).map(|(row, column)| match column {
            Some(c) => format!(": row {row}, column {c}"),
            None => format!(": row {row}"),
        });
        DataError::query(format!("inserting rows{}", at.unwrap_or_default()), e)
    })?;
    let mut advanced = Vec::new();
    let backed = columns.iter().filter(|c| c.sequence_backed);
    advance_columns(
        &mut tx,
        &table.qualified(),
        backed.map(|c| c.name.as_str()),
        &mut advanced,
    )
    .await
    .map_err(query("advancing the ids' sequences"))?;
    tx.commit().await.map_err(query("committing"))?;
    Ok(Inserted {
        rows: written,
        sequences_advanced: advanced,
    })
}

/// COPY text of `rows`, the first of which is row `first + 1` of the input.
fn encode_rows(columns: &[&Column], first: usize, rows: &[Vec<Value>]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(rows.len() * columns.len() * 8);
    for (i, row) in rows.iter().enumerate() {
        let bad = |column: Option<String>, message: String| DataError::Row {
            input: "rows".into(),
            error: RowError {
                row: (first + i + 1) as u64,
                line: 0,
                column,
                message,
            },
            committed: None,
        };
        if row.len() != columns.len() {
            return Err(bad(
                None,
                format!("{} values for {} columns", row.len(), columns.len()),
            ));
        }
        for (j, (column, value)) in columns.iter().zip(row).enumerate() {
            if j > 0 {
                out.push(b'\t');
            }
            write_field(&column.kind, Field::Typed(value), &mut out)
                .map_err(|m| bad(Some(column.name.clone()), m))?;
        }
        out.push(b'\n');
    }
    Ok(out)
}
