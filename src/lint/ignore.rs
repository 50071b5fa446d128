//! Squawk's ignore comments, applied to dbridge's rules: `-- squawk-ignore a, b` silences
//! those rules on its own line and the next, `-- squawk-ignore-file a` in the whole file, and
//! either without names silences every rule. (Squawk applies them to its own rules.)

use crate::engine::postgres::split::line_at;
use crate::engine::postgres::words::TokenKind;

/// One ignore comment.
struct Ignore {
    /// The line it applies to and the one after; `None` for the whole file.
    line: Option<usize>,
    /// The rules it names; empty for all.
    rules: Vec<String>,
}

/// The ignore comments of a file.
pub(super) struct Ignores(Vec<Ignore>);

impl Ignores {
    /// Reads the ignore comments of `sql`.
    pub fn read(sql: &str) -> Ignores {
        let mut out = Vec::new();
        for (kind, range) in lexed_comments(sql) {
            let text = &sql[range.clone()];
            let body = match kind {
                Comment::Line => text.strip_prefix("--"),
                Comment::Block => text.strip_prefix("/*").and_then(|t| t.strip_suffix("*/")),
            };
            let Some(body) = body.map(str::trim) else {
                continue;
            };
            // A trailing `-- why` is a remark, not a rule name.
            let body = body.find("--").map_or(body, |i| body[..i].trim_end());
            let (names, line) = if let Some(rest) = body.strip_prefix("squawk-ignore-file") {
                (rest, None)
            } else if let Some(rest) = body.strip_prefix("squawk-ignore") {
                (rest, Some(line_at(sql, range.start)))
            } else {
                continue;
            };
            if !names.is_empty() && !names.starts_with(char::is_whitespace) {
                continue; // `squawk-ignored`, some other word
            }
            let rules = names
                .split(',')
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect();
            out.push(Ignore { line, rules });
        }
        Ignores(out)
    }

    /// Whether `rule`, found on a statement starting at byte `at`, is silenced.
    pub fn silences(&self, sql: &str, at: usize, rule: &str) -> bool {
        let line = line_at(sql, at);
        self.0.iter().any(|i| {
            let here = i.line.is_none_or(|l| l == line || l + 1 == line);
            here && (i.rules.is_empty() || i.rules.iter().any(|r| r == rule))
        })
    }
}

enum Comment {
    Line,
    Block,
}

/// The comments of `sql`: the lexer knows which `--` are inside strings.
fn lexed_comments(sql: &str) -> Vec<(Comment, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for token in squawk_lexer::tokenize(sql) {
        let range = pos..pos + token.len as usize;
        pos = range.end;
        match token.kind {
            TokenKind::LineComment => out.push((Comment::Line, range)),
            TokenKind::BlockComment { .. } => out.push((Comment::Block, range)),
            _ => {}
        }
    }
    out
}
