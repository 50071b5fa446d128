//! Splits a SQL script into statements, remembering the line each one starts on.
//!
//! The lexer knows what can hide a semicolon: quoted strings and identifiers, dollar quotes,
//! comments, and `BEGIN ATOMIC ... END` bodies of SQL-standard functions.

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement's text, without the terminating semicolon.
    pub text: String,
    /// The 1-based line of the script on which the statement starts.
    pub line: usize,
}

/// Splits `script` into its statements, dropping empty ones and comment-only ones.
pub fn split(script: &str) -> Vec<Statement> {
    let bytes = script.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut depth = 0usize; // BEGIN/CASE ... END nesting inside a function body
    let mut words: Vec<String> = Vec::new(); // the first words of the current statement
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(bytes, i);
                continue;
            }
            b'\'' => {
                let escapes = i > 0
                    && matches!(bytes[i - 1], b'e' | b'E')
                    && !is_word(bytes.get(i.wrapping_sub(2)).copied());
                i = skip_quoted(bytes, i, b'\'', escapes);
                continue;
            }
            b'"' => {
                i = skip_quoted(bytes, i, b'"', false);
                continue;
            }
            b'$' if !is_word(i.checked_sub(1).map(|p| bytes[p])) => {
                if let Some(end) = skip_dollar_quote(script, i) {
                    i = end;
                    continue;
                }
            }
            b';' if depth == 0 => {
                push(&mut out, script, start, i);
                start = i + 1;
                words.clear();
                i += 1;
                continue;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let begin = i;
                while i < bytes.len() && is_word(Some(bytes[i])) {
                    i += 1;
                }
                let word = script[begin..i].to_ascii_lowercase();
                if words.len() < 4 {
                    words.push(word.clone());
                }
                if is_routine(&words) {
                    match word.as_str() {
                        "begin" | "case" => depth += 1,
                        "end" => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    push(&mut out, script, start, bytes.len());
    out
}

fn is_word(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80)
}

/// Whether a statement starting with these words is `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
fn is_routine(words: &[String]) -> bool {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    matches!(
        w.as_slice(),
        ["create", "function" | "procedure", ..]
            | ["create", "or", "replace", "function" | "procedure", ..]
    )
}

fn push(out: &mut Vec<Statement>, script: &str, start: usize, end: usize) {
    let raw = &script[start..end];
    let trimmed_start = raw.len() - raw.trim_start().len();
    let text = raw.trim();
    if text.is_empty() || only_comments(text) {
        return;
    }
    let line = 1 + script[..start + trimmed_start].matches('\n').count();
    out.push(Statement {
        text: text.to_string(),
        line,
    });
}

/// Whether a piece of text holds nothing but comments and white space.
fn only_comments(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
        } else if bytes[i..].starts_with(b"--") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if bytes[i..].starts_with(b"/*") {
            i = skip_block_comment(bytes, i);
        } else {
            return false;
        }
    }
    true
}

/// Skips a (nestable) block comment starting at `i`; returns the index after it.
fn skip_block_comment(bytes: &[u8], mut i: usize) -> usize {
    let mut nesting = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"/*") {
            nesting += 1;
            i += 2;
        } else if bytes[i..].starts_with(b"*/") {
            nesting -= 1;
            i += 2;
            if nesting == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// Skips a quoted string or identifier starting at `i`; a doubled quote stays inside.
fn skip_quoted(bytes: &[u8], mut i: usize, quote: u8, backslash_escapes: bool) -> usize {
    i += 1;
    while i < bytes.len() {
        if backslash_escapes && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    i
}

/// Skips a dollar-quoted string (`$tag$ ... $tag$`) starting at `i`, if one starts there.
fn skip_dollar_quote(script: &str, i: usize) -> Option<usize> {
    let rest = &script[i + 1..];
    let tag_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|&n| rest[n..].starts_with('$'))?;
    if rest[..tag_len].starts_with(|c: char| c.is_ascii_digit()) {
        return None; // `$1` is a parameter, not a quote
    }
    let tag = &script[i..i + tag_len + 2];
    let body = i + tag.len();
    let end = script[body..].find(tag).map(|p| body + p + tag.len());
    Some(end.unwrap_or(script.len()))
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
                ("-- note\ncreate table b(y int)".into(), 3)
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
        assert!(got[3].text.ends_with("end"));
        assert_eq!(got[4].text, "select $1::int");
    }

    #[test]
    fn drops_comment_only_statements() {
        assert!(split("-- nothing\n/* at all */;\n").is_empty());
    }
}
