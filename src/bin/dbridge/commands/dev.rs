//! `dbridge dev start|stop|status|url`: the embedded default database under `.dbridge/`.

use super::ExitStatus;
use data_bridge::engine::blocking::run_blocking;
use data_bridge::engine::local::{LocalCluster, LocalStatus};
use data_bridge::project::Project;

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

pub async fn run(project: &Project, cmd: DevCommand) -> anyhow::Result<ExitStatus> {
    let cluster = LocalCluster::new(project.local_dir());
    run_blocking(move || report(&cluster, cmd)).await
}

/// Does `cmd` (starting and stopping wait on `pg_ctl`) and says what happened.
fn report(cluster: &LocalCluster, cmd: DevCommand) -> anyhow::Result<ExitStatus> {
    match cmd {
        DevCommand::Start => {
            let url = cluster.start()?;
            println!("running at {url}");
        }
        DevCommand::Url => println!("{}", cluster.start()?),
        DevCommand::Stop => {
            if cluster.stop()? {
                println!("stopped");
            } else {
                println!("not running");
            }
        }
        DevCommand::Status => match cluster.status()? {
            LocalStatus::Absent => println!("not created (run `dbridge dev start`)"),
            LocalStatus::Stopped => println!("stopped (data in {})", cluster.dir().display()),
            LocalStatus::Running(port) => println!("running at {}", LocalCluster::url_for(port)),
        },
    }
    Ok(ExitStatus::Success)
}
