//! The two escape hatches of the neutral model: server-written expressions and
//! engine-specific attributes.

use serde::{Deserialize, Serialize};

/// An expression as the server deparses it (a check, an index predicate or key expression,
/// a partition bound): opaque text that is compared, never parsed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Expr(pub String);

impl Expr {
    /// Wraps server text.
    pub fn new(text: impl Into<String>) -> Expr {
        Expr(text.into())
    }

    /// The text itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A detail of an object that only one engine has; the neutral differ compares attrs as
/// values and leaves their meaning to the engine's renderer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attr {
    Pg(PgAttr),
}

/// PostgreSQL's own details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PgAttr {
    /// Storage parameters (`WITH (fillfactor='70')`), as name and value, in catalog order.
    StorageParameters(Vec<(String, String)>),
    /// Options of an index part's operator class (`gist_trgm_ops (siglen='32')`).
    OperatorClassOptions(Vec<(String, String)>),
}

impl Attr {
    /// The PostgreSQL detail, if this is one.
    pub fn pg(&self) -> Option<&PgAttr> {
        match self {
            Attr::Pg(a) => Some(a),
        }
    }
}

/// `skip_serializing_if` for fields that are true unless said otherwise.
pub(crate) fn is_true(b: &bool) -> bool {
    *b
}

/// `skip_serializing_if` for flags that are false unless said otherwise.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

/// `default` for fields that are true unless said otherwise.
pub(crate) fn yes() -> bool {
    true
}
