//! Upsert into a collection: each input document becomes an `update` statement with
//! `upsert: true` matching on the `--on` fields (`$set` of the others, or `$setOnInsert`
//! only with `--do-nothing`), sent in unordered batches (several at once when not in a
//! transaction). Duplicate keys in the input: the last
//! one wins, as for PostgreSQL. Everything is written in one transaction (all or nothing)
//! when the server supports transactions, or in committed chunks of `--commit-every` rows;
//! a server without transactions needs `--commit-every`. A document the server refuses (a
//! validator's rejection) is named by its row, with the server's reason.

use std::collections::HashMap;
use std::time::Instant;

use mongodb::bson::{doc, Bson, Document};
use mongodb::ClientSession;

use super::connect::{describe, MongoTarget};
use super::input::InputDocument;
use crate::engine::data::upsert::{UpsertOptions, UpsertSummary};
use crate::engine::data::{DataError, RowError};

/// Statements per `update` command.
const BATCH: usize = 1_000;

/// Upserts `docs` into `collection`; `input` names them in errors; `progress` is told the
/// rows written so far.
pub async fn upsert(
    target: &MongoTarget,
    collection: &str,
    docs: Vec<InputDocument>,
    input: &str,
    options: &UpsertOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<UpsertSummary, DataError> {
    let started = Instant::now();
    if options.on.is_empty() {
        return Err(DataError::NoConflictColumns);
    }
    if let Some(c) = options
        .update
        .iter()
        .flatten()
        .find(|c| options.on.contains(c))
    {
        return Err(DataError::UpdateColumnIsConflict { column: c.clone() });
    }
    let docs: Vec<InputDocument> = docs.into_iter().skip(options.skip as usize).collect();
    let rows = docs.len() as u64;
    let (docs, duplicates) = last_of_each_key(docs, &options.on, input)?;
    let transactions = supports_transactions(target).await?;
    if !transactions && options.commit_every.is_none() {
        return Err(DataError::Invalid(format!(
            "{input}: the server does not support transactions (it is not a replica set), so an upsert cannot be all or nothing; pass --commit-every N to write committed chunks of N rows (and --skip to resume after a failure)"
        )));
    }
    let chunk = options
        .commit_every
        .map_or(docs.len().max(1), |n| n.max(1) as usize);
    let mut totals = Counts::default();
    let mut committed = 0u64;
    for part in docs.chunks(chunk) {
        let sent = |n: u64| progress(committed + n);
        let counts = write_chunk(target, collection, part, options, transactions, &sent).await;
        let counts =
            counts.map_err(|e| e.into_error(input, options.commit_every.map(|_| committed)))?;
        totals.add(&counts);
        committed += part.len() as u64;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(UpsertSummary {
        rows,
        inserted: totals.inserted,
        updated: totals.updated,
        unchanged: totals.matched - totals.updated,
        duplicates,
        seconds,
        merge_seconds: 0.0,
        rows_per_second: rows as f64 / seconds.max(1e-9),
        sequences_advanced: Vec::new(),
    })
}

#[derive(Default)]
struct Counts {
    inserted: u64,
    updated: u64,
    /// Existing documents matched (updated or not).
    matched: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.matched += o.matched;
    }
}

/// Why a chunk was not written.
enum ChunkError {
    Row {
        row: u64,
        line: u64,
        message: String,
    },
    Server(String),
}

impl ChunkError {
    fn into_error(self, input: &str, committed: Option<u64>) -> DataError {
        match self {
            ChunkError::Row { row, line, message } => DataError::Row {
                input: input.to_string(),
                error: RowError {
                    row,
                    line,
                    column: None,
                    message,
                },
                committed,
            },
            ChunkError::Server(message) => DataError::Server {
                input: input.to_string(),
                message,
                committed,
            },
        }
    }
}

fn server(e: mongodb::error::Error) -> ChunkError {
    ChunkError::Server(describe(&e))
}

/// Writes one chunk: in a transaction of its own when the server has them (its batches one
/// after the other, as a session runs one command at a time), else up to [`IN_FLIGHT`]
/// batches at once.
async fn write_chunk(
    target: &MongoTarget,
    collection: &str,
    docs: &[InputDocument],
    options: &UpsertOptions,
    transaction: bool,
    sent: &(dyn Fn(u64) + Sync),
) -> Result<Counts, ChunkError> {
    if !transaction {
        return write_concurrently(target, collection, docs, options, sent).await;
    }
    let mut session = target.client.start_session().await.map_err(server)?;
    session.start_transaction().await.map_err(server)?;
    let mut counts = Counts::default();
    let mut done = 0u64;
    for batch in docs.chunks(BATCH) {
        match send_batch(target, Some(&mut session), collection, batch, options).await {
            Ok(c) => counts.add(&c),
            Err(e) => {
                let _ = session.abort_transaction().await;
                return Err(e);
            }
        }
        done += batch.len() as u64;
        sent(done);
    }
    session.commit_transaction().await.map_err(server)?;
    Ok(counts)
}

/// Batches sent at once outside a transaction.
const IN_FLIGHT: usize = 4;

/// The batches of a chunk, [`IN_FLIGHT`] at a time. After a failure no further batch is
/// sent, those in flight are waited for, and the failure of the earliest row is reported.
async fn write_concurrently<'d>(
    target: &MongoTarget,
    collection: &str,
    docs: &'d [InputDocument],
    options: &UpsertOptions,
    sent: &(dyn Fn(u64) + Sync),
) -> Result<Counts, ChunkError> {
    use futures_util::stream::{FuturesUnordered, StreamExt};
    let mut batches = docs.chunks(BATCH);
    let send = |batch: &'d [InputDocument]| async move {
        let counts = send_batch(target, None, collection, batch, options).await;
        (batch.len() as u64, counts)
    };
    let mut in_flight: FuturesUnordered<_> = batches.by_ref().take(IN_FLIGHT).map(send).collect();
    let mut counts = Counts::default();
    let mut done = 0u64;
    let mut failure: Option<ChunkError> = None;
    while let Some((n, result)) = in_flight.next().await {
        match result {
            Ok(c) => {
                counts.add(&c);
                done += n;
                sent(done);
            }
            Err(e) => {
                let earlier = match (&failure, &e) {
                    (None, _) => true,
                    (Some(ChunkError::Row { row: old, .. }), ChunkError::Row { row, .. }) => {
                        row < old
                    }
                    (Some(ChunkError::Server(_)), ChunkError::Row { .. }) => true,
                    _ => false,
                };
                if earlier {
                    failure = Some(e);
                }
            }
        }
        if failure.is_none() {
            if let Some(batch) = batches.next() {
                in_flight.push(send(batch));
            }
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(counts),
    }
}

