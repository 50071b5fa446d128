//! `dbridge bench` on a MongoDB target, in scratch collections dropped at the end:
//!
//! - upsert: documents/s with half the documents existing, next to the same unordered
//!   `update` batches sent by the driver without the transaction, the counting and the input
//!   handling (what pymongo's `bulk_write` does);
//! - fetch: 1,000 documents with their related document, next to the N+1 way (one `find`,
//!   then one `findOne` per document).

use std::time::Instant;

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Document};

use super::{figure, BenchOptions, Figure, Suite};
use crate::diff::mongo::Reference;
use crate::engine::data::error::{DataError, Result};
use crate::engine::data::upsert::UpsertOptions;
use crate::engine::mongo::fetch::{fetch, MongoFetch};
use crate::engine::mongo::input::InputDocument;
use crate::engine::mongo::{describe, MongoTarget};

fn failed(e: mongodb::error::Error) -> DataError {
    DataError::Invalid(describe(&e))
}

/// Runs the suites `options` asks for (upsert and fetch; the others are PostgreSQL's).
pub async fn run(
    target: &MongoTarget,
    options: &BenchOptions,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Vec<Figure>> {
    let prefix = format!("dbridge_bench_{}", std::process::id());
    let result = suites(target, options, &prefix, progress).await;
    for suffix in ["items", "users", "posts"] {
        let _ = target
            .db
            .collection::<Document>(&format!("{prefix}_{suffix}"))
            .drop()
            .await;
    }
    result
}

async fn suites(
    target: &MongoTarget,
    options: &BenchOptions,
    prefix: &str,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Vec<Figure>> {
    let mut figures = Vec::new();
    match options.suite {
        Suite::Schema | Suite::Insert => {
            return Err(DataError::Invalid(
                "the schema and insert suites are PostgreSQL's; on MongoDB run --suite upsert, fetch or all".into(),
            ))
        }
        _ => {}
    }
    if matches!(options.suite, Suite::Upsert | Suite::All) {
        progress("the upsert suite");
        figures.extend(upsert(target, options.rows, &format!("{prefix}_items")).await?);
    }
    if matches!(options.suite, Suite::Fetch | Suite::All) {
        progress("the fetch suite");
        figures.extend(fetch_suite(target, prefix).await?);
    }
    Ok(figures)
}

async fn upsert(target: &MongoTarget, rows: usize, name: &str) -> Result<Vec<Figure>> {
    let items = target.db.collection::<Document>(name);
    let reset = || async {
        items.drop().await.map_err(failed)?;
        let seed: Vec<Document> = (0..rows / 2)
            .map(|i| doc! {"sku": format!("k{i}"), "qty": 1})
            .collect();
        items.insert_many(seed).await.map_err(failed)?;
        let index = mongodb::IndexModel::builder()
            .keys(doc! {"sku": 1})
            .options(
                mongodb::options::IndexOptions::builder()
                    .unique(true)
                    .build(),
            )
            .build();
        items.create_index(index).await.map_err(failed)?;
        Ok::<_, DataError>(())
    };
    let docs = || -> Vec<InputDocument> {
        (0..rows)
            .map(|i| InputDocument {
                row: i as u64 + 1,
                line: 0,
                doc: doc! {"sku": format!("k{i}"), "qty": 2},
            })
            .collect()
    };
    reset().await?;
    let options = UpsertOptions {
        on: vec!["sku".into()],
        update: None,
        do_nothing: false,
        commit_every: None,
        skip: 0,
    };
    let upsert = crate::engine::mongo::upsert::upsert;
    let started = Instant::now();
    let transactional = upsert(target, name, docs(), "bench", &options, &|_| {}).await;
    let ours = rows as f64 / started.elapsed().as_secs_f64();
    // A server without transactions: the same upsert in one committed chunk.
    if transactional.is_err() {
        reset().await?;
        let chunked = UpsertOptions {
            commit_every: Some(rows as u64),
            ..options
        };
        upsert(target, name, docs(), "bench", &chunked, &|_| {}).await?;
    }
    reset().await?;
    let started = Instant::now();
    for batch in docs().chunks(1_000) {
        let updates: Vec<Document> = batch
            .iter()
            .map(|d| doc! {"q": {"sku": d.doc.get_str("sku").unwrap_or_default()}, "u": {"$set": {"qty": 2}}, "upsert": true})
            .collect();
        target
            .db
            .run_command(doc! {"update": name, "updates": updates, "ordered": false})
            .await
            .map_err(failed)?;
    }
    let reference = rows as f64 / started.elapsed().as_secs_f64();
    Ok(vec![figure(
        Suite::Upsert,
        format!("dbridge upsert, {rows} documents, half existing"),
        ours,
        "rows/s",
        "the driver's unordered update batches (bulk_write)",
        reference,
    )])
}

async fn fetch_suite(target: &MongoTarget, prefix: &str) -> Result<Vec<Figure>> {
    let (users, posts) = (format!("{prefix}_users"), format!("{prefix}_posts"));
    let u = target.db.collection::<Document>(&users);
    let p = target.db.collection::<Document>(&posts);
    u.insert_many((0..200).map(|i| doc! {"_id": i, "name": format!("user {i}")}))
        .await
        .map_err(failed)?;
    p.insert_many(
        (0..1_000).map(|i| doc! {"_id": i, "author_id": i % 200, "title": format!("post {i}")}),
    )
    .await
    .map_err(failed)?;
    let references = [Reference {
        name: Some("author".into()),
        from: posts.clone(),
        field: "author_id".into(),
        to: users.clone(),
        to_field: "_id".into(),
        many: false,
    }];
    let request = MongoFetch {
        collection: &posts,
        with: vec![vec!["author".into()]],
        filters: &[],
        order_by: Vec::new(),
        limit: Some(1_000),
        offset: None,
    };
    let time = |samples: &mut Vec<f64>, started: Instant| {
        samples.push(started.elapsed().as_secs_f64() * 1e3)
    };
    let (mut ours, mut n_plus_1) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let started = Instant::now();
        let docs = fetch(target, &request, &references).await?;
        time(&mut ours, started);
        debug_assert_eq!(docs.len(), 1_000);
        let started = Instant::now();
        let mut found: Vec<Document> = p
            .find(doc! {})
            .sort(doc! {"_id": 1})
            .await
            .map_err(failed)?
            .try_collect()
            .await
            .map_err(failed)?;
        for post in &mut found {
            let author = u
                .find_one(doc! {"_id": post.get("author_id").cloned().unwrap_or_default()})
                .await
                .map_err(failed)?;
            post.insert(
                "author",
                author.map_or(mongodb::bson::Bson::Null, Into::into),
            );
        }
        time(&mut n_plus_1, started);
    }
    Ok(vec![figure(
        Suite::Fetch,
        "dbridge fetch, 1,000 documents with their author ($lookup)",
        median(ours),
        "ms",
        "N+1: one find, then one findOne per document",
        median(n_plus_1),
    )])
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
