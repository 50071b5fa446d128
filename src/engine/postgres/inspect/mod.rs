//! Introspection: reads a live database into the schema model.
//!
//! `queries` holds the queries, one per kind of object, each returning
//! catalog rows keyed by object id; the functions below join them into the model without
//! touching the server, except for the indexes whose expressions and operator classes only
//! the server can write, and the checks, predicates and defaults whose node trees
//! `node_tree` cannot write: one more query each fetches those.

/// Which schemas a query reads; `n` is the `pg_namespace` alias.
macro_rules! in_schemas {
    () => {
        " n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' \
          AND ($1::text[] IS NULL OR n.nspname = ANY($1)) "
    };
}

mod assemble;
mod definition_queries;
mod definitions;
mod expression_queries;
mod expressions;
mod foreign_queries;
mod indexes;
mod keys;
mod names;
mod node_tree;
mod partitions;
mod queries;
mod relations;
mod routine_queries;
mod rows;
mod triggers;
mod typedefs;

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Executor, Row};

use self::assemble::assemble;
use self::indexes::{needs_server, ServerIndex};
use self::names::ColumnNames;
pub use self::names::Quoter;
use self::queries as catalog;
use self::rows::*;
use crate::diff::model::*;
use crate::engine::error::{Error, Result};

/// Catalog ids of the system catalogs that comments and extension memberships point into
/// (fixed in every PostgreSQL release).
const PG_CLASS: i64 = 1259;
const PG_TYPE: i64 = 1247;
const PG_PROC: i64 = 1255;
const PG_NAMESPACE: i64 = 2615;
const PG_CONSTRAINT: i64 = 2606;
const PG_TRIGGER: i64 = 2620;
const PG_POLICY: i64 = 3256;

/// How much of a database introspection reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every kind of object, for `inspect` and `diff`.
    Everything,
    /// Tables and views with their columns, keys and indexes, and the types their columns
    /// use: what the data commands need, in fewer round trips. Comments, functions,
    /// triggers, policies, sequences and extension memberships are left out.
    Tables,
}

/// The queries [`Scope::Tables`] runs.
const TABLE_QUERIES: &[&str] = &[
    "server",
    "types",
    "relations",
    "columns",
    "constraints",
    "indexes",
];

/// Reads the schemas named in `schemas` (all non-system schemas when empty).
pub async fn inspect(conn: &mut PgConnection, schemas: &[String]) -> Result<Database> {
    inspect_scope(conn, schemas, Scope::Everything).await
}

/// Reads what `scope` covers of the schemas named in `schemas`.
pub async fn inspect_scope(
    conn: &mut PgConnection,
    schemas: &[String],
    scope: Scope,
) -> Result<Database> {
    conn.execute("SELECT pg_catalog.set_config('search_path', '', false)")
        .await
        .map_err(|e| Error::query("setting search_path for introspection", e))?;
    let started = std::time::Instant::now();
    let read = read(conn, schemas, scope).await;
    let _ = conn.execute("RESET search_path").await;
    let read = read?;
    decode_failure()?;
    let db = assemble(&read);
    decode_failure()?;
    let db = db?;
    tracing::info!(
        "inspected {} tables, {} views, {} functions in {:.1} ms \
         ({} expressions written from their node trees, {} by the server)",
        db.tables.len(),
        db.views.len(),
        db.functions.len(),
        started.elapsed().as_secs_f64() * 1000.0,
        read.expressions.written_here,
        read.expressions.by_server,
    );
    Ok(db)
}

/// The rows of the kinds kept as statements, of the kinds the database may hold.
async fn read_definitions(
    conn: &mut PgConnection,
    filter: &Option<Vec<String>>,
) -> Result<Vec<PgRow>> {
    let present: Vec<bool> = sqlx::query_scalar(definition_queries::CENSUS)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| Error::query("listing the kinds of objects present", e))?;
    let Some(sql) = definition_queries::kinds_query(&present) else {
        return Ok(Vec::new());
    };
    // Built for this database: not worth a prepared statement of its own.
    sqlx::query(&sql)
        .bind(filter)
        .persistent(false)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::query("reading collations, operators, rules and the like", e))
}

/// The rows of every catalog query, plus what the server says about some indexes.
struct Rows {
    by_query: BTreeMap<&'static str, Vec<PgRow>>,
    /// The rows of each kind kept as statements (none for [`Scope::Tables`]).
    definitions: Vec<PgRow>,
    /// The indexes that are not `simple`, by object id.
    server_indexes: HashMap<i64, ServerIndex>,
    /// The referenced column names of foreign keys to tables that were not read.
    referenced_columns: HashMap<i64, Vec<String>>,
    columns: ColumnNames,
    /// Identifiers quoted as this server does.
    quoter: Quoter,
    /// Checks, index predicates and column defaults.
    expressions: expressions::Expressions,
}

impl std::ops::Index<&str> for Rows {
    type Output = Vec<PgRow>;
    fn index(&self, query: &str) -> &Vec<PgRow> {
        &self.by_query[query]
    }
}

async fn read(conn: &mut PgConnection, schemas: &[String], scope: Scope) -> Result<Rows> {
    let filter: Option<Vec<String>> = (!schemas.is_empty()).then(|| schemas.to_vec());
    let mut by_query = BTreeMap::new();
    decode_failure()?;
    for (name, sql) in catalog::ALL {
        if scope == Scope::Tables && !TABLE_QUERIES.contains(&name) {
            by_query.insert(name, Vec::new());
            continue;
        }
        let mut query = sqlx::query(sql);
        if sql.contains("$1") {
            query = query.bind(&filter);
        }
        let fetched = query
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::query(format!("reading {name}"), e))?;
        by_query.insert(name, fetched);
    }
    let definitions = if scope == Scope::Tables {
        Vec::new()
    } else {
        read_definitions(conn, &filter).await?
    };
    let columns = ColumnNames::with_capacity(by_query["columns"].len());
    let mut rows = Rows {
        by_query,
        definitions,
        server_indexes: HashMap::new(),
        referenced_columns: HashMap::new(),
        columns,
        quoter: Quoter::new([]),
        expressions: Default::default(),
    };
    if let Some(r) = rows["server"].first() {
        rows.quoter = Quoter::new(get::<Vec<String>>(r, 2));
    }
    for r in &rows.by_query["columns"] {
        rows.columns
            .insert(get(r, 0), get(r, 1), get(r, 2), get(r, 10));
    }
    rows.expressions = expressions::read(conn, &rows).await?;
    let oids: Vec<i64> = rows["indexes"]
        .iter()
        .filter(|r| needs_server(&rows.columns, r))
        .map(|r| get(r, 0))
        .collect();
    decode_failure()?;
    if !oids.is_empty() {
        let fetched = sqlx::query(catalog::SERVER_INDEX_DEFINITIONS)
            .bind(&oids)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::query("reading index definitions", e))?;
        for r in &fetched {
            let index = ServerIndex {
                definition: get(r, 1),
                parts: get(r, 2),
            };
            rows.server_indexes.insert(get(r, 0), index);
        }
    }
    let outside: Vec<i64> = rows["constraints"]
        .iter()
        .filter(|r| keys::references_unread_table(&rows.columns, r))
        .map(|r| get(r, 0))
        .collect();
    decode_failure()?;
    if !outside.is_empty() {
        let fetched = sqlx::query(catalog::REFERENCED_COLUMNS)
            .bind(&outside)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::query("reading referenced columns", e))?;
        for r in &fetched {
            rows.referenced_columns.insert(get(r, 0), get(r, 1));
        }
    }
    decode_failure()?;
    Ok(rows)
}
