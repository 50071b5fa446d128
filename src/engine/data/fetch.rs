//! Eager fetch: root rows with their related rows, as nested JSON.
//!
//! Many-to-one relations are LEFT JOINed into the query of the rows they hang from;
//! one-to-many and many-to-many relations are loaded with one batched `= ANY($1)` query per
//! level, whatever the number of rows. Values are rendered by the server (`to_json`), so types
//! are faithful: numeric as a string, timestamps in RFC 3339, bytea as base64, json as JSON.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use futures_util::TryStreamExt;
use sqlx::postgres::{PgConnection, PgRow};

use super::catalog::{Catalog, Table};
use super::error::{DataError, Result};
use super::filter::Filter;
use super::relations::{relations, Relation, RelationKind};
use super::render::{is_null, push_string, text, Shape};
use crate::diff::quote::ident;

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

/// The relation paths of `--with`, as a tree.
#[derive(Debug, Default)]
struct Paths(Vec<(String, Paths)>);

impl Paths {
    fn parse(with: &[String]) -> Paths {
        let mut root = Paths::default();
        for path in with.iter().flat_map(|w| w.split(',')) {
            let mut node = &mut root;
            for part in path.split('.').map(str::trim).filter(|p| !p.is_empty()) {
                let at = match node.0.iter().position(|(n, _)| n == part) {
                    Some(at) => at,
                    None => {
                        node.0.push((part.to_string(), Paths::default()));
                        node.0.len() - 1
                    }
                };
                node = &mut node.0[at].1;
            }
        }
        root
    }
}

struct Builder<'c> {
    catalog: &'c Catalog,
    select: Vec<String>,
    joins: Vec<String>,
    aliases: usize,
}

impl<'c> Builder<'c> {
    fn new(catalog: &'c Catalog) -> Self {
        Builder {
            catalog,
            select: Vec::new(),
            joins: Vec::new(),
            aliases: 1,
        }
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("t{}", self.aliases - 1)
    }

    fn node(&mut self, table: &Table, alias: &str, paths: &Paths) -> Result<Node> {
        let first = self.select.len();
        let (exprs, shape) = Shape::new(&table.columns, alias);
        self.select.extend(exprs);
        let available = relations(self.catalog, table);
        let mut rels = Vec::new();
        for (name, sub) in &paths.0 {
            let relation = available.iter().find(|r| &r.name == name).ok_or_else(|| {
                DataError::UnknownRelation {
                    table: table.display(),
                    name: name.clone(),
                    existing: available.iter().map(|r| r.name.clone()).collect(),
                }
            })?;
            let target = self.target(relation)?;
            if relation.kind == RelationKind::ManyToOne {
                let joined = self.alias();
                let on: Vec<String> = relation
                    .source_columns
                    .iter()
                    .zip(&relation.target_columns)
                    .map(|(s, t)| format!("{joined}.{} = {alias}.{}", ident(t), ident(s)))
                    .collect();
                self.joins.push(format!(
                    "LEFT JOIN {} AS {joined} ON {}",
                    target.qualified(),
                    on.join(" AND ")
                ));
                let node = self.node(target, &joined, sub)?;
                let probe_column = target
                    .columns
                    .iter()
                    .position(|c| c.name == relation.target_columns[0])
                    .expect("a foreign key references existing columns");
                rels.push(RelPlan::One {
                    name: name.clone(),
                    probe: node.first + probe_column,
                    node,
                });
            } else {
                let key_at = self.select.len();
                self.select.extend(
                    relation
                        .source_columns
                        .iter()
                        .map(|c| format!("{alias}.{}::text", ident(c))),
                );
                let query = child_query(self.catalog, relation, target, sub)?;
                rels.push(RelPlan::Many {
                    name: name.clone(),
                    key_at,
                    query: Box::new(query),
                });
            }
        }
        Ok(Node {
            shape,
            hint: Hint::default(),
            first,
            rels,
        })
    }

    fn target(&self, relation: &Relation) -> Result<&'c Table> {
        self.catalog
            .get(&relation.target_schema, &relation.target_table)
            .ok_or_else(|| {
                DataError::Invalid(format!(
                    "relation {} points to {}.{}, which is not readable",
                    relation.name, relation.target_schema, relation.target_table
                ))
            })
    }
}

