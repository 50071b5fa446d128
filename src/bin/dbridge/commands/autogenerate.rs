//! `dbridge autogenerate`: write the migration that takes `migrations/` to the schema source.

use std::path::Path;

use anyhow::bail;

use super::config::Project;
use super::target::dev_url;
use super::{ExitStatus, GlobalOptions};
use crate::diff::hazard::Hazard;
use crate::diff::plan::{to_text, PlanOptions};
use crate::diff::Renames;
use crate::engine::autogen::{self, Generated};
use crate::engine::dev::DevDatabase;
use crate::engine::files::write_atomic;
use crate::engine::migrate::{read_dir, verify_sum, write_sum, Migration};
use crate::engine::source::Source;

/// Arguments of `dbridge autogenerate`.
#[derive(Debug, clap::Args)]
pub struct AutogenerateArgs {
    /// The migration's name, e.g. `add_comments` (becomes <version>_add_comments.up.sql).
    #[arg(short = 'm', long = "message", required_unless_present = "check")]
    pub name: Option<String>,
    /// Write nothing; print the pending SQL and exit with 2 when a migration would be generated.
    #[arg(long, conflicts_with = "interactive")]
    pub check: bool,
    /// Review each change before writing (the same as `dbridge review`); needs a terminal.
    #[arg(long)]
    pub interactive: bool,
    /// Generate changes that lose data (dropped tables and columns, narrowed types).
    #[arg(long)]
    pub allow_destructive: bool,
    /// Treat a drop and an add as a rename: `schema.table.old=new` or `schema.old_table=new_table`.
    #[arg(long = "rename", value_name = "OLD=NEW")]
    pub renames: Vec<String>,
    /// Lock-safe forms on existing tables: indexes built CONCURRENTLY, foreign keys and checks
    /// added NOT VALID then validated, SET NOT NULL through a validated check, and a
    /// `lock_timeout` at the top of every migration.
    #[arg(long)]
    pub safe: bool,
    /// The lock_timeout that --safe migrations set, e.g. `5s` or `500ms`.
    #[arg(long, default_value = "5s", requires = "safe", value_parser = parse_timeout)]
    pub lock_timeout: String,
}

/// Accepts `5s`, `500ms`, `1min`: a number and a unit PostgreSQL understands.
fn parse_timeout(text: &str) -> Result<String, String> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    if digits.parse::<u64>().is_err() || !["ms", "s", "min", "h"].contains(&unit) {
        return Err(format!("`{text}` is not a duration like 5s, 500ms or 1min"));
    }
    Ok(text.to_string())
}

pub async fn run(
    global: &GlobalOptions,
    project: &Project,
    args: AutogenerateArgs,
) -> anyhow::Result<ExitStatus> {
    let dir = project.migrations_dir();
    verify_sum(&dir)?;
    let migrations = read_dir(&dir)?;
    let renames = Renames::parse(&args.renames)?;
    let source = Source::parse(&project.schema_source())?;
    let mut dev = DevDatabase::new(dev_url(global, project));
    let result = generate(&mut dev, &migrations, &source, project, &renames, &args).await;
    dev.close().await;
    let Some(groups) = result? else {
        println!(
            "no changes: {} matches {}",
            dir.display(),
            project.config.schema.source
        );
        return Ok(ExitStatus::Success);
    };
    if args.check {
        return Ok(ExitStatus::Differences);
    }
    let name = args.name.as_deref().unwrap_or("migration");
    let lock_timeout = args.safe.then_some(args.lock_timeout.as_str());
    write_migrations(&dir, &migrations, name, &groups, lock_timeout)?;
    Ok(ExitStatus::Success)
}

