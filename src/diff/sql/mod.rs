//! SQL rendering of changes for PostgreSQL.
//!
//! A change renders into steps, each tagged with the [`Phase`] it belongs to; the planner
//! sorts the steps of all changes by phase so that dependencies come first.

pub(crate) mod columns;
mod context;
mod definitions;
mod domains;
pub(crate) mod indexes;
pub(crate) mod parts;
mod privileges;
pub(crate) mod routines;
pub(crate) mod sequences;
pub(crate) mod tables;
pub(crate) mod types;

use super::change::{Change, Object};
use super::quote;
use crate::diff::quote::SqlName;

pub use self::context::Context;

/// Where a statement goes in a migration; earlier phases run first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    CreateSchema,
    CreateExtension,
    RenameTable,
    RenameColumn,
    DropTriggerPolicy,
    /// SQL-standard function bodies that read views go before the views.
    DropAtomicFunction,
    DropView,
    /// Functions and domains that use a relation's row type go before the relation.
    DropRowTypeDependents,
    DropForeignKey,
    DropConstraintIndex,
    DropTable,
    /// Operators, operator classes, aggregates, casts and foreign objects, once the views,
    /// indexes and tables that use them are gone.
    DropRoutineDependent,
    /// Collations, conversions and text search objects, which types, columns and indexes
    /// name (once the tables that used a replaced one are gone).
    CreateSupport,
    CreateType,
    CreateSequence,
    CreateFunction,
    /// Domain checks and defaults that call functions (and NOT VALID checks, which
    /// `CREATE DOMAIN` cannot take), once the functions exist.
    AddDomainCheck,
    CreateTable,
    AlterTable,
    Column,
    /// Attaching a partition or an inheritance parent needs the columns in place.
    AttachTable,
    /// Domains over a relation's row type, and functions whose signature uses one.
    CreateRowTypeDependents,
    RecreateType,
    /// SQL-language functions, whose bodies the server checks against existing tables.
    CreateSqlFunction,
    /// Operators, aggregates and casts, over the functions and before the views.
    CreateRoutineDependent,
    OwnSequence,
    CreateConstraintIndex,
    CreateForeignKey,
    /// `--safe`: validation of constraints added NOT VALID, and NOT NULL through them.
    Validate,
    DropSequence,
    /// Domains whose checks or default call functions go before the functions.
    DropDomainCallingFunction,
    DropFunction,
    DropType,
    /// Collations, conversions and text search objects, once nothing names them.
    DropSupport,
    CreateView,
    /// SQL-standard function bodies (`BEGIN ATOMIC`), which the server resolves at creation,
    /// that read views.
    CreateAtomicFunction,
    CreateViewIndex,
    CreateTriggerPolicy,
    /// `REVOKE`, then `GRANT`, once every object exists.
    Privileges,
    DropExtension,
    DropSchema,
}

/// One statement of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub phase: Phase,
    /// Order within the phase: dependency depth (negated for drops).
    pub rank: i64,
    pub sql: String,
    pub mode: Mode,
}

/// How a statement must be run relative to the transaction of its migration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// With its neighbours, in the migration's transaction.
    #[default]
    Transaction,
    /// Outside any transaction block (`CREATE INDEX CONCURRENTLY`).
    NoTransaction,
    /// Committed before what follows can use it (`ALTER TYPE ... ADD VALUE`).
    CommitFirst,
    /// In a transaction of its own after what precedes is committed, so that the short
    /// strong lock of `ADD CONSTRAINT ... NOT VALID` is not held while validating.
    Validate,
}

/// Renders one change into its steps.
pub fn render(change: &Change, ctx: &Context) -> Vec<Step> {
    let mut out = Steps::default();
    match change {
        Change::Add(o) => add(&mut out, o, ctx),
        Change::Drop(o) => drop(&mut out, o, ctx),
        Change::Alter { from, to } => alter(&mut out, from, to, ctx),
        Change::Rename { from, to } => rename(&mut out, from, to),
    }
    out.0
}

/// A list of steps being built.
#[derive(Default)]
pub(crate) struct Steps(pub Vec<Step>);

impl Steps {
    pub(crate) fn push(&mut self, phase: Phase, rank: i64, sql: impl Into<String>) {
        self.push_mode(phase, rank, sql, Mode::Transaction);
    }

    pub(crate) fn push_mode(
        &mut self,
        phase: Phase,
        rank: i64,
        sql: impl Into<String>,
        mode: Mode,
    ) {
        self.0.push(Step {
            phase,
            rank,
            sql: sql.into(),
            mode,
        });
    }

    /// Adds `COMMENT ON ... IS ...` when the comment changes.
    pub(crate) fn comment(
        &mut self,
        phase: Phase,
        target: &str,
        from: &Option<String>,
        to: &Option<String>,
    ) {
        self.comment_at(phase, 0, target, from, to);
    }

    /// [`Steps::comment`] at a rank of its own within the phase.
    pub(crate) fn comment_at(
        &mut self,
        phase: Phase,
        rank: i64,
        target: &str,
        from: &Option<String>,
        to: &Option<String>,
    ) {
        if from != to {
            let value = to.as_deref().map_or("NULL".to_string(), quote::literal);
            self.push(phase, rank, format!("COMMENT ON {target} IS {value}"));
        }
    }
}

