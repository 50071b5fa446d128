//! Bulk insert-or-update: rows are parsed and converted in parallel, streamed with COPY into
//! a temporary table, then merged with one `INSERT ... SELECT ... ON CONFLICT` per transaction.
//!
//! All or nothing by default (one transaction); with `commit_every` each chunk of rows is its
//! own transaction and a failure reports how many rows were committed, for `skip` to resume.
//! Duplicate keys inside the input: the last occurrence wins.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Instant;

use rayon::prelude::*;

use crate::engine::blocking::run_blocking;
use sqlx::postgres::{PgConnection, PgDatabaseError};
use sqlx::{Connection, Executor};

use super::catalog::{Kind, Table};
use super::convert::{write_field, Field};
use super::error::{DataError, Result, RowError};
use super::input::{parse_object, Batch, FieldIndex, Reader, Rows};
use crate::diff::quote::{ident, ident_list};

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
}

/// The name of the staging table (temporary, so private to the session).
const STAGE: &str = "pg_temp.dbridge_upsert";
/// The staging column that holds each row's number.
const ORD: &str = "dbridge_ord";
/// Rows per batch handed from the reader to the connection.
const BATCH: u64 = 16_384;

/// How input fields map onto the table, checked before any row is read.
#[derive(Debug, Clone)]
pub struct UpsertPlan {
    table: String,
    /// The table's columns in input field order.
    fields: Vec<FieldColumn>,
    on: Vec<String>,
    update: Vec<String>,
    do_nothing: bool,
    overriding: bool,
    /// Positions (in `fields`) of the conflict columns.
    key_positions: Vec<usize>,
    index: FieldIndex,
    /// What the plan was made from, to extend it when a later row brings a new field.
    origin: std::sync::Arc<(Table, String, UpsertOptions)>,
    names: Vec<String>,
}

#[derive(Debug, Clone)]
struct FieldColumn {
    name: String,
    sql_type: String,
    kind: Kind,
    not_null: bool,
    comparable: bool,
}

impl UpsertPlan {
    /// Checks the input's fields and the options against the table.
    pub fn new(
        table: &Table,
        input: &str,
        fields: &[String],
        options: &UpsertOptions,
    ) -> Result<UpsertPlan> {
        if !matches!(table.relkind, 'r' | 'p' | 'f') {
            return Err(DataError::Invalid(format!(
                "{} is a view, not a table",
                table.display()
            )));
        }
        if fields.is_empty() {
            return Err(DataError::Input {
                path: input.to_string(),
                message: "no fields: the input is empty or has no header".into(),
            });
        }
        let mut columns = Vec::new();
        let mut overriding = false;
        for field in fields {
            let Some(c) = table.columns.iter().find(|c| &c.name == field) else {
                return Err(DataError::UnknownField {
                    input: input.to_string(),
                    table: table.display(),
                    field: field.clone(),
                    existing: table.column_names(),
                });
            };
            if c.generated {
                return Err(DataError::Invalid(format!(
                    "{input}: field {field:?}: {}.{field} is a generated column and cannot be written",
                    table.display()
                )));
            }
            overriding |= c.identity == "a";
            columns.push(FieldColumn {
                name: c.name.clone(),
                sql_type: c.sql_type.clone(),
                kind: c.kind.clone(),
                not_null: c.not_null,
                comparable: c.comparable,
            });
        }
        if options.on.is_empty() {
            return Err(DataError::NoConflictColumns);
        }
        for name in &options.on {
            table.column(name)?;
        }
        let wanted: HashSet<&String> = options.on.iter().collect();
        if !table
            .unique_keys
            .iter()
            .any(|k| k.columns.iter().collect::<HashSet<_>>() == wanted)
        {
            return Err(DataError::NoUniqueKey {
                table: table.display(),
                columns: options.on.join(","),
                candidates: table
                    .unique_keys
                    .iter()
                    .map(|k| {
                        let what = if k.primary { "primary key" } else { "unique" };
                        format!("{} ({what} {})", k.columns.join(","), k.name)
                    })
                    .collect(),
            });
        }
        let position = |name: &String| fields.iter().position(|f| f == name);
        let mut key_positions = Vec::new();
        for name in &options.on {
            key_positions.push(
                position(name).ok_or_else(|| DataError::ConflictColumnMissing {
                    input: input.to_string(),
                    column: name.clone(),
                })?,
            );
        }
        let update = match &options.update {
            Some(list) => {
                for name in list {
                    table.column(name)?;
                    if position(name).is_none() {
                        return Err(DataError::UpdateColumnMissing {
                            input: input.to_string(),
                            column: name.clone(),
                        });
                    }
                    if options.on.contains(name) {
                        return Err(DataError::UpdateColumnIsConflict {
                            column: name.clone(),
                        });
                    }
                }
                list.clone()
            }
            None => fields
                .iter()
                .filter(|f| !options.on.contains(f))
                .cloned()
                .collect(),
        };
        Ok(UpsertPlan {
            table: table.qualified(),
            index: FieldIndex::new(fields),
            origin: std::sync::Arc::new((table.clone(), input.to_string(), options.clone())),
            names: fields.to_vec(),
            fields: columns,
            on: options.on.clone(),
            update,
            do_nothing: options.do_nothing,
            overriding,
            key_positions,
        })
    }

