//! Objects kept whole as the statements that create them.
//!
//! Collations, text search dictionaries and configurations, conversions, operators,
//! aggregates, casts, foreign-data wrappers, servers, user mappings, foreign tables,
//! extended statistics, rules, event triggers and publications are fully
//! described by the statements the catalog can rebuild (a rule by `pg_get_ruledef`, the
//! others from their catalog rows, in pg_dump's spelling), and compare equal exactly when
//! those statements do. They change by being dropped and created again, except where the
//! server can alter them in place (a text search configuration's mappings, a dictionary's or
//! a foreign object's options).

use serde::{Deserialize, Serialize};

use super::QualifiedName;

/// The kinds of [`Definition`], in the order their statements are created within a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefinitionKind {
    AccessMethod,
    Collation,
    Conversion,
    TextSearchParser,
    TextSearchTemplate,
    TextSearchDictionary,
    TextSearchConfiguration,
    RangeType,
    Operator,
    OperatorFamily,
    OperatorClass,
    Aggregate,
    Cast,
    ForeignDataWrapper,
    Server,
    UserMapping,
    ForeignTable,
    Statistics,
    Rule,
    EventTrigger,
    Publication,
}

impl DefinitionKind {
    /// Every kind, in order.
    pub const ALL: [DefinitionKind; 21] = [
        DefinitionKind::AccessMethod,
        DefinitionKind::Collation,
        DefinitionKind::Conversion,
        DefinitionKind::TextSearchParser,
        DefinitionKind::TextSearchTemplate,
        DefinitionKind::TextSearchDictionary,
        DefinitionKind::TextSearchConfiguration,
        DefinitionKind::RangeType,
        DefinitionKind::Operator,
        DefinitionKind::OperatorFamily,
        DefinitionKind::OperatorClass,
        DefinitionKind::Aggregate,
        DefinitionKind::Cast,
        DefinitionKind::ForeignDataWrapper,
        DefinitionKind::Server,
        DefinitionKind::UserMapping,
        DefinitionKind::ForeignTable,
        DefinitionKind::Statistics,
        DefinitionKind::Rule,
        DefinitionKind::EventTrigger,
        DefinitionKind::Publication,
    ];

    /// The words SQL names the kind by after `DROP` and `COMMENT ON`.
    pub fn keyword(self) -> &'static str {
        match self {
            DefinitionKind::AccessMethod => "ACCESS METHOD",
            DefinitionKind::Collation => "COLLATION",
            DefinitionKind::Conversion => "CONVERSION",
            DefinitionKind::TextSearchParser => "TEXT SEARCH PARSER",
            DefinitionKind::TextSearchTemplate => "TEXT SEARCH TEMPLATE",
            DefinitionKind::TextSearchDictionary => "TEXT SEARCH DICTIONARY",
            DefinitionKind::TextSearchConfiguration => "TEXT SEARCH CONFIGURATION",
            DefinitionKind::RangeType => "TYPE",
            DefinitionKind::Operator => "OPERATOR",
            DefinitionKind::OperatorFamily => "OPERATOR FAMILY",
            DefinitionKind::OperatorClass => "OPERATOR CLASS",
            DefinitionKind::Aggregate => "AGGREGATE",
            DefinitionKind::Cast => "CAST",
            DefinitionKind::ForeignDataWrapper => "FOREIGN DATA WRAPPER",
            DefinitionKind::Server => "SERVER",
            DefinitionKind::UserMapping => "USER MAPPING",
            DefinitionKind::ForeignTable => "FOREIGN TABLE",
            DefinitionKind::Statistics => "STATISTICS",
            DefinitionKind::Rule => "RULE",
            DefinitionKind::EventTrigger => "EVENT TRIGGER",
            DefinitionKind::Publication => "PUBLICATION",
        }
    }

    /// The kind in snake case, as change kinds name it: `text_search_dictionary`.
    pub fn name(self) -> &'static str {
        match self {
            DefinitionKind::AccessMethod => "access_method",
            DefinitionKind::Collation => "collation",
            DefinitionKind::Conversion => "conversion",
            DefinitionKind::TextSearchParser => "text_search_parser",
            DefinitionKind::TextSearchTemplate => "text_search_template",
            DefinitionKind::TextSearchDictionary => "text_search_dictionary",
            DefinitionKind::TextSearchConfiguration => "text_search_configuration",
            DefinitionKind::RangeType => "range_type",
            DefinitionKind::Operator => "operator",
            DefinitionKind::OperatorFamily => "operator_family",
            DefinitionKind::OperatorClass => "operator_class",
            DefinitionKind::Aggregate => "aggregate",
            DefinitionKind::Cast => "cast",
            DefinitionKind::ForeignDataWrapper => "foreign_data_wrapper",
            DefinitionKind::Server => "server",
            DefinitionKind::UserMapping => "user_mapping",
            DefinitionKind::ForeignTable => "foreign_table",
            DefinitionKind::Statistics => "statistics",
            DefinitionKind::Rule => "rule",
            DefinitionKind::EventTrigger => "event_trigger",
            DefinitionKind::Publication => "publication",
        }
    }
}

