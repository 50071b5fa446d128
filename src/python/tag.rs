//! The command tag of a statement (`INSERT 0 1`, `UPDATE 3`, `CREATE TABLE`), as the server
//! reports it, from the statement's leading words and the rows it affected (the driver keeps
//! only the count). `tests/python/test_raw_sql.py` checks these against the tags psql prints.

use crate::engine::postgres::words::{tokens, Token};

/// Objects whose name takes two words (three for the second list's).
const TWO_WORDS: &[&str] = &[
    "MATERIALIZED",
    "EVENT",
    "USER",
    "ACCESS",
    "OPERATOR",
    "FOREIGN",
];
const THREE_WORDS: &[(&str, &str)] = &[("TEXT", "SEARCH"), ("FOREIGN", "DATA")];
/// Words between CREATE and the object that the tag leaves out.
const CREATE_OPTIONS: &[&str] = &[
    "OR",
    "REPLACE",
    "UNIQUE",
    "TEMP",
    "TEMPORARY",
    "UNLOGGED",
    "GLOBAL",
    "LOCAL",
    "RECURSIVE",
    "TRUSTED",
    "PROCEDURAL",
    "DEFAULT",
    "CONSTRAINT",
];

/// The tag of `sql` that affected `rows` rows.
pub(super) fn command_tag(sql: &str, rows: u64) -> String {
    let toks = tokens(sql, 64);
    let words: Vec<String> = toks.iter().filter_map(Token::keyword).collect();
    let first = words.first().map(String::as_str).unwrap_or("");
    let verb = if first == "WITH" {
        main_verb(&toks)
    } else {
        first.to_string()
    };
    match verb.as_str() {
        "SELECT" | "VALUES" | "TABLE" => format!("SELECT {rows}"),
        "INSERT" => format!("INSERT 0 {rows}"),
        "UPDATE" | "DELETE" | "MERGE" | "COPY" | "FETCH" | "MOVE" => format!("{verb} {rows}"),
        "CREATE" if creates_table_as(&toks) => format!("SELECT {rows}"),
        "CREATE" | "ALTER" | "DROP" => object_tag(&verb, &words[1..]),
        "START" => "START TRANSACTION".into(),
        "END" => "COMMIT".into(),
        "ABORT" => "ROLLBACK".into(),
        "TRUNCATE" => "TRUNCATE TABLE".into(),
        "LOCK" => "LOCK TABLE".into(),
        "REFRESH" => "REFRESH MATERIALIZED VIEW".into(),
        "DECLARE" => "DECLARE CURSOR".into(),
        "CLOSE" => "CLOSE CURSOR".into(),
        "DISCARD" | "DEALLOCATE" if words.get(1).is_some_and(|w| w == "ALL") => {
            format!("{verb} ALL")
        }
        "SECURITY" => "SECURITY LABEL".into(),
        "IMPORT" => "IMPORT FOREIGN SCHEMA".into(),
        "REASSIGN" => "REASSIGN OWNED".into(),
        v => v.to_string(),
    }
}

/// The statement a `WITH` query ends in: the first data verb outside parentheses.
fn main_verb(toks: &[Token]) -> String {
    let mut depth = 0i32;
    for t in toks.iter().skip(1) {
        match t {
            Token::Symbol('(') => depth += 1,
            Token::Symbol(')') => depth -= 1,
            Token::Word(w) if depth == 0 => {
                let w = w.to_ascii_uppercase();
                if matches!(
                    w.as_str(),
                    "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "VALUES" | "TABLE"
                ) {
                    return w;
                }
            }
            _ => {}
        }
    }
    "SELECT".into()
}

/// `CREATE [TEMP] TABLE name [(columns)] AS ...` and `CREATE MATERIALIZED VIEW name AS ...`,
/// which the server tags as SELECT with the rows they wrote.
fn creates_table_as(toks: &[Token]) -> bool {
    let kw: Vec<Option<String>> = toks.iter().map(Token::keyword).collect();
    let Some(table) = kw
        .iter()
        .position(|k| matches!(k.as_deref(), Some("TABLE" | "VIEW")))
    else {
        return false;
    };
    let materialized = kw[..table]
        .iter()
        .any(|k| k.as_deref() == Some("MATERIALIZED"));
    if kw[table].as_deref() == Some("VIEW") && !materialized {
        return false;
    }
    if kw[..table].iter().any(|k| {
        !matches!(
            k.as_deref(),
            Some(
                "CREATE" | "TEMP" | "TEMPORARY" | "UNLOGGED" | "GLOBAL" | "LOCAL" | "MATERIALIZED"
            )
        )
    }) {
        return false;
    }
    let mut depth = 0;
    for t in &toks[table + 1..] {
        match t {
            Token::Symbol('(') => depth += 1,
            Token::Symbol(')') => depth -= 1,
            Token::Word(w) if depth == 0 && w.eq_ignore_ascii_case("AS") => return true,
            Token::Word(w) if depth == 0 && w.eq_ignore_ascii_case("EXECUTE") => return true,
            _ => {}
        }
    }
    false
}

/// `CREATE TABLE`, `ALTER MATERIALIZED VIEW`, `DROP TEXT SEARCH CONFIGURATION`...
fn object_tag(verb: &str, rest: &[String]) -> String {
    let rest: Vec<&str> = rest
        .iter()
        .map(String::as_str)
        .skip_while(|w| verb == "CREATE" && CREATE_OPTIONS.contains(w))
        .collect();
    let n = match rest.as_slice() {
        [a, b, ..] if THREE_WORDS.contains(&(a, b)) => 3,
        ["USER", "MAPPING", ..] => 2,
        ["USER", ..] | ["GROUP", ..] => return format!("{verb} ROLE"),
        [a, ..] if TWO_WORDS.contains(a) => 2,
        ["DEFAULT", "PRIVILEGES", ..] => 2,
        _ => 1,
    };
    let object: Vec<&str> = rest.into_iter().take(n).collect();
    format!("{verb} {}", object.join(" "))
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::command_tag;

    #[test]
    fn tags_follow_the_statement_kind() {
        for (sql, rows, tag) in [
            ("insert into t values (1)", 1, "INSERT 0 1"),
            ("WITH x AS (SELECT 1) UPDATE t SET a = 1", 3, "UPDATE 3"),
            ("-- comment\nselect 1", 1, "SELECT 1"),
            ("create unique index i on t (a)", 0, "CREATE INDEX"),
            ("CREATE OR REPLACE FUNCTION f() ...", 0, "CREATE FUNCTION"),
            ("create temp table x as select 1", 1, "SELECT 1"),
            ("create table x (a int)", 0, "CREATE TABLE"),
            ("create materialized view m as select 1", 1, "SELECT 1"),
            ("create view v as select 1", 0, "CREATE VIEW"),
            ("drop table if exists x", 0, "DROP TABLE"),
            (
                "alter materialized view v rename to w",
                0,
                "ALTER MATERIALIZED VIEW",
            ),
            ("create user u", 0, "CREATE ROLE"),
            (
                "drop text search configuration c",
                0,
                "DROP TEXT SEARCH CONFIGURATION",
            ),
            ("begin", 0, "BEGIN"),
            ("truncate t", 0, "TRUNCATE TABLE"),
        ] {
            assert_eq!(command_tag(sql, rows), tag, "{sql}");
        }
    }
}
