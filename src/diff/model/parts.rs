//! The parts of a table: constraints, indexes, triggers and policies.

use serde::{Deserialize, Serialize};

use super::expr::{is_false, is_true, yes};
use super::{Attr, Expr, QualifiedName};

/// The kind of a table constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    Check,
    Exclusion,
    ForeignKey,
}

/// A table constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraint {
    pub name: String,
    #[serde(flatten)]
    pub body: ConstraintBody,
    /// False for a check or foreign key added `NOT VALID` and not validated since.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub validated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// What a constraint requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConstraintBody {
    PrimaryKey(Key),
    Unique(Key),
    Check(Check),
    /// PostgreSQL's exclusion constraint, kept whole as the server writes it.
    Exclusion(Exclusion),
    ForeignKey(ForeignKey),
}

/// When a deferrable constraint is checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deferral {
    #[serde(default, skip_serializing_if = "is_false")]
    pub deferrable: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub initially_deferred: bool,
}

impl Deferral {
    fn is_default(&self) -> bool {
        *self == Deferral::default()
    }
}

/// A primary key or unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Key {
    pub columns: Vec<String>,
    /// Columns stored in the backing index without being part of the key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// False for `NULLS NOT DISTINCT`: two nulls count as equal.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub nulls_distinct: bool,
    #[serde(default, skip_serializing_if = "Deferral::is_default")]
    pub deferral: Deferral,
}

/// How a foreign key matches rows with nulls in some of its columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchType {
    #[default]
    Simple,
    Full,
    Partial,
}

/// What a foreign key does when the referenced row changes or goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKey {
    pub columns: Vec<String>,
    /// The referenced table.
    pub references: QualifiedName,
    pub referenced_columns: Vec<String>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub match_type: MatchType,
    #[serde(default, skip_serializing_if = "is_default")]
    pub on_update: ReferentialAction,
    #[serde(default, skip_serializing_if = "is_default")]
    pub on_delete: ReferentialAction,
    /// The columns `ON DELETE SET NULL (...)` / `SET DEFAULT (...)` sets, when not all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_delete_columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Deferral::is_default")]
    pub deferral: Deferral,
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub expression: Expr,
    /// Not inherited by child tables (`NO INHERIT`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_inherit: bool,
}

/// An exclusion constraint as the server writes it (`EXCLUDE USING gist (room WITH =)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    pub definition: Expr,
}

impl Constraint {
    /// The kind of constraint this is.
    pub fn kind(&self) -> ConstraintKind {
        match &self.body {
            ConstraintBody::PrimaryKey(_) => ConstraintKind::PrimaryKey,
            ConstraintBody::Unique(_) => ConstraintKind::Unique,
            ConstraintBody::Check(_) => ConstraintKind::Check,
            ConstraintBody::Exclusion(_) => ConstraintKind::Exclusion,
            ConstraintBody::ForeignKey(_) => ConstraintKind::ForeignKey,
        }
    }

    /// The foreign key, if this is one.
    pub fn foreign_key(&self) -> Option<&ForeignKey> {
        match &self.body {
            ConstraintBody::ForeignKey(fk) => Some(fk),
            _ => None,
        }
    }

    /// The table a foreign key references.
    pub fn references(&self) -> Option<&QualifiedName> {
        self.foreign_key().map(|fk| &fk.references)
    }

    /// The same constraint without its name and comment: what decides whether it must be
    /// dropped and added again rather than altered.
    pub fn definition_eq(&self, other: &Constraint) -> bool {
        self.body == other.body && self.validated == other.validated
    }
}

/// What one index part indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexTarget {
    Column(String),
    /// An expression as the server writes it in an index key (parenthesised unless it is
    /// a bare function call).
    Expression(Expr),
}

/// One key part of an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexPart {
    #[serde(flatten)]
    pub target: IndexTarget,
    #[serde(default, skip_serializing_if = "is_false")]
    pub descending: bool,
    /// Nulls sort before other values (the default for descending parts only).
    #[serde(default, skip_serializing_if = "is_false")]
    pub nulls_first: bool,
    /// An operator class other than the type's default, as a name path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opclass: Vec<String>,
    /// A collation other than the indexed value's, as a name path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collation: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attrs: Vec<Attr>,
}

/// An index that does not back a constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    pub name: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// The access method: `btree`, `gin`, `hash`...
    pub method: String,
    pub key: Vec<IndexPart>,
    /// Columns stored in the index without being part of the key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// False for `NULLS NOT DISTINCT`.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub nulls_distinct: bool,
    /// The condition of a partial index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<Expr>,
    /// False for an index the server does not use (`indisvalid`): a `CREATE INDEX
    /// CONCURRENTLY` that failed, or a partitioned table's index that some partitions lack.
    /// It differs from a valid one, so the next plan rebuilds it.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub valid: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attrs: Vec<Attr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Index {
    /// Whether two indexes index the same thing the same way, whatever their names and
    /// comments.
    pub fn same_shape(&self, other: &Index) -> bool {
        let shape = |i: &Index| Index {
            name: String::new(),
            comment: None,
            ..i.clone()
        };
        shape(self) == shape(other)
    }
}

/// When a trigger fires relative to the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerTiming {
    Before,
    After,
    InsteadOf,
}

/// An event a trigger fires on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerEvent {
    Insert,
    Delete,
    Update,
    Truncate,
}

/// Whether a trigger fires once per row or once per statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerLevel {
    Row,
    Statement,
}

/// When a trigger is enabled, relative to `session_replication_role`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerEnabled {
    /// Fires in origin and local mode (the default).
    #[default]
    Origin,
    Disabled,
    /// Fires in replica mode only.
    Replica,
    Always,
}

/// The constraint half of a constraint trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintTrigger {
    /// The table named by `FROM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<QualifiedName>,
    #[serde(default, skip_serializing_if = "Deferral::is_default")]
    pub deferral: Deferral,
}

/// A trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    pub name: String,
    pub timing: TriggerTiming,
    /// In the order INSERT, DELETE, UPDATE, TRUNCATE.
    pub events: Vec<TriggerEvent>,
    /// The columns of `UPDATE OF ...`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub update_columns: Vec<String>,
    pub level: TriggerLevel,
    pub function: QualifiedName,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<String>,
    /// The `WHEN` condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Expr>,
    /// The transition tables' names (`REFERENCING OLD TABLE AS ... NEW TABLE AS ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_table: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_table: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<ConstraintTrigger>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub enabled: TriggerEnabled,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Trigger {
    /// Whether two triggers fire the same way, whatever their comments and enabled state
    /// (which change in place).
    pub fn definition_eq(&self, other: &Trigger) -> bool {
        let shape = |t: &Trigger| Trigger {
            comment: None,
            enabled: TriggerEnabled::Origin,
            ..t.clone()
        };
        shape(self) == shape(other)
    }
}

/// A row-level security policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub name: String,
    pub permissive: bool,
    pub command: PolicyCommand,
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The commands a row-level security policy applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PolicyCommand {
    #[serde(alias = "all")]
    All,
    #[serde(alias = "select")]
    Select,
    #[serde(alias = "insert")]
    Insert,
    #[serde(alias = "update")]
    Update,
    #[serde(alias = "delete")]
    Delete,
}

impl PolicyCommand {
    /// The command's keyword: `ALL`, `SELECT`...
    pub fn keyword(self) -> &'static str {
        match self {
            PolicyCommand::All => "ALL",
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
        }
    }
}
