//! [`ValueRows`]: upsert input handed in as typed values by a program (the Python module)
//! rather than read from a file.

use super::{Batch, RowSource, Rows};
use crate::engine::data::error::{DataError, Result, RowError};
use crate::engine::data::value::Value;

/// Rows of typed values, all with the same fields (what a program hands in).
pub struct ValueRows {
    fields: Vec<String>,
    rows: std::vec::IntoIter<Vec<Value>>,
    next_row: u64,
}

impl ValueRows {
    /// `rows` must each hold one value per field; row numbers in errors count from 1.
    pub fn new(fields: Vec<String>, rows: Vec<Vec<Value>>) -> Result<ValueRows> {
        if let Some(i) = rows.iter().position(|r| r.len() != fields.len()) {
            return Err(DataError::Row {
                input: "rows".into(),
                error: RowError {
                    row: i as u64 + 1,
                    line: 0,
                    column: None,
                    message: format!("{} values for {} fields", rows[i].len(), fields.len()),
                },
                committed: None,
            });
        }
        Ok(ValueRows {
            fields,
            rows: rows.into_iter(),
            next_row: 1,
        })
    }
}

impl RowSource for ValueRows {
    fn fields(&self) -> &[String] {
        &self.fields
    }

    fn next_batch(&mut self, max_rows: usize) -> Result<Option<Batch>> {
        let mut rows = Vec::with_capacity(max_rows.min(self.rows.len()));
        for values in self.rows.by_ref().take(max_rows) {
            rows.push((self.next_row, values));
            self.next_row += 1;
        }
        Ok((!rows.is_empty()).then_some(Batch {
            rows: Rows::Values(rows),
            bytes_read: 0,
        }))
    }
}
