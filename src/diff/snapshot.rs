//! Snapshots: the model written to and read from JSON or TOML files.

use std::path::Path;

use serde::Serialize;

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

    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Toml => "TOML",
        }
    }
}

/// The snapshot format this build writes. Format 1 (before the typed model) held index,
/// constraint and trigger definitions as SQL text.
pub const FORMAT_VERSION: u32 = 2;

/// The engine a snapshot describes, as its `engine` key names it.
pub const ENGINE: &str = "postgresql";

/// A model as written to a file: the format version and the engine first.
#[derive(Serialize)]
struct Written<'a, T> {
    format: u32,
    engine: &'a str,
    #[serde(flatten)]
    model: &'a T,
}

/// Serializes a model.
pub fn write(db: &Database, format: Format) -> String {
    write_as(ENGINE, db, format)
}

/// Serializes an engine's model under this build's `format` and `engine`.
pub(crate) fn write_as<T: Serialize>(engine: &str, model: &T, format: Format) -> String {
    let written = Written {
        format: FORMAT_VERSION,
        engine,
        model,
    };
    match format {
        Format::Json => {
            serde_json::to_string_pretty(&written).expect("the model always serializes") + "\n"
        }
        Format::Toml => toml::to_string(&written).expect("the model always serializes"),
    }
}

/// Parses a model; `path` names the file in errors.
///
/// Strict, because a snapshot is the desired state of a plan: a file that does not read
/// completely (a misspelled or unknown key anywhere, no `format` or `engine`, `{}` or `[]`)
/// would otherwise read as an empty schema and plan to drop everything. Errors name the
/// key and where it is (`tables[2].columns[0]`).
pub fn read(text: &str, format: Format, path: &str) -> Result<Database, Error> {
    let error = |reason: String| Error::Snapshot {
        path: path.to_string(),
        format: format.name(),
        reason,
    };
    let value: serde_json::Value = match format {
        Format::Json => serde_json::from_str(text).map_err(|e| e.to_string()),
        Format::Toml => toml::from_str::<toml::Table>(text)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::to_value(t).map_err(|e| e.to_string())),
    }
    .map_err(error)?;
    let serde_json::Value::Object(mut map) = value else {
        return Err(error("a snapshot is a table of keys (format, engine, schemas, tables...), not a list or a value".into()));
    };
    let declared = map.remove("format");
    let engine = map.remove("engine");
    if declared.is_none() && holds_definitions(&map) {
        return Err(error(older(1)));
    }
    check_head(declared.as_ref(), engine.as_ref(), ENGINE).map_err(|reason| match reason {
        HeadError::Older(version) => error(older(version)),
        HeadError::Other(reason) => error(reason),
    })?;
    let mut db: Database = serde_path_to_error::deserialize(serde_json::Value::Object(map))
        .map_err(|e| {
            let at = e.path().to_string();
            let reason = e.into_inner().to_string();
            if at == "." {
                error(reason)
            } else {
                error(format!("at {at}: {reason}"))
            }
        })?;
    db.normalize();
    Ok(db)
}

/// What is wrong with a snapshot's `format` and `engine` keys.
pub(crate) enum HeadError {
    /// An older format version, which the engine's reader explains.
    Older(u64),
    Other(String),
}

/// Checks a snapshot's `format` and `engine` keys: this build's version, and `engine`.
pub(crate) fn check_head(
    declared: Option<&serde_json::Value>,
    engine: Option<&serde_json::Value>,
    expected: &str,
) -> Result<(), HeadError> {
    let other = |s: String| Err(HeadError::Other(s));
    let version = match declared {
        None => {
            return other(format!(
                "it has no `format` key; a snapshot starts with format = {FORMAT_VERSION} and engine = \"{expected}\" (as `dbridge inspect --format json|toml` writes it)"
            ))
        }
        Some(v) => match v.as_u64() {
            Some(n) => n,
            None => return other(format!("`format` is {v}, not a version number")),
        },
    };
    if version > u64::from(FORMAT_VERSION) {
        return other(format!(
            "it is snapshot format {version}, written by a newer dbridge; this one reads format {FORMAT_VERSION}"
        ));
    }
    if version < u64::from(FORMAT_VERSION) {
        return Err(HeadError::Older(version));
    }
    match engine.and_then(|e| e.as_str()) {
        Some(e) if e == expected => Ok(()),
        Some(e) => other(format!(
            "it describes a {e:?} database; this plan is for {expected}"
        )),
        None => other(format!(
            "it has no `engine` key; add engine = \"{expected}\" next to format = {FORMAT_VERSION}"
        )),
    }
}

