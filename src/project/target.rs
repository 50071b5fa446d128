//! Which database a command works on: `--url` > `DATABASE_URL` > `dbridge.toml` > the
//! embedded default database under `.dbridge/`, started on demand.

use super::config::Project;
use super::GlobalOptions;
use crate::engine::local::LocalCluster;

/// The target database URL, starting the embedded default database when nothing is configured.
pub fn target_url(global: &GlobalOptions, project: &Project) -> anyhow::Result<String> {
    if let Some(url) = &global.url {
        return Ok(url.clone());
    }
    if let Some(url) = &project.config.database.url {
        return Ok(url.clone());
    }
    let cluster = LocalCluster::new(project.local_dir());
    let url = cluster.start()?;
    if global.verbose {
        eprintln!("using the embedded default database at {url}");
    }
    Ok(url)
}

/// The dev database URL, if one is configured (else an embedded throwaway server is used).
pub fn dev_url(global: &GlobalOptions, project: &Project) -> Option<String> {
    global
        .dev_url
        .clone()
        .or_else(|| project.config.database.dev_url.clone())
}
