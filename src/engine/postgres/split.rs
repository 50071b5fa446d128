//! Splits a SQL script into statements as `psql` does, and maps byte offsets to lines: the
//! one place both are done.
//!
//! The tokens come from Squawk's lexer, which knows what can hide a semicolon (quotes, dollar
//! quotes, nested comments). Like psql, a semicolon ends a statement only outside parentheses
//! and outside the `BEGIN ... END` body of a `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (SQL-
//! standard bodies, `BEGIN ATOMIC`). Nothing is parsed: a script with errors is still split,
//! so that the server gets its statements one by one and reports the error with its line.

use squawk_lexer::{tokenize, TokenKind};

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement's text from its first token to its last, without the terminating
    /// semicolon.
    pub text: String,
    /// The 1-based line of the script on which the statement's first token is.
    pub line: usize,
}

/// The statement being read: where it starts and ends, and what psql's rules track.
#[derive(Default)]
struct Current {
    /// Byte range from the first token to the end of the last one.
    start: Option<usize>,
    end: usize,
    paren_depth: usize,
    begin_depth: usize,
    /// The first letters of the first identifiers, when they are `create`, `or`, `replace`,
    /// `function` or `procedure` (psql's test for a routine with a standard body).
    words: [u8; 4],
    word_count: usize,
}

impl Current {
    fn identifier(&mut self, word: &str) {
        let lower = word.to_ascii_lowercase();
        if self.word_count < self.words.len()
            && matches!(
                lower.as_str(),
                "create" | "or" | "replace" | "function" | "procedure"
            )
        {
            self.words[self.word_count] = lower.as_bytes()[0];
        }
        self.word_count += 1;
        let w = self.words;
        let routine = w[0] == b'c'
            && (w[1] == b'f'
                || w[1] == b'p'
                || (w[1] == b'o' && w[2] == b'r' && matches!(w[3], b'f' | b'p')));
        if !routine || self.paren_depth > 0 {
            return;
        }
        match lower.as_str() {
            "begin" => self.begin_depth += 1,
            // CASE also ends with END; it only matters inside a body.
            "case" if self.begin_depth > 0 => self.begin_depth += 1,
            "end" if self.begin_depth > 0 => self.begin_depth -= 1,
            _ => {}
        }
    }

    fn ends_at_semicolon(&self) -> bool {
        self.paren_depth == 0 && self.begin_depth == 0
    }
}

/// Splits `script` into its statements, dropping empty ones and comment-only ones.
pub fn split(script: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut current = Current::default();
    // Lines are counted from the previous statement on, not from the top each time.
    let (mut counted, mut line) = (0, 1);
    let mut finish = |current: &Current, out: &mut Vec<Statement>| {
        if let Some(start) = current.start {
            line += newlines(&script[counted..start]);
            counted = start;
            out.push(Statement {
                text: script[start..current.end].to_string(),
                line,
            });
        }
    };
    let mut pos = 0;
    for token in tokenize(script) {
        let end = pos + token.len as usize;
        match token.kind {
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment { .. } => {}
            TokenKind::Semi if current.ends_at_semicolon() => {
                finish(&current, &mut out);
                current = Current::default();
            }
            kind => {
                current.start.get_or_insert(pos);
                current.end = end;
                match kind {
                    TokenKind::OpenParen => current.paren_depth += 1,
                    TokenKind::CloseParen => {
                        current.paren_depth = current.paren_depth.saturating_sub(1)
                    }
                    TokenKind::Ident => current.identifier(&script[pos..end]),
                    _ => {}
                }
            }
        }
        pos = end;
    }
    finish(&current, &mut out);
    out
}

fn newlines(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

/// The 1-based line of byte `offset` of `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// The byte offset of the first token of `piece` that is not a comment; `None` when there is
/// none.
pub fn first_token(piece: &str) -> Option<usize> {
    let mut pos = 0;
    for token in tokenize(piece) {
        match token.kind {
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment { .. } => {}
            _ => return Some(pos),
        }
        pos += token.len as usize;
    }
    None
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

    #[test]
    fn follows_psql_on_rules_transactions_and_routine_bodies() {
        let sql = "BEGIN;\r\n\
                   create rule r as on insert to t do also (insert into a values (1); insert into b values (2));\r\n\
                   CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO a VALUES (1); END;\r\n\
                   create table \"begin\" (\"end\" int);\r\n\
                   COMMIT;";
        let got = texts(sql);
        assert_eq!(got.len(), 5, "{got:#?}");
        assert_eq!(got[0], ("BEGIN".into(), 1));
        assert!(got[1].0.ends_with("values (2))"), "{got:#?}");
        assert_eq!(got[2].1, 3);
        assert!(got[2].0.ends_with("END"), "{got:#?}");
        assert_eq!(got[4], ("COMMIT".into(), 5));
    }
}