/// Plans, checks the refusals and proves the migration; `None` when there is nothing to do.
async fn generate(
    dev: &mut DevDatabase,
    migrations: &[Migration],
    source: &Source,
    project: &Project,
    renames: &Renames,
    args: &AutogenerateArgs,
) -> anyhow::Result<Option<Vec<Generated>>> {
    let pending = autogen::pending(
        dev,
        migrations,
        source,
        &project.config.schema.schemas,
        renames,
        PlanOptions { safe: args.safe },
    )
    .await?;
    if pending.plan.is_empty() {
        return Ok(None);
    }
    if args.check {
        print!("{}", pending.plan.up_sql());
        eprintln!(
            "a migration would be generated ({} changes)",
            pending.plan.changes.len()
        );
        return Ok(Some(Vec::new()));
    }
    let mut pending = pending;
    if args.interactive {
        if !super::review::review(&mut pending, renames)? {
            return Ok(None);
        }
    } else {
        refuse_destructive(&pending.plan, args)?;
    }
    match pending.prove().await? {
        Ok(groups) => Ok(Some(groups)),
        Err(failed) => Err(failed.into()),
    }
}

/// Without --allow-destructive, changes that lose data stop the run, each with what to pass.
fn refuse_destructive(plan: &crate::diff::Plan, args: &AutogenerateArgs) -> anyhow::Result<()> {
    if args.allow_destructive {
        return Ok(());
    }
    let mut lines = Vec::new();
    for c in plan
        .changes
        .iter()
        .filter(|c| c.hazards.contains(&Hazard::DataLoss))
    {
        lines.push(format!(
            "  {} ({})",
            c.description,
            hazard_names(&c.hazards)
        ));
        for r in &plan.rename_candidates {
            let dropped = match &r.table {
                Some(t) => format!("{t}.{}", crate::diff::quote::ident(&r.from)),
                None => r.from.clone(),
            };
            if c.object == dropped {
                lines.push(format!(
                    "    if it was renamed to {}, pass --rename {}",
                    r.to,
                    r.hint()
                ));
            }
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    bail!(
        "refusing to generate a migration that loses data:\n{}\npass --allow-destructive to generate it anyway",
        lines.join("\n")
    )
}

fn hazard_names(h: &[Hazard]) -> String {
    h.iter().map(|h| h.name()).collect::<Vec<_>>().join(", ")
}

/// Writes each group as `<version>_<name>.up.sql`/`.down.sql`, then the sum.
fn write_migrations(
    dir: &Path,
    existing: &[Migration],
    name: &str,
    groups: &[Generated],
    lock_timeout: Option<&str>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let slug = slug(name);
    let last = existing.iter().map(|m| m.version).max().unwrap_or(0);
    let versions = next_versions(last, groups.len());
    for ((i, g), version) in groups.iter().enumerate().zip(versions) {
        let stem = if i == 0 {
            format!("{version}_{slug}")
        } else {
            format!("{version}_{slug}_{}", i + 1)
        };
        let up = render_file(&stem, "up", g.up_no_transaction, g, &g.up, lock_timeout);
        let down = render_file(
            &stem,
            "down",
            g.down_no_transaction,
            g,
            &g.down,
            lock_timeout,
        );
        write_atomic(&dir.join(format!("{stem}.up.sql")), up.as_bytes())?;
        write_atomic(&dir.join(format!("{stem}.down.sql")), down.as_bytes())?;
        let hazards: Vec<Hazard> = {
            let mut h: Vec<Hazard> = g
                .changes
                .iter()
                .flat_map(|c| c.hazards.iter().copied())
                .collect();
            h.sort();
            h.dedup();
            h
        };
        let note = if hazards.is_empty() {
            String::new()
        } else {
            format!("; hazards: {}", hazard_names(&hazards))
        };
        let tx = if g.up_no_transaction {
            ", no transaction"
        } else {
            ""
        };
        println!(
            "wrote {}/{stem}.up.sql and .down.sql ({} statements{tx}{note})",
            dir.display(),
            g.up.len()
        );
    }
    write_sum(dir)?;
    Ok(())
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
        out.push_str("-- no-transaction\n");
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
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    ((year * 100 + month) * 100 + day) * 1_000_000
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
