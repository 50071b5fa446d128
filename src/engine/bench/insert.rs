//! The insert suite: single-row `INSERT ... RETURNING` latency, next to `SELECT 1`.

use std::time::Instant;

use sqlx::postgres::PgConnection;
use sqlx::Executor;

use super::*;
use crate::diff::quote::ident;
use crate::engine::data::catalog::Catalog;
use crate::engine::data::error::Result;
use crate::engine::data::insert::InsertOne;

pub(super) fn percentiles(mut samples: Vec<f64>) -> [f64; 3] {
    samples.sort_by(f64::total_cmp);
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    [at(0.50), at(0.95), at(0.99)]
}

pub(super) async fn insert_suite(conn: &mut PgConnection, scratch: &str) -> Result<Vec<Figure>> {
    const N: usize = 5_000;
    let s = ident(scratch);
    conn.execute(
        format!(
            "CREATE TABLE {s}.bench_insert (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
             name text NOT NULL, amount numeric(12,2), created_at timestamptz NOT NULL DEFAULT now())"
        )
        .as_str(),
    )
    .await
    .map_err(q)?;
    let catalog = Catalog::load(conn).await?;
    let table = catalog.table(&format!("{scratch}.bench_insert"))?;
    let insert = InsertOne::new(table, &["name", "amount"])?;
    let mut ours = Vec::with_capacity(N);
    let mut reference = Vec::with_capacity(N);
    for i in 0..N + 100 {
        let name = format!("row {i}");
        let started = Instant::now();
        insert.run(conn, &[Some(&name), Some("12.34")]).await?;
        let took = started.elapsed().as_secs_f64() * 1e6;
        let started = Instant::now();
        sqlx::query("SELECT 1")
            .fetch_one(&mut *conn)
            .await
            .map_err(q)?;
        let round_trip = started.elapsed().as_secs_f64() * 1e6;
        if i >= 100 {
            ours.push(took);
            reference.push(round_trip);
        }
    }
    let ours = percentiles(ours);
    let reference = percentiles(reference);
    Ok(["p50", "p95", "p99"]
        .iter()
        .enumerate()
        .map(|(i, p)| {
            figure(
                Suite::Insert,
                format!("INSERT ... RETURNING {p}"),
                ours[i],
                "us",
                format!("SELECT 1 round trip {p}"),
                reference[i],
            )
        })
        .collect())
}
