//! Snapshots: the model written to and read from JSON or TOML files.

use std::path::Path;

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

/// Serializes a model.
pub fn write(db: &Database, format: Format) -> String {
    match format {
        Format::Json => {
            serde_json::to_string_pretty(db).expect("the model always serializes") + "\n"
        }
        Format::Toml => toml::to_string(db).expect("the model always serializes"),
    }
}

/// Parses a model; `path` names the file in errors.
pub fn read(text: &str, format: Format, path: &str) -> Result<Database, Error> {
    let parsed = match format {
        Format::Json => serde_json::from_str::<Database>(text).map_err(|e| e.to_string()),
        Format::Toml => toml::from_str::<Database>(text).map_err(|e| e.to_string()),
    };
    let mut db = parsed.map_err(|reason| Error::Snapshot {
        path: path.to_string(),
        format: format.name(),
        reason,
    })?;
    db.normalize();
    Ok(db)
}
