//! The differ: compares two models and lists the changes that turn one into the other.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::change::{Change, Object};
use super::error::Error;
use super::model::*;
use super::rename::{RenameCandidate, Renames};

/// The outcome of a comparison: the changes, and the drops+adds that may be renames.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    pub changes: Vec<Change>,
    pub rename_candidates: Vec<RenameCandidate>,
}

impl Diff {
    /// Whether the two schemas were equal.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Pairs the items of two lists by key: (only in `from`, in both, only in `to`), each in the
/// order of its list. Short lists are compared item by item and sorted ones merged, which
/// spares building maps for the few parts of each of thousands of tables.
fn pair<'a, T, K: Ord>(
    from: &'a [T],
    to: &'a [T],
    key: impl Fn(&'a T) -> K,
) -> (Vec<&'a T>, Vec<(&'a T, &'a T)>, Vec<&'a T>) {
    let mut dropped = Vec::new();
    let mut both = Vec::new();
    let mut added = Vec::new();
    let increasing = |xs: &'a [T]| xs.windows(2).all(|w| key(&w[0]) < key(&w[1]));
    if from.len() * to.len() <= 256 {
        for f in from {
            let k = key(f);
            match to.iter().find(|t| key(t) == k) {
                Some(t) => both.push((f, t)),
                None => dropped.push(f),
            }
        }
        added.extend(to.iter().filter(|t| {
            let k = key(t);
            !from.iter().any(|f| key(f) == k)
        }));
    } else if increasing(from) && increasing(to) {
        let (mut i, mut j) = (0, 0);
        while i < from.len() && j < to.len() {
            match key(&from[i]).cmp(&key(&to[j])) {
                std::cmp::Ordering::Less => {
                    dropped.push(&from[i]);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    added.push(&to[j]);
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    both.push((&from[i], &to[j]));
                    i += 1;
                    j += 1;
                }
            }
        }
        dropped.extend(&from[i..]);
        added.extend(&to[j..]);
    } else {
        let to_keys: BTreeMap<K, &T> = to.iter().map(|t| (key(t), t)).collect();
        let from_keys: BTreeSet<K> = from.iter().map(&key).collect();
        for f in from {
            match to_keys.get(&key(f)) {
                Some(t) => both.push((f, *t)),
                None => dropped.push(f),
            }
        }
        added.extend(to.iter().filter(|t| !from_keys.contains(&key(t))));
    }
    (dropped, both, added)
}

/// Emits add, drop and alter changes for one list of objects.
fn diff_list<'a, T, K: Ord>(
    out: &mut Vec<Change>,
    from: &'a [T],
    to: &'a [T],
    key: impl Fn(&'a T) -> K,
    wrap: impl Fn(&T) -> Object,
) where
    T: PartialEq,
{
    let (dropped, both, added) = pair(from, to, key);
    out.extend(dropped.into_iter().map(|f| Change::Drop(wrap(f))));
    for (f, t) in both {
        if f != t {
            out.push(Change::Alter {
                from: wrap(f),
                to: wrap(t),
            });
        }
    }
    out.extend(added.into_iter().map(|t| Change::Add(wrap(t))));
}

/// Compares `from` with `to`; `renames` turns drop+add pairs into renames.
///
/// Sub-objects of a renamed table are addressed by the table's new name: renames run first.
pub fn diff(from: &Database, to: &Database, renames: &Renames) -> Result<Diff, Error> {
    let (renamed, mut out) = renames.apply(from, to)?;
    let from = renamed.as_ref().unwrap_or(from);
    diff_list(
        &mut out,
        &from.schemas,
        &to.schemas,
        |s| &s.name,
        |s| Object::Schema(s.clone()),
    );
    diff_list(
        &mut out,
        &from.extensions,
        &to.extensions,
        |e| &e.name,
        |e| Object::Extension(e.clone()),
    );
    diff_list(
        &mut out,
        &from.enums,
        &to.enums,
        |e| &e.name,
        |e| Object::Enum(e.clone()),
    );
    diff_list(
        &mut out,
        &from.composites,
        &to.composites,
        |c| &c.name,
        |c| Object::Composite(c.clone()),
    );
    diff_list(
        &mut out,
        &from.domains,
        &to.domains,
        |d| &d.name,
        |d| Object::Domain(d.clone()),
    );
    diff_list(
        &mut out,
        &from.sequences,
        &to.sequences,
        |s| &s.name,
        |s| Object::Sequence(s.clone()),
    );
    diff_functions(&mut out, from, to);
    let mut candidates = Vec::new();
    diff_tables(&mut out, &mut candidates, from, to);
    diff_views(&mut out, from, to);
    recreate_parts_using_recreated_enums(&mut out, from, to);
    recreate_dependent_foreign_keys(&mut out, from, to);
    recreate_dependent_views(&mut out, from, to);
    Ok(Diff {
        changes: out,
        rename_candidates: candidates,
    })
}

fn diff_functions(out: &mut Vec<Change>, from: &Database, to: &Database) {
    let (dropped, both, added) = pair(&from.functions, &to.functions, |f| (&f.name, &f.arguments));
    out.extend(
        dropped
            .into_iter()
            .map(|f| Change::Drop(Object::Function(f.clone()))),
    );
    for (f, t) in both {
        if f == t {
            continue;
        }
        out.push(Change::Alter {
            from: Object::Function(f.clone()),
            to: Object::Function(t.clone()),
        });
    }
    out.extend(
        added
            .into_iter()
            .map(|t| Change::Add(Object::Function(t.clone()))),
    );
}

/// Whether two tables differ in their own attributes (what [`Table::shell`] keeps).
fn shell_differs(f: &Table, t: &Table) -> bool {
    f.name != t.name
        || f.persistence != t.persistence
        || f.partition_by != t.partition_by
        || f.partition_of != t.partition_of
        || f.inherits != t.inherits
        || f.row_security != t.row_security
        || f.force_row_security != t.force_row_security
        || f.comment != t.comment
}

/// A table with its columns but without sub-objects: what `Add`/`Drop` of a table carry.
pub(crate) fn table_with_columns(t: &Table) -> Table {
    Table {
        columns: t.columns.clone(),
        ..t.shell()
    }
}

fn diff_tables(
    out: &mut Vec<Change>,
    candidates: &mut Vec<RenameCandidate>,
    from: &Database,
    to: &Database,
) {
    let (dropped, both, added) = pair(&from.tables, &to.tables, |t| &t.name);
    candidates.extend(super::rename::table_candidates(&dropped, &added));
    for t in dropped {
        drop_table(out, t);
    }
    for (f, t) in both {
        if f.partition_by != t.partition_by {
            drop_table(out, f);
            add_table(out, t);
            continue;
        }
        if shell_differs(f, t) {
            out.push(Change::Alter {
                from: Object::Table(f.shell()),
                to: Object::Table(t.shell()),
            });
        }
        // Column changes of a partition follow from its parent's.
        if f.partition_of.is_none() || t.partition_of.is_none() {
            diff_columns(out, candidates, f, t);
        }
        diff_table_parts(out, f, t);
    }
    for t in added {
        add_table(out, t);
    }
}

fn drop_table(out: &mut Vec<Change>, t: &Table) {
    out.push(Change::Drop(Object::Table(table_with_columns(t))));
    let empty = Table {
        name: t.name.clone(),
        ..t.shell()
    };
    diff_table_parts(out, t, &empty);
}

fn add_table(out: &mut Vec<Change>, t: &Table) {
    out.push(Change::Add(Object::Table(table_with_columns(t))));
    let empty = t.shell();
    diff_table_parts(out, &empty, t);
}

fn diff_columns(
    out: &mut Vec<Change>,
    candidates: &mut Vec<RenameCandidate>,
    from: &Table,
    to: &Table,
) {
    let (dropped, both, added) = pair(&from.columns, &to.columns, |c| &c.name);
    candidates.extend(super::rename::column_candidates(&to.name, &dropped, &added));
    let col = |c: &Column| Object::Column {
        table: to.name.clone(),
        column: c.clone(),
    };
    out.extend(dropped.into_iter().map(|c| Change::Drop(col(c))));
    for (f, t) in both {
        if f == t {
            continue;
        }
        if f.generated != t.generated || (f.generated.is_some() && f.data_type != t.data_type) {
            out.push(Change::Drop(col(f)));
            out.push(Change::Add(col(t)));
        } else {
            out.push(Change::Alter {
                from: col(f),
                to: col(t),
            });
        }
    }
    out.extend(added.into_iter().map(|c| Change::Add(col(c))));
}

/// Constraints, indexes, triggers and policies of one table.
fn diff_table_parts(out: &mut Vec<Change>, from: &Table, to: &Table) {
    let name = to.name.clone();
    replace_or_alter(
        out,
        &from.constraints,
        &to.constraints,
        |c| &c.name,
        |a, b| a.definition == b.definition && a.kind == b.kind,
        |c| Object::Constraint {
            table: name.clone(),
            constraint: c.clone(),
        },
    );
    replace_or_alter(
        out,
        &from.indexes,
        &to.indexes,
        |i| &i.name,
        |a, b| index_signature(&a.definition) == index_signature(&b.definition),
        |i| Object::Index {
            table: name.clone(),
            index: i.clone(),
        },
    );
    replace_or_alter(
        out,
        &from.triggers,
        &to.triggers,
        |t| &t.name,
        |a, b| a.definition == b.definition,
        |t| Object::Trigger {
            table: name.clone(),
            trigger: t.clone(),
        },
    );
    replace_or_alter(
        out,
        &from.policies,
        &to.policies,
        |p| &p.name,
        |a, b| {
            Policy {
                comment: None,
                ..a.clone()
            } == Policy {
                comment: None,
                ..b.clone()
            }
        },
        |p| Object::Policy {
            table: name.clone(),
            policy: p.clone(),
        },
    );
}

/// Like [`diff_list`], but objects whose definition differs are dropped and re-added;
/// only the differences `same_definition` ignores (comments, enabled state) become alters.
fn replace_or_alter<'a, T: PartialEq, K: Ord>(
    out: &mut Vec<Change>,
    from: &'a [T],
    to: &'a [T],
    key: impl Fn(&'a T) -> K,
    same_definition: impl Fn(&T, &T) -> bool,
    wrap: impl Fn(&T) -> Object,
) {
    let (dropped, both, added) = pair(from, to, key);
    out.extend(dropped.into_iter().map(|f| Change::Drop(wrap(f))));
    for (f, t) in both {
        if f == t {
            continue;
        }
        if same_definition(f, t) {
            out.push(Change::Alter {
                from: wrap(f),
                to: wrap(t),
            });
        } else {
            out.push(Change::Drop(wrap(f)));
            out.push(Change::Add(wrap(t)));
        }
    }
    out.extend(added.into_iter().map(|t| Change::Add(wrap(t))));
}

/// The part of an index definition that does not name the index or its table.
pub(crate) fn index_signature(definition: &str) -> (bool, &str) {
    let unique = definition.starts_with("CREATE UNIQUE");
    let body = definition
        .find(" USING ")
        .map_or(definition, |p| &definition[p..]);
    (unique, body)
}

fn diff_views(out: &mut Vec<Change>, from: &Database, to: &Database) {
    let (dropped, both, added) = pair(&from.views, &to.views, |v| &v.name);
    for v in dropped {
        drop_view(out, v);
    }
    for (f, t) in both {
        if view_body_differs(f, t) {
            drop_view(out, f);
            add_view(out, t);
        } else if f != t {
            if f.comment != t.comment || f.columns != t.columns {
                out.push(Change::Alter {
                    from: Object::View(view_shell(f)),
                    to: Object::View(view_shell(t)),
                });
            }
            replace_or_alter(
                out,
                &f.indexes,
                &t.indexes,
                |i| &i.name,
                |a, b| index_signature(&a.definition) == index_signature(&b.definition),
                |i| Object::Index {
                    table: t.name.clone(),
                    index: i.clone(),
                },
            );
        }
    }
    for v in added {
        add_view(out, v);
    }
}

fn view_body_differs(f: &View, t: &View) -> bool {
    f.definition != t.definition
        || f.materialized != t.materialized
        || f.options != t.options
        || f.columns
            .iter()
            .map(|c| &c.name)
            .ne(t.columns.iter().map(|c| &c.name))
}

/// A view without its indexes: what `Add`, `Drop` and `Alter` of a view carry.
fn view_shell(v: &View) -> View {
    View {
        name: v.name.clone(),
        materialized: v.materialized,
        definition: v.definition.clone(),
        options: v.options.clone(),
        columns: v.columns.clone(),
        indexes: Vec::new(),
        depends_on: v.depends_on.clone(),
        comment: v.comment.clone(),
    }
}

fn drop_view(out: &mut Vec<Change>, v: &View) {
    out.push(Change::Drop(Object::View(view_shell(v))));
    for i in &v.indexes {
        out.push(Change::Drop(Object::Index {
            table: v.name.clone(),
            index: i.clone(),
        }));
    }
}

fn add_view(out: &mut Vec<Change>, v: &View) {
    out.push(Change::Add(Object::View(view_shell(v))));
    for i in &v.indexes {
        out.push(Change::Add(Object::Index {
            table: v.name.clone(),
            index: i.clone(),
        }));
    }
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
    let names: std::collections::HashSet<String> = types
        .iter()
        .flat_map(|t| [t.to_string(), format!("{t}[]")])
        .collect();
    db.tables
        .iter()
        .filter(|t| t.columns.iter().any(|c| names.contains(&c.data_type)))
        .map(|t| t.name.clone())
        .collect()
}

/// Whether server-printed SQL casts to the given type: `'done'::public.status`.
fn mentions_type(definition: &str, ty: &str) -> bool {
    let needle = format!("::{ty}");
    definition.match_indices(&needle).any(|(i, _)| {
        let next = definition[i + needle.len()..].chars().next();
        !next.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '"')
    })
}

