//! The columns of one table as selected and rendered.

use sqlx::postgres::PgRow;

use super::{push_string, select, write, Render};
use crate::engine::data::catalog::Column;
use crate::engine::data::error::Result;

/// A table's columns as selected and rendered: what `fetch` and `insert` share.
#[derive(Debug, Clone)]
pub struct Shape {
    /// The columns' names.
    pub names: Vec<String>,
    /// `"name":` for each column.
    pub keys: Vec<String>,
    pub renders: Vec<Render>,
}

impl Shape {
    /// The select expressions for `columns` of `alias`, and the shape that renders them.
    pub fn new(columns: &[Column], alias: &str) -> (Vec<String>, Shape) {
        let mut exprs = Vec::with_capacity(columns.len());
        let mut shape = Shape {
            names: columns.iter().map(|c| c.name.clone()).collect(),
            keys: Vec::with_capacity(columns.len()),
            renders: Vec::with_capacity(columns.len()),
        };
        for column in columns {
            let (expr, render) = select(column, alias);
            exprs.push(expr);
            let mut key = String::new();
            push_string(&column.name, &mut key);
            key.push(':');
            shape.keys.push(key);
            shape.renders.push(render);
        }
        (exprs, shape)
    }

    /// The select expressions for `columns` of `alias` as stored (each value comes in the
    /// binary form of its own type), and their shape: for callers that decode the values
    /// themselves rather than write JSON.
    pub fn stored(columns: &[Column], alias: &str) -> (Vec<String>, Shape) {
        let (_, shape) = Shape::new(columns, alias);
        let exprs = columns
            .iter()
            .map(|c| format!("{alias}.{}", crate::diff::quote::ident(&c.name)))
            .collect();
        (exprs, shape)
    }

    /// Appends `"a":1,"b":2` for the values starting at result column `first`.
    pub fn write_fields(&self, row: &PgRow, first: usize, out: &mut String) -> Result<()> {
        for (i, (key, render)) in self.keys.iter().zip(&self.renders).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(key);
            write(row, first + i, *render, out)?;
        }
        Ok(())
    }
}
