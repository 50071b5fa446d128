//! Planning a fetch: the relation paths resolved against the catalog, and the root and
//! child statements with their binds.

use super::{FetchPlan, FetchRequest, Hint, Node, Query, RelPlan};
use crate::diff::quote::ident;
use crate::engine::data::catalog::{Catalog, Table};
use crate::engine::data::condition::Condition;
use crate::engine::data::error::{DataError, Result};
use crate::engine::data::relations::{relations, Relation, RelationKind};
use crate::engine::data::render::Shape;

/// The relation paths of `--with`, as a tree.
#[derive(Debug, Default)]
pub(super) struct Paths(Vec<(String, Paths)>);

impl Paths {
    /// Parses `--with` values: paths separated by commas, relations in a path by dots; a
    /// relation whose name holds a dot or a comma is written in double quotes
    /// (`"audit.log".author`, with `""` for a quote). An empty path or relation is an error.
    fn parse(with: &[String]) -> Result<Paths> {
        let mut root = Paths::default();
        for value in with {
            for path in split_path(value, ',')? {
                let parts = split_path(&path, '.')?;
                if parts.iter().any(|p| p.is_empty()) {
                    return Err(DataError::Invalid(format!(
                        "--with {value:?}: {} has an empty relation name; write relations as name or parent.child, separated by commas",
                        if path.trim().is_empty() { "a path".to_string() } else { format!("{path:?}") }
                    )));
                }
                let mut node = &mut root;
                for part in parts {
                    let at = match node.0.iter().position(|(n, _)| *n == part) {
                        Some(at) => at,
                        None => {
                            node.0.push((part, Paths::default()));
                            node.0.len() - 1
                        }
                    };
                    node = &mut node.0[at].1;
                }
            }
        }
        Ok(root)
    }
}

/// Splits `text` at each `separator` outside double quotes. With `.` the pieces are names:
/// trimmed, with their quotes removed; with `,` they are kept as written for the next split.
fn split_path(text: &str, separator: char) -> Result<Vec<String>> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let names = separator == '.';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                current.push_str(if names { "\"" } else { "\"\"" });
            }
            '"' => {
                quoted = !quoted;
                if !names {
                    current.push(c);
                }
            }
            c if c == separator && !quoted => pieces.push(std::mem::take(&mut current)),
            c if names && !quoted && c.is_whitespace() => {}
            c => current.push(c),
        }
    }
    if quoted {
        return Err(DataError::Invalid(format!(
            "--with {text:?}: a double quote is not closed"
        )));
    }
    pieces.push(current);
    Ok(pieces)
}

pub(super) struct Builder<'c> {
    catalog: &'c Catalog,
    /// Columns selected as stored, not rendered for JSON.
    stored: bool,
    select: Vec<String>,
    joins: Vec<String>,
    aliases: usize,
}

impl<'c> Builder<'c> {
    fn new(catalog: &'c Catalog, stored: bool) -> Self {
        Builder {
            catalog,
            stored,
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
        let (exprs, shape) = if self.stored {
            Shape::stored(&table.columns, alias)
        } else {
            Shape::new(&table.columns, alias)
        };
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
                let query = child_query(self.catalog, relation, target, sub, self.stored)?;
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
pub(super) fn default_order(table: &Table, alias: &str) -> Vec<String> {
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
pub(super) fn child_query(
    catalog: &Catalog,
    relation: &Relation,
    target: &Table,
    paths: &Paths,
    stored: bool,
) -> Result<Query> {
    let mut b = Builder::new(catalog, stored);
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
            format!("${}::text[]::{}[]", i + 1, column.cast_type),
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
        let mut b = Builder::new(catalog, request.stored);
        let alias = b.alias();
        let root = b.node(table, &alias, &Paths::parse(&request.with)?)?;
        let mut binds = Vec::new();
        let mut conditions = Vec::new();
        let args = request.condition.as_ref().map_or(0, Condition::arg_count);
        if let Some(condition) = &request.condition {
            conditions.extend(condition.to_sql(table, &alias, 0, request.cast_args)?);
        }
        for filter in &request.filters {
            conditions.push(filter.to_sql(table, &alias, args + binds.len() + 1)?);
            if let Some(value) = &filter.value {
                binds.push(value.clone());
            }
        }
        let mut order = Vec::new();
        for (name, desc) in &request.order_by {
            table.column(name)?;
            let dir = if *desc { " DESC" } else { "" };
            order.push(format!("{alias}.{}{dir}", ident(name)));
        }
        // Ties and the default order fall back to the key, so output is deterministic.
        // (A column already ordered by is not repeated.)
        for term in default_order(table, &alias) {
            let repeated = order
                .iter()
                .any(|o| o.strip_suffix(" DESC").unwrap_or(o) == term);
            if !repeated {
                order.push(term);
            }
        }
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
        // Written as numbers rather than bound: a statement whose only parameters are these
        // would be planned again at every run, as the plan depends on them.
        if let Some(limit) = request.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        if let Some(offset) = request.offset {
            sql.push_str(&format!(" OFFSET {offset}"));
        }
        Ok(FetchPlan {
            query: Query {
                sql,
                root,
                parent_key: 0,
            },
            binds,
            args,
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
}
