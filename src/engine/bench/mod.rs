//! `dbridge bench`: the engine measured next to a reference run in the same process, on the
//! same connection, in a scratch schema that is dropped at the end.
//!
//! - schema: introspection and diff + rendering of generated schemas, next to one catalog
//!   query over their columns;
//! - insert: single-row `INSERT ... RETURNING` latency, next to the `SELECT 1` round trip;
//! - upsert: rows/s with half the rows conflicting, next to the hand-written COPY-into-a-
//!   temporary-table pipeline and to plain COPY into an empty table;
//! - fetch: 1,000 rows with relations, next to one hand-written JOIN and to N+1 queries.
//!
//! One file per suite; this module runs them and shares their helpers. On a MongoDB target
//! the upsert and fetch suites are [`mongo`]'s.

mod fetch;
mod insert;
#[cfg(feature = "mongodb")]
pub mod mongo;
mod schema;
mod upsert;

pub use schema::generate_schema;

use std::time::{Duration, Instant};

use sqlx::postgres::PgConnection;
use sqlx::Executor;

use crate::diff::quote::ident;
use crate::engine::data::error::{DataError, Result};

/// The benchmark suites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Suite {
    Schema,
    Insert,
    Upsert,
    Fetch,
    All,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub suite: Suite,
    /// Rows for the upsert suite.
    pub rows: usize,
    /// Table counts for the schema suite.
    pub tables: Vec<usize>,
}

/// One measurement next to its reference.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Figure {
    pub suite: Suite,
    pub measurement: String,
    pub value: f64,
    /// `ms`, `us` (lower is better) or `rows/s` (higher is better).
    pub unit: &'static str,
    pub reference: String,
    pub reference_value: f64,
    /// `value / reference_value`.
    pub ratio: f64,
}

fn figure(
    suite: Suite,
    measurement: impl Into<String>,
    value: f64,
    unit: &'static str,
    reference: impl Into<String>,
    reference_value: f64,
) -> Figure {
    Figure {
        suite,
        measurement: measurement.into(),
        value,
        unit,
        reference: reference.into(),
        reference_value,
        ratio: value / reference_value.max(f64::MIN_POSITIVE),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn q(e: sqlx::Error) -> DataError {
    DataError::query("benchmark", e)
}

/// Runs the chosen suites in a scratch schema, which is dropped afterwards whatever happens;
/// `progress` hears what is being measured.
pub async fn run(
    conn: &mut PgConnection,
    options: &BenchOptions,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Vec<Figure>> {
    let scratch = format!("dbridge_bench_{}", std::process::id());
    let result = run_suites(conn, options, &scratch, progress).await;
    let mut cleanup = Ok(());
    for &n in &options.tables {
        cleanup = cleanup.and(drop_generated(conn, &format!("{scratch}_s{n}"), n).await);
    }
    cleanup = cleanup.and(
        conn.execute(format!("DROP SCHEMA IF EXISTS {} CASCADE", ident(&scratch)).as_str())
            .await
            .map(|_| ())
            .map_err(q),
    );
    let figures = result?;
    cleanup.map_err(|e| {
        DataError::Invalid(format!(
            "the benchmarks ran but the scratch schemas {scratch}* could not be dropped: {e}"
        ))
    })?;
    Ok(figures)
}

/// Drops a schema made by [`generate_schema`], a few tables per transaction: one
/// `DROP SCHEMA ... CASCADE` over thousands of objects would exhaust the server's lock table.
async fn drop_generated(conn: &mut PgConnection, schema: &str, n: usize) -> Result<()> {
    let s = ident(schema);
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(schema)
            .fetch_one(&mut *conn)
            .await
            .map_err(q)?;
    if !exists {
        return Ok(());
    }
    let tables: Vec<usize> = (0..n).rev().collect();
    for chunk in tables.chunks(50) {
        let names: Vec<String> = chunk.iter().map(|i| format!("{s}.t{i}")).collect();
        conn.execute(format!("DROP TABLE IF EXISTS {} CASCADE", names.join(", ")).as_str())
            .await
            .map_err(q)?;
    }
    conn.execute(format!("DROP SCHEMA {s} CASCADE").as_str())
        .await
        .map_err(q)?;
    Ok(())
}

async fn run_suites(
    conn: &mut PgConnection,
    options: &BenchOptions,
    scratch: &str,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Vec<Figure>> {
    let wants = |s: Suite| options.suite == Suite::All || options.suite == s;
    let mut figures = Vec::new();
    conn.execute(format!("CREATE SCHEMA {}", ident(scratch)).as_str())
        .await
        .map_err(q)?;
    if wants(Suite::Schema) {
        for &n in &options.tables {
            progress(&format!("schema: {n} tables"));
            let schema = format!("{scratch}_s{n}");
            figures.extend(schema::schema_suite(conn, &schema, n).await?);
            // Gone before the next suites, whose catalog reads should not pay for it.
            drop_generated(conn, &schema, n).await?;
        }
    }
    if wants(Suite::Insert) {
        progress("insert: 5,000 single-row inserts");
        figures.extend(insert::insert_suite(conn, scratch).await?);
    }
    if wants(Suite::Upsert) {
        progress(&format!("upsert: {} rows", options.rows));
        figures.extend(upsert::upsert_suite(conn, scratch, options.rows).await?);
    }
    if wants(Suite::Fetch) {
        progress("fetch: 1,000 rows with relations");
        figures.extend(fetch::fetch_suite(conn, scratch).await?);
    }
    Ok(figures)
}

/// Median times of `ours` and `reference`, run alternately (so that noise on a shared machine
/// falls on both), after a warm-up run of each.
async fn paired(
    conn: &mut PgConnection,
    runs: usize,
    mut ours: impl AsyncFnMut(&mut PgConnection) -> Result<()>,
    mut reference: impl AsyncFnMut(&mut PgConnection) -> Result<()>,
) -> Result<(f64, f64)> {
    ours(conn).await?;
    reference(conn).await?;
    let (mut a, mut b) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        let started = Instant::now();
        ours(conn).await?;
        a.push(ms(started.elapsed()));
        let started = Instant::now();
        reference(conn).await?;
        b.push(ms(started.elapsed()));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Ok((median(a), median(b)))
}
