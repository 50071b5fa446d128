//! What rendering a change needs to know beyond the change itself: what exists before
//! and after, what the plan drops, and what depends on what.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::diff::change::{Change, Object};
use crate::diff::model::*;
use crate::diff::quote::SqlName;

/// What rendering needs to know beyond the change itself.
pub struct Context<'a> {
    /// Render lock-safe forms (`--safe`).
    pub(crate) safe: bool,
    /// Tables that exist before the plan runs.
    existing: HashSet<QualifiedName>,
    pub from: &'a Database,
    pub to: &'a Database,
    dropped_tables: BTreeSet<QualifiedName>,
    dropped_columns: BTreeSet<(QualifiedName, String)>,
    dropped_views: BTreeSet<QualifiedName>,
    /// What the objects the plan drops are named by after `GRANT ... ON` (`TABLE app.t`),
    /// with the sequences the dropped tables own.
    dropped_targets: HashSet<String>,
    /// Views that read themselves through other views, before and after the plan.
    cycles_before: HashSet<QualifiedName>,
    cycles_after: HashSet<QualifiedName>,
    /// Parents of each table (partition parent, inheritance parents) and what each view
    /// reads, from `to` where the object exists there, else from `from`.
    parents: HashMap<QualifiedName, Vec<QualifiedName>>,
    views_after: HashSet<QualifiedName>,
    /// The types that are a relation's row type, or a domain over one, as SQL names
    /// (`public.users`): what a function signature needs the table for.
    row_types: HashSet<String>,
    /// The user functions, as an expression calls them (`public.f`).
    functions: HashSet<String>,
    /// The views, as a function body names them.
    view_names: HashSet<String>,
    /// Each SQL-standard function body's depth among the functions it calls (the server
    /// resolves those at creation): 0 for one that calls none.
    body_depth: HashMap<String, i64>,
}

impl<'a> Context<'a> {
    /// A context for the changes that turn `from` into `to`.
    pub fn new(from: &'a Database, to: &'a Database, changes: &[Change], safe: bool) -> Self {
        let mut ctx = Context {
            safe,
            existing: from.tables.iter().map(|t| t.name.clone()).collect(),
            from,
            to,
            dropped_tables: BTreeSet::new(),
            dropped_columns: BTreeSet::new(),
            dropped_views: BTreeSet::new(),
            dropped_targets: HashSet::new(),
            cycles_before: view_cycles(from),
            cycles_after: view_cycles(to),
            parents: HashMap::new(),
            views_after: to.views.iter().map(|v| v.name.clone()).collect(),
            row_types: HashSet::new(),
            functions: HashSet::new(),
            view_names: HashSet::new(),
            body_depth: HashMap::new(),
        };
        for db in [from, to] {
            let relations = db
                .tables
                .iter()
                .map(|t| &t.name)
                .chain(db.views.iter().map(|v| &v.name));
            ctx.row_types.extend(relations.map(|n| n.sql().to_string()));
            ctx.functions
                .extend(db.functions.iter().map(|f| f.name.sql().to_string()));
            ctx.view_names
                .extend(db.views.iter().map(|v| v.name.sql().to_string()));
        }
        ctx.body_depth = body_depths([from, to], &ctx.functions);
        // Domains over row types (and over those), to a fixed point.
        loop {
            let more: Vec<String> = [from, to]
                .iter()
                .flat_map(|db| db.domains.iter())
                .filter(|d| ctx.row_types.contains(d.data_type.trim_end_matches("[]")))
                .map(|d| d.name.sql().to_string())
                .filter(|n| !ctx.row_types.contains(n))
                .collect();
            if more.is_empty() {
                break;
            }
            ctx.row_types.extend(more);
        }
        for db in [from, to] {
            for t in &db.tables {
                let mut p = t.inherits.clone();
                p.extend(t.partition_of.iter().map(|p| p.parent.clone()));
                ctx.parents.insert(t.name.clone(), p);
            }
            for v in &db.views {
                ctx.parents.insert(v.name.clone(), v.depends_on.clone());
            }
        }
        for c in changes {
            match c {
                Change::Drop(Object::Table(t)) => {
                    ctx.dropped_tables.insert(t.name.clone());
                }
                Change::Drop(Object::Column { table, column }) => {
                    ctx.dropped_columns
                        .insert((table.clone(), column.name.clone()));
                }
                Change::Drop(Object::View(v)) => {
                    ctx.dropped_views.insert(v.name.clone());
                }
                _ => {}
            }
            let gone = match c {
                Change::Drop(o) => Some(o),
                Change::Alter {
                    from: o @ Object::Function(f),
                    to: Object::Function(t),
                } if f.must_be_recreated_as(t) => Some(o),
                _ => None,
            };
            if let Some(o) = gone {
                ctx.dropped_targets
                    .extend(crate::diff::differ::privilege_target(o));
            }
        }
        for s in &from.sequences {
            if let Some((table, _)) = &s.owned_by {
                if ctx.dropped_tables.contains(table) {
                    let target = Object::Sequence(s.clone());
                    ctx.dropped_targets
                        .extend(crate::diff::differ::privilege_target(&target));
                }
            }
        }
        ctx
    }

