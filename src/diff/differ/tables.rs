//! The walk over tables: the tables themselves, their columns and their parts.

use super::pair;
use super::DialectDiff;
use crate::diff::change::{Change, Object};
use crate::diff::model::*;
use crate::diff::rename::RenameCandidate;

/// Whether two tables differ in their own attributes (what [`Table::shell`] keeps).
fn shell_differs(f: &Table, t: &Table) -> bool {
    f.name != t.name
        || f.persistence != t.persistence
        || f.partition_by != t.partition_by
        || f.partition_of != t.partition_of
        || f.inherits != t.inherits
        || f.storage != t.storage
        || f.access_method != t.access_method
        || f.row_security != t.row_security
        || f.force_row_security != t.force_row_security
        || f.comment != t.comment
}

/// A table with its columns but without sub-objects: what `Add`/`Drop` of a table carry.
fn table_with_columns(t: &Table) -> Table {
    Table {
        columns: t.columns.clone(),
        ..t.shell()
    }
}

pub(super) fn diff_tables(
    dialect: &dyn DialectDiff,
    out: &mut Vec<Change>,
    candidates: &mut Vec<RenameCandidate>,
    from: &Database,
    to: &Database,
) {
    let (dropped, both, added) = pair(&from.tables, &to.tables, |t| &t.name);
    candidates.extend(crate::diff::rename::table_candidates(&dropped, &added));
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
    candidates.extend(crate::diff::rename::column_candidates(
        from, to, &dropped, &added,
    ));
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
pub(super) fn replace_or_alter<'a, T: PartialEq, K: Ord>(
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
