//! The schema model: what introspection produces and the differ compares.
//!
//! Every list is kept sorted by name (see [`Database::normalize`]) so the model compares,
//! serializes and prints deterministically. Keys, foreign keys, indexes, triggers and
//! partitioning are typed fields, with what only one engine has in `attrs`
//! ([`Attr`]). What the server itself deparses (check and predicate expressions, defaults,
//! partition bounds, view and function bodies) is kept as the server's own text ([`Expr`] and
//! the `definition` fields), so two schemas that mean the same thing compare equal; nothing
//! here writes or reads SQL.

use serde::{Deserialize, Serialize};

mod definition;
mod expr;
mod parts;
mod privilege;
mod table;
mod types;

pub use definition::{Definition, DefinitionKind, SECRET_PLACEHOLDER};
pub use expr::{Attr, Expr, PgAttr};
pub use parts::*;
pub use privilege::{DefaultPrivilege, DefaultTarget, Privilege, PrivilegeTarget};
pub use table::*;
pub use types::*;

/// A whole database: every object of the schemas that were inspected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct Database {
    pub schemas: Vec<Schema>,
    pub extensions: Vec<Extension>,
    pub enums: Vec<Enum>,
    pub composites: Vec<Composite>,
    pub domains: Vec<Domain>,
    pub sequences: Vec<Sequence>,
    pub functions: Vec<Function>,
    pub tables: Vec<Table>,
    pub views: Vec<View>,
    /// Collations, text search objects, operators, aggregates, casts, statistics, rules,
    /// event triggers and publications, by kind and name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub definitions: Vec<Definition>,
    /// Privileges that differ from the owners' defaults (see [`Privilege`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub privileges: Vec<Privilege>,
    /// `ALTER DEFAULT PRIVILEGES` that differ from the built-in defaults.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub default_privileges: Vec<DefaultPrivilege>,
}

/// A schema (namespace).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// An installed extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    pub name: String,
    pub schema: String,
}

