//! The installed PostgreSQL: where its binaries are, which user runs them, and a cached
//! `initdb` template that new clusters are copied from.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use nix::unistd::{Gid, Uid, User};

use super::error::{Error, Result};

/// The superuser that `initdb` creates.
pub(crate) const SUPERUSER: &str = "postgres";

/// The installed PostgreSQL binaries and the user to run them as.
pub(crate) struct Installation {
    pub(crate) bin: PathBuf,
    pub(crate) run_as: Option<User>,
}

impl Installation {
    pub(crate) fn find() -> Result<Self> {
        let bin = find_bin_dir().ok_or(Error::NoServerBinaries)?;
        let run_as = if Uid::effective().is_root() {
            Some(server_user()?)
        } else {
            None
        };
        Ok(Installation { bin, run_as })
    }

    pub(crate) fn run_as_server_user(&self, cmd: &mut Command) {
        use std::os::unix::process::CommandExt;
        if let Some(user) = &self.run_as {
            cmd.uid(user.uid.as_raw()).gid(user.gid.as_raw());
            cmd.env("HOME", &user.dir);
        }
    }

    /// Hands a directory tree to the user the server runs as.
    pub(crate) fn give_to_server(&self, dir: &Path) -> Result<()> {
        if let Some(user) = &self.run_as {
            chown_tree(dir, user.uid, user.gid)?;
        }
        Ok(())
    }

    /// The cached `initdb` output for this server version, created on first use.
    pub(crate) fn template(&self) -> Result<PathBuf> {
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

/// The system user embedded servers run as when dbridge runs as root (PostgreSQL refuses
/// root). A user of its own, not `postgres`: `postgres` owns the machine's other clusters,
/// and a schema source that reached the server's OS user must not reach them.
pub(crate) const SERVER_USER: &str = "dbridge";

/// The [`SERVER_USER`], created (a system user without a home or a login shell) when missing.
fn server_user() -> Result<User> {
    let lookup = || User::from_name(SERVER_USER).ok().flatten();
    if let Some(user) = lookup() {
        return Ok(user);
    }
    let out = Command::new("useradd")
        .args([
            "--system",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            "--user-group",
            SERVER_USER,
        ])
        .output();
    let detail = match out {
        Ok(o) if o.status.success() => String::new(),
        Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
        Err(e) => e.to_string(),
    };
    // Another process may have created it meanwhile: look again either way.
    lookup().ok_or(Error::NoUnprivilegedUser { detail })
}

/// Runs a command to completion, returning its standard output.
pub(crate) fn run(mut cmd: Command, what: &str) -> Result<String> {
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
pub(crate) fn copy_dir(from: &Path, to: &Path) -> Result<()> {
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
pub(crate) fn chown_tree(dir: &Path, uid: Uid, gid: Gid) -> Result<()> {
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
