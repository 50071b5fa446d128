//! `dbridge lint`: report the hazards of migration files, each shown in its statement.

use std::path::PathBuf;

use annotate_snippets::{AnnotationKind, Group, Renderer, Snippet};

use super::target_pool;
use super::ExitStatus;
use crate::cli::args::GlobalOptions;
use crate::cli::render::{output, Timer};
use crate::engine::migrate::read_dir;
use crate::engine::postgres::migrate::applied;
use crate::lint::{rules, Finding, Level, Linter, Options};
use crate::project::Project;

use crate::cli::args::choice;

choice!(LevelArg => Level { Info, Warning, Error });

/// Arguments of `dbridge lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// SQL files to check (default: the migrations not yet applied to the target database).
    pub files: Vec<PathBuf>,
    /// Exit with 2 when a finding is at or above this level.
    #[arg(long, value_enum, default_value = "warning")]
    pub level: LevelArg,
    /// Also run these opt-in rules, comma-separated (added to `[lint] include`).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub include: Vec<String>,
    /// Leave these rules out, comma-separated (added to `[lint] exclude`).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub exclude: Vec<String>,
    /// The PostgreSQL version the migrations run on, for the rules that depend on it
    /// (default: `[lint] pg_version`, else 15).
    #[arg(long, value_name = "VERSION")]
    pub pg_version: Option<String>,
    /// List every rule (id, rule set, level, whether it runs by default) and exit.
    #[arg(long)]
    pub rules: bool,
}

pub async fn run(
    global: &GlobalOptions,
    project: &Project,
    args: LintArgs,
) -> anyhow::Result<ExitStatus> {
    if args.rules {
        return list_rules(global);
    }
    let config = &project.config.lint;
    let options = Options {
        include: config
            .include
            .iter()
            .chain(&args.include)
            .cloned()
            .collect(),
        exclude: config
            .exclude
            .iter()
            .chain(&args.exclude)
            .cloned()
            .collect(),
        pg_version: args
            .pg_version
            .clone()
            .or_else(|| config.pg_version.clone()),
    };
    let linter = Linter::new(&options)?;
    let timer = Timer::new();
    let files = if args.files.is_empty() {
        let files = unapplied(global, project).await?;
        timer.lap("list the unapplied migrations");
        files
    } else {
        args.files.clone()
    };
    let threshold = Level::from(args.level);
    let renderer = if crate::cli::render::color::enabled() {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut findings: Vec<Finding> = Vec::new();
    for file in &files {
        let sql = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        let name = file.display().to_string();
        #[cfg(feature = "mongodb")]
        let found = match name.ends_with(".json") {
            true => crate::lint::mongo::lint(&name, &sql)?,
            false => linter.lint(&name, &sql)?,
        };
        #[cfg(not(feature = "mongodb"))]
        let found = linter.lint(&name, &sql)?;
        if !global.json {
            for f in &found {
                output::emit(&format!("{}\n\n", renderer.render(&report(f, &sql))), None)?;
            }
        }
        findings.extend(found);
    }
    timer.lap("parse and check");
    let failing = findings.iter().filter(|f| f.level >= threshold).count();
    if global.json {
        output::emit(
            &format!("{}\n", serde_json::to_string_pretty(&findings)?),
            None,
        )?;
    } else if !global.quiet {
        eprintln!(
            "{} file(s) checked, {} finding(s), {failing} at or above {}",
            files.len(),
            findings.len(),
            threshold.name()
        );
    }
    if failing > 0 {
        return Ok(ExitStatus::Differences);
    }
    Ok(ExitStatus::Success)
}

/// A finding as a diagnostic: its title, the statement with the finding's text marked,
/// the help and the Squawk rules that said the same.
fn report<'a>(f: &'a Finding, sql: &'a str) -> Vec<Group<'a>> {
    use annotate_snippets::Level as L;
    let level = match f.level {
        Level::Error => L::ERROR,
        Level::Warning => L::WARNING,
        Level::Info => L::INFO,
    };
    let mut group = level
        .primary_title(f.message.as_str())
        .id(f.rule.as_str())
        .element(
            Snippet::source(sql)
                .path(f.file.as_str())
                .annotation(AnnotationKind::Primary.span(f.span.clone())),
        );
    if let Some(help) = &f.help {
        group = group.element(L::HELP.message(help.as_str()));
    }
    if !f.same_as.is_empty() {
        let note = format!("also Squawk's {}", f.same_as.join(", "));
        group = group.element(L::NOTE.message(note));
    }
    vec![group]
}

fn list_rules(global: &GlobalOptions) -> anyhow::Result<ExitStatus> {
    let all = rules();
    if global.json {
        output::emit(&format!("{}\n", serde_json::to_string_pretty(&all)?), None)?;
        return Ok(ExitStatus::Success);
    }
    let rows = all.iter().map(|r| {
        let set = match r.rule_set {
            crate::lint::RuleSet::Dbridge => "dbridge",
            crate::lint::RuleSet::Squawk => "squawk",
        };
        let default = if r.default { "default" } else { "opt-in" };
        [r.rule.as_str(), set, r.level.name(), default]
            .map(String::from)
            .to_vec()
    });
    print!(
        "{}",
        crate::cli::render::table::table(&["rule", "set", "level", "runs"], rows)
    );
    Ok(ExitStatus::Success)
}

/// The up files of migrations the target database has not applied.
async fn unapplied(global: &GlobalOptions, project: &Project) -> anyhow::Result<Vec<PathBuf>> {
    let migrations = read_dir(&project.migrations_dir())?;
    #[cfg(feature = "mongodb")]
    let applied = match super::mongo_target(global, project) {
        Some(url) => {
            use crate::engine::migrate::MigrationBackend;
            let mut backend = crate::engine::mongo::MongoMigrations::connect(&url).await?;
            backend.list_applied().await?
        }
        None => {
            let pool = target_pool(global, project, &[]).await?;
            applied(&mut *pool.acquire().await?).await?
        }
    };
    #[cfg(not(feature = "mongodb"))]
    let applied = applied(&mut *target_pool(global, project, &[]).await?.acquire().await?).await?;
    Ok(migrations
        .into_iter()
        .filter(|m| !applied.iter().any(|a| a.version == m.version && a.success))
        .map(|m| m.up_path)
        .collect())
}
