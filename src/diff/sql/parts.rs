//! Constraints, indexes, triggers and policies: the parts of a table.

use super::indexes::{self, index_name};
use super::{Context, Mode, Phase, Steps};
use crate::diff::change::Object;
use crate::diff::model::*;
use crate::diff::postgres::definitions;
use crate::diff::quote;
use crate::diff::quote::SqlName;

fn is_fk(c: &Constraint) -> bool {
    c.kind() == ConstraintKind::ForeignKey
}

/// The quoting of the SQL plans write.
pub(crate) const Q: definitions::Quote = &quote::ident;

pub(crate) fn add(out: &mut Steps, o: &Object, ctx: &Context) {
    match o {
        Object::Constraint {
            table,
            constraint: c,
        } => {
            let phase = if is_fk(c) {
                Phase::CreateForeignKey
            } else {
                Phase::CreateConstraintIndex
            };
            let name = quote::ident(&c.name);
            let validatable =
                matches!(c.kind(), ConstraintKind::ForeignKey | ConstraintKind::Check);
            if ctx.safe && validatable && ctx.keeps_existing(table) && c.validated {
                // Added without scanning the table, then validated under a weaker lock.
                let unvalidated = Constraint {
                    validated: false,
                    ..c.clone()
                };
                let sql = format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {name} {}",
                    definitions::constraint(Q, &unvalidated),
                    table = table.sql()
                );
                out.push(phase, 0, sql);
                let validate = format!(
                    "ALTER TABLE {table} VALIDATE CONSTRAINT {name}",
                    table = table.sql()
                );
                out.push_mode(Phase::Validate, 0, validate, Mode::Validate);
            } else {
                out.push(
                    phase,
                    0,
                    format!(
                        "ALTER TABLE {table} ADD CONSTRAINT {name} {}",
                        definitions::constraint(Q, c),
                        table = table.sql()
                    ),
                );
            }
            out.comment(
                phase,
                &format!(
                    "CONSTRAINT {} ON {table}",
                    quote::ident(&c.name),
                    table = table.sql()
                ),
                &None,
                &c.comment,
            );
        }
        Object::Index { table, index } => {
            let on_view = ctx.is_view_after(table);
            let phase = if on_view {
                Phase::CreateViewIndex
            } else {
                Phase::CreateConstraintIndex
            };
            indexes::create(out, phase, table, index, ctx);
            let target = format!("INDEX {}", (index_name(table, index)).sql());
            out.comment(phase, &target, &None, &index.comment);
        }
        Object::Trigger { table, trigger } => {
            let sql = definitions::trigger(Q, table, trigger);
            out.push(Phase::CreateTriggerPolicy, 0, sql);
            let origin = TriggerEnabled::Origin;
            trigger_state(out, table, &trigger.name, origin, trigger.enabled);
            let target = format!(
                "TRIGGER {} ON {table}",
                quote::ident(&trigger.name),
                table = table.sql()
            );
            out.comment(Phase::CreateTriggerPolicy, &target, &None, &trigger.comment);
        }
        Object::Policy { table, policy } => {
            out.push(Phase::CreateTriggerPolicy, 0, create_policy(table, policy));
            let target = format!(
                "POLICY {} ON {table}",
                quote::ident(&policy.name),
                table = table.sql()
            );
            out.comment(Phase::CreateTriggerPolicy, &target, &None, &policy.comment);
        }
        _ => {}
    }
}

fn create_policy(table: &QualifiedName, p: &Policy) -> String {
    let kind = if p.permissive {
        "PERMISSIVE"
    } else {
        "RESTRICTIVE"
    };
    let mut sql = format!(
        "CREATE POLICY {} ON {table} AS {kind} FOR {} TO {}",
        quote::ident(&p.name),
        p.command.keyword(),
        p.roles.join(", "),
        table = table.sql()
    );
    if let Some(u) = &p.using {
        sql += &format!(" USING ({u})");
    }
    if let Some(c) = &p.with_check {
        sql += &format!(" WITH CHECK ({c})");
    }
    sql
}

pub(crate) fn drop(out: &mut Steps, o: &Object, ctx: &Context) {
    match o {
        // A dropped table takes its constraints along, except foreign keys, which are
        // dropped first so that tables can go in any order.
        Object::Constraint {
            table,
            constraint: c,
        } if is_fk(c) || !ctx.relation_dropped(table) => {
            let phase = if is_fk(c) {
                Phase::DropForeignKey
            } else {
                Phase::DropConstraintIndex
            };
            let name = quote::ident(&c.name);
            out.push(
                phase,
                0,
                format!(
                    "ALTER TABLE {table} DROP CONSTRAINT {name}",
                    table = table.sql()
                ),
            );
        }
        Object::Index { table, index } if !ctx.relation_dropped(table) => {
            indexes::drop(out, table, index, ctx)
        }
        Object::Trigger { table, trigger } if !ctx.relation_dropped(table) => out.push(
            Phase::DropTriggerPolicy,
            0,
            format!(
                "DROP TRIGGER {} ON {table}",
                quote::ident(&trigger.name),
                table = table.sql()
            ),
        ),
        Object::Policy { table, policy } if !ctx.relation_dropped(table) => out.push(
            Phase::DropTriggerPolicy,
            0,
            format!(
                "DROP POLICY {} ON {table}",
                quote::ident(&policy.name),
                table = table.sql()
            ),
        ),
        _ => {}
    }
}

/// Alters of parts change only what their definition leaves out: comments, trigger state.
pub(crate) fn alter(out: &mut Steps, from: &Object, to: &Object) {
    match (from, to) {
        (
            Object::Constraint { constraint: f, .. },
            Object::Constraint {
                table,
                constraint: t,
            },
        ) => {
            let target = format!(
                "CONSTRAINT {} ON {table}",
                quote::ident(&t.name),
                table = table.sql()
            );
            out.comment(Phase::CreateForeignKey, &target, &f.comment, &t.comment);
        }
        (Object::Index { index: f, .. }, Object::Index { table, index: t }) => {
            let target = format!("INDEX {}", (index_name(table, t)).sql());
            out.comment(
                Phase::CreateConstraintIndex,
                &target,
                &f.comment,
                &t.comment,
            );
        }
        (Object::Trigger { trigger: f, .. }, Object::Trigger { table, trigger: t }) => {
            trigger_state(out, table, &t.name, f.enabled, t.enabled);
            let target = format!(
                "TRIGGER {} ON {table}",
                quote::ident(&t.name),
                table = table.sql()
            );
            out.comment(Phase::CreateTriggerPolicy, &target, &f.comment, &t.comment);
        }
        (Object::Policy { policy: f, .. }, Object::Policy { table, policy: t }) => {
            let target = format!(
                "POLICY {} ON {table}",
                quote::ident(&t.name),
                table = table.sql()
            );
            out.comment(Phase::CreateTriggerPolicy, &target, &f.comment, &t.comment);
        }
        _ => {}
    }
}

fn trigger_state(
    out: &mut Steps,
    table: &QualifiedName,
    name: &str,
    from: TriggerEnabled,
    to: TriggerEnabled,
) {
    if from == to {
        return;
    }
    let how = match to {
        TriggerEnabled::Disabled => "DISABLE",
        TriggerEnabled::Replica => "ENABLE REPLICA",
        TriggerEnabled::Always => "ENABLE ALWAYS",
        TriggerEnabled::Origin => "ENABLE",
    };
    out.push(
        Phase::CreateTriggerPolicy,
        1,
        format!(
            "ALTER TABLE {table} {how} TRIGGER {}",
            quote::ident(name),
            table = table.sql()
        ),
    );
}
