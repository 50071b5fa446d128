//! PostgreSQL's answers to the differ's questions ([`DialectDiff`]): when an index must be
//! rebuilt, and which dependents of a change PostgreSQL makes us drop and recreate around it
//! (views reading a changed column, foreign keys on a replaced key, indexes and checks that
//! cast to a rebuilt enum).

use std::collections::{BTreeSet, HashMap};

use crate::diff::change::{Change, Object};
use crate::diff::differ::{add_view, drop_view, DialectDiff};
use crate::diff::model::*;
use crate::diff::quote::SqlName;

/// PostgreSQL as the differ's dialect.
pub struct PostgresDiff;

impl DialectDiff for PostgresDiff {
    fn index_unchanged(&self, from: &Index, to: &Index) -> bool {
        from.same_shape(to)
    }

    fn recreate_dependents(&self, out: &mut Vec<Change>, from: &Database, to: &Database) {
        Dependents::new(from, to).recreate(out);
    }
}

/// What finding the dependents of changes from `from` to `to` looks up, indexed once: a
/// plan asks it of each of its changes on its own (for each change's down script), which
/// scanning every table and view each time made quadratic.
pub(crate) struct Dependents<'a> {
    from: &'a Database,
    to_tables: HashMap<&'a QualifiedName, &'a Table>,
    to_views: HashMap<&'a QualifiedName, &'a View>,
    /// The foreign keys of `from`, by the table they reference: positions of the table in
    /// `from.tables` and of the key in its constraints.
    foreign_keys: HashMap<&'a QualifiedName, Vec<(usize, usize)>>,
}

impl<'a> Dependents<'a> {
    pub(crate) fn new(from: &'a Database, to: &'a Database) -> Self {
        let mut foreign_keys: HashMap<&QualifiedName, Vec<(usize, usize)>> = HashMap::new();
        for (ti, t) in from.tables.iter().enumerate() {
            for (ci, c) in t.constraints.iter().enumerate() {
                if let Some(target) = c.references() {
                    foreign_keys.entry(target).or_default().push((ti, ci));
                }
            }
        }
        Dependents {
            from,
            to_tables: to.tables.iter().map(|t| (&t.name, t)).collect(),
            to_views: to.views.iter().map(|v| (&v.name, v)).collect(),
            foreign_keys,
        }
    }

    /// Adds to `out` the drops and re-creations that its changes force on dependents.
    pub(crate) fn recreate(&self, out: &mut Vec<Change>) {
        recreate_parts_using_recreated_enums(out, self);
        recreate_dependent_foreign_keys(out, self);
        recreate_dependent_views(out, self);
    }
}

/// The server-written expressions of a constraint.
fn constraint_expressions(c: &Constraint) -> Vec<&Expr> {
    match &c.body {
        ConstraintBody::Check(ch) => vec![&ch.expression],
        ConstraintBody::Exclusion(x) => vec![&x.definition],
        _ => Vec::new(),
    }
}

/// The server-written expressions of an index: key expressions and predicate.
fn index_expressions(i: &Index) -> Vec<&Expr> {
    let keys = i.key.iter().filter_map(|p| match &p.target {
        IndexTarget::Expression(e) => Some(e),
        IndexTarget::Column(_) => None,
    });
    keys.chain(i.predicate.as_ref()).collect()
}

/// Relations and types whose change forces the views that read them to be recreated.
fn touched_names(out: &[Change], from: &Database) -> BTreeSet<QualifiedName> {
    let mut touched = BTreeSet::new();
    let mut rebuilt_enums = Vec::new();
    for change in out {
        match change {
            Change::Drop(Object::Table(t)) => {
                touched.insert(t.name.clone());
            }
            Change::Drop(Object::Column { table, .. }) => {
                touched.insert(table.clone());
            }
            Change::Alter {
                from: Object::Column { table, column: f },
                to: Object::Column { column: t, .. },
            } if f.data_type != t.data_type || f.collation != t.collation => {
                touched.insert(table.clone());
            }
            Change::Alter {
                from: Object::Enum(f),
                to: Object::Enum(t),
            } if !f.only_adds_labels(t) => {
                touched.insert(t.name.clone());
                rebuilt_enums.push(&t.name);
            }
            Change::Alter {
                to: Object::Composite(c),
                ..
            }
            | Change::Drop(Object::Composite(c)) => {
                touched.insert(c.name.clone());
            }
            Change::Alter {
                to: Object::Domain(d),
                ..
            }
            | Change::Drop(Object::Domain(d)) => {
                touched.insert(d.name.clone());
            }
            Change::Drop(Object::Enum(e)) => {
                touched.insert(e.name.clone());
            }
            Change::Drop(Object::View(v)) => {
                touched.insert(v.name.clone());
            }
            _ => {}
        }
    }
    touched.extend(tables_using_types(from, &rebuilt_enums));
    touched
}

/// Tables with a column of one of the given types (or an array of it).
fn tables_using_types(db: &Database, types: &[&QualifiedName]) -> Vec<QualifiedName> {
    if types.is_empty() {
        return Vec::new();
    }
    // A few names against every column: a slice beats hashing each column's type.
    let names: Vec<String> = types
        .iter()
        .flat_map(|t| [t.sql().to_string(), format!("{t}[]", t = t.sql())])
        .collect();
    db.tables
        .iter()
        .filter(|t| t.columns.iter().any(|c| names.contains(&c.data_type)))
        .map(|t| t.name.clone())
        .collect()
}

