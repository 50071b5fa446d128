//! Statements PostgreSQL refuses inside a transaction block ("... cannot run inside a
//! transaction block"), recognised by their leading keywords so that a migration that would
//! fail on one of them midway is refused before its first statement runs.
//!
//! Only bare words count: quoted identifiers, string constants, dollar-quoted bodies and
//! comments are skipped, so a table named `"concurrently"` is not mistaken for the keyword.

use super::words::words;

/// What the statement is when PostgreSQL cannot run it in a transaction block, e.g.
/// `CREATE INDEX CONCURRENTLY`; `None` for every other statement.
pub fn needs_autocommit(statement: &str) -> Option<&'static str> {
    let w = words(statement, 12);
    let at = |i: usize, word: &str| w.get(i).is_some_and(|x| x == word);
    let has = |word: &str| w.iter().any(|x| x == word);
    match w.first().map(String::as_str)? {
        "CREATE" => {
            let index = if at(1, "UNIQUE") { 2 } else { 1 };
            if at(index, "INDEX") && at(index + 1, "CONCURRENTLY") {
                Some("CREATE INDEX CONCURRENTLY")
            } else if at(1, "DATABASE") {
                Some("CREATE DATABASE")
            } else if at(1, "TABLESPACE") {
                Some("CREATE TABLESPACE")
            } else if at(1, "SUBSCRIPTION") {
                Some("CREATE SUBSCRIPTION")
            } else {
                None
            }
        }
        "DROP" => {
            if at(1, "INDEX") && at(2, "CONCURRENTLY") {
                Some("DROP INDEX CONCURRENTLY")
            } else if at(1, "DATABASE") {
                Some("DROP DATABASE")
            } else if at(1, "TABLESPACE") {
                Some("DROP TABLESPACE")
            } else if at(1, "SUBSCRIPTION") {
                Some("DROP SUBSCRIPTION")
            } else {
                None
            }
        }
        "REINDEX" if has("CONCURRENTLY") => Some("REINDEX CONCURRENTLY"),
        "REINDEX" if has("SYSTEM") || has("DATABASE") => Some("REINDEX DATABASE"),
        "VACUUM" => Some("VACUUM"),
        "ALTER" if at(1, "SYSTEM") => Some("ALTER SYSTEM"),
        "ALTER" if at(1, "DATABASE") && has("TABLESPACE") => Some("ALTER DATABASE SET TABLESPACE"),
        "ALTER" if at(1, "TABLE") && has("DETACH") && last_word_is(statement, "CONCURRENTLY") => {
            Some("ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY")
        }
        _ => None,
    }
}

fn last_word_is(statement: &str, word: &str) -> bool {
    words(statement, usize::MAX)
        .last()
        .is_some_and(|w| w == word)
}

#[cfg(test)]
mod tests {
    use super::needs_autocommit;

    #[test]
    fn recognises_what_cannot_run_in_a_transaction() {
        for (sql, what) in [
            (
                "create index concurrently i on t (a)",
                "CREATE INDEX CONCURRENTLY",
            ),
            (
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)",
                "CREATE INDEX CONCURRENTLY",
            ),
            (
                "drop index concurrently if exists i",
                "DROP INDEX CONCURRENTLY",
            ),
            (
                "reindex (verbose) table concurrently t",
                "REINDEX CONCURRENTLY",
            ),
            ("vacuum (analyze) t", "VACUUM"),
            ("create database x", "CREATE DATABASE"),
            ("alter system set work_mem = '1MB'", "ALTER SYSTEM"),
            (
                "alter table p detach partition p1 concurrently",
                "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY",
            ),
            (
                "/* c */ -- c\n create index concurrently i on t (a)",
                "CREATE INDEX CONCURRENTLY",
            ),
        ] {
            assert_eq!(needs_autocommit(sql), Some(what), "{sql}");
        }
    }

    #[test]
    fn ignores_quoted_words_and_other_statements() {
        for sql in [
            "create index i on t (a)",
            "create index \"concurrently\" on t (a)",
            "create table concurrently (a int)",
            "alter table t add column detach text default 'concurrently'",
            "select $$ vacuum $$",
            "create function f() returns void language sql as $f$ vacuum $f$",
            "alter table p detach partition p1",
            "comment on table t is 'create index concurrently'",
        ] {
            assert_eq!(needs_autocommit(sql), None, "{sql}");
        }
    }
}
