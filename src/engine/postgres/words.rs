//! The leading tokens of a statement, for the checks that look at what a statement is
//! before it runs (autocommit-only statements, sandbox refusals): bare words, quoted
//! identifiers and symbols, with string constants, dollar-quoted bodies and comments skipped.

use std::ops::Range;

use squawk_lexer::tokenize;
pub use squawk_lexer::TokenKind;

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

/// The first `limit` tokens of `sql`, read by Squawk's lexer (which knows PostgreSQL's
/// quoting: escape strings, dollar quotes, nested comments); comments and blanks are skipped.
pub fn tokens(sql: &str, limit: usize) -> Vec<Token> {
    let mut out = Vec::new();
    let mut pos = 0;
    for token in tokenize(sql) {
        if out.len() >= limit {
            break;
        }
        let text = &sql[pos..pos + token.len as usize];
        pos += token.len as usize;
        out.push(match token.kind {
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment { .. } => {
                continue
            }
            TokenKind::Ident => Token::Word(text.to_string()),
            TokenKind::QuotedIdent { .. } => Token::Quoted(unquote(text)),
            TokenKind::Literal { .. } => Token::Literal,
            _ => Token::Symbol(text.chars().next().unwrap_or(' ')),
        });
    }
    out
}

/// The tokens of `sql` that are not blanks or comments, each with its byte range: for the
/// readers of text the server writes (index and partition key definitions).
pub fn lexed(sql: &str) -> Vec<(TokenKind, Range<usize>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for token in tokenize(sql) {
        let range = pos..pos + token.len as usize;
        pos = range.end;
        if !matches!(
            token.kind,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment { .. }
        ) {
            out.push((token.kind, range));
        }
    }
    out
}

/// The items of the parenthesized list that opens at token `open` of `tokens` (from
/// [`lexed`]), each as the range of its tokens; `None` if the list is not closed.
pub fn list_items(tokens: &[(TokenKind, Range<usize>)], open: usize) -> Option<Vec<Range<usize>>> {
    let mut depth = 0usize;
    let mut items = Vec::new();
    let mut item = open + 1;
    for (i, (kind, _)) in tokens.iter().enumerate().skip(open) {
        match kind {
            TokenKind::OpenParen => depth += 1,
            TokenKind::CloseParen => {
                depth -= 1;
                if depth == 0 {
                    items.push(item..i);
                    return Some(items);
                }
            }
            TokenKind::Comma if depth == 1 => {
                items.push(item..i);
                item = i + 1;
            }
            _ => {}
        }
    }
    None
}

/// The name a double-quoted identifier stands for (`"a""b"` is `a"b`).
pub fn unquote(quoted: &str) -> String {
    let inner = quoted.strip_prefix('"').unwrap_or(quoted);
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    inner.replace("\"\"", "\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_of_every_kind_hide_their_words() {
        let got = tokens(
            "select E'it\\'s; DROP DATABASE x', $f$ CREATE ROLE r $f$, \"Q\"\"x\" /* ALTER /* SYSTEM */ */, 1",
            usize::MAX,
        );
        assert_eq!(
            got,
            [
                Token::Word("select".into()),
                Token::Literal,
                Token::Symbol(','),
                Token::Literal,
                Token::Symbol(','),
                Token::Quoted("Q\"x".into()),
                Token::Symbol(','),
                Token::Literal,
            ]
        );
        assert_eq!(words("copy t from program 'x'", 3), ["COPY", "T", "FROM"]);
    }
}
