//! Snapshots: the model written to and read from JSON or TOML files.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::Error;
use super::model::Database;

/// The file formats of a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Toml,
}

impl Format {
    /// The format a file name implies, if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "json" => Some(Format::Json),
            "toml" => Some(Format::Toml),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Toml => "TOML",
        }
    }
}

/// The snapshot format this build writes. Format 1 (before the typed model) held index,
/// constraint and trigger definitions as SQL text.
pub const FORMAT_VERSION: u32 = 2;

/// A model as written to a file: the format version first.
#[derive(Serialize)]
struct Written<'a> {
    format: u32,
    #[serde(flatten)]
    db: &'a Database,
}

/// The version a file declares (hand-written files may leave it out).
#[derive(Deserialize)]
struct Declared {
    #[serde(default)]
    format: Option<u32>,
}

/// Serializes a model.
pub fn write(db: &Database, format: Format) -> String {
    let written = Written {
        format: FORMAT_VERSION,
        db,
    };
    match format {
        Format::Json => {
            serde_json::to_string_pretty(&written).expect("the model always serializes") + "\n"
        }
        Format::Toml => toml::to_string(&written).expect("the model always serializes"),
    }
}

/// Parses a model; `path` names the file in errors.
pub fn read(text: &str, format: Format, path: &str) -> Result<Database, Error> {
    let error = |reason: String| Error::Snapshot {
        path: path.to_string(),
        format: format.name(),
        reason,
    };
    let declared = match format {
        Format::Json => serde_json::from_str::<Declared>(text).map_err(|e| e.to_string()),
        Format::Toml => toml::from_str::<Declared>(text).map_err(|e| e.to_string()),
    }
    .map_err(error)?;
    match declared.format {
        Some(v) if v > FORMAT_VERSION => {
            return Err(error(format!(
                "it is snapshot format {v}, written by a newer dbridge; this one reads format {FORMAT_VERSION}"
            )))
        }
        Some(v) if v < FORMAT_VERSION => return Err(error(older(v))),
        _ => {}
    }
    let parsed = match format {
        Format::Json => serde_json::from_str::<Database>(text).map_err(|e| e.to_string()),
        Format::Toml => toml::from_str::<Database>(text).map_err(|e| e.to_string()),
    };
    let mut db = parsed.map_err(|reason| {
        if declared.format.is_none() && holds_definitions(text, format) {
            error(older(1))
        } else {
            error(reason)
        }
    })?;
    db.normalize();
    Ok(db)
}

fn older(version: u32) -> String {
    format!(
        "it is snapshot format {version} (index, constraint and trigger definitions as SQL text), \
         which this dbridge no longer reads; write it again with `dbridge inspect --format json` \
         (or toml) from the database it describes"
    )
}

/// Whether a file that did not read has format 1's `definition` text in a table part.
fn holds_definitions(text: &str, format: Format) -> bool {
    let value: Option<serde_json::Value> = match format {
        Format::Json => serde_json::from_str(text).ok(),
        Format::Toml => toml::from_str::<toml::Value>(text)
            .ok()
            .and_then(|v| serde_json::to_value(v).ok()),
    };
    let Some(tables) = value.as_ref().and_then(|v| v.get("tables")?.as_array()) else {
        return false;
    };
    tables.iter().any(|t| {
        ["constraints", "indexes", "triggers"].iter().any(|part| {
            t.get(part)
                .and_then(|p| p.as_array())
                .is_some_and(|items| items.iter().any(|i| i.get("definition").is_some()))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_version_and_reads_it_back() {
        let db = Database::default();
        for format in [Format::Json, Format::Toml] {
            let text = write(&db, format);
            assert!(text.contains("format"), "{text}");
            assert_eq!(read(&text, format, "s").unwrap(), db);
        }
    }

    #[test]
    fn refuses_other_versions_by_name() {
        let newer = read(r#"{"format": 3}"#, Format::Json, "s.json").unwrap_err();
        assert!(newer.to_string().contains("newer dbridge"), "{newer}");
        let old = r#"{"tables": [{"name": {"schema": "public", "name": "t"},
            "indexes": [{"name": "i", "definition": "CREATE INDEX i ON public.t USING btree (a)"}]}]}"#;
        let err = read(old, Format::Json, "s.json").unwrap_err().to_string();
        assert!(err.contains("s.json") && err.contains("format 1"), "{err}");
        let toml_old = "[[tables]]\nname = { schema = \"public\", name = \"t\" }\n\
                        [[tables.triggers]]\nname = \"x\"\ndefinition = \"CREATE TRIGGER\"\n";
        let err = read(toml_old, Format::Toml, "s.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("format 1"), "{err}");
    }
}