/// An object of one of the [`DefinitionKind`]s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    pub kind: DefinitionKind,
    /// The object as SQL names it after the kind's keyword, quoted:
    /// `app.sum2(integer)`, `(app.mood AS text)`, `r ON app.t`, `app.<#> (integer, integer)`.
    pub name: String,
    /// The schema the object lives in (for a cast, its first type's or function's; for an
    /// event trigger, its function's); none for a publication, which belongs to the database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The relation the object belongs to (a rule's, an extended statistics object's),
    /// which takes it along when dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<QualifiedName>,
    /// The statements that create the object as it is, in order.
    pub statements: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Definition {
    /// `DROP <kind> <name>`.
    pub fn drop_statement(&self) -> String {
        format!("DROP {} {}", self.kind.keyword(), self.name)
    }

    /// The text search token types a configuration maps, with the rest of each mapping
    /// statement (`WITH ...`), when every statement after the first is a mapping in the
    /// form introspection writes.
    pub fn token_mappings(&self) -> Option<Vec<(&str, &str)>> {
        if self.kind != DefinitionKind::TextSearchConfiguration {
            return None;
        }
        let prefix = format!(
            "ALTER TEXT SEARCH CONFIGURATION {} ADD MAPPING FOR ",
            self.name
        );
        self.statements
            .iter()
            .skip(1)
            .map(|s| s.strip_prefix(&prefix)?.split_once(" WITH "))
            .collect()
    }

    /// A text search dictionary's template and options (`stopwords = 'english'`), when its
    /// statement is in the form introspection writes.
    pub fn dictionary_options(&self) -> Option<(&str, Vec<&str>)> {
        if self.kind != DefinitionKind::TextSearchDictionary || self.statements.len() != 1 {
            return None;
        }
        let prefix = format!("CREATE TEXT SEARCH DICTIONARY {} (", self.name);
        let inner = self.statements[0]
            .strip_prefix(&prefix)?
            .strip_suffix(')')?;
        let mut parts = split_top_level(inner);
        let template = parts.first()?.strip_prefix("TEMPLATE = ")?;
        parts.remove(0);
        Some((template, parts))
    }
}

/// What introspection writes in place of an option value the catalog keeps secret (a user
/// mapping's password): a plan that holds it needs the real value before it runs.
pub const SECRET_PLACEHOLDER: &str = "<secret>";

impl Definition {
    /// A foreign object's statement split into what comes before its trailing `OPTIONS
    /// (...)` and those options as `(name, value)`, when it has the form introspection
    /// writes (no options: an empty list).
    pub fn trailing_options(&self) -> Option<(&str, Vec<(&str, &str)>)> {
        use DefinitionKind::*;
        if !matches!(
            self.kind,
            ForeignDataWrapper | Server | UserMapping | ForeignTable
        ) || self.statements.len() != 1
        {
            return None;
        }
        let statement = self.statements[0].as_str();
        let Some(at) = statement.rfind(" OPTIONS (") else {
            return Some((statement, Vec::new()));
        };
        let inner = &statement[at + " OPTIONS (".len()..];
        let close = closing_paren(inner)?;
        if close + 1 != inner.len() {
            // The last OPTIONS is a column's: the statement has none of its own.
            return Some((statement, Vec::new()));
        }
        let options = split_top_level(&inner[..close])
            .into_iter()
            .map(|o| o.split_once(' '))
            .collect::<Option<Vec<_>>>()?;
        Some((&statement[..at], options))
    }
}

/// The byte offset of the `)` that closes the list `text` starts inside of, outside quotes.
fn closing_paren(text: &str) -> Option<usize> {
    let (mut depth, mut quote) = (0usize, None);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '(') => depth += 1,
            (None, ')') if depth == 0 => return Some(i),
            (None, ')') => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Splits `a = 'x, y', b = 1` at the commas outside quotes, trimming each part.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quote) = (0, None);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ',') => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim());
    parts.retain(|p| !p.is_empty());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_options_outside_quotes() {
        assert_eq!(
            split_top_level("TEMPLATE = s.\"a,b\", stopwords = 'x, y', accept = false"),
            vec![
                "TEMPLATE = s.\"a,b\"",
                "stopwords = 'x, y'",
                "accept = false"
            ]
        );
    }
}
