//! User-defined types and sequences: enums, composites, domains and sequences.

use serde::{Deserialize, Serialize};

use super::{expr, Expr, QualifiedName};

/// An enum type and its labels in sort order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enum {
    pub name: QualifiedName,
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A composite type (`CREATE TYPE ... AS (...)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Composite {
    pub name: QualifiedName,
    pub attributes: Vec<Attribute>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// One attribute of a composite type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    pub name: String,
    pub data_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

/// A domain over a base type, with its constraints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub name: QualifiedName,
    pub data_type: String,
    #[serde(default)]
    pub not_null: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    #[serde(default)]
    pub checks: Vec<DomainCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A check constraint of a domain (`CHECK (VALUE > 0)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainCheck {
    pub name: String,
    /// The condition, as the server writes it (on `VALUE`).
    pub expression: Expr,
    /// False for a check added `NOT VALID` and not validated since.
    #[serde(default = "expr::yes", skip_serializing_if = "expr::is_true")]
    pub validated: bool,
}

/// A sequence that is not the hidden sequence of an identity column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sequence {
    pub name: QualifiedName,
    #[serde(flatten)]
    pub options: SequenceOptions,
    /// The column that owns the sequence (`OWNED BY`), as `(table, column)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<(QualifiedName, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The options shared by sequences and identity columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequenceOptions {
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cache: i64,
    pub cycle: bool,
}

impl Enum {
    /// Whether `to` only adds labels to this enum, keeping the order of the old ones (so
    /// that the type can be altered in place rather than rebuilt).
    pub fn only_adds_labels(&self, to: &Enum) -> bool {
        let kept: Vec<&String> = to
            .values
            .iter()
            .filter(|v| self.values.contains(v))
            .collect();
        kept.len() == self.values.len() && kept.iter().zip(&self.values).all(|(a, b)| *a == b)
    }
}