/// Whether a server-written expression casts to the given type: `'done'::public.status`.
fn mentions_type(definition: &str, ty: &str) -> bool {
    let needle = format!("::{ty}");
    definition.match_indices(&needle).any(|(i, _)| {
        let next = definition[i + needle.len()..].chars().next();
        !next.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '"')
    })
}

/// Indexes and checks whose expressions name an enum that is rebuilt (labels removed or
/// reordered) would keep pointing at the old type: they are dropped first and added after.
fn recreate_parts_using_recreated_enums(out: &mut Vec<Change>, index: &Dependents<'_>) {
    let rebuilt: Vec<String> = out
        .iter()
        .filter_map(|c| match c {
            Change::Alter {
                from: Object::Enum(f),
                to: Object::Enum(t),
            } if !f.only_adds_labels(t) => Some(t.name.sql().to_string()),
            _ => None,
        })
        .collect();
    if rebuilt.is_empty() {
        return;
    }
    let uses = |exprs: Vec<&Expr>| {
        exprs.iter().any(|e| {
            let text = e.as_str();
            text.contains("::") && rebuilt.iter().any(|ty| mentions_type(text, ty))
        })
    };
    let mut extra = Vec::new();
    for f in &index.from.tables {
        let Some(t) = index.to_tables.get(&f.name) else {
            continue;
        };
        for c in f
            .constraints
            .iter()
            .filter(|c| uses(constraint_expressions(c)))
        {
            if let Some(kept) = t.constraints.iter().find(|k| *k == c) {
                drop_and_add(
                    &mut extra,
                    Object::Constraint {
                        table: t.name.clone(),
                        constraint: c.clone(),
                    },
                    Object::Constraint {
                        table: t.name.clone(),
                        constraint: kept.clone(),
                    },
                );
            }
        }
        for i in f.indexes.iter().filter(|i| uses(index_expressions(i))) {
            if let Some(kept) = t.indexes.iter().find(|k| *k == i) {
                drop_and_add(
                    &mut extra,
                    Object::Index {
                        table: t.name.clone(),
                        index: i.clone(),
                    },
                    Object::Index {
                        table: t.name.clone(),
                        index: kept.clone(),
                    },
                );
            }
        }
    }
    out.extend(extra);
}

/// Views that stay the same but read something that is dropped or changes type are dropped
/// before the change and created again after it.
fn recreate_dependent_views(out: &mut Vec<Change>, index: &Dependents<'_>) {
    let mut touched = touched_names(out, index.from);
    if touched.is_empty() {
        return;
    }
    loop {
        let mut grew = false;
        for v in &index.from.views {
            if touched.contains(&v.name) || !v.depends_on.iter().any(|d| touched.contains(d)) {
                continue;
            }
            touched.insert(v.name.clone());
            grew = true;
            drop_view(out, v);
            if let Some(t) = index.to_views.get(&v.name) {
                add_view(out, t);
            }
        }
        if !grew {
            break;
        }
    }
}

/// Foreign keys that stay the same but point at a unique constraint or index that is
/// replaced are dropped before it and added again after.
fn recreate_dependent_foreign_keys(out: &mut Vec<Change>, index: &Dependents<'_>) {
    let replaced: BTreeSet<QualifiedName> = out
        .iter()
        .filter_map(|c| match c {
            Change::Drop(Object::Constraint { table, constraint })
                if matches!(
                    constraint.kind(),
                    ConstraintKind::PrimaryKey | ConstraintKind::Unique
                ) =>
            {
                Some(table.clone())
            }
            Change::Drop(Object::Index { table, index }) if index.unique => Some(table.clone()),
            Change::Drop(Object::Table(t)) => Some(t.name.clone()),
            _ => None,
        })
        .collect();
    if replaced.is_empty() {
        return;
    }
    let dropped: BTreeSet<(&QualifiedName, &str)> = out
        .iter()
        .filter_map(|c| match c {
            Change::Drop(Object::Constraint { table, constraint }) => {
                Some((table, constraint.name.as_str()))
            }
            _ => None,
        })
        .collect();
    // In the order of `from`'s tables and their constraints.
    let mut keys: Vec<(usize, usize)> = replaced
        .iter()
        .filter_map(|target| index.foreign_keys.get(target))
        .flatten()
        .copied()
        .collect();
    keys.sort_unstable();
    let mut extra = Vec::new();
    for (ti, ci) in keys {
        let t = &index.from.tables[ti];
        let fk = &t.constraints[ci];
        let kept = index
            .to_tables
            .get(&t.name)
            .and_then(|tt| tt.constraints.iter().find(|c| c.name == fk.name))
            .filter(|c| *c == fk);
        let already = dropped.contains(&(&t.name, fk.name.as_str()));
        if let (Some(kept), false) = (kept, already) {
            drop_and_add(
                &mut extra,
                Object::Constraint {
                    table: t.name.clone(),
                    constraint: fk.clone(),
                },
                Object::Constraint {
                    table: t.name.clone(),
                    constraint: kept.clone(),
                },
            );
        }
    }
    out.extend(extra);
}

/// Drops an object before the plan and adds it (or its new version) back after.
fn drop_and_add(out: &mut Vec<Change>, old: Object, new: Object) {
    out.push(Change::Drop(old));
    out.push(Change::Add(new));
}
