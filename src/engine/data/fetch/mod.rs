//! Eager fetch: root rows with their related rows, as nested JSON.
//!
//! Many-to-one relations are LEFT JOINed into the query of the rows they hang from;
//! one-to-many and many-to-many relations are loaded with one batched `= ANY($1)` query per
//! level, whatever the number of rows. Values are rendered by the server (`to_json`), so types
//! are faithful: numeric as a string, timestamps in RFC 3339, bytea as base64, json as JSON.
//!
//! [`plan`] resolves relations and writes the statements, [`exec`] runs them and decodes the
//! rows into a tree of [`Obj`], and [`json`] writes that tree out.

mod exec;
mod json;
mod plan;

use crate::engine::data::catalog::Catalog;
use crate::engine::data::error::Result;
use crate::engine::data::filter::Filter;
use crate::engine::data::relations::{relations, Relation};
use crate::engine::data::render::Shape;

/// What to fetch.
#[derive(Debug, Clone, Default)]
pub struct FetchRequest {
    pub table: String,
    pub filters: Vec<Filter>,
    /// Relation paths such as `comments.author`.
    pub with: Vec<String>,
    /// Columns and whether descending (default: the primary key).
    pub order_by: Vec<(String, bool)>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// A fetched row: its columns as JSON (`"a":1,"b":"x"`, no braces) and its loaded relations.
#[derive(Debug, Clone)]
pub struct Obj {
    pub fields: String,
    pub rels: Vec<Rel>,
    /// For each to-many relation: the values its children are matched on.
    keys: Vec<Option<Vec<String>>>,
}

/// A loaded relation.
#[derive(Debug, Clone)]
pub enum Rel {
    One(Option<Box<Obj>>),
    Many(Vec<Obj>),
}

/// A capacity hint shared by the rows of one node.
#[derive(Debug, Default)]
struct Hint(std::sync::atomic::AtomicUsize);

impl Clone for Hint {
    fn clone(&self) -> Self {
        Hint(std::sync::atomic::AtomicUsize::new(self.get()))
    }
}

impl Hint {
    fn get(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn set(&self, n: usize) {
        self.0
            .store(n + n / 4, std::sync::atomic::Ordering::Relaxed)
    }
}

/// A table in a query: where its columns sit in the result row and what hangs from it.
#[derive(Debug, Clone)]
struct Node {
    /// How the node's columns are rendered.
    shape: Shape,
    /// The length of the last row's JSON: a capacity that usually fits the next.
    hint: Hint,
    first: usize,
    rels: Vec<RelPlan>,
}

#[derive(Debug, Clone)]
enum RelPlan {
    /// A joined many-to-one: `probe` is a result column that is NULL exactly when no row matched.
    One {
        name: String,
        node: Node,
        probe: usize,
    },
    /// A to-many relation: the parent's matching values are at `key_at..key_at + n`.
    Many {
        name: String,
        key_at: usize,
        query: Box<Query>,
    },
}

impl RelPlan {
    fn name(&self) -> &str {
        match self {
            RelPlan::One { name, .. } | RelPlan::Many { name, .. } => name,
        }
    }
}

/// One SQL statement and the tree of tables it returns.
#[derive(Debug, Clone)]
struct Query {
    sql: String,
    root: Node,
    /// For child queries: how many leading result columns hold the parent's key.
    parent_key: usize,
}

/// A planned fetch, reusable on any connection to the same schema.
#[derive(Debug, Clone)]
pub struct FetchPlan {
    query: Query,
    binds: Vec<Bind>,
}

#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    Int(i64),
}

/// The relations of a table, for `--relations`.
pub fn list_relations(catalog: &Catalog, table: &str) -> Result<Vec<Relation>> {
    Ok(relations(catalog, catalog.table(table)?))
}
