//! `dbridge lint`: report the hazards of migration files, with file and line.

use std::path::PathBuf;

use super::target_pool;
use super::ExitStatus;
use crate::args::GlobalOptions;
use crate::render::Timer;
use data_bridge::engine::migrate::read_dir;
use data_bridge::engine::postgres::migrate::applied;
use data_bridge::lint::{lint, Finding, Level};
use data_bridge::project::Project;

use crate::args::choice;

choice!(LevelArg => Level { Info, Warning, Error });

/// Arguments of `dbridge lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// SQL files to check (default: the migrations not yet applied to the target database).
    pub files: Vec<PathBuf>,
    /// Exit with 2 when a finding is at or above this level.
    #[arg(long, value_enum, default_value = "warning")]
    pub level: LevelArg,
}

pub async fn run(
    global: &GlobalOptions,
    project: &Project,
    args: LintArgs,
) -> anyhow::Result<ExitStatus> {
    let timer = Timer::new();
    let files = if args.files.is_empty() {
        let files = unapplied(global, project).await?;
        timer.lap("list the unapplied migrations");
        files
    } else {
        args.files.clone()
    };
    let threshold = Level::from(args.level);
    let mut findings: Vec<Finding> = Vec::new();
    for file in &files {
        let sql = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        findings.extend(lint(&file.display().to_string(), &sql)?);
    }
    timer.lap("parse and check");
    if global.json {
        println!("{}", serde_json::to_string_pretty(&findings)?);
    } else {
        for f in &findings {
            println!(
                "{}:{}: {}[{}]: {}\n  help: {}",
                f.file,
                f.line,
                f.level.name(),
                f.rule,
                f.message,
                f.help
            );
        }
        let failing = findings.iter().filter(|f| f.level >= threshold).count();
        if !global.quiet {
            eprintln!(
                "{} file(s) checked, {} finding(s), {failing} at or above {}",
                files.len(),
                findings.len(),
                threshold.name()
            );
        }
    }
    if findings.iter().any(|f| f.level >= threshold) {
        return Ok(ExitStatus::Differences);
    }
    Ok(ExitStatus::Success)
}

/// The up files of migrations the target database has not applied.
async fn unapplied(global: &GlobalOptions, project: &Project) -> anyhow::Result<Vec<PathBuf>> {
    let migrations = read_dir(&project.migrations_dir())?;
    let pool = target_pool(global, project, &[]).await?;
    let mut conn = pool.acquire().await?;
    let applied = applied(&mut conn).await?;
    Ok(migrations
        .into_iter()
        .filter(|m| !applied.iter().any(|a| a.version == m.version && a.success))
        .map(|m| m.up_path)
        .collect())
}
