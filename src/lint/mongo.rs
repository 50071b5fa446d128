//! Lint for MongoDB migration files (`.up.json`): the hazards of their commands, with the
//! ids `diff` gives the same steps, each pointing at its command in the file.

use std::ops::Range;

use mongodb::bson::{Bson, Document};

use super::{Finding, Level, LintError, RuleSet};

/// The findings of one file (a JSON array of commands).
pub fn lint(file: &str, text: &str) -> Result<Vec<Finding>, LintError> {
    let spans = element_spans(text);
    let items: Vec<Bson> = serde_json::from_str(text).map_err(|e| LintError::Parse {
        file: file.to_string(),
        line: e.line(),
        message: format!("not a JSON array of commands: {e}"),
    })?;
    let mut created: Vec<String> = Vec::new();
    let mut findings = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Bson::Document(command) = item else {
            continue;
        };
        let span = spans.get(i).cloned().unwrap_or(0..0);
        let mut find = |rule: &str, level: Level, message: String, help: Option<&str>| {
            let (line, column) = line_and_column(text, span.start);
            findings.push(Finding {
                file: file.to_string(),
                line,
                column,
                rule: rule.to_string(),
                rule_set: RuleSet::Dbridge,
                level,
                message,
                help: help.map(str::to_string),
                same_as: Vec::new(),
                span: span.clone(),
            });
        };
        let Some((name, Bson::String(target))) = command.iter().next() else {
            continue;
        };
        match name.as_str() {
            "create" => created.push(target.clone()),
            "drop" => find(
                "data-loss",
                Level::Error,
                format!("dropping {target} deletes its documents"),
                Some("back the collection up first, or rename it and drop it in a later migration"),
            ),
            "delete" if deletes_everything(command) => find(
                "data-loss",
                Level::Error,
                format!("a delete with an empty filter removes every document of {target}"),
                None,
            ),
            "createIndexes" if !created.contains(target) => find(
                "index-build",
                Level::Warning,
                format!("building an index on {target} reads every document of it, loading the server while it runs"),
                Some("run it when the load is low; a unique index fails if duplicates exist"),
            ),
            "collMod" if tightens_validator(command) => find(
                "validator-changed",
                Level::Warning,
                format!("the new validator of {target} refuses writes of documents that fail it, including updates of existing ones"),
                Some("stage it: validationAction warn first, error in a later migration (`dbridge autogenerate --safe`)"),
            ),
            "renameCollection" => find(
                "renaming-collection",
                Level::Warning,
                format!("renaming {target} breaks applications that still use the old name"),
                None,
            ),
            _ => {}
        }
    }
    Ok(findings)
}

fn deletes_everything(command: &Document) -> bool {
    command.get_array("deletes").is_ok_and(|deletes| {
        deletes
            .iter()
            .filter_map(Bson::as_document)
            .any(|d| d.get_document("q").is_ok_and(Document::is_empty))
    })
}

fn tightens_validator(command: &Document) -> bool {
    command
        .get_document("validator")
        .is_ok_and(|v| !v.is_empty())
        && command.get_str("validationAction") != Ok("warn")
        && command.get_str("validationLevel") != Ok("off")
}

/// The byte range of each top-level element of a JSON array.
fn element_spans(text: &str) -> Vec<Range<usize>> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut start = None;
    let mut spans = Vec::new();
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                if depth == 1 && start.is_none() {
                    start = Some(i);
                }
            }
            '[' | '{' => {
                if depth == 1 && start.is_none() {
                    start = Some(i);
                }
                depth += 1;
            }
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    if let Some(s) = start.take() {
                        spans.push(s..i + 1);
                    }
                }
            }
            ',' if depth == 1 => {
                if let Some(s) = start.take() {
                    spans.push(s..i);
                }
            }
            c if depth == 1 && !c.is_whitespace() && start.is_none() => start = Some(i),
            _ => {}
        }
    }
    spans
}

fn line_and_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_found_where_they_are_written() {
        let text = "[\n  {\"comment\": \"x\"},\n  {\"create\": \"a\"},\n  {\"createIndexes\": \"a\", \"indexes\": []},\n  {\"createIndexes\": \"b\", \"indexes\": []},\n  {\"drop\": \"c\"},\n  {\"collMod\": \"d\", \"validator\": {\"x\": 1}}\n]";
        let found = lint("f.up.json", text).unwrap();
        let rules: Vec<(&str, usize)> = found.iter().map(|f| (f.rule.as_str(), f.line)).collect();
        assert_eq!(
            rules,
            [
                ("index-build", 5),
                ("data-loss", 6),
                ("validator-changed", 7)
            ]
        );
        assert_eq!(&text[found[1].span.clone()], "{\"drop\": \"c\"}");
        assert!(lint("f.json", "{}").is_err());
    }
}
