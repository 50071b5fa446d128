//! The walk over views and materialized views, with their indexes and triggers.

use super::pair;
use super::tables::replace_or_alter;
use super::DialectDiff;
use crate::diff::change::{Change, Object};
use crate::diff::model::*;

pub(super) fn diff_views(
    dialect: &dyn DialectDiff,
    out: &mut Vec<Change>,
    from: &Database,
    to: &Database,
) {
    let (dropped, both, added) = pair(&from.views, &to.views, |v| &v.name);
    for v in dropped {
        drop_view(out, v);
    }
    for (f, t) in both {
        if view_body_differs(f, t) {
            drop_view(out, f);
            add_view(out, t);
        } else if f != t {
            let columns = |v: &View| {
                v.columns
                    .iter()
                    .map(|c| (c.comment.clone(), c.default.clone()))
                    .collect::<Vec<_>>()
            };
            if f.comment != t.comment || columns(f) != columns(t) {
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
            replace_or_alter(
                out,
                &f.triggers,
                &t.triggers,
                |tr| &tr.name,
                |a, b| a.definition_eq(b),
                |tr| Object::Trigger {
                    table: t.name.clone(),
                    trigger: tr.clone(),
                },
            );
        }
    }
    for v in added {
        add_view(out, v);
    }
}

/// Whether the view must be dropped and created again: `CREATE OR REPLACE VIEW` keeps the
/// columns' names and types, so a change of either (a type is known unless a hand-written
/// snapshot leaves it out) means a new view.
fn view_body_differs(f: &View, t: &View) -> bool {
    let column_changed = |(a, b): (&ViewColumn, &ViewColumn)| {
        a.name != b.name
            || !a.data_type.is_empty() && !b.data_type.is_empty() && a.data_type != b.data_type
    };
    f.definition != t.definition
        || f.materialized != t.materialized
        || f.options != t.options
        || f.columns.len() != t.columns.len()
        || f.columns.iter().zip(&t.columns).any(column_changed)
}

/// A view without its indexes and triggers: what `Add`, `Drop` and `Alter` of a view carry.
fn view_shell(v: &View) -> View {
    View {
        name: v.name.clone(),
        materialized: v.materialized,
        definition: v.definition.clone(),
        options: v.options.clone(),
        columns: v.columns.clone(),
        indexes: Vec::new(),
        triggers: Vec::new(),
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
    for t in &v.triggers {
        out.push(Change::Drop(Object::Trigger {
            table: v.name.clone(),
            trigger: t.clone(),
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
    for t in &v.triggers {
        out.push(Change::Add(Object::Trigger {
            table: v.name.clone(),
            trigger: t.clone(),
        }));
    }
}
