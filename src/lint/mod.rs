//! `dbridge lint`: the hazards of migration SQL, found by parsing it with PostgreSQL's own
//! parser (libpg_query) and checking each statement against the rules in [`rules`].

mod rules;

use serde::Serialize;

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
        let failing = crate::engine::postgres::split::split(sql)
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
        let line = line_of(sql, raw.stmt_location.max(0) as usize);
        for (rule, level, message) in rules::check(node, &mut state) {
            let help = RULES.iter().find(|r| r.0 == rule).map_or("", |r| r.2);
            out.push(Finding {
                file: file.to_string(),
                line,
                rule,
                level,
                message,
                help,
            });
        }
    }
    Ok(out)
}

/// The 1-based line of the first token at or after byte `offset` (skipping blanks and
/// `--` comments, which libpg_query counts as part of the statement).
fn line_of(sql: &str, offset: usize) -> usize {
    let mut i = offset.min(sql.len());
    let bytes = sql.as_bytes();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes[i..].starts_with(b"--") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        break;
    }
    1 + sql[..i].matches('\n').count()
}
