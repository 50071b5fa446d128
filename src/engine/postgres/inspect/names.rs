//! Column names by table and number, and identifiers quoted as the connected server does.
//!
//! Keys, foreign keys and most indexes are read as column numbers rather than through
//! `pg_get_constraintdef` and `pg_get_indexdef`, which look every column, table and operator
//! class up one at a time (most of the cost of reading a large schema from a cold
//! connection); these names turn the numbers back into columns.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// `quote_ident` as the connected server does it, with that server's keyword list.
///
/// Not [`crate::diff::quote::ident`], which quotes the SQL dbridge writes and only has to be
/// valid on any server: this one has to print the server's own text byte for byte (its
/// keywords differ between releases, and it quotes `$`, which the other may leave bare).
pub struct Quoter {
    keywords: HashSet<String>,
}

impl Quoter {
    /// `keywords`: the words the server does not accept unquoted (all but the unreserved ones).
    pub fn new(keywords: impl IntoIterator<Item = String>) -> Quoter {
        Quoter {
            keywords: keywords.into_iter().collect(),
        }
    }

    /// Quotes `name` unless it is lower case letters, digits and underscores, not starting
    /// with a digit, and not a keyword.
    pub fn ident<'a>(&self, name: &'a str) -> Cow<'a, str> {
        let plain = name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !self.keywords.contains(name);
        if plain {
            Cow::Borrowed(name)
        } else {
            Cow::Owned(format!("\"{}\"", name.replace('"', "\"\"")))
        }
    }
}

/// A column as definitions need it: its name and collation, by table id and column number.
#[derive(Default)]
pub(crate) struct ColumnNames {
    columns: HashMap<(i64, i16), (String, i64)>,
}

impl ColumnNames {
    /// Room for `columns` columns, so that filling it from the `columns` rows (tens of
    /// thousands in a large schema) never rehashes.
    pub(crate) fn with_capacity(columns: usize) -> ColumnNames {
        ColumnNames {
            columns: HashMap::with_capacity(columns),
        }
    }

    pub(crate) fn insert(&mut self, table: i64, number: i16, name: String, collation: i64) {
        self.columns.insert((table, number), (name, collation));
    }

    /// The name and collation id of a column.
    pub(crate) fn get(&self, table: i64, number: i16) -> Option<&(String, i64)> {
        self.columns.get(&(table, number))
    }

    /// The names of the given columns, or `None` when one is unknown.
    pub(crate) fn names(&self, table: i64, numbers: &[i16]) -> Option<Vec<String>> {
        numbers
            .iter()
            .map(|n| self.get(table, *n).map(|(name, _)| name.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_quote_ident() {
        let q = Quoter::new(["user", "select", "order"].map(String::from));
        assert_eq!(q.ident("users"), "users");
        assert_eq!(q.ident("_x1"), "_x1");
        assert_eq!(q.ident("user"), "\"user\"");
        assert_eq!(q.ident("Users"), "\"Users\"");
        assert_eq!(q.ident("1a"), "\"1a\"");
        assert_eq!(q.ident("a$b"), "\"a$b\"");
        assert_eq!(q.ident("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(q.ident(""), "\"\"");
        assert_eq!(q.ident("café"), "\"café\"");
    }

    #[test]
    fn names_columns_by_number() {
        let mut c = ColumnNames::default();
        c.insert(1, 1, "id".into(), 0);
        c.insert(1, 2, "Name".into(), 100);
        assert_eq!(c.names(1, &[2, 1]), Some(vec!["Name".into(), "id".into()]));
        assert_eq!(c.names(1, &[3]), None);
    }
}