    /// Whether a view reads itself through other views in `from` (`before`) or in `to`.
    pub(crate) fn view_in_cycle(&self, name: &QualifiedName, before: bool) -> bool {
        if before {
            self.cycles_before.contains(name)
        } else {
            self.cycles_after.contains(name)
        }
    }

    /// Whether the object of a privilege (or its column) goes away in this plan.
    pub(crate) fn privilege_target_dropped(&self, p: &Privilege) -> bool {
        if self.dropped_targets.contains(&p.target()) {
            return true;
        }
        let Some(column) = &p.column else {
            return false;
        };
        self.dropped_columns
            .iter()
            .any(|(t, c)| c == column && format!("TABLE {}", t.sql()) == p.target())
    }

    /// Whether a table or view goes away in this plan (its parts go with it).
    pub(crate) fn relation_dropped(&self, name: &QualifiedName) -> bool {
        self.dropped_tables.contains(name) || self.dropped_views.contains(name)
    }

    pub(crate) fn column_dropped(&self, table: &QualifiedName, column: &str) -> bool {
        self.dropped_tables.contains(table)
            || self
                .dropped_columns
                .contains(&(table.clone(), column.to_string()))
    }

    /// Whether a type, or a signature (`u public.users, n integer`; `SETOF public.users`),
    /// names a relation's row type or a domain over one.
    pub(crate) fn uses_row_type(&self, types: &str) -> bool {
        mentions(types, &self.row_types, false)
    }

    /// Whether an expression calls a user function (`public.f(...)`, as the server writes it).
    pub(crate) fn calls_function(&self, expr: &str) -> bool {
        mentions(expr, &self.functions, true)
    }

    /// The depth of a SQL-standard body among the functions it calls (0 otherwise).
    pub(crate) fn body_depth(&self, f: &Function) -> i64 {
        self.body_depth
            .get(&f.name.sql().to_string())
            .copied()
            .unwrap_or(0)
    }

    /// Whether a function body names a view.
    pub(crate) fn names_view(&self, body: &str) -> bool {
        mentions(body, &self.view_names, false)
    }

    /// Depth of a type among user types: a domain over an enum comes after the enum.
    pub(crate) fn type_depth(&self, data_type: &str) -> i64 {
        self.type_depth_in(data_type.trim_end_matches("[]"), 0)
    }

    fn type_depth_in(&self, name: &str, level: i64) -> i64 {
        if level > 32 {
            return level;
        }
        let below: Vec<String> = [self.to, self.from]
            .iter()
            .find_map(|db| {
                if let Some(d) = db.domains.iter().find(|d| d.name.sql().to_string() == name) {
                    Some(vec![d.data_type.clone()])
                } else {
                    db.composites
                        .iter()
                        .find(|c| c.name.sql().to_string() == name)
                        .map(|c| c.attributes.iter().map(|a| a.data_type.clone()).collect())
                }
            })
            .unwrap_or_default();
        below
            .iter()
            .map(|t| {
                let t = t.trim_end_matches("[]");
                let user = [self.to, self.from].iter().any(|db| {
                    db.enums.iter().any(|e| e.name.sql().to_string() == t)
                        || db.domains.iter().any(|d| d.name.sql().to_string() == t)
                        || db.composites.iter().any(|c| c.name.sql().to_string() == t)
                });
                if user {
                    1 + self.type_depth_in(t, level + 1)
                } else {
                    0
                }
            })
            .max()
            .unwrap_or(0)
    }

    /// Depth of a table in the partition/inheritance tree, or of a view among views.
    pub(crate) fn depth(&self, name: &QualifiedName) -> i64 {
        let mut seen = BTreeSet::new();
        self.depth_in(name, &mut seen)
    }

