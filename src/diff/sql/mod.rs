//! SQL rendering of changes for PostgreSQL.
//!
//! A change renders into steps, each tagged with the [`Phase`] it belongs to; the planner
//! sorts the steps of all changes by phase so that dependencies come first.

pub(crate) mod columns;
pub(crate) mod parts;
pub(crate) mod routines;
pub(crate) mod tables;
pub(crate) mod types;

use std::collections::{BTreeSet, HashMap, HashSet};

use super::change::{Change, Object};
use super::model::*;
use super::quote;

/// Where a statement goes in a migration; earlier phases run first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    CreateSchema,
    CreateExtension,
    RenameTable,
    RenameColumn,
    DropTriggerPolicy,
    DropView,
    DropForeignKey,
    DropConstraintIndex,
    DropTable,
    CreateType,
    CreateSequence,
    CreateFunction,
    CreateTable,
    AlterTable,
    Column,
    /// Attaching a partition or an inheritance parent needs the columns in place.
    AttachTable,
    RecreateType,
    /// SQL-language functions, whose bodies the server checks against existing tables.
    CreateSqlFunction,
    OwnSequence,
    CreateConstraintIndex,
    CreateForeignKey,
    /// `--safe`: validation of constraints added NOT VALID, and NOT NULL through them.
    Validate,
    DropSequence,
    DropFunction,
    DropType,
    CreateView,
    CreateViewIndex,
    CreateTriggerPolicy,
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
                if let Some(d) = db.domains.iter().find(|d| d.name.to_string() == name) {
                    Some(vec![d.data_type.clone()])
                } else {
                    db.composites
                        .iter()
                        .find(|c| c.name.to_string() == name)
                        .map(|c| c.attributes.iter().map(|a| a.data_type.clone()).collect())
                }
            })
            .unwrap_or_default();
        below
            .iter()
            .map(|t| {
                let t = t.trim_end_matches("[]");
                let user = [self.to, self.from].iter().any(|db| {
                    db.enums.iter().any(|e| e.name.to_string() == t)
                        || db.domains.iter().any(|d| d.name.to_string() == t)
                        || db.composites.iter().any(|c| c.name.to_string() == t)
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

    /// Whether `name` is a view (or materialized view) once the plan has run.
    pub(crate) fn is_view_after(&self, name: &QualifiedName) -> bool {
        self.views_after.contains(name)
    }
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
        if from != to {
            let value = to.as_deref().map_or("NULL".to_string(), quote::literal);
            self.push(phase, 0, format!("COMMENT ON {target} IS {value}"));
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
        Object::Function(f) => routines::add(out, f),
        Object::Table(t) => tables::add(out, t, ctx),
        Object::Column { table, column } => columns::add(out, table, column),
        Object::View(v) => routines::add_view(out, v, ctx),
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
        Object::Function(f) => routines::drop(out, f),
        Object::Table(t) => out.push(
            Phase::DropTable,
            -ctx.depth(&t.name),
            format!("DROP TABLE {}", t.name),
        ),
        Object::Column { table, column } => {
            if !ctx.relation_dropped(table) {
                out.push(
                    Phase::Column,
                    -1,
                    format!(
                        "ALTER TABLE {table} DROP COLUMN {}",
                        quote::ident(&column.name)
                    ),
                );
            }
        }
        Object::View(v) => out.push(
            Phase::DropView,
            -ctx.depth(&v.name),
            format!("DROP {} {}", routines::view_keyword(v), v.name),
        ),
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
        (Object::Function(f), Object::Function(t)) => routines::alter(out, f, t),
        (Object::Table(f), Object::Table(t)) => tables::alter(out, f, t),
        (Object::Column { column: f, .. }, Object::Column { table, column: t }) => {
            columns::alter(out, table, f, t, ctx)
        }
        (Object::View(f), Object::View(t)) => routines::alter_view(out, f, t),
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
                f.name,
                quote::ident(&t.name.name)
            ),
        ),
        (Object::Column { column: f, .. }, Object::Column { table, column: t }) => out.push(
            Phase::RenameColumn,
            0,
            format!(
                "ALTER TABLE {table} RENAME COLUMN {} TO {}",
                quote::ident(&f.name),
                quote::ident(&t.name)
            ),
        ),
        _ => {}
    }
}
