//! The leading tokens of a statement, for the checks that look at what a statement is
//! before it runs (autocommit-only statements, sandbox refusals): bare words, quoted
//! identifiers and symbols, with string constants, dollar-quoted bodies and comments skipped.

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// A bare word as written (keywords and unquoted names).
    Word(String),
    /// A double-quoted identifier, unquoted.
    Quoted(String),
    /// A string constant or a dollar-quoted body (its text is not kept).
    Literal,
    /// Any other character outside whitespace.
    Symbol(char),
}

impl Token {
    /// The token as a keyword: an upper-cased bare word.
    pub fn keyword(&self) -> Option<String> {
        match self {
            Token::Word(w) => Some(w.to_ascii_uppercase()),
            _ => None,
        }
    }

    /// The token as a name the way PostgreSQL reads it: a bare word folded to lower case,
    /// a quoted identifier as written.
    pub fn name(&self) -> Option<String> {
        match self {
            Token::Word(w) => Some(w.to_lowercase()),
            Token::Quoted(q) => Some(q.clone()),
            _ => None,
        }
    }
}

/// The first `limit` bare words of `sql`, upper-cased.
pub fn words(sql: &str, limit: usize) -> Vec<String> {
    tokens(sql, usize::MAX)
        .into_iter()
        .filter_map(|t| t.keyword())
        .take(limit)
        .collect()
}

/// The first `limit` tokens of `sql`.
pub fn tokens(sql: &str, limit: usize) -> Vec<Token> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < limit {
        let c = b[i];
        if c == b'-' && b.get(i + 1) == Some(&b'-') {
            i = sql[i..].find('\n').map_or(b.len(), |n| i + n);
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i = skip_block_comment(b, i);
        } else if c == b'\'' {
            i = skip_quoted(b, i, c);
            out.push(Token::Literal);
        } else if c == b'"' {
            let end = skip_quoted(b, i, c);
            let inner = &sql[i + 1..end.saturating_sub(1).max(i + 1)];
            out.push(Token::Quoted(inner.replace("\"\"", "\"")));
            i = end;
        } else if c == b'$' {
            let end = skip_dollar_quoted(sql, i);
            if end > i + 1 {
                out.push(Token::Literal);
            } else {
                out.push(Token::Symbol('$'));
            }
            i = end;
        } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            let start = i;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80)
            {
                i += 1;
            }
            out.push(Token::Word(sql[start..i].to_string()));
        } else {
            if !c.is_ascii_whitespace() {
                out.push(Token::Symbol(c as char));
            }
            i += 1;
        }
    }
    out
}

fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// Past a `'...'` or `"..."` (a doubled quote stays inside).
fn skip_quoted(b: &[u8], mut i: usize, quote: u8) -> usize {
    i += 1;
    while i < b.len() {
        if b[i] == quote {
            if b.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    i
}

/// Past a `$tag$...$tag$` body; a `$1` parameter is only skipped over.
fn skip_dollar_quoted(sql: &str, i: usize) -> usize {
    let rest = &sql[i + 1..];
    let tag_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if !rest[tag_len..].starts_with('$')
        || rest[..tag_len].starts_with(|c: char| c.is_ascii_digit())
    {
        return i + 1;
    }
    let tag = &sql[i..i + tag_len + 2];
    let body = i + tag.len();
    sql[body..]
        .find(tag)
        .map_or(sql.len(), |end| body + end + tag.len())
}
