//! `dbridge bench`: the engine measured next to a reference run in the same process, on the
//! same connection, in a scratch schema that is dropped at the end.
//!
//! - schema: introspection and diff + rendering of generated schemas, next to one catalog
//!   query over their columns;
//! - insert: single-row `INSERT ... RETURNING` latency, next to the `SELECT 1` round trip;
//! - upsert: rows/s with half the rows conflicting, next to the hand-written COPY-into-a-
//!   temporary-table pipeline and to plain COPY into an empty table;
//! - fetch: 1,000 rows with relations, next to one hand-written JOIN and to N+1 queries.

use std::time::{Duration, Instant};

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor, Row};

use super::catalog::Catalog;
use super::error::{DataError, Result};
use super::fetch::{FetchPlan, FetchRequest};
use super::input::{Format, Reader};
use super::insert::InsertOne;
use super::upsert::{upsert, UpsertOptions};
use crate::diff::model::Database;
use crate::diff::quote::ident;
use crate::diff::{Plan, Renames};
use crate::engine::postgres::inspect;

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
            figures.extend(schema_suite(conn, &schema, n).await?);
            // Gone before the next suites, whose catalog reads should not pay for it.
            drop_generated(conn, &schema, n).await?;
        }
    }
    if wants(Suite::Insert) {
        progress("insert: 5,000 single-row inserts");
        figures.extend(insert_suite(conn, scratch).await?);
    }
    if wants(Suite::Upsert) {
        progress(&format!("upsert: {} rows", options.rows));
        figures.extend(upsert_suite(conn, scratch, options.rows).await?);
    }
    if wants(Suite::Fetch) {
        progress("fetch: 1,000 rows with relations");
        figures.extend(fetch_suite(conn, scratch).await?);
    }
    Ok(figures)
}

/// A schema of `n` tables: mixed column types, an enum, indexes (one partial, one on an
/// expression), checks, a foreign-key chain and a view on every tenth table.
pub fn generate_schema(schema: &str, n: usize) -> String {
    let s = ident(schema);
    let mut sql = format!(
        "CREATE SCHEMA {s};\nCREATE TYPE {s}.status AS ENUM ('new', 'active', 'archived');\n"
    );
    for i in 0..n {
        let parent = if i > 0 {
            format!(",\n    parent_id bigint REFERENCES {s}.t{}(id)", i - 1)
        } else {
            String::new()
        };
        sql.push_str(&format!(
            "CREATE TABLE {s}.t{i} (\n    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n    \
             name text NOT NULL,\n    email varchar(200) UNIQUE,\n    amount numeric(12,2) CHECK (amount >= 0),\n    \
             score double precision,\n    active boolean NOT NULL DEFAULT true,\n    \
             status {s}.status NOT NULL DEFAULT 'new',\n    payload jsonb,\n    tags text[],\n    \
             created_at timestamptz NOT NULL DEFAULT now(){parent}\n);\n\
             CREATE INDEX t{i}_name ON {s}.t{i} (name);\n\
             CREATE INDEX t{i}_recent ON {s}.t{i} (created_at DESC) WHERE status <> 'archived';\n\
             CREATE INDEX t{i}_lower ON {s}.t{i} (lower(name));\n"
        ));
        if i % 10 == 0 {
            sql.push_str(&format!(
                "CREATE VIEW {s}.v{i} AS SELECT id, name, amount FROM {s}.t{i} WHERE status = 'active';\n"
            ));
        }
    }
    sql
}

/// `db` with every tenth table missing its last column and its expression index.
fn variant(db: &Database) -> Database {
    let mut changed = db.clone();
    for (i, table) in changed.tables.iter_mut().enumerate() {
        if i % 10 == 0 {
            table.columns.pop();
            table
                .constraints
                .retain(|c| !c.name.ends_with("parent_id_fkey"));
            table.indexes.retain(|x| !x.name.ends_with("_lower"));
        }
    }
    changed
}