    /// The plan with one more input field (a JSON row brought a key the first row lacked);
    /// the rows before it have NULL there, as when a row leaves a field out.
    fn extended(&self, name: &str) -> std::result::Result<UpsertPlan, String> {
        let (table, input, options) = &*self.origin;
        if table.columns.iter().all(|c| c.name != name) {
            return Err(format!(
                "unknown field: {} has no such column; columns: {}",
                table.display(),
                table.column_names().join(", ")
            ));
        }
        let mut names = self.names.clone();
        names.push(name.to_string());
        UpsertPlan::new(table, input, &names, options).map_err(|e| e.to_string())
    }

    /// Adds the last field of `self` to the staging table.
    fn add_stage_column_sql(&self) -> String {
        let c = self.fields.last().expect("an extended plan has fields");
        format!(
            "ALTER TABLE {STAGE} ADD COLUMN {} {}",
            ident(&c.name),
            c.sql_type
        )
    }

    fn create_stage_sql(&self) -> String {
        let columns: Vec<String> = self
            .fields
            .iter()
            .map(|c| format!("{} {}", ident(&c.name), c.sql_type))
            .collect();
        format!(
            "CREATE TEMPORARY TABLE dbridge_upsert ({ORD} int8, {}) ON COMMIT DELETE ROWS",
            columns.join(", ")
        )
    }

    fn copy_sql(&self) -> String {
        let names: Vec<&str> = self.fields.iter().map(|c| c.name.as_str()).collect();
        format!("COPY {STAGE} ({ORD}, {}) FROM STDIN", ident_list(&names))
    }

    /// The merge; with `upto`, only the rows numbered up to `$1` (to find a failing row).
    fn insert_sql(&self, upto: bool) -> String {
        let names: Vec<&str> = self.fields.iter().map(|c| c.name.as_str()).collect();
        let columns = ident_list(&names);
        let overriding = if self.overriding {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        };
        let filter = if upto {
            format!(" WHERE {ORD} <= $1")
        } else {
            String::new()
        };
        let action = if self.do_nothing || self.update.is_empty() {
            "DO NOTHING".to_string()
        } else {
            let set: Vec<String> = self
                .update
                .iter()
                .map(|c| format!("{0} = EXCLUDED.{0}", ident(c)))
                .collect();
            let side = |prefix: &str| -> Vec<String> {
                self.update
                    .iter()
                    .map(|name| {
                        let comparable = self
                            .fields
                            .iter()
                            .find(|c| &c.name == name)
                            .is_none_or(|c| c.comparable);
                        let text = if comparable { "" } else { "::text" };
                        format!("{prefix}.{}{text}", ident(name))
                    })
                    .collect()
            };
            format!(
                "DO UPDATE SET {} WHERE ({}) IS DISTINCT FROM ({})",
                set.join(", "),
                side("t").join(", "),
                side("EXCLUDED").join(", ")
            )
        };
        format!(
            "INSERT INTO {table} AS t ({columns}){overriding} \
             SELECT {columns} FROM {STAGE}{filter} ON CONFLICT ({on}) {action}",
            table = self.table,
            on = ident_list(&self.on),
        )
    }

