//! Writing generated migrations into a project's directory: file names in sqlx's layout
//! (`<version>_<name>.up.sql` / `.down.sql`), version numbers, file headers, the sum file,
//! and the refusal of plans that lose data.

use std::path::{Path, PathBuf};

use super::error::{Error, Refused};
use super::writer::write_atomic;
use crate::diff::hazard::Hazard;
use crate::diff::plan::to_text;
use crate::diff::Plan;
use crate::engine::autogen::Generated;
use crate::engine::migrate::{write_sum, Migration};
use crate::engine::postgres::script::NO_TRANSACTION;

/// One migration written to disk.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Written {
    /// The directory it was written to.
    pub dir: PathBuf,
    /// The file stem, e.g. `20260101120000_add_comments`.
    pub stem: String,
    /// Statements of the up file.
    pub statements: usize,
    /// Whether the up file runs outside a transaction.
    pub no_transaction: bool,
    /// The hazards of its changes, sorted and without repeats.
    pub hazards: Vec<Hazard>,
}

/// Refuses a plan with changes that lose data, listing each with the renames that would
/// keep its data; `Ok` when there are none.
pub fn refuse_destructive(plan: &Plan) -> Result<(), Error> {
    let mut changes = Vec::new();
    for c in plan
        .changes
        .iter()
        .filter(|c| c.hazards.contains(&Hazard::DataLoss))
    {
        let renames = plan
            .rename_candidates
            .iter()
            .filter(|r| r.dropped == c.id)
            .map(|r| (r.to.clone(), r.hint()))
            .collect();
        changes.push(Refused {
            description: c.description.clone(),
            hazards: c.hazards.iter().map(|h| h.id()).collect(),
            renames,
        });
    }
    if changes.is_empty() {
        Ok(())
    } else {
        Err(Error::Destructive { changes })
    }
}

/// Writes each group as `<version>_<name>.up.sql`/`.down.sql`, then the sum file.
pub fn write_migrations(
    dir: &Path,
    existing: &[Migration],
    name: &str,
    groups: &[Generated],
    lock_timeout: Option<&str>,
) -> Result<Vec<Written>, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let slug = slug(name);
    let last = existing.iter().map(|m| m.version).max().unwrap_or(0);
    let versions = next_versions(last, groups.len());
    let mut written = Vec::new();
    for ((i, g), version) in groups.iter().enumerate().zip(versions) {
        let stem = if i == 0 {
            format!("{version}_{slug}")
        } else {
            format!("{version}_{slug}_{}", i + 1)
        };
        for (direction, no_tx, statements) in [
            ("up", g.up_no_transaction, &g.up),
            ("down", g.down_no_transaction, &g.down),
        ] {
            let path = dir.join(format!("{stem}.{direction}.sql"));
            let text = render_file(&stem, direction, no_tx, g, statements, lock_timeout);
            write_atomic(&path, text.as_bytes()).map_err(|e| Error::io(&path, e))?;
        }
        let mut hazards: Vec<Hazard> = g
            .changes
            .iter()
            .flat_map(|c| c.hazards.iter().copied())
            .collect();
        hazards.sort();
        hazards.dedup();
        written.push(Written {
            dir: dir.to_path_buf(),
            stem,
            statements: g.up.len(),
            no_transaction: g.up_no_transaction,
            hazards,
        });
    }
    write_sum(dir)?;
    Ok(written)
}

/// One MongoDB migration written to disk.
#[cfg(feature = "mongodb")]
#[derive(Debug, Clone, serde::Serialize)]
pub struct MongoWritten {
    pub dir: PathBuf,
    pub stem: String,
    /// Commands of the up file.
    pub commands: usize,
    /// The hazards of its steps, sorted and without repeats.
    pub hazards: Vec<&'static str>,
}

