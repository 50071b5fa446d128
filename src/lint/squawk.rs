//! Squawk's rule set (<https://squawkhq.com/docs/rules>), run by its own linter on the parsed
//! file: which rules run, at which level, and which of them say what a dbridge rule says.

use enum_iterator::all;
use squawk_linter::{Linter, Rule, Version, Violation};
use squawk_syntax::{Parse, SourceFile};

use super::{Level, LintError, RuleInfo, RuleSet};
use crate::diff::hazard::Hazard;

/// The Squawk rules to run besides the default ones, those to leave out, and the server
/// version.
pub(super) struct Selection {
    pub include: Vec<Rule>,
    pub exclude: Vec<Rule>,
    pub version: Option<Version>,
}

impl Selection {
    /// Squawk's findings in `parse`, with its ignore comments applied. Ignore comments may
    /// name dbridge's rules too: Squawk's complaint that it does not know them is dropped.
    pub fn lint(
        &self,
        parse: &Parse<SourceFile>,
        sql: &str,
        in_transaction: bool,
        own_rules: &[&str],
    ) -> Vec<Violation> {
        let mut linter = Linter::with_rules(&self.include, &self.exclude);
        linter.settings.assume_in_transaction = in_transaction;
        if let Some(version) = &self.version {
            linter.settings.pg_version = *version;
        }
        linter
            .lint(parse, sql)
            .into_iter()
            .filter(|v| {
                v.code != Rule::UnusedIgnore
                    || !own_rules
                        .iter()
                        .any(|own| v.message == format!("unknown name {own}"))
            })
            .collect()
    }
}

/// The Squawk rule named `name`.
pub(super) fn rule(name: &str) -> Result<Rule, LintError> {
    name.parse().map_err(|_| LintError::UnknownRule {
        name: name.to_string(),
    })
}

/// A server version as `--pg-version` takes it.
pub(super) fn version(text: &str) -> Result<Version, LintError> {
    text.parse().map_err(|_| LintError::BadVersion {
        version: text.to_string(),
    })
}

/// How serious a Squawk finding is: an error when the migration would fail or break the
/// runner's transaction, a warning otherwise.
pub(super) fn level(rule: Rule) -> Level {
    match rule {
        Rule::BanConcurrentIndexCreationInTransaction
        | Rule::TransactionNesting
        | Rule::BanUncommittedTransaction
        | Rule::BanDropDatabase => Level::Error,
        _ => Level::Warning,
    }
}

/// The dbridge hazard that reports what `rule` reports, when there is one: both finding the
/// same statement are shown once, as the dbridge finding.
pub(super) fn same_as(rule: Rule) -> Option<Hazard> {
    Some(match rule {
        Rule::BanDropColumn | Rule::BanDropTable | Rule::BanTruncateCascade => Hazard::DataLoss,
        Rule::RequireConcurrentIndexCreation | Rule::RequireConcurrentIndexDeletion => {
            Hazard::IndexWithoutConcurrently
        }
        Rule::ChangingColumnType => Hazard::TableRewrite,
        Rule::AddingRequiredField => Hazard::NotNullWithoutDefault,
        Rule::AddingFieldWithDefault => Hazard::VolatileDefault,
        Rule::ConstraintMissingNotValid | Rule::AddingForeignKeyConstraint => {
            Hazard::ConstraintWithoutNotValid
        }
        Rule::RequireTimeoutSettings | Rule::RequireLockTimeout => Hazard::MissingLockTimeout,
        _ => return None,
    })
}

/// Squawk's rules for `dbridge lint --rules`.
pub(super) fn rules() -> impl Iterator<Item = RuleInfo> {
    all::<Rule>()
        .filter(|r| *r != Rule::UnusedIgnore)
        .map(|r| RuleInfo {
            rule: r.to_string(),
            rule_set: RuleSet::Squawk,
            level: level(r),
            default: !r.is_opt_in(),
        })
}
