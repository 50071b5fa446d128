//! An embedded, throwaway PostgreSQL server started from the installed binaries.
//!
//! `initdb` runs once per server version into a cached template directory; each server is a
//! copy of it in a fresh temporary directory, listening only on a Unix socket, with durability
//! switched off (it holds nothing worth keeping). When dbridge runs as root the server runs as
//! the `postgres` user, because PostgreSQL refuses to run as root.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::{Gid, Pid, Uid, User};
use sqlx::postgres::PgConnectOptions;

use super::error::{Error, Result};

/// The port number in the socket file name; the socket lives in a private directory.
const PORT: u16 = 5432;
/// The superuser that `initdb` creates.
const SUPERUSER: &str = "postgres";
/// How long a server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running embedded server; dropping it stops the server and removes its files.
pub struct EmbeddedServer {
    dir: PathBuf,
    pid: Pid,
    keeper: Option<std::thread::JoinHandle<()>>,
}

/// The installed PostgreSQL binaries and the user to run them as.
struct Installation {
    bin: PathBuf,
    run_as: Option<User>,
}

impl EmbeddedServer {
    /// Starts a fresh, empty server in a new temporary directory.
    pub fn start() -> Result<Self> {
        let install = Installation::find()?;
        let template = install.template()?;
        remove_stale_servers();
        let dir = tempfile::Builder::new()
            .prefix("dbridge-pg-")
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
        server.wait_ready()?;
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

impl Installation {
    fn find() -> Result<Self> {
        let bin = find_bin_dir().ok_or(Error::NoServerBinaries)?;
        let run_as = if Uid::effective().is_root() {
            Some(
                User::from_name("postgres")
                    .ok()
                    .flatten()
                    .ok_or(Error::NoUnprivilegedUser)?,
            )
        } else {
            None
        };
        Ok(Installation { bin, run_as })
    }

    fn run_as_server_user(&self, cmd: &mut Command) {
        use std::os::unix::process::CommandExt;
        if let Some(user) = &self.run_as {
            cmd.uid(user.uid.as_raw()).gid(user.gid.as_raw());
            cmd.env("HOME", &user.dir);
        }
    }

    /// Hands a directory tree to the user the server runs as.
    fn give_to_server(&self, dir: &Path) -> Result<()> {
        if let Some(user) = &self.run_as {
            chown_tree(dir, user.uid, user.gid)?;
        }
        Ok(())
    }

    /// The cached `initdb` output for this server version, created on first use.
    fn template(&self) -> Result<PathBuf> {
        let version = self.version()?;
        let uid = Uid::effective();
        let path = std::env::temp_dir().join(format!("dbridge-template-pg{version}-{uid}"));
        if path.join("PG_VERSION").exists() {
            return Ok(path);
        }
        let work = tempfile::Builder::new()
            .prefix("dbridge-initdb-")
            .tempdir()
            .map_err(|e| Error::io(std::env::temp_dir(), e))?;
        self.give_to_server(work.path())?;
        let data = work.path().join("data");
        let mut cmd = Command::new(self.bin.join("initdb"));
        cmd.arg("-D").arg(&data).args([
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "-N",
        ]);
        self.run_as_server_user(&mut cmd);
        run(cmd, "initdb")?;
        // Another process may have finished first: either way a complete template is in place.
        if fs::rename(&data, &path).is_err() && !path.join("PG_VERSION").exists() {
            return Err(Error::ServerCommand {
                program: "initdb".into(),
                detail: format!("could not move the new cluster to {}", path.display()),
            });
        }
        Ok(path)
    }

    fn version(&self) -> Result<String> {
        let mut cmd = Command::new(self.bin.join("postgres"));
        cmd.arg("--version");
        let out = run(cmd, "postgres --version")?;
        Ok(out
            .split_whitespace()
            .last()
            .unwrap_or("unknown")
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '.', "_"))
    }
}

/// Runs a command to completion, returning its standard output.
fn run(mut cmd: Command, what: &str) -> Result<String> {
    let out = cmd.output().map_err(|e| Error::ServerCommand {
        program: what.into(),
        detail: e.to_string(),
    })?;
    if !out.status.success() {
        return Err(Error::ServerCommand {
            program: what.into(),
            detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Removes the directories of embedded servers whose process died without cleaning up
/// (a crash, or a test process that exited with its server still running).
fn remove_stale_servers() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with("dbridge-pg-")
            || path.join("PG_VERSION").exists()
        {
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

/// Finds the directory holding `initdb` and `postgres`.
fn find_bin_dir() -> Option<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(dir) = std::env::var_os("DBRIDGE_PG_BIN").map(PathBuf::from) {
        return has_both(&dir).then_some(dir);
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(dir) = on_path.into_iter().find(|d| has_both(d)) {
        return Some(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_both(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_both(&bin).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Copies a directory tree, keeping permission bits.
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    let perms = fs::metadata(from)
        .map_err(|e| Error::io(from, e))?
        .permissions();
    fs::set_permissions(to, perms).map_err(|e| Error::io(to, e))?;
    for entry in fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target).map_err(|e| Error::io(entry.path(), e))?;
        }
    }
    Ok(())
}

/// Changes the owner of every file below `dir`.
fn chown_tree(dir: &Path, uid: Uid, gid: Gid) -> Result<()> {
    nix::unistd::chown(dir, Some(uid), Some(gid))
        .map_err(|e| Error::io(dir, std::io::Error::from(e)))?;
    if dir.is_dir() {
        for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            chown_tree(&entry.path(), uid, gid)?;
        }
    }
    Ok(())
}