/// A schema-qualified object name. It is written in SQL by the dialect
/// (`diff::quote::SqlName`), and for people as `schema.name` ([`QualifiedName::display`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    /// Builds a name from its two parts.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// `schema.name`, unquoted, for people.
    pub fn display(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

/// A function or procedure; `definition` is `pg_get_functiondef`, a complete statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Function {
    pub name: QualifiedName,
    /// The identity arguments, which with the name identify the function: `a integer, b text`.
    pub arguments: String,
    pub kind: RoutineKind,
    /// The result type (`pg_get_function_result`), empty for procedures.
    #[serde(default)]
    pub result: String,
    pub definition: String,
    /// The language of the body: `sql`, `plpgsql`, `c`...
    #[serde(default)]
    pub language: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Whether a routine returns a result (a function) or is called (a procedure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoutineKind {
    Function,
    Procedure,
}

impl RoutineKind {
    /// `function` or `procedure`, as change kinds and messages name it.
    pub fn name(self) -> &'static str {
        match self {
            RoutineKind::Function => "function",
            RoutineKind::Procedure => "procedure",
        }
    }
}

/// A view or materialized view; `definition` is `pg_get_viewdef`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    pub name: QualifiedName,
    pub materialized: bool,
    pub definition: String,
    /// `WITH (...)` options such as `security_barrier=true`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Columns, kept for their comments.
    #[serde(default)]
    pub columns: Vec<ViewColumn>,
    /// Indexes of a materialized view.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// Triggers of a view (`INSTEAD OF`, or statement-level `BEFORE`/`AFTER`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    /// Relations and types the view reads, for ordering and for recreation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<QualifiedName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A view column: its name, the type the view's query gives it (which `CREATE OR REPLACE
/// VIEW` cannot change) and the comment it may carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewColumn {
    pub name: String,
    /// As `format_type` prints it; empty in a hand-written snapshot that leaves it out.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub data_type: String,
    /// The value an `INSERT` through the view gives the column when it names none
    /// (`ALTER VIEW ... ALTER COLUMN ... SET DEFAULT`), as the server writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Expr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Database {
    /// Leaves privileges and default privileges out (`--no-privileges`).
    pub fn drop_privileges(&mut self) {
        self.privileges.clear();
        self.default_privileges.clear();
    }

    /// Sorts every list by name so that equal schemas are equal values.
    pub fn normalize(&mut self) {
        self.schemas.sort_by(|a, b| a.name.cmp(&b.name));
        self.extensions.sort_by(|a, b| a.name.cmp(&b.name));
        self.enums.sort_by(|a, b| a.name.cmp(&b.name));
        self.composites.sort_by(|a, b| a.name.cmp(&b.name));
        self.domains.sort_by(|a, b| a.name.cmp(&b.name));
        for d in &mut self.domains {
            d.checks.sort_by(|a, b| a.name.cmp(&b.name));
        }
        self.sequences.sort_by(|a, b| a.name.cmp(&b.name));
        self.functions
            .sort_by(|a, b| (&a.name, &a.arguments).cmp(&(&b.name, &b.arguments)));
        self.tables.sort_by(|a, b| a.name.cmp(&b.name));
        for t in &mut self.tables {
            t.constraints.sort_by(|a, b| a.name.cmp(&b.name));
            t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
            t.triggers.sort_by(|a, b| a.name.cmp(&b.name));
            t.policies.sort_by(|a, b| a.name.cmp(&b.name));
        }
        self.definitions
            .sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
        self.privileges.sort();
        self.privileges.dedup();
        self.default_privileges.sort();
        self.default_privileges.dedup();
        self.views.sort_by(|a, b| a.name.cmp(&b.name));
        for v in &mut self.views {
            v.indexes.sort_by(|a, b| a.name.cmp(&b.name));
            v.triggers.sort_by(|a, b| a.name.cmp(&b.name));
            v.depends_on.sort();
            v.depends_on.dedup();
        }
    }

    /// The same schema with each table's columns sorted by name, for comparisons where
    /// column order does not matter (PostgreSQL can only append columns).
    pub fn without_column_order(&self) -> Database {
        let mut db = self.clone();
        for t in &mut db.tables {
            t.columns.sort_by(|a, b| a.name.cmp(&b.name));
        }
        db
    }

    /// The part of the model that lives in the given schemas.
    pub fn only_schemas(&self, schemas: &[String]) -> Database {
        let keep = |s: &String| schemas.contains(s);
        Database {
            schemas: self
                .schemas
                .iter()
                .filter(|s| keep(&s.name))
                .cloned()
                .collect(),
            extensions: self
                .extensions
                .iter()
                .filter(|e| keep(&e.schema))
                .cloned()
                .collect(),
            enums: self
                .enums
                .iter()
                .filter(|e| keep(&e.name.schema))
                .cloned()
                .collect(),
            composites: self
                .composites
                .iter()
                .filter(|e| keep(&e.name.schema))
                .cloned()
                .collect(),
            domains: self
                .domains
                .iter()
                .filter(|e| keep(&e.name.schema))
                .cloned()
                .collect(),
            sequences: self
                .sequences
                .iter()
                .filter(|e| keep(&e.name.schema))
                .cloned()
                .collect(),
            functions: self
                .functions
                .iter()
                .filter(|e| keep(&e.name.schema))
                .cloned()
                .collect(),
            tables: self
                .tables
                .iter()
                .filter(|e| keep(&e.name.schema))
                .cloned()
                .collect(),
            views: self
                .views
                .iter()
                .filter(|e| keep(&e.name.schema))
                .cloned()
                .collect(),
            definitions: self
                .definitions
                .iter()
                .filter(|d| d.schema.as_ref().is_some_and(keep))
                .cloned()
                .collect(),
            privileges: self
                .privileges
                .iter()
                .filter(|p| keep(&p.schema))
                .cloned()
                .collect(),
            default_privileges: self
                .default_privileges
                .iter()
                .filter(|p| p.schema.as_ref().is_some_and(keep))
                .cloned()
                .collect(),
        }
    }

    /// Finds a table by name.
    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.iter().find(|t| &t.name == name)
    }

    /// Finds an enum by name.
    pub fn enum_type(&self, name: &QualifiedName) -> Option<&Enum> {
        self.enums.iter().find(|e| &e.name == name)
    }
}

impl Function {
    /// Whether becoming `to` takes a drop and a create: `CREATE OR REPLACE` cannot change a
    /// routine's result type, or a function into a procedure.
    pub fn must_be_recreated_as(&self, to: &Function) -> bool {
        self.result != to.result || self.kind != to.kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(items: &[&str]) -> Enum {
        Enum {
            name: QualifiedName::new("public", "e"),
            values: items.iter().map(|s| s.to_string()).collect(),
            comment: None,
        }
    }

    #[test]
    fn detects_appended_labels() {
        let ab = labels(&["a", "b"]);
        assert!(ab.only_adds_labels(&labels(&["x", "a", "y", "b", "z"])));
        assert!(!ab.only_adds_labels(&labels(&["b", "a"])));
        assert!(!ab.only_adds_labels(&labels(&["a"])));
    }
}
