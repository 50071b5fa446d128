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

/// The questions whose answers depend on the database: the walk over schemas, tables,
/// columns, keys, indexes and the other kinds is written once, in this module, and asks its
/// dialect these. PostgreSQL's answers are [`PostgresDiff`](super::postgres::PostgresDiff).
pub trait DialectDiff: Sync {
    /// Whether an index may stay as it is when it changes from `from` to `to` (only its
    /// comment, say); otherwise it is dropped and created again.
    fn index_unchanged(&self, from: &Index, to: &Index) -> bool;

    /// Adds the changes that objects depending on the listed changes need: the database
    /// may refuse a change while a view reads a column, a key backs a foreign key, and so on.
    fn recreate_dependents(&self, changes: &mut Vec<Change>, from: &Database, to: &Database);
}

/// Compares `from` with `to` as PostgreSQL sees them; `renames` turns drop+add pairs into
/// renames.
pub fn diff(from: &Database, to: &Database, renames: &Renames) -> Result<Diff, Error> {
    diff_with(&super::postgres::PostgresDiff, from, to, renames)
}

/// Compares `from` with `to`, asking `dialect` what depends on the database.
///
/// Sub-objects of a renamed table are addressed by the table's new name: renames run first.
pub fn diff_with(
    dialect: &dyn DialectDiff,
    from: &Database,
    to: &Database,
    renames: &Renames,
) -> Result<Diff, Error> {
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
    diff_tables(dialect, &mut out, &mut candidates, from, to);
    diff_views(dialect, &mut out, from, to);
    dialect.recreate_dependents(&mut out, from, to);
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
    dialect: &dyn DialectDiff,
    out: &mut Vec<Change>,
    candidates: &mut Vec<RenameCandidate>,
    from: &Database,
    to: &Database,
) {
    let (dropped, both, added) = pair(&from.tables, &to.tables, |t| &t.name);
    candidates.extend(super::rename::table_candidates(&dropped, &added));
    for t in dropped {
        drop_table(dialect, out, t);
    }
    for (f, t) in both {
        if f.partition_by != t.partition_by {
            drop_table(dialect, out, f);
            add_table(dialect, out, t);
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
        diff_table_parts(dialect, out, f, t);
    }
    for t in added {
        add_table(dialect, out, t);
    }
}

fn drop_table(dialect: &dyn DialectDiff, out: &mut Vec<Change>, t: &Table) {
    out.push(Change::Drop(Object::Table(table_with_columns(t))));
    let empty = Table {
        name: t.name.clone(),
        ..t.shell()
    };
    diff_table_parts(dialect, out, t, &empty);
}

fn add_table(dialect: &dyn DialectDiff, out: &mut Vec<Change>, t: &Table) {
    out.push(Change::Add(Object::Table(table_with_columns(t))));
    let empty = t.shell();
    diff_table_parts(dialect, out, &empty, t);
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
fn diff_table_parts(dialect: &dyn DialectDiff, out: &mut Vec<Change>, from: &Table, to: &Table) {
    let name = to.name.clone();
    replace_or_alter(
        out,
        &from.constraints,
        &to.constraints,
        |c| &c.name,
        |a, b| a.definition_eq(b),
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
        |a, b| dialect.index_unchanged(a, b),
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
        |a, b| a.definition_eq(b),
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

fn diff_views(dialect: &dyn DialectDiff, out: &mut Vec<Change>, from: &Database, to: &Database) {
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
                |a, b| dialect.index_unchanged(a, b),
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

pub(crate) fn drop_view(out: &mut Vec<Change>, v: &View) {
    out.push(Change::Drop(Object::View(view_shell(v))));
    for i in &v.indexes {
        out.push(Change::Drop(Object::Index {
            table: v.name.clone(),
            index: i.clone(),
        }));
    }
}

pub(crate) fn add_view(out: &mut Vec<Change>, v: &View) {
    out.push(Change::Add(Object::View(view_shell(v))));
    for i in &v.indexes {
        out.push(Change::Add(Object::Index {
            table: v.name.clone(),
            index: i.clone(),
        }));
    }
}