/// ORDER BY for a table: its primary key (or first unique key), else every column.
fn default_order(table: &Table, alias: &str) -> Vec<String> {
    match table.identity_key() {
        Some(key) => key
            .columns
            .iter()
            .map(|c| format!("{alias}.{}", ident(c)))
            .collect(),
        None => (1..=table.columns.len()).map(|i| i.to_string()).collect(),
    }
}

/// The batched query of a to-many relation: parent key values come in as `$1..$n` text arrays.
fn child_query(
    catalog: &Catalog,
    relation: &Relation,
    target: &Table,
    paths: &Paths,
) -> Result<Query> {
    let mut b = Builder::new(catalog);
    let root_alias = b.alias();
    // The columns compared with the parent's key, and the table they are in.
    let (match_alias, match_table, match_columns, from) = match &relation.through {
        None => (
            root_alias.clone(),
            target,
            relation.target_columns.clone(),
            format!("{} AS {root_alias}", target.qualified()),
        ),
        Some(through) => {
            let join_table = catalog
                .get(&through.schema, &through.table)
                .ok_or_else(|| {
                    DataError::Invalid(format!("join table {} is missing", through.table))
                })?;
            let j = b.alias();
            let on: Vec<String> = through
                .target_columns
                .iter()
                .zip(&relation.target_columns)
                .map(|(jc, tc)| format!("{root_alias}.{} = {j}.{}", ident(tc), ident(jc)))
                .collect();
            (
                j.clone(),
                join_table,
                through.source_columns.clone(),
                format!(
                    "{} AS {j} JOIN {} AS {root_alias} ON {}",
                    join_table.qualified(),
                    target.qualified(),
                    on.join(" AND ")
                ),
            )
        }
    };
    b.select.extend(
        match_columns
            .iter()
            .map(|c| format!("{match_alias}.{}::text", ident(c))),
    );
    let root = b.node(target, &root_alias, paths)?;
    let mut condition = Vec::new();
    for (i, c) in match_columns.iter().enumerate() {
        let column = match_table.column(c)?;
        condition.push((
            format!("{match_alias}.{}", ident(c)),
            format!("${}::text[]::{}[]", i + 1, column.sql_type),
        ));
    }
    let condition = if let [(column, array)] = condition.as_slice() {
        format!("{column} = ANY({array})")
    } else {
        let (columns, arrays): (Vec<String>, Vec<String>) = condition.into_iter().unzip();
        format!(
            "({}) IN (SELECT * FROM unnest({}))",
            columns.join(", "),
            arrays.join(", ")
        )
    };
    let sql = format!(
        "SELECT {} FROM {from} {} WHERE {condition} ORDER BY {}",
        b.select.join(", "),
        b.joins.join(" "),
        default_order(target, &root_alias).join(", ")
    );
    Ok(Query {
        sql,
        root,
        parent_key: match_columns.len(),
    })
}

impl FetchPlan {
    /// Plans a fetch: resolves the table, relations, filters and order.
    pub fn new(catalog: &Catalog, request: &FetchRequest) -> Result<FetchPlan> {
        let table = catalog.table(&request.table)?;
        let mut b = Builder::new(catalog);
        let alias = b.alias();
        let root = b.node(table, &alias, &Paths::parse(&request.with))?;
        let mut binds = Vec::new();
        let mut conditions = Vec::new();
        for filter in &request.filters {
            conditions.push(filter.to_sql(table, &alias, binds.len() + 1)?);
            if let Some(value) = &filter.value {
                binds.push(Bind::Text(value.clone()));
            }
        }
        let mut order = Vec::new();
        for (name, desc) in &request.order_by {
            table.column(name)?;
            let dir = if *desc { " DESC" } else { "" };
            order.push(format!("{alias}.{}{dir}", ident(name)));
        }
        // Ties and the default order fall back to the key, so output is deterministic.
        order.extend(default_order(table, &alias));
        let mut sql = format!(
            "SELECT {} FROM {} AS {alias} {}",
            b.select.join(", "),
            table.qualified(),
            b.joins.join(" ")
        );
        if !conditions.is_empty() {
            sql.push_str(&format!(" WHERE {}", conditions.join(" AND ")));
        }
        sql.push_str(&format!(" ORDER BY {}", order.join(", ")));
        if let Some(limit) = request.limit {
            binds.push(Bind::Int(limit));
            sql.push_str(&format!(" LIMIT ${}", binds.len()));
        }
        if let Some(offset) = request.offset {
            binds.push(Bind::Int(offset));
            sql.push_str(&format!(" OFFSET ${}", binds.len()));
        }
        Ok(FetchPlan {
            query: Query {
                sql,
                root,
                parent_key: 0,
            },
            binds,
        })
    }

