//! `dbridge init`: a commented `dbridge.toml`, `schema/schema.sql` and `migrations/`.

use std::path::Path;

use crate::project::write_atomic;
use anyhow::Context;

use super::ExitStatus;
use crate::cli::args::GlobalOptions;
use crate::cli::render::output;
use crate::project::CONFIG_FILE;

const CONFIG: &str = r#"# dbridge configuration. Paths are relative to this file.

[database]
# The target database. Without one (and without --url or DATABASE_URL), dbridge uses an
# embedded PostgreSQL under .dbridge/ (see `dbridge dev`). ${VAR} is read from the environment.
# url = "${DATABASE_URL}"
# A server where dbridge may create scratch databases to read SQL schemas and replay
# migrations (default: a throwaway embedded server).
# dev_url = "postgres://postgres@localhost:5432/postgres"

[schema]
# The desired schema: a .sql file, a directory of .sql files, or a .json/.toml snapshot.
source = "schema/schema.sql"
# Only these schemas are managed (default: every non-system schema).
# schemas = ["public"]
# Compare and write privileges (GRANT/REVOKE); false leaves them to something else.
# privileges = true

[migrations]
# Where migrations are written and read (sqlx's format: <version>_<name>.up.sql/.down.sql).
dir = "migrations"
"#;

const SCHEMA: &str = "-- The desired schema. Edit it, then run `dbridge autogenerate -m <name>`.\n\n\
CREATE TABLE example (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    name text NOT NULL\n);\n";

/// Arguments of `dbridge init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder to set up (default: the current one).
    #[arg(default_value = ".")]
    pub dir: std::path::PathBuf,
}

pub fn run(global: &GlobalOptions, args: InitArgs) -> anyhow::Result<ExitStatus> {
    let dir = &args.dir;
    let mut report = Report::default();
    std::fs::create_dir_all(dir.join("schema"))?;
    let migrations = dir.join("migrations");
    if !migrations.is_dir() {
        std::fs::create_dir_all(&migrations)?;
        report.created.push(format!("{}/", migrations.display()));
    }
    for (name, text) in [(CONFIG_FILE, CONFIG), ("schema/schema.sql", SCHEMA)] {
        write_new(&dir.join(name), text, &mut report)?;
    }
    let ignore = dir.join(".gitignore");
    let current = std::fs::read_to_string(&ignore).unwrap_or_default();
    if !current.lines().any(|l| l.trim() == ".dbridge/") {
        let sep = if current.is_empty() || current.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        write_atomic(&ignore, format!("{current}{sep}.dbridge/\n").as_bytes())
            .with_context(|| format!("cannot write {}", ignore.display()))?;
        report.updated.push(ignore.display().to_string());
    }
    output::result(
        global.json,
        || {
            let mut text = report.lines.concat();
            text.push_str("created migrations/ (next: edit schema/schema.sql, then `dbridge autogenerate -m init`)\n");
            text
        },
        || serde_json::to_value(&report).expect("a report serializes"),
    )?;
    Ok(ExitStatus::Success)
}

/// What `init` did, file by file.
#[derive(Default, serde::Serialize)]
struct Report {
    /// The lines for people, in the order things happened.
    #[serde(skip)]
    lines: Vec<String>,
    created: Vec<String>,
    kept: Vec<String>,
    updated: Vec<String>,
}

/// Writes a file unless it exists; notes which.
fn write_new(path: &Path, text: &str, report: &mut Report) -> anyhow::Result<()> {
    if path.exists() {
        report
            .lines
            .push(format!("kept {} (it exists)\n", path.display()));
        report.kept.push(path.display().to_string());
        return Ok(());
    }
    write_atomic(path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    report.lines.push(format!("created {}\n", path.display()));
    report.created.push(path.display().to_string());
    Ok(())
}
