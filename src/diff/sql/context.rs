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
    /// Parents of each table (partition parent, inheritance parents) and what each view
    /// reads, from `to` where the object exists there, else from `from`.
    parents: HashMap<QualifiedName, Vec<QualifiedName>>,
    views_after: HashSet<QualifiedName>,
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
            parents: HashMap::new(),
            views_after: to.views.iter().map(|v| v.name.clone()).collect(),
        };
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
        }
        ctx
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
