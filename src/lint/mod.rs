//! `dbridge lint`: the hazards of migration SQL. The file is parsed once with Squawk's
//! parser; Squawk's rule set runs on it ([`squawk`]), and so do dbridge's own rules, the
//! hazards `diff` reports under the same ids ([`rules`]). Squawk's ignore comments
//! (`-- squawk-ignore rule`, `-- squawk-ignore-file`) silence either kind ([`ignore`]).
//!
//! A migration runs in a transaction unless its first line is `-- no-transaction`, so the
//! linter assumes one: `CREATE INDEX CONCURRENTLY` in a transactional migration is an error.

mod ignore;
#[cfg(feature = "mongodb")]
pub mod mongo;
mod rules;
mod squawk;

use std::collections::HashSet;
use std::ops::Range;

use serde::Serialize;
use squawk_syntax::ast::AstNode;

use crate::diff::hazard::Hazard;
use crate::engine::postgres::script::Atomicity;
use crate::engine::postgres::split;

pub use rules::RULES;

/// How serious a finding is; `--level` sets the threshold that fails a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    /// The level as printed.
    pub fn name(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// Which rule set a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSet {
    /// dbridge's hazards, the ids `diff` uses.
    Dbridge,
    /// Squawk's rules (<https://squawkhq.com/docs/rules>).
    Squawk,
}

/// One hazard of one statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub file: String,
    /// 1-based line and column of the finding's first character.
    pub line: usize,
    pub column: usize,
    /// The rule's kebab-case id, e.g. `index-without-concurrently` or `renaming-column`.
    pub rule: String,
    pub rule_set: RuleSet,
    pub level: Level,
    /// What happens, naming the table.
    pub message: String,
    /// The safe way to do it.
    pub help: Option<String>,
    /// Squawk rules that found the same thing in the same statement, reported here once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub same_as: Vec<String>,
    /// The byte range of the text the finding is about.
    #[serde(skip)]
    pub span: Range<usize>,
}

/// Why linting could not run.
#[derive(Debug, thiserror::Error)]
pub enum LintError {
    /// SQL that the parser rejects.
    #[error("{file}:{line}: not valid SQL: {message}")]
    Parse {
        file: String,
        /// The line of the first error.
        line: usize,
        message: String,
    },
    /// A rule name in `--include`/`--exclude` or `[lint]` that no rule has.
    #[error("no lint rule is named {name:?} (`dbridge lint --rules` lists them)")]
    UnknownRule { name: String },
    /// A `--pg-version` that does not read as a version.
    #[error("{version:?} is not a PostgreSQL version (write it as 15 or 16.2)")]
    BadVersion { version: String },
}

/// What to check: rules added (Squawk's opt-in ones) or removed, and the server version
/// the migrations will run on (some of Squawk's rules depend on it).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub pg_version: Option<String>,
}

/// One rule, for `dbridge lint --rules`.
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    pub rule: String,
    pub rule_set: RuleSet,
    pub level: Level,
    /// Whether it runs without `--include`.
    pub default: bool,
}

/// Every rule of both sets.
pub fn rules() -> Vec<RuleInfo> {
    let own = RULES.iter().map(|(h, level)| RuleInfo {
        rule: h.id().to_string(),
        rule_set: RuleSet::Dbridge,
        level: *level,
        default: true,
    });
    own.chain(squawk::rules()).collect()
}

/// The rules chosen by [`Options`], ready to lint files.
pub struct Linter {
    squawk: squawk::Selection,
    excluded: HashSet<Hazard>,
}

impl Linter {
    /// Checks the rule names and the version of `options`.
    pub fn new(options: &Options) -> Result<Linter, LintError> {
        let own = |name: &str| RULES.iter().map(|r| r.0).find(|h| h.id() == name);
        let mut excluded = HashSet::new();
        let (mut include, mut exclude) = (Vec::new(), Vec::new());
        for name in &options.include {
            if own(name).is_none() {
                include.push(squawk::rule(name)?);
            }
        }
        for name in &options.exclude {
            match own(name) {
                Some(h) => {
                    excluded.insert(h);
                }
                None => exclude.push(squawk::rule(name)?),
            }
        }
        let version = options
            .pg_version
            .as_deref()
            .map(squawk::version)
            .transpose()?;
        Ok(Linter {
            squawk: squawk::Selection {
                include,
                exclude,
                version,
            },
            excluded,
        })
    }

