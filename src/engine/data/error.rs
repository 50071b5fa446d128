//! Errors of the data commands: what went wrong, and on which row and column.

use std::fmt;

/// A problem with one input row: its number, where it is in the file, the column and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The 1-based data row (the header of a CSV file is not a row).
    pub row: u64,
    /// The 1-based line of the file where the row starts (0 for rows that come as values,
    /// not from a file).
    pub line: u64,
    /// The column (or input field) at fault, when one is known.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}", self.row)?;
        if self.line > 0 {
            write!(f, " (line {})", self.line)?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything that can go wrong in upsert and fetch.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    #[error("table {name} does not exist; tables: {}", near(.name, .existing))]
    UnknownTable { name: String, existing: Vec<String> },

    #[error("{table} has no column {name}; columns: {}", near(.name, .existing))]
    UnknownColumn {
        table: String,
        name: String,
        existing: Vec<String>,
    },

    #[error("{table} has no relation {name}; relations: {}", near(.name, .existing))]
    UnknownRelation {
        table: String,
        name: String,
        existing: Vec<String>,
    },

    #[error("{input}: unknown field {field:?}: {table} has no such column; columns: {}", near(.field, .existing))]
    UnknownField {
        input: String,
        table: String,
        field: String,
        existing: Vec<String>,
    },

    #[error("the conflict columns {columns} match no primary key or unique index of {table}; candidates: {}", list(.candidates))]
    NoUniqueKey {
        table: String,
        columns: String,
        candidates: Vec<String>,
    },

    #[error("an upsert needs at least one conflict column")]
    NoConflictColumns,

    #[error("{input}: conflict column {column} is not in the input")]
    ConflictColumnMissing { input: String, column: String },

    #[error("{input}: update column {column} is not in the input")]
    UpdateColumnMissing { input: String, column: String },

    #[error("update column {column} is a conflict column")]
    UpdateColumnIsConflict { column: String },

    #[error("{0}")]
    Invalid(String),

    #[error("{input}: {error}{}", resume(.committed))]
    Row {
        input: String,
        error: RowError,
        /// Rows committed before the failure (when committing in chunks): skipping them
        /// resumes the upsert.
        committed: Option<u64>,
    },

    #[error("{input}: {message}{}", resume(.committed))]
    Server {
        input: String,
        message: String,
        committed: Option<u64>,
    },

    #[error("{path}: {message}")]
    Input { path: String, message: String },

    #[error(transparent)]
    Engine(#[from] crate::engine::Error),
}

/// How many names an error lists in full; beyond it, the closest to what was asked.
const LISTED: usize = 20;

/// The names that exist, for an error about `asked`: all of them when there are few, else
/// the ten most like `asked` and how many more there are (a 1,000-table database does not
/// print 1,000 names).
pub fn near(asked: &str, items: &[String]) -> String {
    if items.len() <= LISTED {
        return list(items);
    }
    let mut scored: Vec<(f64, &String)> = items
        .iter()
        .map(|i| {
            (
                strsim::jaro_winkler(asked, i).max(strsim::jaro_winkler(asked, short(i))),
                i,
            )
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let closest: Vec<String> = scored.iter().take(10).map(|(_, i)| (*i).clone()).collect();
    format!(
        "{}... and {} more",
        closest.join(", "),
        items.len() - closest.len()
    )
}

/// A name without its schema.
fn short(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(_, n)| n)
}

/// Names joined by commas, or `(none)`.
pub fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_string()
    } else {
        items.join(", ")
    }
}

fn resume(committed: &Option<u64>) -> String {
    resume_note(committed, |n| format!("skip the first {n} rows to resume"))
}

/// What a failed upsert left behind: nothing, or rows 1-N and `how` to resume after them
/// (the command line names its `--skip` flag).
pub fn resume_note(committed: &Option<u64>, how: impl Fn(u64) -> String) -> String {
    match committed {
        Some(0) => "\nnothing was committed".to_string(),
        Some(n) => format!("\nrows 1-{n} were committed; {}", how(*n)),
        None => "\nnothing was written".to_string(),
    }
}

impl DataError {
    /// Wraps a query error with what was being done.
    pub fn query(context: impl Into<String>, source: sqlx::Error) -> Self {
        DataError::Engine(crate::engine::Error::query(context, source))
    }
}

/// The result type of the data engine.
pub type Result<T, E = DataError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_show_the_closest_names() {
        let few: Vec<String> = ["public.users", "public.posts"].map(String::from).to_vec();
        assert_eq!(near("user", &few), "public.users, public.posts");
        let many: Vec<String> = (0..500)
            .map(|i| format!("public.t{i}"))
            .chain(["public.users".to_string(), "public.user_roles".to_string()])
            .collect();
        let got = near("usres", &many);
        assert!(
            got.starts_with("public.users, public.user_roles, "),
            "{got}"
        );
        assert!(got.ends_with("... and 492 more"), "{got}");
    }
}
