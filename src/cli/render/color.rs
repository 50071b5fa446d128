//! Colour for people at a terminal: plans with drops in red and creations in green, hazard
//! notes in yellow, and what a redefined object changes as a coloured line diff (`similar`).
//! Only when stdout is a terminal and `NO_COLOR` is not set, or when `CLICOLOR_FORCE` is;
//! what goes to a pipe or a file stays plain SQL.

use std::io::IsTerminal;

use similar::{ChangeTag, TextDiff};

use crate::diff::plan::Plan;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// Whether stdout gets colour.
pub fn enabled() -> bool {
    if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        return true;
    }
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// The colour of a statement, by what it does to the schema: red for what goes away, green
/// for what comes, cyan for the rest.
fn statement_colour(first_line: &str) -> &'static str {
    let words: Vec<String> = first_line
        .split_whitespace()
        .take(6)
        .map(str::to_ascii_uppercase)
        .collect();
    match words.first().map(String::as_str) {
        Some("DROP" | "REVOKE" | "TRUNCATE" | "DELETE") => RED,
        Some("CREATE" | "GRANT") => GREEN,
        Some("ALTER") if words.iter().any(|w| w == "DROP") => RED,
        Some("ALTER") if words.iter().any(|w| w == "ADD") => GREEN,
        _ => CYAN,
    }
}

/// An annotated plan text (statements ending with `;`, notes as `--` lines) in colour.
pub fn sql(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 11 / 10);
    let mut colour: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if colour.is_none() && bare.starts_with("--") {
            let c = if bare.starts_with("-- hazards:") {
                YELLOW
            } else if bare.starts_with("-- - ") {
                RED
            } else if bare.starts_with("-- + ") {
                GREEN
            } else {
                DIM
            };
            paint(&mut out, c, line);
            continue;
        }
        if bare.is_empty() {
            out.push_str(line);
            continue;
        }
        let c = *colour.get_or_insert_with(|| statement_colour(bare));
        paint(&mut out, c, line);
        if bare.ends_with(';') {
            colour = None;
        }
    }
    out
}

fn paint(out: &mut String, colour: &str, line: &str) {
    let (body, newline) = match line.strip_suffix('\n') {
        Some(body) => (body, "\n"),
        None => (line, ""),
    };
    out.push_str(colour);
    out.push_str(body);
    out.push_str(RESET);
    out.push_str(newline);
}

/// `-- ` comment lines with the line diff from `old` to `new` (`-- - ` removed, `-- + `
/// added), unchanged lines around each change kept for context; [`sql`] colours them.
pub fn definition_diff(old: &str, new: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    let mut out = String::new();
    for group in diff.grouped_ops(2) {
        for op in group {
            for change in diff.iter_changes(&op) {
                let sign = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                let text = change.value().trim_end_matches('\n');
                out.push_str(&format!("-- {sign} {text}\n"));
            }
        }
    }
    out
}

/// The one `CREATE` of a change's statements (besides settings), which defines an object.
fn defining(statements: &[String]) -> Option<&str> {
    let mut rest = statements.iter().filter(|s| !s.starts_with("SET "));
    match (rest.next(), rest.next()) {
        (Some(one), None) if one.starts_with("CREATE ") => Some(one),
        _ => None,
    }
}

/// What a definition defines: its first line, `OR REPLACE` aside
/// (`CREATE VIEW public.v AS`, `CREATE FUNCTION public.f(integer)`).
fn defines(create: &str) -> String {
    create
        .lines()
        .next()
        .unwrap_or("")
        .replacen("CREATE OR REPLACE ", "CREATE ", 1)
}

/// The plan's text for a terminal: in colour, and each object whose definition the plan
/// changes (a view or function replaced, or dropped and created again) preceded by what its
/// definition changes.
pub fn plan(plan: &Plan, text: &str, down: bool) -> String {
    let empty = Vec::new();
    let sides = plan.changes.iter().map(|c| {
        let back = c.down.as_ref().unwrap_or(&empty);
        if down {
            (&c.up, back)
        } else {
            (back, &c.up)
        }
    });
    let mut old = std::collections::HashMap::new();
    let mut new = Vec::new();
    for (from, to) in sides {
        if let Some(d) = defining(from) {
            old.insert(defines(d), d);
        }
        if let Some(d) = defining(to) {
            new.push(d);
        }
    }
    let mut text = text.to_string();
    for definition in new {
        let Some(before) = old.get(&defines(definition)).filter(|b| **b != definition) else {
            continue;
        };
        if let Some(at) = text.find(&format!("{definition};\n")) {
            let note = format!("-- what {} changes:\n", defines(definition));
            text.insert_str(
                at,
                &format!("{note}{}", definition_diff(before, definition)),
            );
        }
    }
    sql(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_statements_by_what_they_do() {
        let text = "-- hazards: data-loss\nDROP TABLE a;\n\nCREATE TABLE b (\n    x int\n);\n\nCOMMENT ON TABLE b IS 'x;';\n";
        let got = sql(text);
        assert_eq!(
            got,
            format!(
                "{YELLOW}-- hazards: data-loss{RESET}\n{RED}DROP TABLE a;{RESET}\n\n{GREEN}CREATE TABLE b ({RESET}\n{GREEN}    x int{RESET}\n{GREEN});{RESET}\n\n{CYAN}COMMENT ON TABLE b IS 'x;';{RESET}\n"
            )
        );
        assert_eq!(statement_colour("ALTER TABLE t DROP COLUMN c"), RED);
        assert_eq!(statement_colour("ALTER TABLE t ADD COLUMN c int"), GREEN);
    }

    #[test]
    fn shows_what_a_definition_changes() {
        let got = definition_diff("SELECT a\nFROM t", "SELECT a, b\nFROM t");
        assert_eq!(got, "-- - SELECT a\n-- + SELECT a, b\n--   FROM t\n");
        let got = sql(&format!("{got}CREATE VIEW v AS SELECT a, b FROM t;\n"));
        let want = format!("{RED}-- - SELECT a{RESET}\n{GREEN}-- + SELECT a, b{RESET}\n{DIM}--   FROM t{RESET}\n{GREEN}CREATE");
        assert!(got.starts_with(&want), "{got}");
    }
}