/// Writes a MongoDB plan as `<version>_<name>.up.json` and `.down.json` (JSON arrays of
/// commands, headed by comments naming each step), then the sum file. A plan with a step
/// that cannot be undone gets no down file.
#[cfg(feature = "mongodb")]
pub fn write_mongo_migration(
    dir: &Path,
    existing: &[Migration],
    name: &str,
    plan: &crate::diff::mongo::MongoPlan,
) -> Result<MongoWritten, Error> {
    use mongodb::bson::{doc, Document};
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let last = existing.iter().map(|m| m.version).max().unwrap_or(0);
    let version = next_versions(last, 1)[0];
    let stem = format!("{version}_{}", slug(name));
    let steps: Vec<Document> = plan
        .steps
        .iter()
        .map(|s| {
            let hazards: Vec<&str> = s.hazards.iter().map(|h| h.id()).collect();
            let mut line = format!("{} {}", s.kind, s.object);
            if !hazards.is_empty() {
                line.push_str(&format!(" [{}]", hazards.join(", ")));
            }
            doc! {"comment": line}
        })
        .collect();
    for (direction, commands) in [("up", Some(plan.up())), ("down", plan.down())] {
        let Some(commands) = commands else { continue };
        let mut all = vec![
            doc! {"comment": format!("{stem} ({direction}), generated by dbridge autogenerate")},
        ];
        all.extend(steps.iter().cloned());
        all.extend(commands);
        let path = dir.join(format!("{stem}.{direction}.json"));
        let text = serde_json::to_string_pretty(&all).expect("commands serialize") + "\n";
        write_atomic(&path, text.as_bytes()).map_err(|e| Error::io(&path, e))?;
    }
    write_sum(dir)?;
    let mut hazards: Vec<&'static str> = plan
        .steps
        .iter()
        .flat_map(|s| s.hazards.iter().map(|h| h.id()))
        .collect();
    hazards.sort_unstable();
    hazards.dedup();
    Ok(MongoWritten {
        dir: dir.to_path_buf(),
        stem,
        commands: plan.up().len(),
        hazards,
    })
}

/// Hazard names joined for a header or a summary line.
pub fn hazard_names(h: &[Hazard]) -> String {
    h.iter().map(|h| h.id()).collect::<Vec<_>>().join(", ")
}

/// The text of a migration file: `-- no-transaction` first when needed, a header, the SQL.
fn render_file(
    stem: &str,
    direction: &str,
    no_tx: bool,
    g: &Generated,
    statements: &[String],
    lock_timeout: Option<&str>,
) -> String {
    let mut out = String::new();
    if no_tx {
        out.push_str(NO_TRANSACTION);
        out.push('\n');
    }
    out.push_str(&format!(
        "-- {stem} ({direction}), generated by dbridge autogenerate\n--\n-- Changes:\n"
    ));
    for c in &g.changes {
        let hazards = if c.hazards.is_empty() {
            String::new()
        } else {
            format!("  [{}]", hazard_names(&c.hazards))
        };
        let text = if direction == "up" {
            c.description.clone()
        } else {
            format!("undo: {}", c.description)
        };
        out.push_str(&format!("--   {text}{hazards}\n"));
    }
    if let Some(t) = lock_timeout {
        // SET LOCAL ends with the migration's transaction; without one it lasts the session.
        let scope = if no_tx { "SET" } else { "SET LOCAL" };
        out.push_str(&format!("\n{scope} lock_timeout = '{t}';\n"));
    }
    out.push('\n');
    out.push_str(&to_text(statements));
    out
}

/// A file-name-safe form of a migration name: `Add comments!` becomes `add_comments`.
fn slug(name: &str) -> String {
    let s: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let s = s
        .split('_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    if s.is_empty() {
        "migration".into()
    } else {
        s
    }
}

/// `count` versions after `last`: UTC `YYYYMMDDHHMMSS` of now, now+1s, ... (or, when `last`
/// lies in the future, the numbers right after it).
fn next_versions(last: i64, count: usize) -> Vec<i64> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    if utc_version(now) <= last {
        return (1..=count as i64).map(|i| last + i).collect();
    }
    (0..count as i64).map(|i| utc_version(now + i)).collect()
}

/// A UTC time (seconds since 1970) as a `YYYYMMDDHHMMSS` number.
fn utc_version(secs: i64) -> i64 {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = crate::civil::from_days(days);
    ((year * 100 + i64::from(month)) * 100 + i64::from(day)) * 1_000_000
        + (rem / 3600) * 10_000
        + (rem % 3600 / 60) * 100
        + rem % 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_versions() {
        assert_eq!(slug("Add comments!"), "add_comments");
        assert_eq!(slug("  "), "migration");
        assert_eq!(utc_version(0), 19700101000000);
        assert_eq!(utc_version(951_782_399), 20000228235959);
        assert_eq!(utc_version(951_782_400), 20000229000000);
        assert_eq!(utc_version(1_798_761_599), 20261231235959);
        let v = next_versions(0, 3);
        assert!(v[0] < v[1] && v[1] < v[2] && v[2] % 100 < 60, "{v:?}");
        assert_eq!(
            next_versions(29990101000000, 2),
            vec![29990101000001, 29990101000002]
        );
    }
}
