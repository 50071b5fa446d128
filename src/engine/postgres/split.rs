//! Splits a SQL script into statements with PostgreSQL's own parser (libpg_query), and
//! maps byte offsets to lines: the one place both are done.
//!
//! The parser knows what can hide a semicolon (quotes, dollar quotes, comments,
//! `BEGIN ATOMIC ... END` bodies). A script it cannot parse is split by its lexer instead, so
//! that the server still gets the statements one by one and reports the error with its line.

use pg_query::protobuf::Token;

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement's text from its first token, without the terminating semicolon.
    pub text: String,
    /// The 1-based line of the script on which the statement's first token is.
    pub line: usize,
}

/// Splits `script` into its statements, dropping empty ones and comment-only ones.
pub fn split(script: &str) -> Vec<Statement> {
    let pieces = pg_query::split_with_parser(script)
        .or_else(|_| pg_query::split_with_scanner(script))
        .unwrap_or_else(|_| vec![script]);
    // Pieces come in order: lines are counted from the previous statement on, not from the
    // top of the script each time.
    let (mut counted, mut line) = (0, 1);
    pieces
        .into_iter()
        .filter_map(|piece| {
            let offset = piece.as_ptr() as usize - script.as_ptr() as usize;
            let start = offset + first_token(piece)?;
            let text = script[start..offset + piece.len()]
                .trim_end()
                .trim_end_matches(';')
                .trim_end();
            if start >= counted {
                line += script.as_bytes()[counted..start]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
            } else {
                line = line_at(script, start);
            }
            counted = start;
            Some(Statement {
                text: text.to_string(),
                line,
            })
        })
        .collect()
}

/// The 1-based line of byte `offset` of `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// The byte offset of the first token of `piece` that is not a comment; `None` when there is
/// none. Text the lexer rejects (an unterminated quote) starts at its first non-blank.
pub fn first_token(piece: &str) -> Option<usize> {
    match pg_query::scan(piece) {
        Ok(scanned) => scanned
            .tokens
            .iter()
            .find(|t| !matches!(t.token(), Token::SqlComment | Token::CComment))
            .map(|t| t.start.max(0) as usize),
        Err(_) => {
            let blank = piece.len() - piece.trim_start().len();
            (blank < piece.len()).then_some(blank)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<(String, usize)> {
        split(sql).into_iter().map(|s| (s.text, s.line)).collect()
    }

    #[test]
    fn splits_on_semicolons_with_lines() {
        let got = texts("create table a(x int);\n\n-- note\ncreate table b(y int);\n");
        assert_eq!(
            got,
            vec![
                ("create table a(x int)".into(), 1),
                ("create table b(y int)".into(), 4)
            ]
        );
    }

    #[test]
    fn keeps_semicolons_in_quotes_comments_and_bodies() {
        let sql = "insert into t values ('a;b', E'c\\';d');\n\
                   create function f() returns int language plpgsql as $fn$ begin return 1; end $fn$;\n\
                   /* x; /* nested; */ y; */ select \"a;b\";\n\
                   create function g() returns int language sql begin atomic select 1; select case when true then 2 end; end;\n\
                   select $1::int;";
        let got = split(sql);
        assert_eq!(got.len(), 5, "{got:#?}");
        assert!(got[3].text.ends_with("end"), "{got:#?}");
        assert_eq!(got[2].text, "select \"a;b\"");
        assert_eq!(got[4].text, "select $1::int");
    }

    #[test]
    fn drops_comment_only_statements() {
        assert!(split("-- nothing\n/* at all */;\n").is_empty());
        assert!(split("").is_empty());
    }

    #[test]
    fn splits_what_the_parser_rejects_with_the_lexer() {
        let got = texts("create table a(x int);\ncreate tabel b(y int);\nselect 1;\n");
        assert_eq!(
            got,
            vec![
                ("create table a(x int)".into(), 1),
                ("create tabel b(y int)".into(), 2),
                ("select 1".into(), 3)
            ]
        );
        assert_eq!(texts("select 'open"), vec![("select 'open".into(), 1)]);
    }
}
