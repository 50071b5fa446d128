//! The upsert suite: rows/s with half the rows conflicting, next to the hand-written
//! COPY-into-a-temporary-table pipeline and to plain COPY.

use std::time::Instant;

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};

use super::*;
use crate::diff::quote::ident;
use crate::engine::data::catalog::Catalog;
use crate::engine::data::error::{DataError, Result};
use crate::engine::data::input::{Format, Reader};
use crate::engine::data::upsert::{upsert, UpsertOptions};

/// NDJSON and COPY text for `n` rows with ids 1..=n.
pub(super) fn upsert_rows(n: usize) -> (Vec<u8>, Vec<u8>) {
    let mut ndjson = Vec::with_capacity(n * 150);
    let mut copy = Vec::with_capacity(n * 100);
    for id in 1..=n {
        let price = format!("{}.{:02}", id % 10_000, id % 100);
        let active = id % 3 == 0;
        let _ = std::io::Write::write_fmt(
            &mut ndjson,
            format_args!(
                "{{\"id\":{id},\"name\":\"user {id}\",\"email\":\"user{id}@example.com\",\"score\":{},\"price\":\"{price}\",\"active\":{active},\"created_at\":\"2024-01-02T03:04:05Z\"}}\n",
                id % 1000
            ),
        );
        let _ = std::io::Write::write_fmt(
            &mut copy,
            format_args!(
                "{id}\tuser {id}\tuser{id}@example.com\t{}\t{price}\t{}\t2024-01-02T03:04:05Z\n",
                id % 1000,
                if active { "t" } else { "f" }
            ),
        );
    }
    (ndjson, copy)
}

/// The upsert suite's table, rows and the statement that restores the table between runs.
pub(super) struct UpsertBench {
    table: crate::engine::data::catalog::Table,
    name: String,
    columns: &'static str,
    reset: String,
    ndjson: Vec<u8>,
    copy: Vec<u8>,
    n: usize,
}

impl UpsertBench {
    async fn ours(&self, conn: &mut PgConnection) -> Result<f64> {
        conn.execute(self.reset.as_str()).await.map_err(q)?;
        let started = Instant::now();
        let reader = Reader::new(
            "bench",
            Format::Ndjson,
            Box::new(std::io::Cursor::new(self.ndjson.clone())),
        )?;
        let options = UpsertOptions {
            on: vec!["id".into()],
            ..UpsertOptions::default()
        };
        let summary = upsert(conn, &self.table, reader, "bench", &options, &|_| {}).await?;
        let rate = self.n as f64 / started.elapsed().as_secs_f64();
        if summary.inserted + summary.updated != self.n as u64 {
            return Err(DataError::Invalid(format!(
                "the upsert benchmark merged {} rows of {}",
                summary.inserted + summary.updated,
                self.n
            )));
        }
        Ok(rate)
    }

    /// The hand-written pipeline: COPY into a temporary table, one INSERT ... ON CONFLICT.
    async fn pipeline(&self, conn: &mut PgConnection) -> Result<f64> {
        conn.execute(self.reset.as_str()).await.map_err(q)?;
        let started = Instant::now();
        let mut tx = conn.begin().await.map_err(q)?;
        tx.execute(
            format!(
                "CREATE TEMPORARY TABLE bench_stage ({}) ON COMMIT DROP",
                self.columns
            )
            .as_str(),
        )
        .await
        .map_err(q)?;
        copy_in(&mut tx, "COPY bench_stage FROM STDIN", &self.copy).await?;
        tx.execute(
            format!(
                "INSERT INTO {} SELECT * FROM bench_stage ON CONFLICT (id) DO UPDATE SET \
                 name = EXCLUDED.name, email = EXCLUDED.email, score = EXCLUDED.score, \
                 price = EXCLUDED.price, active = EXCLUDED.active, created_at = EXCLUDED.created_at",
                self.name
            )
            .as_str(),
        )
        .await
        .map_err(q)?;
        tx.commit().await.map_err(q)?;
        Ok(self.n as f64 / started.elapsed().as_secs_f64())
    }

    /// Plain COPY of the same rows into the emptied table.
    async fn plain_copy(&self, conn: &mut PgConnection) -> Result<f64> {
        conn.execute(format!("TRUNCATE {}", self.name).as_str())
            .await
            .map_err(q)?;
        let started = Instant::now();
        copy_in(conn, &format!("COPY {} FROM STDIN", self.name), &self.copy).await?;
        Ok(self.n as f64 / started.elapsed().as_secs_f64())
    }
}

/// Sends ready-made COPY text with `statement`.
pub(super) async fn copy_in(conn: &mut PgConnection, statement: &str, data: &[u8]) -> Result<()> {
    let mut sink = conn.copy_in_raw(statement).await.map_err(q)?;
    for chunk in data.chunks(1 << 20) {
        sink.send(chunk).await.map_err(q)?;
    }
    sink.finish().await.map_err(q)?;
    Ok(())
}

pub(super) async fn upsert_suite(
    conn: &mut PgConnection,
    scratch: &str,
    n: usize,
) -> Result<Vec<Figure>> {
    let name = format!("{}.bench_upsert", ident(scratch));
    let columns = "id bigint PRIMARY KEY, name text, email text, score int, price numeric(10,2), \
                   active boolean, created_at timestamptz";
    conn.execute(format!("CREATE TABLE {name} ({columns})").as_str())
        .await
        .map_err(q)?;
    let catalog = Catalog::load(conn).await?;
    let (ndjson, copy) = upsert_rows(n);
    let bench = UpsertBench {
        table: catalog.table(&format!("{scratch}.bench_upsert"))?.clone(),
        // Half the input conflicts: the table holds ids 1..=n/2 before each run.
        reset: format!(
            "TRUNCATE {name}; INSERT INTO {name} \
             SELECT g, 'old ' || g, 'old' || g || '@example.com', 0, 0, false, now() \
             FROM generate_series(1, {}) g; ANALYZE {name}",
            n / 2
        ),
        name,
        columns,
        ndjson,
        copy,
        n,
    };
    // Best of two, in alternating order, so that neither side pays for the other's
    // checkpoints and autovacuum.
    let (mut ours, mut pipeline, mut plain) = (0f64, 0f64, 0f64);
    for round in 0..2 {
        if round == 0 {
            ours = ours.max(bench.ours(conn).await?);
            pipeline = pipeline.max(bench.pipeline(conn).await?);
        } else {
            pipeline = pipeline.max(bench.pipeline(conn).await?);
            ours = ours.max(bench.ours(conn).await?);
        }
        plain = plain.max(bench.plain_copy(conn).await?);
    }
    let what = format!("upsert {n} NDJSON rows, half conflicting");
    Ok(vec![
        figure(
            Suite::Upsert,
            &what,
            ours,
            "rows/s",
            "COPY into a temporary table + INSERT ... ON CONFLICT",
            pipeline,
        ),
        figure(
            Suite::Upsert,
            &what,
            ours,
            "rows/s",
            "plain COPY into an empty table",
            plain,
        ),
    ])
}
