//! The pipeline: a reader thread parses and converts batches while the connection copies
//! them into the staging table and merges each chunk in its transaction.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::time::Instant;

use crate::engine::blocking::run_blocking;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

use super::encode::{Converted, Failure, Identity};
use super::errors::server_error;
use super::merge::{merge, MergeError};
use super::sequences::advance;
use super::{UpsertOptions, UpsertPlan, UpsertProgress, UpsertSummary, BATCH, STAGE};
use crate::engine::data::catalog::Table;
use crate::engine::data::error::{DataError, Result, RowError};
use crate::engine::data::input::RowSource;

/// What goes from the reading thread to the connection.
pub(super) enum Message {
    Rows(Converted),
    /// From here on, rows carry one more field.
    Fields(Box<UpsertPlan>),
    BadRow(RowError),
    Failed(DataError),
}

/// Runs an upsert of everything `reader` yields into `table` (rows read from a file or typed
/// values); `progress` is told the rows sent and the input bytes read so far.
pub async fn upsert(
    conn: &mut PgConnection,
    table: &Table,
    mut reader: impl RowSource + 'static,
    input: &str,
    options: &UpsertOptions,
    progress: &(dyn Fn(UpsertProgress) + Sync),
) -> Result<UpsertSummary> {
    let started = Instant::now();
    if reader.known_empty() {
        // `[]` or an empty NDJSON file: no fields to check, nothing to write.
        return Ok(UpsertSummary::default());
    }
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
    let mut bytes_read = 0u64;
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
                    bytes_read = converted.bytes_read;
                    progress(UpsertProgress {
                        rows: sent,
                        bytes: bytes_read,
                        merging: false,
                    });
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
        progress(UpsertProgress {
            rows: sent,
            bytes: bytes_read,
            merging: true,
        });
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
        if let Err(e) = advance(&mut tx, &plan, &mut summary.sequences_advanced).await {
            drop(receiver);
            return Err(match e {
                MergeError::Query(e) => DataError::query("advancing the ids' sequences", e),
                MergeError::Row(error) => DataError::Row {
                    input: input.to_string(),
                    error,
                    committed: committed_so_far(committed),
                },
            });
        }
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
