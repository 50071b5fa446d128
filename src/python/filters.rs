//! Filters of the table methods: a mapping (`{"email": x}`, `None` meaning IS NULL) or an
//! expression built from `db.col("name")` with `== != < <= > >=`, `.like()`, `.ilike()`,
//! `.in_()`, `.is_null()`, `&`, `|` and `~`. Values are taken apart when the expression is
//! built and bound as parameters; the engine checks and quotes the column names.

use pyo3::basic::CompareOp;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyMapping;

use super::params::Param;
use crate::engine::data::condition::{Compare, Condition};

/// A condition with its values, as built in Python.
#[derive(Debug, Clone)]
enum Node {
    Compare(String, Compare, Param),
    In(String, Vec<Param>),
    IsNull(String),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

/// A column of a table, named for a filter: `db.col("email") == x`.
#[pyclass(frozen, module = "data_bridge._data_bridge", name = "Col")]
pub(crate) struct Col {
    name: String,
}

/// A condition on rows, for the `filter` of the table methods.
#[pyclass(frozen, module = "data_bridge._data_bridge", name = "Expr")]
pub(crate) struct Expr {
    node: Node,
}

/// The column `name`, for filters.
#[pyfunction]
pub(crate) fn col(name: String) -> Col {
    Col { name }
}

#[pymethods]
impl Col {
    #[new]
    fn new(name: String) -> Self {
        Col { name }
    }

    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<Expr> {
        let param = Param::from_python(other)?;
        let name = self.name.clone();
        let node = match (op, param) {
            (CompareOp::Eq, Param::Null) => Node::IsNull(name),
            (CompareOp::Ne, Param::Null) => Node::Not(Box::new(Node::IsNull(name))),
            (_, Param::Null) => {
                return Err(PyTypeError::new_err(
                    "None compares only with == and != (IS NULL, IS NOT NULL)",
                ))
            }
            (op, param) => {
                let compare = match op {
                    CompareOp::Eq => Compare::Eq,
                    CompareOp::Ne => Compare::Ne,
                    CompareOp::Lt => Compare::Lt,
                    CompareOp::Le => Compare::Le,
                    CompareOp::Gt => Compare::Gt,
                    CompareOp::Ge => Compare::Ge,
                };
                Node::Compare(name, compare, param)
            }
        };
        Ok(Expr { node })
    }

    /// `LIKE pattern` on the column's text.
    fn like(&self, pattern: String) -> Expr {
        self.matching(Compare::Like, pattern)
    }

    /// `ILIKE pattern` (case-insensitive) on the column's text.
    fn ilike(&self, pattern: String) -> Expr {
        self.matching(Compare::ILike, pattern)
    }

    /// The column equals one of `values` (an empty collection matches no row).
    fn in_(&self, values: &Bound<'_, PyAny>) -> PyResult<Expr> {
        let items = values
            .try_iter()?
            .map(|v| Param::from_python(&v?))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Expr {
            node: Node::In(self.name.clone(), items),
        })
    }

    /// The column IS NULL.
    fn is_null(&self) -> Expr {
        Expr {
            node: Node::IsNull(self.name.clone()),
        }
    }

    fn __repr__(&self) -> String {
        format!("col({:?})", self.name)
    }
}

impl Col {
    fn matching(&self, op: Compare, pattern: String) -> Expr {
        Expr {
            node: Node::Compare(self.name.clone(), op, Param::Str(pattern)),
        }
    }
}

#[pymethods]
impl Expr {
    fn __and__(&self, other: &Expr) -> Expr {
        Expr {
            node: Node::And(vec![self.node.clone(), other.node.clone()]),
        }
    }

    fn __or__(&self, other: &Expr) -> Expr {
        Expr {
            node: Node::Or(vec![self.node.clone(), other.node.clone()]),
        }
    }

    fn __invert__(&self) -> Expr {
        Expr {
            node: Node::Not(Box::new(self.node.clone())),
        }
    }

    /// An expression has no truth value: `a == 1 and b == 2` would silently drop a
    /// condition (write `(a == 1) & (b == 2)`).
    fn __bool__(&self) -> PyResult<bool> {
        Err(PyTypeError::new_err(
            "a filter expression has no truth value: combine conditions with &, | and ~, not and/or/not",
        ))
    }

    fn __repr__(&self) -> String {
        format!("<filter {}>", describe(&self.node))
    }
}

fn describe(node: &Node) -> String {
    let list = |items: &[Node], word: &str| {
        let parts: Vec<String> = items.iter().map(describe).collect();
        format!("({})", parts.join(&format!(" {word} ")))
    };
    match node {
        Node::Compare(c, op, _) => format!("{c} {op:?} ?"),
        Node::In(c, items) => format!("{c} IN ({} values)", items.len()),
        Node::IsNull(c) => format!("{c} IS NULL"),
        Node::And(items) => list(items, "AND"),
        Node::Or(items) => list(items, "OR"),
        Node::Not(inner) => format!("NOT {}", describe(inner)),
    }
}

/// A `filter` argument as the engine's condition and its arguments, in order: `None` for
/// every row, a mapping of column to value, or an expression.
pub(super) fn condition_of(filter: Option<&Bound<'_, PyAny>>) -> PyResult<(Condition, Vec<Param>)> {
    let Some(filter) = filter.filter(|f| !f.is_none()) else {
        return Ok((Condition::All, Vec::new()));
    };
    let node = if let Ok(expr) = filter.cast::<Expr>() {
        expr.get().node.clone()
    } else if let Ok(mapping) = filter.cast::<PyMapping>() {
        let mut items = Vec::new();
        for pair in mapping.items()?.iter() {
            let (name, value): (String, Bound<'_, PyAny>) = pair.extract()?;
            items.push(match Param::from_python(&value)? {
                Param::Null => Node::IsNull(name),
                p => Node::Compare(name, Compare::Eq, p),
            });
        }
        Node::And(items)
    } else {
        return Err(PyTypeError::new_err(format!(
            "a filter is a mapping of column to value or an expression of db.col(...), not {}",
            filter.get_type().name()?
        )));
    };
    let mut params = Vec::new();
    let condition = lower(node, &mut params);
    Ok((condition, params))
}

fn lower(node: Node, params: &mut Vec<Param>) -> Condition {
    let mut arg = |p: Param| {
        params.push(p);
        params.len() - 1
    };
    match node {
        Node::Compare(column, op, p) => Condition::Compare {
            column,
            op,
            arg: arg(p),
        },
        Node::In(_, items) if items.is_empty() => Condition::Nothing,
        Node::In(column, items) => Condition::In {
            column,
            arg: arg(Param::List(items)),
        },
        Node::IsNull(column) => Condition::IsNull { column },
        Node::And(items) if items.is_empty() => Condition::All,
        Node::And(items) => Condition::And(items.into_iter().map(|n| lower(n, params)).collect()),
        Node::Or(items) => Condition::Or(items.into_iter().map(|n| lower(n, params)).collect()),
        Node::Not(inner) => Condition::Not(Box::new(lower(*inner, params))),
    }
}
