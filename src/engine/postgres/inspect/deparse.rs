//! Writes the definitions of keys, foreign keys and plain indexes from catalog rows, in the
//! very text `pg_get_constraintdef` and `pg_get_indexdef` return.
//!
//! Those server functions look every column, table and operator class up one at a time,
//! which is most of the cost of reading a large schema from a cold connection; the rows
//! introspection reads anyway hold all they need. Anything these functions do not cover
//! (expressions, other index methods, operator classes or collations that are not the
//! default, storage options) returns `None`, and the server deparses it instead.
//! `tests/common/roundtrip.rs` compares every definition with the server's own on every
//! fixture and corpus case.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// `quote_ident` as the connected server does it, with that server's keyword list.
///
/// Not [`crate::diff::quote::ident`], which quotes the SQL dbridge writes and only has to be
/// valid on any server: this one has to print the server's own text byte for byte (its
/// keywords differ between releases, and it quotes `$`, which the other may leave bare).
pub(crate) struct Quoter {
    keywords: HashSet<String>,
}

impl Quoter {
    /// `keywords`: the words the server does not accept unquoted (all but the unreserved ones).
    pub(crate) fn new(keywords: impl IntoIterator<Item = String>) -> Quoter {
        Quoter {
            keywords: keywords.into_iter().collect(),
        }
    }

    /// Quotes `name` unless it is lower case letters, digits and underscores, not starting
    /// with a digit, and not a keyword.
    pub(crate) fn ident<'a>(&self, name: &'a str) -> Cow<'a, str> {
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

    fn qualified(&self, schema: &str, name: &str) -> String {
        format!("{}.{}", self.ident(schema), self.ident(name))
    }
}

/// A column as definitions need it: its name and collation, by table id and column number.
#[derive(Default)]
pub(crate) struct ColumnNames {
    columns: HashMap<(i64, i16), (String, i64)>,
}

impl ColumnNames {
    pub(crate) fn insert(&mut self, table: i64, number: i16, name: String, collation: i64) {
        self.columns.insert((table, number), (name, collation));
    }

    fn get(&self, table: i64, number: i16) -> Option<&(String, i64)> {
        self.columns.get(&(table, number))
    }

    /// `a, "B"`: the named columns, quoted, or `None` when one is unknown.
    fn list(&self, quoter: &Quoter, table: i64, numbers: &[i16]) -> Option<String> {
        let mut out = String::new();
        for (i, n) in numbers.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&quoter.ident(&self.get(table, *n)?.0));
        }
        Some(out)
    }
}

/// A `pg_index` row of an index that is not a constraint's.
pub(crate) struct IndexRow<'a> {
    pub name: &'a str,
    pub table: i64,
    pub table_schema: &'a str,
    pub table_name: &'a str,
    /// The table is a plain table or materialized view (not partitioned).
    pub plain_table: bool,
    /// A btree on columns only, default operator classes, no storage options.
    pub simple: bool,
    pub unique: bool,
    pub nulls_not_distinct: bool,
    pub key_columns: usize,
    pub columns: &'a [i16],
    pub options: &'a [i16],
    pub collations: &'a [i64],
    pub predicate: Option<&'a str>,
}

