//! Eager fetch: root rows with their related rows, as nested JSON.
//!
//! Many-to-one relations are LEFT JOINed into the query of the rows they hang from;
//! one-to-many and many-to-many relations are loaded with one batched `= ANY($1)` query per
//! level, whatever the number of rows. Values are rendered by the server (`to_json`), so types
//! are faithful: numeric as a string, timestamps in RFC 3339, bytea as base64, json as JSON.
//!
//! [`plan`] resolves relations and writes the statements, [`exec`] runs them and decodes the
//! rows into a tree of [`Obj`], each row built by a [`RowBuilder`]: [`JsonRows`] writes the
//! JSON text of its columns, which [`json`] joins into the output, and [`TypedRows`] decodes
//! typed values (what the Python module turns into its objects). [`FetchPlan::layout`] names
//! the columns and relations of every level of the tree.

mod exec;
pub use exec::STREAM_BATCH;
mod json;
pub use json::JsonStream;
mod plan;

use crate::engine::data::catalog::Catalog;
use crate::engine::data::condition::Condition;
use crate::engine::data::error::Result;
use crate::engine::data::filter::Filter;
use crate::engine::data::relations::{relations, Relation};
use crate::engine::data::render::{value, Shape};
use crate::engine::data::value::Value;
use sqlx::postgres::PgRow;

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
    /// A condition built by a program, ANDed with `filters`; its arguments are the first
    /// parameters of the root query, which the caller binds ([`FetchPlan::run_with_args`]).
    pub condition: Option<Condition>,
    /// Select every column as stored (each value in the binary form of its own type) rather
    /// than rendered for JSON: for builders that decode values themselves.
    pub stored: bool,
    /// Cast the condition's arguments to their columns' types in the SQL (for a caller that
    /// types its arguments itself rather than by the server's inference).
    pub cast_args: bool,
}

/// A fetched row: its columns as its builder made them (for [`JsonRows`], `"a":1,"b":"x"`
/// without braces) and its loaded relations, in the order of [`Layout::relations`].
#[derive(Debug, Clone)]
pub struct Obj<R = String> {
    pub fields: R,
    pub rels: Vec<Rel<R>>,
    /// For each to-many relation: the values its children are matched on.
    keys: Vec<Option<Vec<String>>>,
}

/// A loaded relation.
#[derive(Debug, Clone)]
pub enum Rel<R = String> {
    One(Option<Box<Obj<R>>>),
    Many(Vec<Obj<R>>),
}

/// The columns of one table in a result row, as a [`RowBuilder`] sees them.
pub struct Columns<'a> {
    shape: &'a Shape,
    first: usize,
    hint: &'a Hint,
}

impl Columns<'_> {
    /// The columns' names, in order.
    pub fn names(&self) -> &[String] {
        &self.shape.names
    }

    /// Where the columns are in the result row.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.first..self.first + self.shape.names.len()
    }

    /// A guess at the bytes a builder needs for this table's part of a row (from the rows
    /// before, through [`Columns::used`]), to allocate once.
    pub fn size_hint(&self) -> usize {
        self.hint.get()
    }

    /// Tells the next rows' [`Columns::size_hint`] how many bytes this row took.
    pub fn used(&self, bytes: usize) {
        self.hint.set(bytes)
    }

    /// The columns as JSON object members: `"a":1,"b":"x"`.
    pub fn write_json(&self, row: &PgRow, out: &mut String) -> Result<()> {
        self.shape.write_fields(row, self.first, out)
    }

    /// The columns as typed values, in order.
    pub fn values(&self, row: &PgRow) -> Result<Vec<Value>> {
        (0..self.shape.renders.len())
            .map(|i| value(row, self.first + i, self.shape.renders[i]))
            .collect()
    }
}

/// Builds the caller's form of a row from its columns.
pub trait RowBuilder: Sync {
    type Row: Clone + Send;

    fn build(&self, row: &PgRow, columns: &Columns<'_>) -> Result<Self::Row>;

    /// Called for each statement the fetch sends (the root query and each to-many level
    /// that has parents to load), for a caller that counts them.
    fn sent(&self) {}
}

/// Rows as the JSON text of their columns (what `dbridge fetch` prints).
pub struct JsonRows;

impl RowBuilder for JsonRows {
    type Row = String;

    fn build(&self, row: &PgRow, columns: &Columns<'_>) -> Result<String> {
        let keys = columns.shape.keys.len();
        let mut fields = String::with_capacity(columns.hint.get().max(16 * keys));
        columns.write_json(row, &mut fields)?;
        columns.hint.set(fields.len());
        Ok(fields)
    }
}

/// Rows as typed values, in column order.
pub struct TypedRows;

impl RowBuilder for TypedRows {
    type Row = Vec<Value>;

    fn build(&self, row: &PgRow, columns: &Columns<'_>) -> Result<Vec<Value>> {
        columns.values(row)
    }
}

/// The names at one level of a fetched tree: its columns, and its relations with theirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub columns: Vec<String>,
    /// Each relation's name, whether it holds many rows, and its own layout.
    pub relations: Vec<(String, bool, Layout)>,
}

impl Node {
    fn layout(&self) -> Layout {
        Layout {
            columns: self.shape.names.clone(),
            relations: self
                .rels
                .iter()
                .map(|r| match r {
                    RelPlan::One { name, node, .. } => (name.clone(), false, node.layout()),
                    RelPlan::Many { name, query, .. } => (name.clone(), true, query.root.layout()),
                })
                .collect(),
        }
    }
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
    /// Values of the filters, bound after the caller's.
    binds: Vec<String>,
    /// How many leading parameters of the root query the caller binds (the condition's).
    args: usize,
}

impl FetchPlan {
    /// The names of the columns and relations at every level of the rows [`FetchPlan::run`]
    /// returns.
    pub fn layout(&self) -> Layout {
        self.query.root.layout()
    }

    /// The root query, for a caller that prepares it to learn the types of the arguments it
    /// binds.
    pub fn root_sql(&self) -> &str {
        &self.query.sql
    }

    /// How many leading parameters of the root query the caller binds.
    pub fn args(&self) -> usize {
        self.args
    }
}

/// The relations of a table, for `--relations`.
pub fn list_relations(catalog: &Catalog, table: &str) -> Result<Vec<Relation>> {
    Ok(relations(catalog, catalog.table(table)?))
}
