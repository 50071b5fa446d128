//! `dbridge lint`: the hazards of migration SQL, found by parsing it with PostgreSQL's own
//! parser (libpg_query) and checking each statement against the rules in [`rules`].

mod rules;

use serde::Serialize;

use crate::engine::postgres::split;

pub use rules::RULES;

/// How serious a finding is; `--level` sets the threshold that fails a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    /// The level as printed.
    pub fn name(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// One hazard of one statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub file: String,
    pub line: usize,
    /// The rule's kebab-case name, e.g. `index-without-concurrently`.
    pub rule: &'static str,
    pub level: Level,
    /// What happens, naming the table.
    pub message: String,
    /// The safe way to do it.
    pub help: &'static str,
}

/// SQL that PostgreSQL's parser rejects.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: not valid SQL: {message}")]
pub struct ParseError {
    pub file: String,
    /// The line where the statement that fails to parse starts.
    pub line: usize,
    pub message: String,
}

/// Lints the text of one migration file.
pub fn lint(file: &str, sql: &str) -> Result<Vec<Finding>, ParseError> {
    let parsed = pg_query::parse(sql).map_err(|e| {
        // Parse statement by statement to find the one that fails, for its line.
        let failing = split::split(sql)
            .into_iter()
            .find(|s| pg_query::parse(&s.text).is_err());
        ParseError {
            file: file.to_string(),
            line: failing.map_or(1, |s| s.line),
            message: e
                .to_string()
                .trim_start_matches("Invalid statement: ")
                .to_string(),
        }
    })?;
    let mut state = rules::FileState::default();
    let mut out = Vec::new();
    for raw in &parsed.protobuf.stmts {
        let Some(node) = raw.stmt.as_ref().and_then(|s| s.node.as_ref()) else {
            continue;
        };
        let line = statement_line(sql, raw.stmt_location, raw.stmt_len);
        for (rule, level, message) in rules::check(node, &mut state) {
            out.push(Finding {
                file: file.to_string(),
                line,
                rule: rule.id(),
                level,
                message,
                help: rule.help(),
            });
        }
    }
    Ok(out)
}

/// The line of a parsed statement's first token (libpg_query's location includes the blanks
/// and comments before it; a length of 0 means "to the end").
fn statement_line(sql: &str, location: i32, len: i32) -> usize {
    let start = (location.max(0) as usize).min(sql.len());
    let end = match len {
        0 => sql.len(),
        n => (start + n as usize).min(sql.len()),
    };
    let first = split::first_token(&sql[start..end]).unwrap_or(0);
    split::line_at(sql, start + first)
}