    fn dedupe_sql(&self) -> String {
        let same: Vec<String> = self
            .on
            .iter()
            .map(|c| format!("d.{0} = l.{0}", ident(c)))
            .collect();
        format!(
            "DELETE FROM {STAGE} d USING {STAGE} l WHERE {} AND l.{ORD} > d.{ORD}",
            same.join(" AND ")
        )
    }
}

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
    fn convert(&self, batch: &Batch) -> std::result::Result<Converted, Failure> {
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

    fn convert_rows<'a>(
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
struct KeyHash(u64);

impl Default for KeyHash {
    fn default() -> Self {
        KeyHash(0xcbf2_9ce4_8422_2325)
    }
}

impl KeyHash {
    fn add(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().chain(b"\t") {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^ (x >> 33)
    }
}

/// A hasher for keys that are hashes already.
#[derive(Default)]
struct Identity(u64);

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
enum Failure {
    Row(RowError),
    /// A JSON row has a field that the plan lacks (its name is the error's column).
    NewField(RowError),
}

impl From<RowError> for Failure {
    fn from(e: RowError) -> Self {
        Failure::Row(e)
    }
}

enum RawRow<'a> {
    Json(&'a str),
    Csv(&'a csv::StringRecord),
}

/// What goes from the reading thread to the connection.
enum Message {
    Rows(Converted),
    /// From here on, rows carry one more field.
    Fields(Box<UpsertPlan>),
    BadRow(RowError),
    Failed(DataError),
}

/// Runs an upsert of everything `reader` yields into `table`; `progress` is told the rows
/// sent and the input bytes read so far.
pub async fn upsert(
    conn: &mut PgConnection,
    table: &Table,
    mut reader: Reader,
    input: &str,
    options: &UpsertOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<UpsertSummary> {
    let started = Instant::now();
    let mut plan = UpsertPlan::new(table, input, reader.fields(), options)?;
    let query = |what: &str| {
        let what = what.to_string();
        move |e| DataError::query(what, e)
    };
    conn.execute(format!("DROP TABLE IF EXISTS {STAGE}").as_str())
        .await
        .map_err(query("dropping an old staging table"))?;
    conn.execute(plan.create_stage_sql().as_str())
        .await
        .map_err(query("creating the staging table"))?;

    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Message>(4);
    let commit_every = options.commit_every.filter(|n| *n > 0);
    let skip = options.skip;
    let mut converter = plan.clone();
    let worker = std::thread::spawn(move || {
        if let Err(e) = reader.skip(skip) {
            let _ = sender.blocking_send(Message::Failed(e));
            return;
        }
        let mut in_chunk = 0u64;
        loop {
            let limit = commit_every.map_or(BATCH, |n| (n - in_chunk).min(BATCH));
            let message = match reader.next_batch(limit as usize) {
                Ok(None) => return,
                Err(e) => Message::Failed(e),
                Ok(Some(batch)) => {
                    let rows = batch.rows.len() as u64;
                    if let Some(n) = commit_every {
                        in_chunk = (in_chunk + rows) % n;
                    }
                    loop {
                        match converter.convert(&batch) {
                            Ok(converted) => break Message::Rows(converted),
                            Err(Failure::Row(e)) => break Message::BadRow(e),
                            Err(Failure::NewField(mut e)) => {
                                let name = e.column.clone().unwrap_or_default();
                                match converter.extended(&name) {
                                    Ok(next) => {
                                        converter = next.clone();
                                        let message = Message::Fields(Box::new(next));
                                        if sender.blocking_send(message).is_err() {
                                            return;
                                        }
                                    }
                                    Err(message) => {
                                        e.message = message;
                                        break Message::BadRow(e);
                                    }
                                }
                            }
                        }
                    }
                }
            };
            let stop = !matches!(message, Message::Rows(_));
            if sender.blocking_send(message).is_err() || stop {
                return;
            }
        }
    });

    let mut summary = UpsertSummary::default();
    let committed_so_far = |n: u64| commit_every.map(|_| n);
    let mut committed = skip;
    let mut sent = 0u64;
    loop {
        let mut tx = conn
            .begin()
            .await
            .map_err(query("starting a transaction"))?;
        let mut copy = tx
            .copy_in_raw(&plan.copy_sql())
            .await
            .map_err(query("starting COPY"))?;
        let mut rows: Vec<(u64, u64)> = Vec::new();
        // Where the current COPY's rows start in `rows` (COPY numbers its lines from 1).
        let mut copy_first = 0;
        let mut seen: HashSet<u64, BuildHasherDefault<Identity>> = HashSet::default();
        let mut duplicates = false;
        let mut failure = None;
        let mut finished = false;
        loop {
            match receiver.recv().await {
                None => {
                    finished = true;
                    break;
                }
                Some(Message::Rows(converted)) => {
                    if let Err(e) = copy.send(converted.copy).await {
                        failure = Some(DataError::query("sending rows", e));
                        break;
                    }
                    for key in converted.keys.into_iter().flatten() {
                        duplicates |= !seen.insert(key);
                    }
                    sent += converted.rows.len() as u64;
                    rows.extend(converted.rows);
                    progress(sent, converted.bytes_read);
                    if commit_every.is_some_and(|n| rows.len() as u64 >= n) {
                        break;
                    }
                }
                Some(Message::Fields(next)) => {
                    // Stage the new column: finish this COPY, add it, copy on with it.
                    if let Err(e) = copy.finish().await {
                        drop(receiver);
                        let staged = &rows[copy_first..];
                        return Err(server_error(input, e, staged, committed_so_far(committed)));
                    }
                    copy_first = rows.len();
                    tx.execute(next.add_stage_column_sql().as_str())
                        .await
                        .map_err(query("extending the staging table"))?;
                    plan = *next;
                    copy = tx
                        .copy_in_raw(&plan.copy_sql())
                        .await
                        .map_err(query("starting COPY"))?;
                }
                Some(Message::BadRow(error)) => {
                    failure = Some(DataError::Row {
                        input: input.to_string(),
                        error,
                        committed: committed_so_far(committed),
                    });
                    break;
                }
                Some(Message::Failed(e)) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if let Some(failure) = failure {
            let _ = copy.abort("dbridge upsert: bad input").await;
            let _ = tx.rollback().await;
            drop(receiver);
            let _ = run_blocking(move || worker.join()).await;
            return Err(failure);
        }
        if let Err(e) = copy.finish().await {
            drop(receiver);
            let staged = &rows[copy_first..];
            return Err(server_error(input, e, staged, committed_so_far(committed)));
        }
        if rows.is_empty() {
            tx.rollback()
                .await
                .map_err(query("ending the transaction"))?;
            break;
        }
        let merge_started = Instant::now();
        let merged = merge(&mut tx, &plan, &rows, duplicates).await;
        let (inserted, updated, superseded) = match merged {
            Ok(counts) => counts,
            Err(e) => {
                drop(receiver);
                return Err(match e {
                    MergeError::Row(error) => DataError::Row {
                        input: input.to_string(),
                        error,
                        committed: committed_so_far(committed),
                    },
                    MergeError::Query(e) => {
                        server_error(input, e, &[], committed_so_far(committed))
                    }
                });
            }
        };
        tx.commit().await.map_err(query("committing"))?;
        summary.merge_seconds += merge_started.elapsed().as_secs_f64();
        let n = rows.len() as u64;
        committed += n;
        summary.rows += n;
        summary.inserted += inserted;
        summary.updated += updated;
        summary.duplicates += superseded;
        summary.unchanged += n - superseded - inserted - updated;
        if finished {
            break;
        }
    }
    let _ = run_blocking(move || worker.join()).await;
    let _ = conn
        .execute(format!("DROP TABLE IF EXISTS {STAGE}").as_str())
        .await;
    summary.seconds = started.elapsed().as_secs_f64();
    summary.rows_per_second = summary.rows as f64 / summary.seconds.max(1e-9);
    tracing::info!(
        "reading, converting and COPY: {:.2} s; merging: {:.2} s",
        summary.seconds - summary.merge_seconds,
        summary.merge_seconds
    );
    Ok(summary)
}

enum MergeError {
    Row(RowError),
    Query(sqlx::Error),
}

/// Merges the staged rows into the table: (inserted, updated, duplicates removed).
async fn merge(
    conn: &mut PgConnection,
    plan: &UpsertPlan,
    rows: &[(u64, u64)],
    mut duplicates: bool,
) -> std::result::Result<(u64, u64, u64), MergeError> {
    let mut superseded = 0;
    let sql = plan.insert_sql(false);
    loop {
        if duplicates {
            conn.execute(format!("ANALYZE {STAGE}").as_str())
                .await
                .map_err(MergeError::Query)?;
            superseded += conn
                .execute(plan.dedupe_sql().as_str())
                .await
                .map_err(MergeError::Query)?
                .rows_affected();
        }
        conn.execute("SAVEPOINT dbridge_merge")
            .await
            .map_err(MergeError::Query)?;
        // Inserted vs updated: this transaction's insert count on the table, before and
        // after (cheaper than RETURNING a row for every row merged).
        let before = inserted_so_far(conn, &plan.table).await?;
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

/// Rows this transaction has inserted into `table` (and its partitions) so far.
async fn inserted_so_far(conn: &mut PgConnection, table: &str) -> Result<u64, MergeError> {
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
async fn find_failing_row(
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

fn code(e: &sqlx::Error) -> Option<&str> {
    e.as_database_error()
        .and_then(|d| d.try_downcast_ref::<PgDatabaseError>())
        .map(|p| p.code())
}

/// The column and a message (with PostgreSQL's detail) of a server error.
fn describe(e: &sqlx::Error) -> (Option<String>, String) {
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
fn server_error(
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
fn copy_position(context: &str) -> Option<(usize, Option<String>)> {
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