    fn depth_in(&self, name: &QualifiedName, seen: &mut BTreeSet<QualifiedName>) -> i64 {
        if !seen.insert(name.clone()) {
            return 0;
        }
        let Some(parents) = self.parents.get(name) else {
            return 0;
        };
        parents
            .iter()
            .map(|p| 1 + self.depth_in(p, seen))
            .max()
            .unwrap_or(0)
    }

    /// Whether a table exists before the plan and stays: the tables whose changes take locks
    /// that `--safe` avoids.
    pub(crate) fn keeps_existing(&self, name: &QualifiedName) -> bool {
        self.existing.contains(name) && !self.dropped_tables.contains(name)
    }

    /// Whether `name` is a partitioned table once the plan has run.
    pub(crate) fn is_partitioned_after(&self, name: &QualifiedName) -> bool {
        self.to
            .table(name)
            .is_some_and(|t| t.partition_by.is_some())
    }

    /// Whether `name` is a partitioned table before the plan runs.
    pub(crate) fn was_partitioned(&self, name: &QualifiedName) -> bool {
        self.from
            .table(name)
            .is_some_and(|t| t.partition_by.is_some())
    }

    /// The partitions of `name` once the plan has run, in name order.
    pub(crate) fn partitions_after(&self, name: &QualifiedName) -> Vec<&'a Table> {
        self.to
            .tables
            .iter()
            .filter(|t| t.partition_of.as_ref().is_some_and(|p| &p.parent == name))
            .collect()
    }

    /// Whether `name` is a view (or materialized view) once the plan has run.
    pub(crate) fn is_view_after(&self, name: &QualifiedName) -> bool {
        self.views_after.contains(name)
    }
}

/// Whether `text` holds one of `names` as a whole name (not inside a longer one); with
/// `call`, followed by `(`.
fn mentions(text: &str, names: &HashSet<String>, call: bool) -> bool {
    !names.is_empty() && names_in(text, call).any(|w| names.contains(w))
}

/// The whole names in `text` (with `call`, those followed by `(`).
fn names_in(text: &str, call: bool) -> impl Iterator<Item = &str> {
    let mut found = Vec::new();
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$' || c == '"' || c == '.';
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (ident(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                start = None;
                if !call || text[i..].trim_start().starts_with('(') {
                    found.push(&text[s..i]);
                }
            }
            _ => {}
        }
    }
    found.into_iter()
}

/// The depth of each SQL-standard function body (`BEGIN ATOMIC`, `RETURN`) among the user
/// functions it calls, by name: a body that calls another is created after it.
fn body_depths(dbs: [&Database; 2], functions: &HashSet<String>) -> HashMap<String, i64> {
    let mut calls: HashMap<String, HashSet<String>> = HashMap::new();
    for f in dbs.iter().flat_map(|db| db.functions.iter()) {
        let standard = f.language == "sql"
            && !f.definition.contains("AS $")
            && !f.definition.contains(" AS '");
        if !standard {
            continue;
        }
        let name = f.name.sql().to_string();
        let callees: HashSet<String> = names_in(&f.definition, true)
            .filter(|g| *g != name && functions.contains(*g))
            .map(str::to_string)
            .collect();
        calls.entry(name).or_default().extend(callees);
    }
    fn depth(name: &str, calls: &HashMap<String, HashSet<String>>, seen: &mut Vec<String>) -> i64 {
        if seen.iter().any(|s| s == name) || seen.len() > 64 {
            return 0;
        }
        seen.push(name.to_string());
        let d = calls.get(name).map_or(0, |callees| {
            callees
                .iter()
                .map(|c| 1 + depth(c, calls, seen))
                .max()
                .unwrap_or(0)
        });
        seen.pop();
        d
    }
    calls
        .keys()
        .map(|name| (name.clone(), depth(name, &calls, &mut Vec::new())))
        .collect()
}

/// The views of `db` that read themselves through other views (mutually recursive views,
/// which `CREATE OR REPLACE VIEW` can make).
fn view_cycles(db: &Database) -> HashSet<QualifiedName> {
    let reads: HashMap<&QualifiedName, Vec<&QualifiedName>> = db
        .views
        .iter()
        .map(|v| (&v.name, v.depends_on.iter().collect()))
        .collect();
    let mut out = HashSet::new();
    for v in &db.views {
        let mut stack: Vec<&QualifiedName> = reads[&v.name].clone();
        let mut seen = HashSet::new();
        while let Some(n) = stack.pop() {
            if n == &v.name {
                out.insert(v.name.clone());
                break;
            }
            if seen.insert(n) {
                stack.extend(reads.get(n).into_iter().flatten());
            }
        }
    }
    out
}