/// Sends one batch of statements (in `session` when given) and counts what it did; a
/// document the server refused is named by its row.
async fn send_batch(
    target: &MongoTarget,
    session: Option<&mut ClientSession>,
    collection: &str,
    batch: &[InputDocument],
    options: &UpsertOptions,
) -> Result<Counts, ChunkError> {
    let updates: Vec<Document> = batch.iter().map(|d| statement(&d.doc, options)).collect();
    let command = doc! {"update": collection, "updates": updates, "ordered": false};
    let reply = match session {
        Some(session) => target.db.run_command(command).session(session).await,
        None => target.db.run_command(command).await,
    }
    .map_err(server)?;
    if let Ok(errors) = reply.get_array("writeErrors") {
        let first = errors
            .iter()
            .filter_map(Bson::as_document)
            .min_by_key(|e| index_of(e));
        if let Some(e) = first {
            let at = &batch[index_of(e).min(batch.len() - 1)];
            let code = e.get_i32("code").unwrap_or(0);
            let reason = e.get_str("errmsg").unwrap_or("refused");
            let info = e
                .get_document("errInfo")
                .map(|i| format!(" ({i})"))
                .unwrap_or_default();
            let message = match code {
                121 => format!("the collection's validator rejects the document: {reason}{info}"),
                _ => format!("{reason} (code {code})"),
            };
            return Err(ChunkError::Row {
                row: at.row,
                line: at.line,
                message,
            });
        }
    }
    let number = |key: &str| match reply.get(key) {
        Some(Bson::Int32(n)) => *n as u64,
        Some(Bson::Int64(n)) => *n as u64,
        _ => 0,
    };
    let upserted = reply.get_array("upserted").map_or(0, |u| u.len() as u64);
    Ok(Counts {
        inserted: upserted,
        updated: number("nModified"),
        matched: number("n") - upserted,
    })
}

