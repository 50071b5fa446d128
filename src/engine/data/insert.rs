//! Single-row insert returning the new row, rendered like `fetch` renders rows.

use sqlx::postgres::PgConnection;

use super::catalog::Table;
use super::error::{DataError, Result};
use super::render::Shape;
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
            values.push(format!("${}::text::{}", i + 1, column.sql_type));
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