/// Indexes and checks whose expressions name an enum that is rebuilt (labels removed or
/// reordered) would keep pointing at the old type: they are dropped first and added after.
fn recreate_parts_using_recreated_enums(out: &mut Vec<Change>, from: &Database, to: &Database) {
    let rebuilt: Vec<String> = out
        .iter()
        .filter_map(|c| match c {
            Change::Alter {
                from: Object::Enum(f),
                to: Object::Enum(t),
            } if !f.only_adds_labels(t) => Some(t.name.to_string()),
            _ => None,
        })
        .collect();
    if rebuilt.is_empty() {
        return;
    }
    let uses = |def: &str| def.contains("::") && rebuilt.iter().any(|ty| mentions_type(def, ty));
    let to_tables: std::collections::HashMap<&QualifiedName, &Table> =
        to.tables.iter().map(|t| (&t.name, t)).collect();
    let mut extra = Vec::new();
    for f in &from.tables {
        let Some(t) = to_tables.get(&f.name) else {
            continue;
        };
        for c in f.constraints.iter().filter(|c| uses(&c.definition)) {
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
        for i in f.indexes.iter().filter(|i| uses(&i.definition)) {
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
fn recreate_dependent_views(out: &mut Vec<Change>, from: &Database, to: &Database) {
    let mut touched = touched_names(out, from);
    loop {
        let mut grew = false;
        for v in &from.views {
            if touched.contains(&v.name) || !v.depends_on.iter().any(|d| touched.contains(d)) {
                continue;
            }
            touched.insert(v.name.clone());
            grew = true;
            drop_view(out, v);
            if let Some(t) = to.views.iter().find(|t| t.name == v.name) {
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
fn recreate_dependent_foreign_keys(out: &mut Vec<Change>, from: &Database, to: &Database) {
    let replaced: BTreeSet<QualifiedName> = out
        .iter()
        .filter_map(|c| match c {
            Change::Drop(Object::Constraint { table, constraint })
                if matches!(
                    constraint.kind,
                    ConstraintKind::PrimaryKey | ConstraintKind::Unique
                ) =>
            {
                Some(table.clone())
            }
            Change::Drop(Object::Index { table, index })
                if index_signature(&index.definition).0 =>
            {
                Some(table.clone())
            }
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
    let to_tables: BTreeMap<&QualifiedName, &Table> =
        to.tables.iter().map(|t| (&t.name, t)).collect();
    let mut extra = Vec::new();
    for t in &from.tables {
        for fk in &t.constraints {
            let Some(target) = &fk.references else {
                continue;
            };
            if !replaced.contains(target) {
                continue;
            }
            let kept = to_tables
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
    }
    out.extend(extra);
}

/// Drops an object before the plan and adds it (or its new version) back after.
fn drop_and_add(out: &mut Vec<Change>, old: Object, new: Object) {
    out.push(Change::Drop(old));
    out.push(Change::Add(new));
}
