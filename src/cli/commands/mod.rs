//! One module per subcommand; [`run`] dispatches to them.

pub mod autogenerate;
pub mod bench;
pub mod dev;
pub mod diff;
pub mod fetch;
pub mod init;
pub mod inspect;
pub mod lint;
pub mod migrate;
#[cfg(feature = "mongodb")]
pub mod mongo_autogenerate;
#[cfg(feature = "mongodb")]
pub mod mongo_diff;
#[cfg(feature = "mongodb")]
pub mod mongo_fetch;
pub mod review;
pub mod upsert;

use crate::engine::postgres::connect::{self, PoolConfig};
use crate::engine::postgres::Postgres;
use crate::project::{Origin, Project};
use sqlx::PgPool;

use crate::cli::args::{Cli, Command, GlobalOptions};

/// How a command ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Success (0).
    Success,
    /// Differences found where the user asked to be told (2).
    Differences,
}

impl From<ExitStatus> for u8 {
    fn from(s: ExitStatus) -> u8 {
        match s {
            ExitStatus::Success => 0,
            ExitStatus::Differences => 2,
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    let load = || Project::load(cli.global.config.as_deref());
    match cli.command {
        Command::Inspect(args) => inspect::run(&cli.global, &load()?, args).await,
        Command::Diff(args) => diff::run(&cli.global, &load()?, args).await,
        Command::Init(args) => init::run(&cli.global, args),
        Command::Autogenerate(args) => autogenerate::run(&cli.global, &load()?, args).await,
        Command::Review(mut args) => {
            args.interactive = true;
            autogenerate::run(&cli.global, &load()?, args).await
        }
        Command::Migrate(cmd) => migrate::run(&cli.global, &load()?, cmd).await,
        Command::Dev(cmd) => dev::run(&cli.global, &load()?, cmd).await,
        Command::Lint(args) => lint::run(&cli.global, &load()?, args).await,
        Command::Upsert(args) => upsert::run(&cli.global, &load()?, args).await,
        Command::Fetch(args) => fetch::run(&cli.global, &load()?, args).await,
        Command::Bench(args) => bench::run(&cli.global, &load()?, args).await,
    }
}

/// The target database URL of a command (`--url` > `DATABASE_URL` > `dbridge.toml` > the
/// embedded default database); `-v` says when the embedded one is used.
pub async fn target_url(global: &GlobalOptions, project: &Project) -> anyhow::Result<String> {
    let target = project.target(global.url.as_deref()).await?;
    if target.origin == Origin::Embedded {
        tracing::info!("using the embedded default database at {}", target.url);
    }
    Ok(target.url)
}

/// The target's URL when one is configured (`--url`, `DATABASE_URL`, `[database] url`),
/// without starting the embedded default database: to tell a MongoDB target early.
pub fn configured_url(global: &GlobalOptions, project: &Project) -> Option<String> {
    global
        .url
        .clone()
        .or_else(|| std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()))
        .or_else(|| project.config.database.url.clone())
}

/// The configured target, when it is a MongoDB URL.
#[cfg(feature = "mongodb")]
pub fn mongo_target(global: &GlobalOptions, project: &Project) -> Option<String> {
    configured_url(global, project).filter(|u| crate::engine::mongo::is_url(u))
}

/// A pool on the target database whose connections start with `settings`; a command takes
/// its connections from it.
pub async fn target_engine(
    global: &GlobalOptions,
    project: &Project,
    settings: &[(&str, &str)],
) -> anyhow::Result<Postgres> {
    Ok(Postgres::from_pool(
        target_pool(global, project, settings).await?,
    ))
}

/// A pool on the target database, each session with `settings` applied.
pub async fn target_pool(
    global: &GlobalOptions,
    project: &Project,
    settings: &[(&str, &str)],
) -> anyhow::Result<PgPool> {
    let url = target_url(global, project).await?;
    let config = PoolConfig {
        settings: settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..PoolConfig::default()
    };
    Ok(connect::pool(&url, &config).await?)
}

/// The dev database URL, if one is configured (else an embedded throwaway server is used).
pub fn dev_url(global: &GlobalOptions, project: &Project) -> Option<String> {
    project.dev_url(global.dev_url.as_deref())
}
