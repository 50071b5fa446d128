//! The differ: compares two models and lists the changes that turn one into the other.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::change::{Change, Object};
use super::error::Error;
use super::model::*;
use super::rename::{RenameCandidate, Renames};

mod tables;
mod views;

use self::tables::diff_tables;
use self::views::diff_views;
pub(crate) use self::views::{add_view, drop_view};

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
    diff_list(
        &mut out,
        &from.definitions,
        &to.definitions,
        |d| (d.kind, &d.name),
        |d| Object::Definition(d.clone()),
    );
    dialect.recreate_dependents(&mut out, from, to);
    diff_list(
        &mut out,
        &from.privileges,
        &to.privileges,
        |p| p,
        |p| Object::Privilege(p.clone()),
    );
    diff_list(
        &mut out,
        &from.default_privileges,
        &to.default_privileges,
        |p| p,
        |p| Object::DefaultPrivilege(p.clone()),
    );
    recreate_definitions_on_replaced_relations(&mut out, to);
    regrant_on_replaced_objects(&mut out, to);
    Ok(Diff {
        changes: out,
        rename_candidates: candidates,
    })
}

/// A relation that is dropped and created again takes its rules and statistics along, and
/// leaves the publications that listed it: those that do not change otherwise are dropped
/// (when still there) and created again after it.
fn recreate_definitions_on_replaced_relations(out: &mut Vec<Change>, to: &Database) {
    let relation = |o: &Object| match o {
        Object::Table(t) => Some(t.name.clone()),
        Object::View(v) => Some(v.name.clone()),
        _ => None,
    };
    let dropped: BTreeSet<QualifiedName> = out
        .iter()
        .filter_map(|c| match c {
            Change::Drop(o) => relation(o),
            _ => None,
        })
        .collect();
    let replaced: Vec<QualifiedName> = out
        .iter()
        .filter_map(|c| match c {
            Change::Add(o) => relation(o).filter(|n| dropped.contains(n)),
            _ => None,
        })
        .collect();
    if replaced.is_empty() {
        return;
    }
    let changed: BTreeSet<(DefinitionKind, String)> = out
        .iter()
        .filter_map(|c| match c.object() {
            Object::Definition(d) => Some((d.kind, d.name.clone())),
            _ => None,
        })
        .collect();
    for d in &to.definitions {
        if changed.contains(&(d.kind, d.name.clone())) {
            continue;
        }
        // The drop renders as nothing when the relation takes the object along; it is there
        // so that the way back, the inverse of each change, recreates the object too.
        if d.table.as_ref().is_some_and(|t| replaced.contains(t))
            || d.kind == DefinitionKind::Publication && lists_any(d, &replaced)
        {
            out.push(Change::Drop(Object::Definition(d.clone())));
            out.push(Change::Add(Object::Definition(d.clone())));
        }
    }
}

/// An object that is dropped and created again (or a function whose result type changes,
/// which is) loses its privileges: those that do not change otherwise are granted again.
/// The revocation renders as nothing (the object takes its privileges along); it is there
/// so that the way back grants them too.
fn regrant_on_replaced_objects(out: &mut Vec<Change>, to: &Database) {
    if to.privileges.is_empty() {
        return;
    }
    let dropped: BTreeSet<String> = out
        .iter()
        .filter_map(|c| match c {
            Change::Drop(o) => privilege_target(o),
            _ => None,
        })
        .collect();
    let replaced: BTreeSet<String> = out
        .iter()
        .filter_map(|c| match c {
            Change::Add(o) => privilege_target(o).filter(|t| dropped.contains(t)),
            Change::Alter {
                from: Object::Function(f),
                to: o @ Object::Function(t),
            } if f.must_be_recreated_as(t) => privilege_target(o),
            _ => None,
        })
        .collect();
    if replaced.is_empty() {
        return;
    }
    let changed: BTreeSet<&Privilege> = out
        .iter()
        .filter_map(|c| match c.object() {
            Object::Privilege(p) => Some(p),
            _ => None,
        })
        .collect();
    let again: Vec<Privilege> = to
        .privileges
        .iter()
        .filter(|p| !changed.contains(p) && replaced.contains(&p.target()))
        .cloned()
        .collect();
    for p in again {
        out.push(Change::Drop(Object::Privilege(p.clone())));
        out.push(Change::Add(Object::Privilege(p)));
    }
}

/// What a privilege on `o` names after `ON` (`TABLE app.t`), for the kinds that have them.
pub(crate) fn privilege_target(o: &Object) -> Option<String> {
    use super::quote::SqlName;
    let (on, name) = match o {
        Object::Schema(s) => (PrivilegeTarget::Schema, super::quote::ident(&s.name)),
        Object::Table(t) => (PrivilegeTarget::Table, t.name.sql().to_string()),
        Object::View(v) => (PrivilegeTarget::Table, v.name.sql().to_string()),
        Object::Sequence(s) => (PrivilegeTarget::Sequence, s.name.sql().to_string()),
        Object::Function(f) => (
            match f.kind {
                RoutineKind::Function => PrivilegeTarget::Function,
                RoutineKind::Procedure => PrivilegeTarget::Procedure,
            },
            format!("{}({})", f.name.sql(), f.arguments),
        ),
        Object::Enum(Enum { name, .. }) | Object::Composite(Composite { name, .. }) => {
            (PrivilegeTarget::Type, name.sql().to_string())
        }
        Object::Domain(d) => (PrivilegeTarget::Domain, d.name.sql().to_string()),
        _ => return None,
    };
    Some(format!("{} {name}", on.keyword()))
}

/// Whether a publication's statement lists one of the tables (`TABLE public.t`).
fn lists_any(d: &Definition, tables: &[QualifiedName]) -> bool {
    use super::quote::SqlName;
    let text = d.statements.first().map_or("", String::as_str);
    tables.iter().any(|t| {
        let needle = format!("TABLE {}", t.sql());
        text.match_indices(&needle).any(|(i, _)| {
            let next = text[i + needle.len()..].chars().next();
            matches!(next, None | Some(' ' | ','))
        })
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
