//! Bulk insert-or-update: rows are parsed and converted in parallel, streamed with COPY into
//! a temporary table, then merged with one `INSERT ... SELECT ... ON CONFLICT` per transaction.
//!
//! All or nothing by default (one transaction); with `commit_every` each chunk of rows is its
//! own transaction and a failure reports how many rows were committed, for `skip` to resume.
//! Duplicate keys inside the input: the last occurrence wins.
//!
//! The steps live in one file each: [`plan`] checks the input's fields against the table,
//! [`encode`] converts rows to COPY text and hashes their keys, [`pipeline`] streams and
//! commits, [`merge`] runs the `INSERT ... ON CONFLICT` and finds a failing row, and
//! [`errors`] turns the server's errors into ones that name a row.

mod encode;
mod errors;
mod merge;
mod pipeline;
mod plan;
pub(crate) mod sequences;

pub use encode::Converted;
pub use pipeline::upsert;
pub use plan::UpsertPlan;

/// What to do with the input.
#[derive(Debug, Clone, Default)]
pub struct UpsertOptions {
    /// The conflict columns: a primary key or unique index of the table.
    pub on: Vec<String>,
    /// The columns updated on conflict (default: every non-key input column).
    pub update: Option<Vec<String>>,
    /// Keep existing rows untouched.
    pub do_nothing: bool,
    /// Commit after every this many rows.
    pub commit_every: Option<u64>,
    /// Skip this many rows of the input first (to resume after a failure).
    pub skip: u64,
}

/// How far an upsert is, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UpsertProgress {
    /// Rows sent to the server so far.
    pub rows: u64,
    /// Input bytes read so far.
    pub bytes: u64,
    /// Whether the rows sent are being merged into the table now (the last, often long,
    /// part of each transaction).
    pub merging: bool,
}

/// What an upsert did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct UpsertSummary {
    /// Input rows processed (after `skip`).
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
    /// Rows whose key existed and whose values were already equal (or left alone by --do-nothing).
    pub unchanged: u64,
    /// Rows superseded by a later row with the same key in the same input.
    pub duplicates: u64,
    pub seconds: f64,
    /// Of which: merging staged rows into the table (the rest is reading, converting, COPY).
    pub merge_seconds: f64,
    pub rows_per_second: f64,
    /// Sequences of identity or serial columns moved past the ids the input wrote, so that
    /// the application's next plain INSERT does not collide with them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sequences_advanced: Vec<AdvancedSequence>,
}

/// A sequence that upsert moved forward (in the transaction that wrote the ids).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AdvancedSequence {
    /// The sequence, as PostgreSQL names it (`public.items_id_seq`).
    pub sequence: String,
    pub column: String,
    /// The value it was set to (the column's maximum): the next id is the one after.
    pub value: i64,
}

/// The name of the staging table (temporary, so private to the session).
const STAGE: &str = "pg_temp.dbridge_upsert";
/// The staging column that holds each row's number.
const ORD: &str = "dbridge_ord";
/// Rows per batch handed from the reader to the connection.
const BATCH: u64 = 16_384;
