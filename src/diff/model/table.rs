//! Tables, their columns and their partitioning.

use serde::{Deserialize, Serialize};

use super::{Constraint, Expr, Index, Policy, QualifiedName, SequenceOptions, Trigger};

/// How a table stores its rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Persistence {
    #[default]
    Permanent,
    Unlogged,
}

/// A table (ordinary, partitioned or a partition).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub name: QualifiedName,
    #[serde(default)]
    pub columns: Vec<Column>,
    #[serde(default)]
    pub constraints: Vec<Constraint>,
    #[serde(default)]
    pub indexes: Vec<Index>,
    #[serde(default)]
    pub triggers: Vec<Trigger>,
    #[serde(default)]
    pub policies: Vec<Policy>,
    #[serde(default)]
    pub persistence: Persistence,
    /// Storage parameters, sorted, as `pg_class.reloptions` holds them (`fillfactor=70`,
    /// `autovacuum_enabled=false`), with the TOAST table's prefixed `toast.`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub storage: Vec<String>,
    /// The table access method when it is not `heap` (`CREATE TABLE ... USING am`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_method: Option<String>,
    /// How a partitioned table splits its rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<PartitionKey>,
    /// The parent and bound of a partition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<PartitionOf>,
    /// Parents of a table created with `INHERITS`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherits: Vec<QualifiedName>,
    #[serde(default)]
    pub row_security: bool,
    #[serde(default)]
    pub force_row_security: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A table column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub name: String,
    /// The type as `format_type` prints it, modifiers included: `character varying(20)[]`.
    pub data_type: String,
    #[serde(default)]
    pub not_null: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The expression of a `GENERATED ALWAYS AS (...) STORED` column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    /// A collation other than the type's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// An identity column's kind and sequence options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// `ALWAYS` rather than `BY DEFAULT`.
    pub always: bool,
    #[serde(flatten)]
    pub options: SequenceOptions,
}

/// How rows are assigned to partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionStrategy {
    Range,
    List,
    Hash,
}

/// One element of a partition key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionPart {
    /// A column with its type's collation and operator class.
    Column(String),
    /// Anything else, as the server writes the element: an expression, or a column with a
    /// collation or operator class of its own (`(lower(name))`, `name COLLATE "C"`).
    Expression(Expr),
}

/// The partition key of a partitioned table (`PARTITION BY RANGE (created_at)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionKey {
    pub strategy: PartitionStrategy,
    pub parts: Vec<PartitionPart>,
}

/// Where a partition belongs: its parent and the bound the server writes
/// (`FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`, `DEFAULT`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionOf {
    pub parent: QualifiedName,
    pub bound: Expr,
}

impl Table {
    /// The table without its columns and sub-objects: what an `Alter` of the table compares.
    pub fn shell(&self) -> Table {
        Table {
            name: self.name.clone(),
            columns: Vec::new(),
            constraints: Vec::new(),
            indexes: Vec::new(),
            triggers: Vec::new(),
            policies: Vec::new(),
            persistence: self.persistence,
            storage: self.storage.clone(),
            access_method: self.access_method.clone(),
            partition_by: self.partition_by.clone(),
            partition_of: self.partition_of.clone(),
            inherits: self.inherits.clone(),
            row_security: self.row_security,
            force_row_security: self.force_row_security,
            comment: self.comment.clone(),
        }
    }

    /// Finds a column by name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}
