//! Value kinds from type names: how the data commands convert and render a column, read
//! from the type as the schema model spells it (`format_type` under an empty search path,
//! so user types are always schema-qualified and the built-in names are unambiguous).

use std::collections::{HashMap, HashSet};

use crate::diff::model::Database;
use crate::diff::quote::SqlName;

/// How values of a column are converted on the way in and rendered on the way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Int2,
    Int4,
    Int8,
    Numeric,
    Float4,
    Float8,
    Bool,
    Text,
    Bytea,
    Json,
    Jsonb,
    Uuid,
    /// Dates, times, intervals, enums, network types...: text that the server parses.
    Other,
    Array(Box<Kind>),
}

/// Types whose equality is identity: two values are `=` only when they print the same. Every
/// other type (numeric `1.0 = 1.00`, float `-0 = 0`, citext, interval `1 day = 24 hours`, json,
/// jsonb, types without `=` at all) is compared by its text when upsert looks for changes, so
/// that a value that compares equal but reads differently is still written.
const EXACT: &[&str] = &[
    "smallint",
    "integer",
    "bigint",
    "boolean",
    "text",
    "character varying",
    "character",
    "name",
    "bytea",
    "uuid",
    "date",
    "timestamp",
    "timestamptz",
    "time",
    "oid",
];

/// What a column's type resolves to once domains are looked through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub kind: Kind,
    /// The base type's short name (`timestamptz`, `date`, `text`...), without modifiers.
    pub base_type: String,
    /// Whether `=` on the type means identical values (see [`EXACT`]); enums count, and a
    /// domain with a collation of its own does not.
    pub exact: bool,
}

/// Resolves type names against the domains of one schema model.
pub struct Kinds<'a> {
    /// Domain base types, by the domain's name as a column type spells it, and whether the
    /// domain has a collation of its own.
    domains: HashMap<String, (&'a str, bool)>,
    /// Enum types, by name as a column type spells it.
    enums: HashSet<String>,
}

impl<'a> Kinds<'a> {
    /// The resolver for the types of `db`.
    pub fn new(db: &'a Database) -> Self {
        let domains = db
            .domains
            .iter()
            .map(|d| {
                let collated = d.collation.is_some();
                (d.name.sql().to_string(), (d.data_type.as_str(), collated))
            })
            .collect();
        let enums = db.enums.iter().map(|e| e.name.sql().to_string()).collect();
        Kinds { domains, enums }
    }

    /// The kind of a column of type `data_type`.
    pub fn resolve(&self, data_type: &str) -> Resolved {
        let mut name = data_type;
        let mut collated = false;
        // A domain over a domain: follow the chain (bounded, in case of a bad snapshot).
        for _ in 0..16 {
            match self.domains.get(name) {
                Some((base, own_collation)) => {
                    name = base;
                    collated |= own_collation;
                }
                None => break,
            }
        }
        match name.strip_suffix("[]") {
            Some(element) => {
                let element = self.resolve(element);
                Resolved {
                    kind: Kind::Array(Box::new(element.kind)),
                    exact: element.exact && !collated,
                    base_type: format!("{}[]", element.base_type),
                }
            }
            None => {
                let base = short_name(name);
                Resolved {
                    kind: scalar_kind(&base),
                    exact: !collated
                        && (EXACT.contains(&base.as_str()) || self.enums.contains(name)),
                    base_type: base,
                }
            }
        }
    }
}

/// The type name without its modifiers, with the time types in their short spelling:
/// `timestamp(3) with time zone` is `timestamptz`, `character varying(20)` is
/// `character varying`.
fn short_name(name: &str) -> String {
    let mut plain = String::with_capacity(name.len());
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    match plain.as_str() {
        "timestamp with time zone" => "timestamptz".into(),
        "timestamp without time zone" => "timestamp".into(),
        "time with time zone" => "timetz".into(),
        "time without time zone" => "time".into(),
        _ => plain,
    }
}

fn scalar_kind(base: &str) -> Kind {
    match base {
        "smallint" => Kind::Int2,
        "integer" => Kind::Int4,
        "bigint" => Kind::Int8,
        "numeric" => Kind::Numeric,
        "real" => Kind::Float4,
        "double precision" => Kind::Float8,
        "boolean" => Kind::Bool,
        "text" | "character varying" | "character" | "name" => Kind::Text,
        "bytea" => Kind::Bytea,
        "json" => Kind::Json,
        "jsonb" => Kind::Jsonb,
        "uuid" => Kind::Uuid,
        _ => Kind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::model::{Domain, QualifiedName};

    fn domain(name: &str, base: &str) -> Domain {
        Domain {
            name: QualifiedName::new("public", name),
            data_type: base.into(),
            not_null: false,
            default: None,
            collation: None,
            checks: Vec::new(),
            comment: None,
        }
    }

    #[test]
    fn built_in_types_resolve_by_their_format_type_names() {
        let db = Database::default();
        let kinds = Kinds::new(&db);
        let kind = |t: &str| kinds.resolve(t).kind;
        assert_eq!(kind("integer"), Kind::Int4);
        assert_eq!(kind("character varying(20)"), Kind::Text);
        assert_eq!(kind("character(3)"), Kind::Text);
        assert_eq!(kind("numeric(10,2)"), Kind::Numeric);
        assert_eq!(kind("double precision"), Kind::Float8);
        assert_eq!(kind("bigint[]"), Kind::Array(Box::new(Kind::Int8)));
        assert_eq!(kind("public.integer"), Kind::Other);
        assert_eq!(
            kinds.resolve("timestamp(3) with time zone").base_type,
            "timestamptz"
        );
        assert_eq!(
            kinds.resolve("timestamp without time zone").base_type,
            "timestamp"
        );
        assert!(!kinds.resolve("json").exact);
        assert!(!kinds.resolve("point[]").exact);
        assert!(
            !kinds.resolve("jsonb").exact,
            "'1.0'::jsonb = '1.00'::jsonb"
        );
        assert!(!kinds.resolve("numeric(10,2)").exact);
        assert!(!kinds.resolve("double precision").exact);
        assert!(!kinds.resolve("public.citext").exact);
        assert!(!kinds.resolve("interval").exact);
        assert!(kinds.resolve("timestamp(3) with time zone").exact);
        assert!(kinds.resolve("bigint[]").exact);
    }

    #[test]
    fn domains_resolve_to_their_base_types_through_chains() {
        let db = Database {
            domains: vec![
                domain("email", "text"),
                domain("work email", "public.email"),
                domain("scores", "integer[]"),
            ],
            ..Database::default()
        };
        let kinds = Kinds::new(&db);
        assert_eq!(kinds.resolve("public.email").kind, Kind::Text);
        assert_eq!(kinds.resolve("public.\"work email\"").kind, Kind::Text);
        assert_eq!(
            kinds.resolve("public.scores").kind,
            Kind::Array(Box::new(Kind::Int4))
        );
        assert_eq!(
            kinds.resolve("public.email[]").kind,
            Kind::Array(Box::new(Kind::Text))
        );
    }
}
