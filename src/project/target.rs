//! Which database a project works on: an explicit URL > `DATABASE_URL` > `dbridge.toml` >
//! the embedded default database under `.dbridge/`, started on demand.

use super::config::Project;
use super::error::Error;
use crate::engine::blocking::run_blocking;
use crate::engine::local::LocalCluster;

/// Where the target URL came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Given by the caller (`--url`, a function argument).
    Explicit,
    /// The `DATABASE_URL` environment variable.
    Environment,
    /// `[database] url` of `dbridge.toml`.
    Config,
    /// The embedded default database, started if it was not running.
    Embedded,
}

/// The database a command works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: String,
    pub origin: Origin,
}

impl Project {
    /// The target database, starting the embedded default database when nothing is configured.
    pub async fn target(&self, explicit: Option<&str>) -> Result<Target, Error> {
        let env = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty());
        let configured = [
            (explicit.map(str::to_string), Origin::Explicit),
            (env, Origin::Environment),
            (self.config.database.url.clone(), Origin::Config),
        ];
        if let Some((url, origin)) = configured
            .into_iter()
            .find_map(|(url, origin)| url.map(|u| (u, origin)))
        {
            return Ok(Target { url, origin });
        }
        let cluster = LocalCluster::new(self.local_dir());
        let url = run_blocking(move || cluster.start()).await?;
        Ok(Target {
            url,
            origin: Origin::Embedded,
        })
    }

    /// The dev database URL, if one is configured (else an embedded throwaway server is used).
    pub fn dev_url(&self, explicit: Option<&str>) -> Option<String> {
        explicit
            .map(str::to_string)
            .or_else(|| self.config.database.dev_url.clone())
    }
}