async fn schema_suite(conn: &mut PgConnection, schema: &str, n: usize) -> Result<Vec<Figure>> {
    conn.execute(generate_schema(schema, n).as_str())
        .await
        .map_err(q)?;
    let started = Instant::now();
    let columns = sqlx::query(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await
    .map_err(q)?;
    let reference = ms(started.elapsed());
    let reference_name = format!("one catalog query over their {} columns", columns.len());
    let started = Instant::now();
    let db = inspect::inspect(conn, &[schema.to_string()]).await?;
    let introspect = ms(started.elapsed());
    let from = variant(&db);
    let started = Instant::now();
    let plan = Plan::new(&from, &db, &Renames::default())
        .map_err(|e| DataError::Invalid(e.to_string()))?;
    let sql = plan.up_sql();
    let diff = ms(started.elapsed());
    if sql.is_empty() {
        return Err(DataError::Invalid(
            "the schema benchmark produced no changes".into(),
        ));
    }
    Ok(vec![
        figure(
            Suite::Schema,
            format!("introspect {n} tables"),
            introspect,
            "ms",
            &reference_name,
            reference,
        ),
        figure(
            Suite::Schema,
            format!("diff + render {n} tables"),
            diff,
            "ms",
            &reference_name,
            reference,
        ),
    ])
}

fn percentiles(mut samples: Vec<f64>) -> [f64; 3] {
    samples.sort_by(f64::total_cmp);
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    [at(0.50), at(0.95), at(0.99)]
}

async fn insert_suite(conn: &mut PgConnection, scratch: &str) -> Result<Vec<Figure>> {
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

/// NDJSON and COPY text for `n` rows with ids 1..=n.
fn upsert_rows(n: usize) -> (Vec<u8>, Vec<u8>) {
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
struct UpsertBench {
    table: super::catalog::Table,
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
        let summary = upsert(conn, &self.table, reader, "bench", &options, &|_, _| {}).await?;
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
async fn copy_in(conn: &mut PgConnection, statement: &str, data: &[u8]) -> Result<()> {
    let mut sink = conn.copy_in_raw(statement).await.map_err(q)?;
    for chunk in data.chunks(1 << 20) {
        sink.send(chunk).await.map_err(q)?;
    }
    sink.finish().await.map_err(q)?;
    Ok(())
}

async fn upsert_suite(conn: &mut PgConnection, scratch: &str, n: usize) -> Result<Vec<Figure>> {
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

async fn fetch_suite(conn: &mut PgConnection, scratch: &str) -> Result<Vec<Figure>> {
    let s = ident(scratch);
    conn.execute(
        format!(
            "CREATE TABLE {s}.authors (id int PRIMARY KEY, name text NOT NULL, email text);
             CREATE TABLE {s}.posts (id int PRIMARY KEY, author_id int REFERENCES {s}.authors,
                 title text NOT NULL, body text, created_at timestamptz NOT NULL DEFAULT now());
             CREATE TABLE {s}.comments (id int PRIMARY KEY, post_id int NOT NULL REFERENCES {s}.posts,
                 body text);
             CREATE INDEX ON {s}.comments (post_id);
             INSERT INTO {s}.authors SELECT g, 'author ' || g, 'a' || g || '@example.com'
                 FROM generate_series(1, 100) g;
             INSERT INTO {s}.posts SELECT g, 1 + g % 100, 'post ' || g, repeat('text ', 20), now()
                 FROM generate_series(1, 1000) g;
             INSERT INTO {s}.comments SELECT g, 1 + g % 1000, 'comment ' || g
                 FROM generate_series(1, 3000) g;
             ANALYZE {s}.authors; ANALYZE {s}.posts; ANALYZE {s}.comments;"
        )
        .as_str(),
    )
    .await
    .map_err(q)?;
    let catalog = Catalog::load(conn).await?;
    let plan = |with: &[&str]| {
        FetchPlan::new(
            &catalog,
            &FetchRequest {
                table: format!("{scratch}.posts"),
                with: with.iter().map(|w| w.to_string()).collect(),
                limit: Some(1000),
                ..FetchRequest::default()
            },
        )
    };
    let many_to_one = plan(&["author"])?;
    let both = plan(&["author", "comments"])?;
    const RUNS: usize = 21;

    let join_sql = format!(
        "SELECT p.id, p.author_id, p.title, p.body, p.created_at::text, a.id, a.name, a.email \
         FROM {s}.posts p LEFT JOIN {s}.authors a ON a.id = p.author_id ORDER BY p.id LIMIT 1000"
    );
    let (ours_join, hand_join) = paired(
        conn,
        RUNS,
        async |conn: &mut PgConnection| {
            let rows = many_to_one.run(conn).await?;
            let mut out = String::new();
            many_to_one.write_json(&rows, false, &mut out);
            Ok(())
        },
        async |conn: &mut PgConnection| {
            let rows = sqlx::query(&join_sql)
                .fetch_all(&mut *conn)
                .await
                .map_err(q)?;
            for row in &rows {
                let _: (i32, Option<i32>, String, Option<String>, String) =
                    (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
                let _: (Option<i32>, Option<String>, Option<String>) =
                    (row.get(5), row.get(6), row.get(7));
            }
            Ok(())
        },
    )
    .await?;
    let posts_sql = format!(
        "SELECT id, author_id, title, body, created_at::text FROM {s}.posts ORDER BY id LIMIT 1000"
    );
    let author_sql = format!("SELECT id, name, email FROM {s}.authors WHERE id = $1");
    let comments_sql =
        format!("SELECT id, post_id, body FROM {s}.comments WHERE post_id = $1 ORDER BY id");
    let (ours_both, n_plus_one) = paired(
        conn,
        3,
        async |conn: &mut PgConnection| {
            let rows = both.run(conn).await?;
            let mut out = String::new();
            both.write_json(&rows, false, &mut out);
            Ok(())
        },
        async |conn: &mut PgConnection| {
            let posts = sqlx::query(&posts_sql)
                .fetch_all(&mut *conn)
                .await
                .map_err(q)?;
            for post in &posts {
                let id: i32 = post.get(0);
                let author: Option<i32> = post.get(1);
                if let Some(author) = author {
                    sqlx::query(&author_sql)
                        .bind(author)
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(q)?;
                }
                sqlx::query(&comments_sql)
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(q)?;
            }
            Ok(())
        },
    )
    .await?;
    Ok(vec![
        figure(
            Suite::Fetch,
            "1,000 posts with their author (JSON)",
            ours_join,
            "ms",
            "one hand-written JOIN",
            hand_join,
        ),
        figure(
            Suite::Fetch,
            "1,000 posts with author and comments (JSON)",
            ours_both,
            "ms",
            "N+1 queries (2,001 statements)",
            n_plus_one,
        ),
    ])
}