fn index_of(e: &Document) -> usize {
    match e.get("index") {
        Some(Bson::Int32(n)) => *n as usize,
        Some(Bson::Int64(n)) => *n as usize,
        _ => 0,
    }
}

/// The `update` statement of one document.
fn statement(d: &Document, options: &UpsertOptions) -> Document {
    let filter: Document = options
        .on
        .iter()
        .filter_map(|f| d.get(f).map(|v| (f.clone(), v.clone())))
        .collect();
    let mut set = Document::new();
    let mut on_insert = Document::new();
    for (k, v) in d {
        if options.on.contains(k) {
            continue;
        }
        let updated = !options.do_nothing
            && k != "_id"
            && options.update.as_ref().is_none_or(|u| u.contains(k));
        if updated {
            set.insert(k, v.clone());
        } else {
            on_insert.insert(k, v.clone());
        }
    }
    let mut u = Document::new();
    if !set.is_empty() {
        u.insert("$set", set);
    }
    if !on_insert.is_empty() || u.is_empty() {
        u.insert("$setOnInsert", on_insert);
    }
    doc! {"q": filter, "u": u, "upsert": true}
}

/// The last document of each key, in input order, and how many earlier ones it superseded;
/// a document without a `--on` field is an error naming its row.
fn last_of_each_key(
    docs: Vec<InputDocument>,
    on: &[String],
    input: &str,
) -> Result<(Vec<InputDocument>, u64), DataError> {
    let mut last: HashMap<Vec<u8>, usize> = HashMap::new();
    for (i, d) in docs.iter().enumerate() {
        let mut key = Document::new();
        for f in on {
            match d.doc.get(f) {
                Some(v) => key.insert(f.clone(), v.clone()),
                None => {
                    return Err(DataError::Row {
                        input: input.to_string(),
                        error: RowError {
                            row: d.row,
                            line: d.line,
                            column: Some(f.clone()),
                            message: format!("the document has no {f}, a field of --on"),
                        },
                        committed: None,
                    })
                }
            };
        }
        let bytes = mongodb::bson::to_vec(&key).unwrap_or_default();
        last.insert(bytes, i);
    }
    let keep: std::collections::HashSet<usize> = last.into_values().collect();
    let duplicates = (docs.len() - keep.len()) as u64;
    let kept = docs
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.contains(i))
        .map(|(_, d)| d)
        .collect();
    Ok((kept, duplicates))
}

/// Whether the server runs transactions: a replica set member or a mongos.
async fn supports_transactions(target: &MongoTarget) -> Result<bool, DataError> {
    let hello = target
        .db
        .run_command(doc! {"hello": 1})
        .await
        .map_err(|e| {
            DataError::Invalid(format!("asking the server what it is: {}", describe(&e)))
        })?;
    Ok(hello.contains_key("setName") || hello.get_str("msg") == Ok("isdbgrid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(update: Option<Vec<&str>>, do_nothing: bool) -> UpsertOptions {
        UpsertOptions {
            on: vec!["sku".into()],
            update: update.map(|u| u.into_iter().map(String::from).collect()),
            do_nothing,
            commit_every: None,
            skip: 0,
        }
    }

    #[test]
    fn statements_set_the_updated_fields_and_insert_the_rest() {
        let d = doc! {"_id": 7, "sku": "a", "name": "A", "qty": 2};
        assert_eq!(
            statement(&d, &options(None, false)),
            doc! {"q": {"sku": "a"}, "u": {"$set": {"name": "A", "qty": 2}, "$setOnInsert": {"_id": 7}}, "upsert": true}
        );
        assert_eq!(
            statement(&d, &options(Some(vec!["qty"]), false)),
            doc! {"q": {"sku": "a"}, "u": {"$set": {"qty": 2}, "$setOnInsert": {"_id": 7, "name": "A"}}, "upsert": true}
        );
        assert_eq!(
            statement(&doc! {"sku": "a"}, &options(None, true)),
            doc! {"q": {"sku": "a"}, "u": {"$setOnInsert": {}}, "upsert": true}
        );
    }
}
