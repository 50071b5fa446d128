//! Rows converted to COPY text in parallel, with their conflict keys hashed to find
//! duplicates inside the input.

use std::hash::Hasher;

use rayon::prelude::*;

use super::UpsertPlan;
use crate::engine::data::convert::{write_field, Field};
use crate::engine::data::error::RowError;
use crate::engine::data::input::{parse_object, Batch, Rows};

/// Rows converted to COPY text, with where each came from.
pub struct Converted {
    pub copy: Vec<u8>,
    /// (row, line) of each row, in order.
    pub rows: Vec<(u64, u64)>,
    /// A hash of each row's key (None when a key column is NULL: such rows never conflict).
    pub keys: Vec<Option<u64>>,
    pub bytes_read: u64,
}

impl UpsertPlan {
    /// Converts a batch in parallel; the first bad row (in input order) is the error.
    pub(super) fn convert(&self, batch: &Batch) -> std::result::Result<Converted, Failure> {
        const CHUNK: usize = 1_024;
        let parts: Vec<std::result::Result<Converted, Failure>> =
            match &batch.rows {
                Rows::Json { text, spans } => spans
                    .par_chunks(CHUNK)
                    .map(|chunk| {
                        self.convert_rows(chunk.iter().map(|(row, line, span)| {
                            (*row, *line, RawRow::Json(&text[span.clone()]))
                        }))
                    })
                    .collect(),
                Rows::Csv(records) => records
                    .par_chunks(CHUNK)
                    .map(|chunk| {
                        self.convert_rows(
                            chunk
                                .iter()
                                .map(|(row, line, record)| (*row, *line, RawRow::Csv(record))),
                        )
                    })
                    .collect(),
                Rows::Values(rows) => rows
                    .par_chunks(CHUNK)
                    .map(|chunk| {
                        self.convert_rows(
                            chunk
                                .iter()
                                .map(|(row, values)| (*row, 0, RawRow::Values(values))),
                        )
                    })
                    .collect(),
            };
        let mut out = Converted {
            copy: Vec::new(),
            rows: Vec::with_capacity(batch.rows.len()),
            keys: Vec::with_capacity(batch.rows.len()),
            bytes_read: batch.bytes_read,
        };
        for part in parts {
            let part = part?;
            if out.copy.is_empty() {
                out.copy = part.copy;
            } else {
                out.copy.extend_from_slice(&part.copy);
            }
            out.rows.extend(part.rows);
            out.keys.extend(part.keys);
        }
        Ok(out)
    }

    pub(super) fn convert_rows<'a>(
        &self,
        rows: impl Iterator<Item = (u64, u64, RawRow<'a>)>,
    ) -> std::result::Result<Converted, Failure> {
        let mut out = Converted {
            copy: Vec::with_capacity(64 * 1024),
            rows: Vec::new(),
            keys: Vec::new(),
            bytes_read: 0,
        };
        // Where each field's text starts and ends in `out.copy`.
        let mut spans = vec![(0usize, 0usize); self.fields.len()];
        for (row, line, raw) in rows {
            let error = |column: Option<&str>, message: String| RowError {
                row,
                line,
                column: column.map(str::to_string),
                message,
            };
            let _ = std::io::Write::write_fmt(&mut out.copy, format_args!("{row}"));
            let mut put = |i: usize, field: Option<Field<'_>>, copy: &mut Vec<u8>| {
                copy.push(b'\t');
                let start = copy.len();
                let column = &self.fields[i];
                match field {
                    Some(field) => write_field(&column.kind, field, copy)
                        .map_err(|m| error(Some(&column.name), m))?,
                    None => copy.extend_from_slice(b"\\N"),
                }
                spans[i] = (start, copy.len());
                // An escaped text `\N` is three bytes: two bytes `\N` can only be NULL.
                if column.not_null && &copy[start..] == b"\\N" {
                    return Err(error(
                        Some(&column.name),
                        "null value in a NOT NULL column".into(),
                    ));
                }
                Ok(())
            };
            match raw {
                RawRow::Json(text) => {
                    let object = parse_object(text, &self.index).map_err(|m| error(None, m))?;
                    if let Some(unknown) = object.unknown {
                        return Err(Failure::NewField(error(Some(&unknown), String::new())));
                    }
                    for (i, value) in object.values.iter().enumerate() {
                        put(i, value.map(Field::Json), &mut out.copy)?;
                    }
                }
                RawRow::Csv(record) => {
                    for (i, text) in record.iter().enumerate() {
                        put(i, Some(Field::Text(text)), &mut out.copy)?;
                    }
                }
                RawRow::Values(values) => {
                    for (i, value) in values.iter().enumerate() {
                        put(i, Some(Field::Typed(value)), &mut out.copy)?;
                    }
                }
            }
            let mut hash = KeyHash::default();
            let mut key_null = false;
            for &k in &self.key_positions {
                let value = &out.copy[spans[k].0..spans[k].1];
                key_null |= value == b"\\N";
                hash.add(value);
            }
            out.copy.push(b'\n');
            out.rows.push((row, line));
            out.keys.push((!key_null).then(|| hash.finish()));
        }
        Ok(out)
    }
}

/// FNV-1a over a row's key fields, finished with a mix so that every bit of the result is
/// usable as a table hash. A collision only costs a (correct) deduplication pass.
pub(super) struct KeyHash(u64);

impl Default for KeyHash {
    fn default() -> Self {
        KeyHash(0xcbf2_9ce4_8422_2325)
    }
}

impl KeyHash {
    pub(super) fn add(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().chain(b"\t") {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub(super) fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^ (x >> 33)
    }
}

/// A hasher for keys that are hashes already.
#[derive(Default)]
pub(super) struct Identity(u64);

impl Hasher for Identity {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Why a batch did not convert.
pub(super) enum Failure {
    Row(RowError),
    /// A JSON row has a field that the plan lacks (its name is the error's column).
    NewField(RowError),
}

impl From<RowError> for Failure {
    fn from(e: RowError) -> Self {
        Failure::Row(e)
    }
}

pub(super) enum RawRow<'a> {
    Json(&'a str),
    Csv(&'a csv::StringRecord),
    Values(&'a [crate::engine::data::value::Value]),
}