    /// The statements this plan runs, root first (for `--verbose` and tests).
    pub fn statements(&self) -> Vec<String> {
        fn walk(node: &Node, out: &mut Vec<String>) {
            for rel in &node.rels {
                match rel {
                    RelPlan::One { node, .. } => walk(node, out),
                    RelPlan::Many { query, .. } => {
                        out.push(query.sql.clone());
                        walk(&query.root, out);
                    }
                }
            }
        }
        let mut out = vec![self.query.sql.clone()];
        walk(&self.query.root, &mut out);
        out
    }

    /// Runs the plan: the root rows with every requested relation loaded.
    pub async fn run(&self, conn: &mut PgConnection) -> Result<Vec<Obj>> {
        for sql in self.statements() {
            tracing::info!("{sql}");
        }
        let mut query = sqlx::query(&self.query.sql);
        for bind in &self.binds {
            query = match bind {
                Bind::Text(v) => query.bind(v.as_str()),
                Bind::Int(v) => query.bind(*v),
            };
        }
        // Rows are decoded as they arrive, while the server is still sending the rest.
        let mut objs = Vec::new();
        {
            let mut rows = query.fetch(&mut *conn);
            while let Some(row) = rows
                .try_next()
                .await
                .map_err(|e| DataError::query("fetching rows", e))?
            {
                objs.push(decode(&row, &self.query.root)?);
            }
        }
        {
            let mut refs: Vec<&mut Obj> = objs.iter_mut().collect();
            load_many(conn, &self.query.root, &mut refs).await?;
        }
        Ok(objs)
    }

    /// Writes rows as JSON: an array (`ndjson` false) or one object a line.
    pub fn write_json(&self, objs: &[Obj], ndjson: bool, out: &mut String) {
        out.reserve(objs.iter().map(|o| o.fields.len() + 64).sum());
        if !ndjson {
            out.push('[');
        }
        for (i, obj) in objs.iter().enumerate() {
            if ndjson {
                write_obj(obj, &self.query.root, out);
                out.push('\n');
            } else {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                write_obj(obj, &self.query.root, out);
            }
        }
        if !ndjson {
            out.push_str(if objs.is_empty() { "]\n" } else { "\n]\n" });
        }
    }
}