    /// Lints the text of one migration file.
    pub fn lint(&self, file: &str, sql: &str) -> Result<Vec<Finding>, LintError> {
        let parse = squawk_syntax::SourceFile::parse(sql);
        if let Some(error) = parse.errors().first() {
            let at = usize::from(error.range().start());
            return Err(LintError::Parse {
                file: file.to_string(),
                line: split::line_at(sql, at),
                message: readable(error.message()),
            });
        }
        let in_transaction = Atomicity::of_migration(sql) == Atomicity::Transaction;
        let ignores = ignore::Ignores::read(sql);
        // Each finding with whether an ignore comment names it: an ignored dbridge finding
        // still takes in the Squawk findings that say the same, so that they go with it.
        let mut out: Vec<(Finding, bool)> = Vec::new();
        let mut statements = Vec::new();
        let mut state = rules::FileState::default();
        for stmt in parse.tree().stmts() {
            let range = stmt.syntax().text_range();
            let (start, end) = (usize::from(range.start()), usize::from(range.end()));
            let start = start + split::first_token(&sql[start..end]).unwrap_or(0);
            statements.push(start..end);
            for (hazard, level, message) in rules::check(&stmt, &mut state) {
                if self.excluded.contains(&hazard) {
                    continue;
                }
                let help = Some(hazard.help().to_string());
                let f = finding(
                    file,
                    sql,
                    start..end,
                    hazard.id(),
                    RuleSet::Dbridge,
                    level,
                    message,
                    help,
                );
                out.push((f, ignores.silences(sql, start, hazard.id())));
            }
        }
        let own_ids: Vec<&str> = RULES.iter().map(|r| r.0.id()).collect();
        for v in self.squawk.lint(&parse, sql, in_transaction, &own_ids) {
            let span = usize::from(v.text_range.start())..usize::from(v.text_range.end());
            let rule = v.code.to_string();
            let statement = statements
                .iter()
                .position(|s| s.contains(&span.start) || s.start == span.start);
            let same = squawk::same_as(v.code).and_then(|hazard| {
                out.iter_mut().find(|(f, _)| {
                    f.rule == hazard.id()
                        && statement.is_some_and(|i| statements[i].contains(&f.span.start))
                })
            });
            match same {
                Some((f, silenced)) => {
                    *silenced |= ignores.silences(sql, f.span.start, &rule);
                    f.same_as.push(rule);
                }
                None => {
                    let level = squawk::level(v.code);
                    let f = finding(
                        file,
                        sql,
                        span,
                        &rule,
                        RuleSet::Squawk,
                        level,
                        v.message,
                        v.help,
                    );
                    out.push((f, false));
                }
            }
        }
        let mut out: Vec<Finding> = out
            .into_iter()
            .filter(|(_, silenced)| !silenced)
            .map(|(f, _)| f)
            .collect();
        out.sort_by_key(|f| (f.span.start, f.rule_set == RuleSet::Squawk));
        Ok(out)
    }
}

/// A parser message with token kinds as a user writes them: `found CREATE_KW` is
/// `found CREATE`, `found IDENT` is `found a name`.
fn readable(message: &str) -> String {
    message
        .split(' ')
        .map(|word| match word.strip_suffix("_KW") {
            Some(keyword) => keyword.to_string(),
            None if word == "IDENT" => "a name".to_string(),
            None => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[allow(clippy::too_many_arguments)]
fn finding(
    file: &str,
    sql: &str,
    span: Range<usize>,
    rule: &str,
    rule_set: RuleSet,
    level: Level,
    message: String,
    help: Option<String>,
) -> Finding {
    let line = split::line_at(sql, span.start);
    let line_start = sql[..span.start.min(sql.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    Finding {
        file: file.to_string(),
        line,
        column: sql[line_start..span.start.min(sql.len())].chars().count() + 1,
        rule: rule.to_string(),
        rule_set,
        level,
        message,
        help,
        same_as: Vec::new(),
        span,
    }
}

/// Lints the text of one migration file with the default rules.
pub fn lint(file: &str, sql: &str) -> Result<Vec<Finding>, LintError> {
    Linter::new(&Options::default())?.lint(file, sql)
}
