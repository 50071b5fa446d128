//! `dbridge dev start|stop|status|url`: the embedded default database under `.dbridge/`.

use serde_json::json;

use super::ExitStatus;
use crate::cli::args::GlobalOptions;
use crate::cli::render::{output, Timer};
use crate::engine::blocking::run_blocking;
use crate::engine::local::{LocalCluster, LocalStatus};
use crate::project::Project;

/// What to do with the embedded default database.
#[derive(Debug, clap::Subcommand)]
pub enum DevCommand {
    /// Start it (creating it on first use) and print its URL.
    Start,
    /// Stop it; its data stays in .dbridge/.
    Stop,
    /// Say whether it runs, and where.
    Status,
    /// Print its URL (starting it if needed), e.g. `psql $(dbridge dev url)`.
    Url,
}

pub async fn run(
    global: &GlobalOptions,
    project: &Project,
    cmd: DevCommand,
) -> anyhow::Result<ExitStatus> {
    let cluster = LocalCluster::new(project.local_dir());
    let json = global.json;
    let timer = Timer::new();
    let status = run_blocking(move || report(&cluster, cmd, json)).await;
    timer.lap("dev");
    status
}

/// Does `cmd` (starting and stopping wait on `pg_ctl`) and says what happened.
fn report(cluster: &LocalCluster, cmd: DevCommand, json: bool) -> anyhow::Result<ExitStatus> {
    let (text, value) = match cmd {
        DevCommand::Start => {
            let url = cluster.start()?;
            (
                format!("running at {url}"),
                json!({ "state": "running", "url": url }),
            )
        }
        DevCommand::Url => {
            let url = cluster.start()?;
            (url.clone(), json!({ "state": "running", "url": url }))
        }
        DevCommand::Stop => {
            if cluster.stop()? {
                (
                    "stopped".to_string(),
                    json!({ "state": "stopped", "was_running": true }),
                )
            } else {
                (
                    "not running".to_string(),
                    json!({ "state": "stopped", "was_running": false }),
                )
            }
        }
        DevCommand::Status => match cluster.status()? {
            LocalStatus::Absent => (
                "not created (run `dbridge dev start`)".to_string(),
                json!({ "state": "absent" }),
            ),
            LocalStatus::Stopped => (
                format!("stopped (data in {})", cluster.dir().display()),
                json!({ "state": "stopped", "data": cluster.dir().display().to_string() }),
            ),
            LocalStatus::Running(port) => {
                let url = LocalCluster::url_for(port);
                (
                    format!("running at {url}"),
                    json!({ "state": "running", "url": url }),
                )
            }
        },
    };
    output::result(json, || text, || value)?;
    Ok(ExitStatus::Success)
}