fn decode(row: &PgRow, node: &Node) -> Result<Obj> {
    let mut fields = String::with_capacity(node.hint.get().max(16 * node.shape.keys.len()));
    node.shape.write_fields(row, node.first, &mut fields)?;
    node.hint.set(fields.len());
    let mut rels = Vec::with_capacity(node.rels.len());
    // Keys are kept (one slot per relation) only when a to-many relation needs them.
    let track = node.rels.iter().any(|r| matches!(r, RelPlan::Many { .. }));
    let mut keys = Vec::with_capacity(if track { node.rels.len() } else { 0 });
    for rel in &node.rels {
        match rel {
            RelPlan::One { node, probe, .. } => {
                let child = if is_null(row, *probe)? {
                    None
                } else {
                    Some(Box::new(decode(row, node)?))
                };
                rels.push(Rel::One(child));
                if track {
                    keys.push(None);
                }
            }
            RelPlan::Many { key_at, query, .. } => {
                let mut key = Vec::with_capacity(query.parent_key);
                for i in *key_at..*key_at + query.parent_key {
                    match text(row, i)? {
                        Some(v) => key.push(v),
                        None => break,
                    }
                }
                let complete = key.len() == query.parent_key;
                keys.push(complete.then_some(key));
                rels.push(Rel::Many(Vec::new()));
            }
        }
    }
    Ok(Obj { fields, rels, keys })
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Loads every to-many relation under `node` for `objs`, one query per relation.
fn load_many<'a>(
    conn: &'a mut PgConnection,
    node: &'a Node,
    objs: &'a mut [&mut Obj],
) -> Boxed<'a, Result<()>> {
    Box::pin(async move {
        for (i, rel) in node.rels.iter().enumerate() {
            match rel {
                RelPlan::One { node: child, .. } => {
                    let mut kids: Vec<&mut Obj> = objs
                        .iter_mut()
                        .filter_map(|o| match &mut o.rels[i] {
                            Rel::One(Some(kid)) => Some(&mut **kid),
                            _ => None,
                        })
                        .collect();
                    if !kids.is_empty() {
                        load_many(conn, child, &mut kids).await?;
                    }
                }
                RelPlan::Many { query, .. } => {
                    let mut wanted: Vec<&Vec<String>> =
                        objs.iter().filter_map(|o| o.keys[i].as_ref()).collect();
                    wanted.sort();
                    wanted.dedup();
                    if wanted.is_empty() {
                        continue;
                    }
                    let mut statement = sqlx::query(&query.sql);
                    for column in 0..query.parent_key {
                        let values: Vec<&str> = wanted.iter().map(|k| k[column].as_str()).collect();
                        statement = statement.bind(values);
                    }
                    let mut children = Vec::new();
                    let mut parents = Vec::new();
                    {
                        let mut rows = statement.fetch(&mut *conn);
                        while let Some(row) = rows
                            .try_next()
                            .await
                            .map_err(|e| DataError::query(format!("loading {}", rel.name()), e))?
                        {
                            let mut key = Vec::with_capacity(query.parent_key);
                            for c in 0..query.parent_key {
                                key.push(text(&row, c)?.unwrap_or_default());
                            }
                            parents.push(key);
                            children.push(decode(&row, &query.root)?);
                        }
                    }
                    {
                        let mut refs: Vec<&mut Obj> = children.iter_mut().collect();
                        load_many(conn, &query.root, &mut refs).await?;
                    }
                    let mut groups: HashMap<Vec<String>, Vec<Obj>> = HashMap::new();
                    for (key, child) in parents.into_iter().zip(children) {
                        groups.entry(key).or_default().push(child);
                    }
                    // Parents sharing a key (reached through different rows) each get a copy.
                    let mut remaining: HashMap<Vec<String>, usize> = HashMap::new();
                    for k in objs.iter().filter_map(|o| o.keys[i].clone()) {
                        *remaining.entry(k).or_default() += 1;
                    }
                    for o in objs.iter_mut() {
                        let Some(k) = o.keys[i].clone() else {
                            continue;
                        };
                        let left = remaining.get_mut(&k).expect("counted above");
                        *left -= 1;
                        let kids = if *left == 0 {
                            groups.remove(&k).unwrap_or_default()
                        } else {
                            groups.get(&k).cloned().unwrap_or_default()
                        };
                        o.rels[i] = Rel::Many(kids);
                    }
                }
            }
        }
        Ok(())
    })
}

fn write_obj(obj: &Obj, node: &Node, out: &mut String) {
    out.push('{');
    out.push_str(&obj.fields);
    for (i, (rel, value)) in node.rels.iter().zip(&obj.rels).enumerate() {
        if i > 0 || !obj.fields.is_empty() {
            out.push(',');
        }
        push_string(rel.name(), out);
        out.push(':');
        match (rel, value) {
            (RelPlan::One { node, .. }, Rel::One(Some(child))) => write_obj(child, node, out),
            (_, Rel::One(None)) => out.push_str("null"),
            (RelPlan::Many { query, .. }, Rel::Many(children)) => {
                out.push('[');
                for (j, child) in children.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    write_obj(child, &query.root, out);
                }
                out.push(']');
            }
            _ => unreachable!("relations decode into their planned shape"),
        }
    }
    out.push('}');
}

/// The relations of a table, for `--relations`.
pub fn list_relations(catalog: &Catalog, table: &str) -> Result<Vec<Relation>> {
    Ok(relations(catalog, catalog.table(table)?))
}