/// `CREATE [UNIQUE] INDEX name ON schema.table USING btree (...)`, or `None` when the
/// index is not one this function writes.
pub(crate) fn index(q: &Quoter, cols: &ColumnNames, ix: &IndexRow) -> Option<String> {
    if !ix.simple || !ix.plain_table || ix.columns.is_empty() {
        return None;
    }
    let mut out = format!(
        "CREATE {}INDEX {} ON {} USING btree (",
        if ix.unique { "UNIQUE " } else { "" },
        q.ident(ix.name),
        q.qualified(ix.table_schema, ix.table_name)
    );
    for (k, &number) in ix.columns.iter().enumerate() {
        if k == ix.key_columns {
            out.push_str(") INCLUDE (");
        } else if k > 0 {
            out.push_str(", ");
        }
        let (name, collation) = cols.get(ix.table, number)?;
        out.push_str(&q.ident(name));
        if k >= ix.key_columns {
            continue;
        }
        let index_collation = *ix.collations.get(k)?;
        if index_collation != 0 && index_collation != *collation {
            return None;
        }
        let option = *ix.options.get(k)?;
        let (desc, nulls_first) = (option & 1 != 0, option & 2 != 0);
        match (desc, nulls_first) {
            (true, false) => out.push_str(" DESC NULLS LAST"),
            (true, true) => out.push_str(" DESC"),
            (false, true) => out.push_str(" NULLS FIRST"),
            (false, false) => {}
        }
    }
    out.push(')');
    if ix.nulls_not_distinct {
        out.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(p) = ix.predicate {
        out.push_str(" WHERE ");
        out.push_str(p);
    }
    Some(out)
}

/// A `pg_constraint` row of a primary key, unique constraint or foreign key.
pub(crate) struct KeyRow<'a> {
    /// `p`, `u` or `f`.
    pub kind: &'a str,
    pub table: i64,
    pub columns: &'a [i16],
    pub deferrable: bool,
    pub deferred: bool,
    pub validated: bool,
    /// Keys: the backing index's `NULLS NOT DISTINCT`, its columns and key column count.
    pub nulls_not_distinct: bool,
    pub index_columns: &'a [i16],
    pub index_key_columns: usize,
    /// Foreign keys: the referenced table, its columns, `MATCH` and the actions.
    pub referenced: Option<(i64, &'a str, &'a str)>,
    pub referenced_columns: &'a [i16],
    pub match_type: &'a str,
    pub on_update: &'a str,
    pub on_delete: &'a str,
    pub on_delete_columns: Option<&'a [i16]>,
}

/// `PRIMARY KEY (...)`, `UNIQUE (...)` or `FOREIGN KEY (...) REFERENCES ...`, or `None`
/// when a column is unknown (a foreign key to a table in a schema that is not read).
pub(crate) fn key(q: &Quoter, cols: &ColumnNames, k: &KeyRow) -> Option<String> {
    let columns = cols.list(q, k.table, k.columns)?;
    let mut out = match k.kind {
        "p" | "u" => {
            let mut out = if k.kind == "p" {
                format!("PRIMARY KEY ({columns})")
            } else if k.nulls_not_distinct {
                format!("UNIQUE NULLS NOT DISTINCT ({columns})")
            } else {
                format!("UNIQUE ({columns})")
            };
            let included = k.index_columns.get(k.index_key_columns..).unwrap_or(&[]);
            if !included.is_empty() {
                out.push_str(&format!(" INCLUDE ({})", cols.list(q, k.table, included)?));
            }
            out
        }
        "f" => {
            let (table, schema, name) = k.referenced?;
            let mut out = format!(
                "FOREIGN KEY ({columns}) REFERENCES {}({})",
                q.qualified(schema, name),
                cols.list(q, table, k.referenced_columns)?
            );
            match k.match_type {
                "f" => out.push_str(" MATCH FULL"),
                "p" => out.push_str(" MATCH PARTIAL"),
                _ => {}
            }
            if let Some(a) = action(k.on_update) {
                out.push_str(" ON UPDATE ");
                out.push_str(a);
            }
            if let Some(a) = action(k.on_delete) {
                out.push_str(" ON DELETE ");
                out.push_str(a);
            }
            if let Some(set) = k.on_delete_columns {
                out.push_str(&format!(" ({})", cols.list(q, k.table, set)?));
            }
            out
        }
        _ => return None,
    };
    if k.deferrable {
        out.push_str(" DEFERRABLE");
    }
    if k.deferred {
        out.push_str(" INITIALLY DEFERRED");
    }
    if !k.validated {
        out.push_str(" NOT VALID");
    }
    Some(out)
}

