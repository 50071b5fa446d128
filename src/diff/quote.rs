//! Quoting of identifiers and literals: the one place SQL text is escaped.

/// Words PostgreSQL reserves (or treats specially) that must be quoted as identifiers: its
/// keywords of every category but "unreserved", as of PostgreSQL 17's `kwlist.h`, sorted for
/// binary search. Newer words are quoted on older servers too, which they accept. Tests check
/// the list against the parser's keyword kinds and the connected server's `pg_get_keywords()`.
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json",
    "json_array",
    "json_arrayagg",
    "json_exists",
    "json_object",
    "json_objectagg",
    "json_query",
    "json_scalar",
    "json_serialize",
    "json_table",
    "json_value",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "merge_action",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// Whether `word` (lower case) is a keyword that an identifier must not be spelled as.
pub fn is_keyword(word: &str) -> bool {
    RESERVED.binary_search(&word).is_ok()
}

/// Every keyword [`is_keyword`] knows, sorted.
pub fn keywords() -> &'static [&'static str] {
    RESERVED
}

/// The longest name PostgreSQL keeps, in bytes (`NAMEDATALEN - 1`).
pub const MAX_NAME_BYTES: usize = 63;

/// A name as PostgreSQL stores it: longer names are cut to [`MAX_NAME_BYTES`] at a character
/// boundary, as the server does (with a NOTICE) when it reads one.
pub fn truncated(name: &str) -> &str {
    if name.len() <= MAX_NAME_BYTES {
        return name;
    }
    let mut end = MAX_NAME_BYTES;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// Quotes an identifier the way `quote_ident` does: only when it needs it.
///
/// For example, `users` stays `users` while `User Name` becomes `"User Name"`.
pub fn ident(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
        && !is_keyword(name);
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A schema-qualified name, each part quoted when needed: `public."My Table"`.
/// Writes a model name in SQL: both parts quoted where PostgreSQL needs it.
pub trait SqlName {
    /// `"My Schema".users`.
    fn sql(&self) -> Qualified<'_>;
}

/// A qualified name as SQL, for `format!`.
pub struct Qualified<'a>(&'a crate::diff::model::QualifiedName);

impl SqlName for crate::diff::model::QualifiedName {
    fn sql(&self) -> Qualified<'_> {
        Qualified(self)
    }
}

impl std::fmt::Display for Qualified<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&qualified(&self.0.schema, &self.0.name))
    }
}

pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// Escapes a string literal: `it's` becomes `'it''s'`, and backslashes get the `E''` form.
pub fn literal(value: &str) -> String {
    if value.contains('\\') {
        format!("E'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
    } else {
        format!("'{}'", value.replace('\'', "''"))
    }
}

/// Joins a list of identifiers, each quoted: `a, "B", c`.
pub fn ident_list<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| ident(n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(ident("users"), "users");
        assert_eq!(ident("user"), "\"user\"");
        assert_eq!(ident("Users"), "\"Users\"");
        assert_eq!(ident("a b"), "\"a b\"");
        assert_eq!(ident("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(ident("café"), "\"café\"");
        assert_eq!(ident("1st"), "\"1st\"");
        assert_eq!(ident(""), "\"\"");
    }

    #[test]
    fn keywords_are_sorted() {
        // That they are the server's is checked against pg_get_keywords() in tests/cli_diff.rs.
        assert!(RESERVED.windows(2).all(|w| w[0] < w[1]), "not sorted");
        for word in ["name", "update", "users", "merge"] {
            assert!(!is_keyword(word), "{word}");
            assert_eq!(ident(word), word);
        }
        assert_eq!(ident("json_table"), "\"json_table\"");
    }

    #[test]
    fn escapes_literals() {
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal("a\\b"), "E'a\\\\b'");
    }

    #[test]
    fn qualifies() {
        assert_eq!(qualified("public", "My Table"), "public.\"My Table\"");
    }
}