fn older(version: u64) -> String {
    format!(
        "it is snapshot format {version} (index, constraint and trigger definitions as SQL text), \
         which this dbridge no longer reads; write it again with `dbridge inspect --format json` \
         (or toml) from the database it describes"
    )
}

/// Whether a file without a version has format 1's `definition` text in a table part.
fn holds_definitions(map: &serde_json::Map<String, serde_json::Value>) -> bool {
    let Some(tables) = map.get("tables").and_then(|v| v.as_array()) else {
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

    fn err(text: &str, format: Format) -> String {
        read(text, format, "s").unwrap_err().to_string()
    }

    const HEAD_JSON: &str = r#""format": 2, "engine": "postgresql""#;

    #[test]
    fn writes_the_version_and_engine_and_reads_them_back() {
        let db = Database::default();
        for format in [Format::Json, Format::Toml] {
            let text = write(&db, format);
            assert!(
                text.contains("format") && text.contains("postgresql"),
                "{text}"
            );
            assert_eq!(read(&text, format, "s").unwrap(), db);
        }
    }

    #[test]
    fn refuses_other_versions_by_name() {
        let newer = err(r#"{"format": 3, "engine": "postgresql"}"#, Format::Json);
        assert!(newer.contains("newer dbridge"), "{newer}");
        let old = r#"{"tables": [{"name": {"schema": "public", "name": "t"},
            "indexes": [{"name": "i", "definition": "CREATE INDEX i ON public.t USING btree (a)"}]}]}"#;
        let e = read(old, Format::Json, "s.json").unwrap_err().to_string();
        assert!(e.contains("s.json") && e.contains("format 1"), "{e}");
        let toml_old = "[[tables]]\nname = { schema = \"public\", name = \"t\" }\n\
                        [[tables.triggers]]\nname = \"x\"\ndefinition = \"CREATE TRIGGER\"\n";
        assert!(err(toml_old, Format::Toml).contains("format 1"));
    }

    /// Files that would read as an empty schema, and so plan to drop every table.
    #[test]
    fn refuses_files_that_are_not_complete_snapshots() {
        for (text, format, says) in [
            ("{}", Format::Json, "no `format` key"),
            ("[]", Format::Json, "not a list"),
            ("", Format::Toml, "no `format` key"),
            ("version = 3", Format::Toml, "no `format` key"),
            ("format = 2", Format::Toml, "no `engine` key"),
            (
                "format = 2\nengine = \"mongodb\"",
                Format::Toml,
                "\"mongodb\" database",
            ),
            (
                "format = 2\nengine = \"postgresql\"\nversion = 3",
                Format::Toml,
                "unknown field `version`",
            ),
        ] {
            let e = err(text, format);
            assert!(e.contains(says), "{text:?}: {e}");
        }
    }

    #[test]
    fn unknown_keys_are_named_with_where_they_are() {
        let table = r#"{"name": {"schema": "public", "name": "t"}, "columns": [
            {"name": "a", "data_type": "int", "nulable": true}]}"#;
        let e = err(
            &format!(r#"{{{HEAD_JSON}, "tables": [{table}]}}"#),
            Format::Json,
        );
        assert!(
            e.contains("tables[0].columns[0]") && e.contains("`nulable`"),
            "{e}"
        );
        // Inside parts whose fields are flattened: a constraint's body, an index key part,
        // a sequence's options.
        let constraint = r#"{"name": {"schema": "public", "name": "t"}, "constraints": [
            {"name": "k", "kind": "primary_key", "columns": ["a"], "colums": ["b"]}]}"#;
        let e = err(
            &format!(r#"{{{HEAD_JSON}, "tables": [{constraint}]}}"#),
            Format::Json,
        );
        assert!(
            e.contains("tables[0].constraints[0]") && e.contains("`colums`"),
            "{e}"
        );
        let index = r#"{"name": {"schema": "public", "name": "t"}, "indexes": [
            {"name": "i", "method": "btree", "key": [{"column": "a", "desc": true}]}]}"#;
        let e = err(
            &format!(r#"{{{HEAD_JSON}, "tables": [{index}]}}"#),
            Format::Json,
        );
        assert!(
            e.contains("tables[0].indexes[0].key[0]") && e.contains("`desc`"),
            "{e}"
        );
        let sequence = r#"{"name": {"schema": "public", "name": "s"}, "data_type": "bigint",
            "start": 1, "increment": 1, "min_value": 1, "max_value": 9, "cache": 1,
            "cycle": false, "cylce": true}"#;
        let e = err(
            &format!(r#"{{{HEAD_JSON}, "sequences": [{sequence}]}}"#),
            Format::Json,
        );
        assert!(e.contains("sequences[0]") && e.contains("`cylce`"), "{e}");
    }
}