fn add(out: &mut Steps, o: &Object, ctx: &Context) {
    match o {
        Object::Schema(s) => {
            out.push(
                Phase::CreateSchema,
                0,
                format!("CREATE SCHEMA {}", quote::ident(&s.name)),
            );
            out.comment(
                Phase::CreateSchema,
                &format!("SCHEMA {}", quote::ident(&s.name)),
                &None,
                &s.comment,
            );
        }
        Object::Extension(e) => out.push(
            Phase::CreateExtension,
            0,
            format!(
                "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}",
                quote::ident(&e.name),
                quote::ident(&e.schema)
            ),
        ),
        Object::Enum(_) | Object::Composite(_) | Object::Domain(_) | Object::Sequence(_) => {
            types::add(out, o, ctx)
        }
        Object::Function(f) => routines::add(out, f, ctx),
        Object::Table(t) => tables::add(out, t, ctx),
        Object::Column { table, column } => columns::add(out, table, column),
        Object::View(v) => routines::add_view(out, v, ctx),
        Object::Definition(d) => definitions::add(out, d),
        Object::Privilege(p) => privileges::add(out, p),
        Object::DefaultPrivilege(p) => privileges::default(out, p, false),
        Object::Constraint { .. }
        | Object::Index { .. }
        | Object::Trigger { .. }
        | Object::Policy { .. } => parts::add(out, o, ctx),
    }
}

fn drop(out: &mut Steps, o: &Object, ctx: &Context) {
    match o {
        Object::Schema(s) => out.push(
            Phase::DropSchema,
            0,
            format!("DROP SCHEMA {}", quote::ident(&s.name)),
        ),
        Object::Extension(e) => out.push(
            Phase::DropExtension,
            0,
            format!("DROP EXTENSION {}", quote::ident(&e.name)),
        ),
        Object::Enum(_) | Object::Composite(_) | Object::Domain(_) | Object::Sequence(_) => {
            types::drop(out, o, ctx)
        }
        Object::Function(f) => routines::drop(out, f, ctx),
        Object::Table(t) => out.push(
            Phase::DropTable,
            -ctx.depth(&t.name),
            format!("DROP TABLE {}", t.name.sql()),
        ),
        Object::Column { table, column } => {
            if !ctx.relation_dropped(table) {
                out.push(
                    Phase::Column,
                    -1,
                    format!(
                        "ALTER TABLE {table} DROP COLUMN {}",
                        quote::ident(&column.name),
                        table = table.sql()
                    ),
                );
            }
        }
        Object::View(v) => {
            routines::break_view_cycle(out, v, ctx);
            out.push(
                Phase::DropView,
                -ctx.depth(&v.name),
                format!("DROP {} {}", routines::view_keyword(v), v.name.sql()),
            )
        }
        Object::Definition(d) => definitions::drop(out, d, ctx),
        Object::Privilege(p) => privileges::drop(out, p, ctx),
        // Before `DROP SCHEMA`, which comes last: the schema is still there.
        Object::DefaultPrivilege(p) => privileges::default(out, p, true),
        Object::Constraint { .. }
        | Object::Index { .. }
        | Object::Trigger { .. }
        | Object::Policy { .. } => parts::drop(out, o, ctx),
    }
}

fn alter(out: &mut Steps, from: &Object, to: &Object, ctx: &Context) {
    match (from, to) {
        (Object::Schema(f), Object::Schema(t)) => out.comment(
            Phase::CreateSchema,
            &format!("SCHEMA {}", quote::ident(&t.name)),
            &f.comment,
            &t.comment,
        ),
        (Object::Extension(_), Object::Extension(t)) => out.push(
            Phase::CreateExtension,
            0,
            format!(
                "ALTER EXTENSION {} SET SCHEMA {}",
                quote::ident(&t.name),
                quote::ident(&t.schema)
            ),
        ),
        (Object::Function(f), Object::Function(t)) => routines::alter(out, f, t, ctx),
        (Object::Table(f), Object::Table(t)) => tables::alter(out, f, t),
        (Object::Column { column: f, .. }, Object::Column { table, column: t }) => {
            columns::alter(out, table, f, t, ctx)
        }
        (Object::View(f), Object::View(t)) => routines::alter_view(out, f, t),
        (Object::Definition(f), Object::Definition(t)) => definitions::alter(out, f, t, ctx),
        (f, t)
            if matches!(
                t,
                Object::Enum(_) | Object::Composite(_) | Object::Domain(_) | Object::Sequence(_)
            ) =>
        {
            types::alter(out, f, t, ctx)
        }
        (f, t) => parts::alter(out, f, t),
    }
}

fn rename(out: &mut Steps, from: &Object, to: &Object) {
    match (from, to) {
        (Object::Table(f), Object::Table(t)) => out.push(
            Phase::RenameTable,
            0,
            format!(
                "ALTER TABLE {} RENAME TO {}",
                f.name.sql(),
                quote::ident(&t.name.name)
            ),
        ),
        (Object::Column { column: f, .. }, Object::Column { table, column: t }) => out.push(
            Phase::RenameColumn,
            0,
            format!(
                "ALTER TABLE {table} RENAME COLUMN {} TO {}",
                quote::ident(&f.name),
                quote::ident(&t.name),
                table = table.sql()
            ),
        ),
        _ => {}
    }
}
