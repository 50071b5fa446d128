//! Changes: the closed vocabulary the differ speaks and the planner renders.

use serde::Serialize;

use super::model::*;

/// One object of the model, addressed by what a change needs to render it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Object {
    Schema(Schema),
    Extension(Extension),
    Enum(Enum),
    Composite(Composite),
    Domain(Domain),
    Sequence(Sequence),
    Function(Function),
    /// A table with its columns; its constraints, indexes, triggers and policies are
    /// separate objects.
    Table(Table),
    Column {
        table: QualifiedName,
        column: Column,
    },
    Constraint {
        table: QualifiedName,
        constraint: Constraint,
    },
    /// An index of a table or of a materialized view.
    Index {
        table: QualifiedName,
        index: Index,
    },
    Trigger {
        table: QualifiedName,
        trigger: Trigger,
    },
    Policy {
        table: QualifiedName,
        policy: Policy,
    },
    View(View),
}

/// What happens to an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verb", rename_all = "snake_case")]
pub enum Change {
    Add(Object),
    Drop(Object),
    /// The object stays but some of its attributes change.
    Alter {
        from: Object,
        to: Object,
    },
    /// The object gets a new name (and keeps its data).
    Rename {
        from: Object,
        to: Object,
    },
}

impl Change {
    /// The change that undoes this one.
    pub fn inverse(&self) -> Change {
        match self {
            Change::Add(o) => Change::Drop(o.clone()),
            Change::Drop(o) => Change::Add(o.clone()),
            Change::Alter { from, to } => Change::Alter {
                from: to.clone(),
                to: from.clone(),
            },
            Change::Rename { from, to } => Change::Rename {
                from: to.clone(),
                to: from.clone(),
            },
        }
    }

    /// The object as it is after the change (before it, for a drop).
    pub fn object(&self) -> &Object {
        match self {
            Change::Add(o) | Change::Drop(o) => o,
            Change::Alter { to, .. } | Change::Rename { to, .. } => to,
        }
    }

    /// A short machine-readable name for the change: `add_column`, `drop_table`...
    pub fn kind(&self) -> String {
        let verb = match self {
            Change::Add(_) => "add",
            Change::Drop(_) => "drop",
            Change::Alter { .. } => "alter",
            Change::Rename { .. } => "rename",
        };
        format!("{verb}_{}", self.object().kind())
    }

    /// A human description: `drop column public.users.email`.
    pub fn describe(&self) -> String {
        match self {
            Change::Rename { from, to } => format!(
                "rename {} {} to {}",
                to.kind(),
                from.display_name(),
                to.display_name()
            ),
            _ => {
                let verb = match self {
                    Change::Add(_) => "add",
                    Change::Drop(_) => "drop",
                    _ => "alter",
                };
                let o = self.object();
                format!("{verb} {} {}", o.kind().replace('_', " "), o.display_name())
            }
        }
    }
}

impl Object {
    /// The object kind in snake case: `table`, `column`, `foreign_key`...
    pub fn kind(&self) -> &'static str {
        match self {
            Object::Schema(_) => "schema",
            Object::Extension(_) => "extension",
            Object::Enum(_) => "enum",
            Object::Composite(_) => "composite_type",
            Object::Domain(_) => "domain",
            Object::Sequence(_) => "sequence",
            Object::Function(f) if f.kind == "procedure" => "procedure",
            Object::Function(_) => "function",
            Object::Table(_) => "table",
            Object::Column { .. } => "column",
            Object::Constraint { constraint, .. } => match constraint.kind {
                ConstraintKind::PrimaryKey => "primary_key",
                ConstraintKind::Unique => "unique_constraint",
                ConstraintKind::Check => "check_constraint",
                ConstraintKind::Exclusion => "exclusion_constraint",
                ConstraintKind::ForeignKey => "foreign_key",
            },
            Object::Index { .. } => "index",
            Object::Trigger { .. } => "trigger",
            Object::Policy { .. } => "policy",
            Object::View(v) if v.materialized => "materialized_view",
            Object::View(_) => "view",
        }
    }

    /// The object's full name for messages: `public.users.email`.
    pub fn display_name(&self) -> String {
        match self {
            Object::Schema(s) => super::quote::ident(&s.name),
            Object::Extension(e) => super::quote::ident(&e.name),
            Object::Enum(Enum { name, .. })
            | Object::Composite(Composite { name, .. })
            | Object::Domain(Domain { name, .. })
            | Object::Sequence(Sequence { name, .. })
            | Object::Table(Table { name, .. })
            | Object::View(View { name, .. }) => name.to_string(),
            Object::Function(f) => format!("{}({})", f.name, f.arguments),
            Object::Column { table, column } => sub_name(table, &column.name),
            Object::Constraint { table, constraint } => sub_name(table, &constraint.name),
            Object::Index { table, index } => sub_name(table, &index.name),
            Object::Trigger { table, trigger } => sub_name(table, &trigger.name),
            Object::Policy { table, policy } => sub_name(table, &policy.name),
        }
    }
}

fn sub_name(table: &QualifiedName, name: &str) -> String {
    format!("{table}.{}", super::quote::ident(name))
}
