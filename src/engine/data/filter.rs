//! `--filter` expressions: `col=value`, `col!=value`, `col<value`, `col<=value`, `col>value`,
//! `col>=value`, `col~pattern` (LIKE) and `col=null` / `col!=null`. Values are always bound
//! parameters, cast to the column's type by the server.

use super::catalog::Table;
use super::error::{DataError, Result};
use crate::diff::quote::ident;

/// A sort term in its text form: `col`, `col:asc` or `col:desc` (any case), as
/// (column, descending). For example, `created_at:desc` is `("created_at", true)`.
pub fn parse_order_by(text: &str) -> (String, bool) {
    match text.rsplit_once(':') {
        Some((col, dir)) if dir.eq_ignore_ascii_case("desc") => (col.to_string(), true),
        Some((col, dir)) if dir.eq_ignore_ascii_case("asc") => (col.to_string(), false),
        _ => (text.to_string(), false),
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
}

/// One parsed filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub column: String,
    pub op: Op,
    /// `None` for `=null` / `!=null`.
    pub value: Option<String>,
}

impl Filter {
    /// Parses `col<op>value`.
    pub fn parse(expr: &str) -> Result<Filter> {
        let invalid = || {
            DataError::Invalid(format!(
                "invalid filter {expr:?}: expected COL=VALUE, COL!=VALUE, COL<VALUE, COL<=VALUE, COL>VALUE, COL>=VALUE, COL~PATTERN or COL=null"
            ))
        };
        let at = expr.find(['=', '!', '<', '>', '~']).ok_or_else(invalid)?;
        let (column, rest) = expr.split_at(at);
        let column = column.trim();
        if column.is_empty() {
            return Err(invalid());
        }
        let (op, value) = [
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("=", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
            ("~", Op::Like),
        ]
        .iter()
        .find_map(|(text, op)| rest.strip_prefix(text).map(|v| (*op, v)))
        .ok_or_else(invalid)?;
        let value = if value == "null" {
            if !matches!(op, Op::Eq | Op::Ne) {
                return Err(invalid());
            }
            None
        } else {
            Some(value.to_string())
        };
        Ok(Filter {
            column: column.to_string(),
            op,
            value,
        })
    }

    /// The SQL condition on `alias`; `param` is the number of the next bind parameter.
    pub fn to_sql(&self, table: &Table, alias: &str, param: usize) -> Result<String> {
        let column = table.column(&self.column)?;
        let c = format!("{alias}.{}", ident(&column.name));
        Ok(match (&self.value, self.op) {
            (None, Op::Eq) => format!("{c} IS NULL"),
            (None, _) => format!("{c} IS NOT NULL"),
            (Some(_), Op::Like) => format!("{c}::text LIKE ${param}"),
            (Some(_), op) => {
                let sign = match op {
                    Op::Eq => "=",
                    Op::Ne => "<>",
                    Op::Lt => "<",
                    Op::Le => "<=",
                    Op::Gt => ">",
                    Op::Ge => ">=",
                    Op::Like => unreachable!(),
                };
                format!("{c} {sign} ${param}::text::{}", column.cast_type)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sort_terms() {
        assert_eq!(parse_order_by("a:DESC"), ("a".into(), true));
        assert_eq!(parse_order_by("a:asc"), ("a".into(), false));
        assert_eq!(parse_order_by("a"), ("a".into(), false));
        assert_eq!(parse_order_by("a:b"), ("a:b".into(), false));
    }

    #[test]
    fn parses_operators() {
        let f = Filter::parse("age>=18").unwrap();
        assert_eq!(
            (f.column.as_str(), f.op, f.value.as_deref()),
            ("age", Op::Ge, Some("18"))
        );
        assert_eq!(Filter::parse("name!=x").unwrap().op, Op::Ne);
        assert_eq!(Filter::parse("name~a%").unwrap().op, Op::Like);
        assert_eq!(Filter::parse("deleted_at=null").unwrap().value, None);
        assert_eq!(
            Filter::parse("note=a=b").unwrap().value.as_deref(),
            Some("a=b")
        );
        assert!(Filter::parse("nothing").is_err());
        assert!(Filter::parse("=5").is_err());
        assert!(Filter::parse("a<null").is_err());
    }
}
