//! `dbridge init`: a commented `dbridge.toml`, `schema/schema.sql` and `migrations/`.

use std::path::Path;

use anyhow::Context;
use data_bridge::project::write_atomic;

use super::ExitStatus;
use data_bridge::project::CONFIG_FILE;

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

pub fn run(args: InitArgs) -> anyhow::Result<ExitStatus> {
    let dir = &args.dir;
    std::fs::create_dir_all(dir.join("schema"))?;
    std::fs::create_dir_all(dir.join("migrations"))?;
    for (name, text) in [(CONFIG_FILE, CONFIG), ("schema/schema.sql", SCHEMA)] {
        write_new(&dir.join(name), text)?;
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
    }
    println!(
        "created migrations/ (next: edit schema/schema.sql, then `dbridge autogenerate -m init`)"
    );
    Ok(ExitStatus::Success)
}

/// Writes a file unless it exists; says which.
fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    if path.exists() {
        println!("kept {} (it exists)", path.display());
        return Ok(());
    }
    write_atomic(path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("created {}", path.display());
    Ok(())
}
