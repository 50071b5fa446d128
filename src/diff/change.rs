//! Changes: the closed vocabulary the differ speaks and the planner renders.

use serde::Serialize;

use super::model::*;
use crate::diff::quote::SqlName;

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
    /// A collation, operator, aggregate, cast, rule... (see [`Definition`]).
    Definition(Definition),
    /// A privilege granted beyond an owner's defaults, or a default one revoked.
    Privilege(Privilege),
    /// An `ALTER DEFAULT PRIVILEGES` entry.
    DefaultPrivilege(DefaultPrivilege),
}

/// What a change does, as a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verb {
    Add,
    Drop,
    Alter,
    Rename,
}

/// A change's stable address: its verb, the object's kind and the object's name parts
/// (unquoted: schema, table, column; a function adds its arguments; a rename names the object
/// it renames). Reviews, partial plans and rename confirmation address changes by it, never
/// by their description. For example, dropping column `email` of `public.users` is
/// `drop column [public, users, email]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ChangeId {
    pub verb: Verb,
    pub kind: &'static str,
    pub path: Vec<String>,
}

impl ChangeId {
    /// The id of dropping the object of `kind` at `path`.
    pub fn drop(kind: &'static str, path: Vec<String>) -> ChangeId {
        ChangeId {
            verb: Verb::Drop,
            kind,
            path,
        }
    }
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
    /// What the change does.
    pub fn verb(&self) -> Verb {
        match self {
            Change::Add(_) => Verb::Add,
            Change::Drop(_) => Verb::Drop,
            Change::Alter { .. } => Verb::Alter,
            Change::Rename { .. } => Verb::Rename,
        }
    }

    /// The change's stable address; the inverse of a change has the inverse verb and,
    /// except for renames, the same path.
    pub fn id(&self) -> ChangeId {
        let object = match self {
            Change::Rename { from, .. } => from,
            _ => self.object(),
        };
        ChangeId {
            verb: self.verb(),
            kind: object.kind(),
            path: object.path(),
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
            Object::Function(f) if f.kind == RoutineKind::Procedure => "procedure",
            Object::Function(_) => "function",
            Object::Table(_) => "table",
            Object::Column { .. } => "column",
            Object::Constraint { constraint, .. } => match constraint.kind() {
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
            Object::Definition(d) => d.kind.name(),
            Object::Privilege(p) if p.revoked => "revoked_privilege",
            Object::Privilege(_) => "privilege",
            Object::DefaultPrivilege(p) if p.revoked => "revoked_default_privilege",
            Object::DefaultPrivilege(_) => "default_privilege",
        }
    }

    /// The object's name parts, unquoted: `[public, users, email]` for a column.
    pub fn path(&self) -> Vec<String> {
        let qualified = |n: &QualifiedName| vec![n.schema.clone(), n.name.clone()];
        let sub = |t: &QualifiedName, name: &str| {
            vec![t.schema.clone(), t.name.clone(), name.to_string()]
        };
        match self {
            Object::Schema(s) => vec![s.name.clone()],
            Object::Extension(e) => vec![e.name.clone()],
            Object::Enum(Enum { name, .. })
            | Object::Composite(Composite { name, .. })
            | Object::Domain(Domain { name, .. })
            | Object::Sequence(Sequence { name, .. })
            | Object::Table(Table { name, .. })
            | Object::View(View { name, .. }) => qualified(name),
            Object::Function(f) => {
                let mut p = qualified(&f.name);
                p.push(f.arguments.clone());
                p
            }
            Object::Column { table, column } => sub(table, &column.name),
            Object::Constraint { table, constraint } => sub(table, &constraint.name),
            Object::Index { table, index } => sub(table, &index.name),
            Object::Trigger { table, trigger } => sub(table, &trigger.name),
            Object::Policy { table, policy } => sub(table, &policy.name),
            Object::Definition(d) => vec![d.name.clone()],
            Object::Privilege(p) => {
                let mut path = vec![p.target()];
                path.extend(p.column.clone());
                path.extend([p.grantee.clone(), p.privilege.clone()]);
                if p.grantable {
                    path.push("WITH GRANT OPTION".into());
                }
                path
            }
            Object::DefaultPrivilege(p) => {
                let mut path = vec![p.prefix(), p.on.keyword().into()];
                path.extend([p.grantee.clone(), p.privilege.clone()]);
                if p.grantable {
                    path.push("WITH GRANT OPTION".into());
                }
                path
            }
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
            | Object::View(View { name, .. }) => name.sql().to_string(),
            Object::Function(f) => format!("{}({})", f.name.sql(), f.arguments),
            Object::Column { table, column } => sub_name(table, &column.name),
            Object::Constraint { table, constraint } => sub_name(table, &constraint.name),
            Object::Index { table, index } => sub_name(table, &index.name),
            Object::Trigger { table, trigger } => sub_name(table, &trigger.name),
            Object::Policy { table, policy } => sub_name(table, &policy.name),
            Object::Definition(d) => d.name.clone(),
            Object::Privilege(p) => {
                let column = p
                    .column
                    .as_ref()
                    .map_or(String::new(), |c| format!(" ({})", super::quote::ident(c)));
                format!("{}{column} on {} to {}", p.privilege, p.target(), p.grantee)
            }
            Object::DefaultPrivilege(p) => format!(
                "{} on {} to {} ({})",
                p.privilege,
                p.on.keyword(),
                p.grantee,
                p.prefix()
            ),
        }
    }
}

fn sub_name(table: &QualifiedName, name: &str) -> String {
    format!("{table}.{}", super::quote::ident(name), table = table.sql())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str) -> Object {
        Object::Column {
            table: QualifiedName::new("public", "users"),
            column: Column {
                name: name.into(),
                data_type: "text".into(),
                not_null: false,
                default: None,
                identity: None,
                generated: None,
                collation: None,
                comment: None,
            },
        }
    }

    #[test]
    fn ids_name_the_object_not_its_description() {
        let drop = Change::Drop(column("Email"));
        let id = drop.id();
        assert_eq!(id.verb, Verb::Drop);
        assert_eq!(id.kind, "column");
        assert_eq!(id.path, vec!["public", "users", "Email"]);
        let names = crate::diff::reverse::NameMap::default();
        assert_eq!(names.inverse(&drop).id().path, id.path);
        assert_eq!(names.inverse(&drop).id().verb, Verb::Add);
        let rename = Change::Rename {
            from: column("name"),
            to: column("full_name"),
        };
        assert_eq!(rename.id().path, vec!["public", "users", "name"]);
        assert_eq!(names.inverse(&names.inverse(&rename)).id(), rename.id());
    }
}