fn action(code: &str) -> Option<&'static str> {
    match code {
        "r" => Some("RESTRICT"),
        "c" => Some("CASCADE"),
        "n" => Some("SET NULL"),
        "d" => Some("SET DEFAULT"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoter() -> Quoter {
        Quoter::new(["user", "select", "order"].map(String::from))
    }

    #[test]
    fn quotes_like_quote_ident() {
        let q = quoter();
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

    fn names() -> ColumnNames {
        let mut c = ColumnNames::default();
        c.insert(1, 1, "id".into(), 0);
        c.insert(1, 2, "Name".into(), 100);
        c.insert(1, 3, "order".into(), 0);
        c.insert(2, 1, "id".into(), 0);
        c
    }

    fn plain_index<'a>(
        columns: &'a [i16],
        options: &'a [i16],
        collations: &'a [i64],
    ) -> IndexRow<'a> {
        IndexRow {
            name: "ix",
            table: 1,
            table_schema: "public",
            table_name: "T",
            plain_table: true,
            simple: true,
            unique: false,
            nulls_not_distinct: false,
            key_columns: columns.len(),
            columns,
            options,
            collations,
            predicate: None,
        }
    }

    #[test]
    fn writes_indexes_with_order_include_and_predicate() {
        let (q, c) = (quoter(), names());
        let mut ix = plain_index(&[2, 3, 1], &[3, 1, 0], &[100, 0, 0]);
        ix.key_columns = 2;
        ix.unique = true;
        ix.nulls_not_distinct = true;
        ix.predicate = Some("(id > 0)");
        assert_eq!(
            index(&q, &c, &ix).unwrap(),
            "CREATE UNIQUE INDEX ix ON public.\"T\" USING btree (\"Name\" DESC, \"order\" DESC NULLS LAST) \
             INCLUDE (id) NULLS NOT DISTINCT WHERE (id > 0)"
        );
        let ix = plain_index(&[1], &[2], &[0]);
        assert_eq!(
            index(&q, &c, &ix).unwrap(),
            "CREATE INDEX ix ON public.\"T\" USING btree (id NULLS FIRST)"
        );
    }

    #[test]
    fn leaves_other_indexes_to_the_server() {
        let (q, c) = (quoter(), names());
        // A collation other than the column's.
        assert!(index(&q, &c, &plain_index(&[2], &[0], &[950])).is_none());
        // An unknown column.
        assert!(index(&q, &c, &plain_index(&[9], &[0], &[0])).is_none());
        let mut ix = plain_index(&[1], &[0], &[0]);
        ix.plain_table = false;
        assert!(index(&q, &c, &ix).is_none());
        ix.plain_table = true;
        ix.simple = false;
        assert!(index(&q, &c, &ix).is_none());
    }

    fn key_row<'a>(kind: &'a str, columns: &'a [i16]) -> KeyRow<'a> {
        KeyRow {
            kind,
            table: 1,
            columns,
            deferrable: false,
            deferred: false,
            validated: true,
            nulls_not_distinct: false,
            index_columns: columns,
            index_key_columns: columns.len(),
            referenced: None,
            referenced_columns: &[],
            match_type: "s",
            on_update: "a",
            on_delete: "a",
            on_delete_columns: None,
        }
    }

    #[test]
    fn writes_keys() {
        let (q, c) = (quoter(), names());
        assert_eq!(
            key(&q, &c, &key_row("p", &[1])).unwrap(),
            "PRIMARY KEY (id)"
        );
        let mut k = key_row("u", &[2, 3]);
        k.nulls_not_distinct = true;
        k.index_columns = &[2, 3, 1];
        k.deferrable = true;
        k.deferred = true;
        assert_eq!(
            key(&q, &c, &k).unwrap(),
            "UNIQUE NULLS NOT DISTINCT (\"Name\", \"order\") INCLUDE (id) DEFERRABLE INITIALLY DEFERRED"
        );
    }

    #[test]
    fn writes_foreign_keys() {
        let (q, c) = (quoter(), names());
        let mut k = key_row("f", &[1, 3]);
        k.referenced = Some((2, "s", "Other"));
        k.referenced_columns = &[1, 1];
        k.match_type = "f";
        k.on_update = "c";
        k.on_delete = "n";
        k.on_delete_columns = Some(&[3]);
        k.validated = false;
        assert_eq!(
            key(&q, &c, &k).unwrap(),
            "FOREIGN KEY (id, \"order\") REFERENCES s.\"Other\"(id, id) MATCH FULL \
             ON UPDATE CASCADE ON DELETE SET NULL (\"order\") NOT VALID"
        );
        // The referenced table's columns are unknown: the server writes it.
        k.referenced = Some((7, "elsewhere", "t"));
        assert!(key(&q, &c, &k).is_none());
    }
}
