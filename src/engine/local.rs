//! The embedded default database: a persistent local cluster under the project's
//! `.dbridge/` folder, used when no database URL is configured (`dbridge dev ...`).
//!
//! Unlike the throwaway dev server it keeps its data, listens on a loopback TCP port chosen
//! when it starts (recorded in `.dbridge/port`), and keeps running after dbridge exits.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::error::{Error, Result};
use super::install::{copy_dir, run, Installation, SUPERUSER};

/// The database of the local cluster that dbridge targets.
pub const DATABASE: &str = "postgres";

/// A local cluster rooted at a `.dbridge/` folder.
pub struct LocalCluster {
    dir: PathBuf,
}

/// Whether the local cluster exists and runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalStatus {
    /// `dbridge dev start` has never run here.
    Absent,
    Stopped,
    /// Running, on this port.
    Running(u16),
}

impl LocalCluster {
    /// The cluster of the `.dbridge/` folder `dir` (it need not exist yet).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        LocalCluster { dir: dir.into() }
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn port_file(&self) -> PathBuf {
        self.dir.join("port")
    }

    /// The URL of the running cluster's database.
    pub fn url_for(port: u16) -> String {
        format!("postgresql://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}")
    }

    /// Whether the cluster exists and runs.
    pub fn status(&self) -> Result<LocalStatus> {
        if !self.data().join("PG_VERSION").exists() {
            return Ok(LocalStatus::Absent);
        }
        let install = Installation::find()?;
        let mut cmd = Command::new(install.bin.join("pg_ctl"));
        cmd.arg("status").arg("-D").arg(self.data());
        install.run_as_server_user(&mut cmd);
        let running = cmd.output().map(|o| o.status.success()).unwrap_or(false);
        if !running {
            return Ok(LocalStatus::Stopped);
        }
        let port = fs::read_to_string(self.port_file())
            .ok()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(5432);
        Ok(LocalStatus::Running(port))
    }

    /// Starts the cluster (creating it on first use) and returns its URL.
    pub fn start(&self) -> Result<String> {
        if let LocalStatus::Running(port) = self.status()? {
            return Ok(Self::url_for(port));
        }
        let install = Installation::find()?;
        fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        if let Some(user) = &install.run_as {
            reachable_by_others(&self.dir, &user.name)?;
        }
        if !self.data().join("PG_VERSION").exists() {
            let template = install.template()?;
            copy_dir(&template, &self.data())?;
            install.give_to_server(&self.dir)?;
        } else if let Some(user) = &install.run_as {
            // A cluster created when servers ran as another user (`postgres`) is handed over.
            use std::os::unix::fs::MetadataExt;
            let owner = fs::metadata(self.data())
                .map_err(|e| Error::io(self.data(), e))?
                .uid();
            if owner != user.uid.as_raw() {
                install.give_to_server(&self.dir)?;
            }
        }
        // The port of the last start when it is still free, so that a saved URL stays valid.
        let saved = fs::read_to_string(self.port_file())
            .ok()
            .and_then(|p| p.trim().parse::<u16>().ok())
            .filter(|p| std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok());
        let port = match saved {
            Some(port) => port,
            None => free_port().map_err(|e| Error::io(&self.dir, e))?,
        };
        crate::project::write_atomic(&self.port_file(), format!("{port}\n").as_bytes())
            .map_err(|e| Error::io(self.port_file(), e))?;
        let mut cmd = Command::new(install.bin.join("pg_ctl"));
        cmd.arg("start").arg("-w").arg("-D").arg(self.data());
        cmd.arg("-l").arg(self.dir.join("server.log"));
        cmd.arg("-o").arg(format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c synchronous_commit=off"
        ));
        install.run_as_server_user(&mut cmd);
        if run(cmd, "pg_ctl start").is_err() {
            let log_path = self.dir.join("server.log");
            let log = fs::read_to_string(&log_path).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(10).collect();
            return Err(Error::ServerCommand {
                program: "the embedded database".into(),
                detail: format!(
                    "it did not start; the end of its log ({}):\n{}",
                    log_path.display(),
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                ),
            });
        }
        Ok(Self::url_for(port))
    }

    /// Stops the cluster if it runs; returns whether it was running.
    pub fn stop(&self) -> Result<bool> {
        if !matches!(self.status()?, LocalStatus::Running(_)) {
            return Ok(false);
        }
        let install = Installation::find()?;
        let mut cmd = Command::new(install.bin.join("pg_ctl"));
        cmd.arg("stop")
            .arg("-w")
            .arg("-m")
            .arg("fast")
            .arg("-D")
            .arg(self.data());
        install.run_as_server_user(&mut cmd);
        run(cmd, "pg_ctl stop")?;
        Ok(true)
    }

    /// The folder of the cluster.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// When dbridge runs as root the server runs as another user, who must be able to reach
/// the `.dbridge/` folder: every folder above it must be searchable by others.
fn reachable_by_others(dir: &Path, user: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
    for ancestor in dir.ancestors().skip(1) {
        let mode = fs::metadata(ancestor)
            .map_err(|e| Error::io(ancestor, e))?
            .permissions()
            .mode();
        if mode & 0o001 == 0 {
            return Err(Error::ServerCommand {
                program: "the embedded database".into(),
                detail: format!(
                    "PostgreSQL runs as the `{user}` user (it refuses root), who cannot enter {}; \
                     make it searchable (chmod o+x {}) or configure a database url",
                    ancestor.display(),
                    ancestor.display()
                ),
            });
        }
    }
    Ok(())
}

/// A loopback port nobody listens on right now.
fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
