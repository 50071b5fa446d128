//! An embedded, throwaway PostgreSQL server started from the installed binaries.
//!
//! `initdb` runs once per server version into a cached template directory; each server is a
//! copy of it in a fresh temporary directory, listening only on a Unix socket, with durability
//! switched off (it holds nothing worth keeping). When dbridge runs as root the server runs as
//! the `dbridge` system user, because PostgreSQL refuses to run as root. A folder whose owner
//! died (killed, or a test process that exited with its server running) is removed by the
//! next server's start.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use sqlx::postgres::PgConnectOptions;

use super::error::{Error, Result};
use super::install::{copy_dir, Installation, SUPERUSER};

/// The port number in the socket file name; the socket lives in a private directory.
const PORT: u16 = 5432;
/// The name prefix of the servers' temporary folders.
const STALE_PREFIX: &str = "dbridge-pg-";
/// How long a server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running embedded server; dropping it stops the server and removes its files.
pub struct EmbeddedServer {
    dir: PathBuf,
    pid: Pid,
    keeper: Option<std::thread::JoinHandle<()>>,
}

impl EmbeddedServer {
    /// Starts a fresh, empty server in a new temporary directory.
    pub fn start() -> Result<Self> {
        let install = Installation::find()?;
        let template = install.template()?;
        remove_stale_servers();
        // The owner's pid is in the name: the next run removes the folder if this one dies.
        let dir = tempfile::Builder::new()
            .prefix(&format!("{STALE_PREFIX}{}-", std::process::id()))
            .tempdir()
            .map_err(|e| Error::io(std::env::temp_dir(), e))?
            .keep();
        let started = (|| {
            copy_dir(&template, &dir.join("data"))?;
            install.give_to_server(&dir)?;
            Self::launch(&install, dir.clone())
        })();
        if started.is_err() {
            let _ = fs::remove_dir_all(&dir);
        }
        started
    }

    fn launch(install: &Installation, dir: PathBuf) -> Result<Self> {
        let log_path = dir.join("server.log");
        let log = fs::File::create(&log_path).map_err(|e| Error::io(&log_path, e))?;
        let mut cmd = Command::new(install.bin.join("postgres"));
        cmd.arg("-D").arg(dir.join("data")).arg("-k").arg(&dir);
        cmd.args(["-p", &PORT.to_string()]);
        for setting in [
            "listen_addresses=",
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            "max_connections=200",
            "max_locks_per_transaction=256",
            "log_min_messages=warning",
            "log_min_error_statement=panic",
        ] {
            cmd.arg("-c").arg(setting);
        }
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| Error::io(&log_path, e))?)
            .stderr(log);
        install.run_as_server_user(&mut cmd);
        let pid = spawn_kept(cmd)?;
        let server = EmbeddedServer {
            dir,
            pid: pid.0,
            keeper: Some(pid.1),
        };
        let started = Instant::now();
        server.wait_ready()?;
        tracing::info!(
            "started an embedded PostgreSQL in {} ({:.0} ms to accept connections)",
            server.dir.display(),
            started.elapsed().as_secs_f64() * 1000.0
        );
        Ok(server)
    }

    /// Waits until the server accepts connections on its socket.
    fn wait_ready(&self) -> Result<()> {
        let started = Instant::now();
        let ready_marker = self.dir.join(format!(".s.PGSQL.{PORT}"));
        loop {
            let pid_file =
                fs::read_to_string(self.dir.join("data/postmaster.pid")).unwrap_or_default();
            if ready_marker.exists() && pid_file.lines().nth(7).is_some_and(|l| l.trim() == "ready")
            {
                return Ok(());
            }
            let exited = kill(self.pid, None).is_err();
            if exited || started.elapsed() > START_TIMEOUT {
                return Err(Error::ServerStart {
                    seconds: START_TIMEOUT.as_secs(),
                    log: fs::read_to_string(self.dir.join("server.log")).unwrap_or_default(),
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Connection options for one database of this server, as its superuser.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.dir)
            .port(PORT)
            .username(SUPERUSER)
            .database(database)
    }

    /// A libpq-style URL for one database of this server.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgresql://{SUPERUSER}@localhost:{PORT}/{}?host={}",
            database,
            self.dir.display()
        )
    }

    /// The directory that holds the data and the socket.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stops the server at once and removes its files.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(keeper) = self.keeper.take() {
            let _ = kill(self.pid, Signal::SIGQUIT);
            let _ = keeper.join();
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Spawns the server from a thread that lives as long as the server does, so that the
/// parent-death signal (which follows the spawning thread) fires only when this process dies.
fn spawn_kept(mut cmd: Command) -> Result<(Pid, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel::<std::io::Result<u32>>();
    let program = cmd.get_program().to_string_lossy().into_owned();
    let keeper = std::thread::spawn(move || {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(Signal::SIGQUIT).map_err(std::io::Error::from)
            });
        }
        match cmd.spawn() {
            Ok(mut child) => {
                let _ = tx.send(Ok(child.id()));
                let _: std::io::Result<_> = Child::wait(&mut child);
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        }
    });
    match rx.recv() {
        Ok(Ok(pid)) => Ok((Pid::from_raw(pid as i32), keeper)),
        Ok(Err(e)) => Err(Error::ServerCommand {
            program,
            detail: e.to_string(),
        }),
        Err(_) => Err(Error::ServerCommand {
            program,
            detail: "the process could not be started".into(),
        }),
    }
}

/// Removes the directories of embedded servers whose process died without cleaning up
/// (a crash, or a test process that exited with its server still running).
fn remove_stale_servers() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(STALE_PREFIX) else {
            continue;
        };
        if path.join("PG_VERSION").exists() {
            continue;
        }
        // `dbridge-pg-<owner pid>-<random>`: stale as soon as its owner is gone.
        let owner = rest
            .split_once('-')
            .and_then(|(pid, _)| pid.parse::<i32>().ok());
        if let Some(owner) = owner {
            if kill(Pid::from_raw(owner), None).is_err() {
                let _ = fs::remove_dir_all(&path);
            }
            continue;
        }
        let pid = fs::read_to_string(path.join("data/postmaster.pid"))
            .ok()
            .and_then(|t| t.lines().next().and_then(|l| l.trim().parse::<i32>().ok()));
        let alive = pid.is_some_and(|p| kill(Pid::from_raw(p), None).is_ok());
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(600));
        if !alive && (pid.is_some() || old) {
            let _ = fs::remove_dir_all(&path);
        }
    }
}
