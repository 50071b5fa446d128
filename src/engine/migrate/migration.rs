//! Migration files: naming, reading, checksums.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha384};

use super::error::MigrateError;
use super::sum::{sum_problems, SumProblem};
use crate::engine::Error;

/// One migration: an up file and, for reversible ones, a down file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub version: i64,
    /// The description as sqlx records it: the file name part with `_` turned into spaces.
    pub description: String,
    pub up_path: PathBuf,
    pub up_sql: String,
    pub down_path: Option<PathBuf>,
    pub down_sql: Option<String>,
}

impl Migration {
    /// SHA-384 of the up file, the checksum sqlx records.
    pub fn checksum(&self) -> Vec<u8> {
        Sha384::digest(self.up_sql.as_bytes()).to_vec()
    }

    /// The up file name, for messages.
    pub fn file_name(&self) -> String {
        self.up_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// A migrations directory as read from disk, before any database is involved: its
/// migrations, and where it differs from its `dbridge.sum` (which stops every command that
/// runs or records migrations, and is only shown by `migrate status`).
#[derive(Debug, Clone)]
pub struct MigrationDir {
    pub path: PathBuf,
    pub migrations: Vec<Migration>,
    pub sum_problems: Vec<SumProblem>,
}

impl MigrationDir {
    /// Reads the directory; it must exist (a mistyped `[migrations] dir` would otherwise
    /// look like a database that is up to date).
    pub fn open(path: &Path) -> Result<MigrationDir, MigrateError> {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(MigrateError::NotADirectory {
                    dir: path.to_path_buf(),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(MigrateError::NoDirectory {
                    dir: path.to_path_buf(),
                })
            }
            Err(e) => return Err(Error::io(path, e).into()),
        }
        Ok(MigrationDir {
            path: path.to_path_buf(),
            migrations: read_dir(path)?,
            sum_problems: sum_problems(path)?,
        })
    }

    /// Refuses a directory that does not match its sum, naming the first difference.
    pub fn require_sum(&self) -> Result<(), MigrateError> {
        match self.sum_problems.first() {
            Some(p) => Err(p.clone().into_error(&self.path)),
            None => Ok(()),
        }
    }
}

/// Which file of a migration a file name is.
enum Part {
    Up,
    Down,
    Simple,
}

/// Parses `<version>_<description>.up.sql` (or `.down.sql`, `.sql`), or a MongoDB
/// migration's `<version>_<description>.up.json` (or `.down.json`).
fn parse_name(name: &str) -> Option<(i64, String, Part)> {
    let (stem, json) = match name.strip_suffix(".sql") {
        Some(stem) => (stem, false),
        None => (name.strip_suffix(".json")?, true),
    };
    let (stem, part) = if let Some(s) = stem.strip_suffix(".up") {
        (s, Part::Up)
    } else if let Some(s) = stem.strip_suffix(".down") {
        (s, Part::Down)
    } else if json {
        return None;
    } else {
        (stem, Part::Simple)
    };
    let (version, description) = stem.split_once('_')?;
    let version = version.parse().ok()?;
    Some((version, description.replace('_', " "), part))
}

/// The version of a migration file name (`None` for other files, such as `dbridge.sum`).
pub(crate) fn version_of(file_name: &str) -> Option<i64> {
    parse_name(file_name).map(|(v, _, _)| v)
}

/// Whether a file of a migrations directory is a migration: every `.sql` file (a name that is
/// not a migration's is an error), and the `.json` files named as MongoDB migrations (other
/// JSON files are left alone).
pub(crate) fn is_migration_file(path: &Path) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some("sql") => true,
        Some("json") => path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| parse_name(n).is_some()),
        _ => false,
    }
}

/// Reads every migration of a directory, sorted by version. A missing directory is empty.
pub fn read_dir(dir: &Path) -> Result<Vec<Migration>, MigrateError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e).into()),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_migration_file(p))
        .collect();
    paths.sort();
    let mut found: BTreeMap<i64, Migration> = BTreeMap::new();
    for path in paths {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let (version, description, part) =
            parse_name(&name).ok_or_else(|| MigrateError::BadFileName { path: path.clone() })?;
        let sql = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let entry = found.entry(version).or_insert_with(|| Migration {
            version,
            description: description.clone(),
            up_path: PathBuf::new(),
            up_sql: String::new(),
            down_path: None,
            down_sql: None,
        });
        match part {
            Part::Up | Part::Simple if !entry.up_path.as_os_str().is_empty() => {
                return Err(MigrateError::DuplicateVersion {
                    version,
                    first: entry.up_path.clone(),
                    second: path,
                })
            }
            Part::Up | Part::Simple => {
                entry.up_path = path;
                entry.up_sql = sql;
                entry.description = description;
            }
            Part::Down if entry.down_path.is_some() => {
                return Err(MigrateError::DuplicateVersion {
                    version,
                    first: entry.down_path.clone().unwrap_or_default(),
                    second: path,
                })
            }
            Part::Down => {
                entry.down_path = Some(path);
                entry.down_sql = Some(sql);
            }
        }
    }
    found
        .into_values()
        .map(|m| {
            if m.up_path.as_os_str().is_empty() {
                Err(MigrateError::BadFileName {
                    path: m.down_path.unwrap_or_default(),
                })
            } else {
                Ok(m)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sqlx_names() {
        let (v, d, _) = parse_name("20240101120000_add_users.up.sql").unwrap();
        assert_eq!((v, d.as_str()), (20240101120000, "add users"));
        assert!(matches!(
            parse_name("1_x.down.sql"),
            Some((1, _, Part::Down))
        ));
        assert!(matches!(
            parse_name("2_simple.sql"),
            Some((2, _, Part::Simple))
        ));
        assert!(parse_name("abc_x.up.sql").is_none());
        assert!(parse_name("readme.sql").is_none());
    }
}
