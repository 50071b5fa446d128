//! MongoDB snapshots: the same files as PostgreSQL's (`format` and `engine` first, JSON or
//! TOML, strict), with `engine = "mongodb"`. Documents keep their order on the way in (a
//! pipeline's `$sort` means its keys in order), so the body is read from the text itself,
//! never through a map that sorts its keys.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

use super::model::MongoSchema;
use crate::diff::error::Error;
use crate::diff::snapshot::{check_head, write_as, Format, HeadError, FORMAT_VERSION};

/// The engine a MongoDB snapshot names.
pub const ENGINE: &str = "mongodb";

/// Serializes a schema.
pub fn write(schema: &MongoSchema, format: Format) -> String {
    write_as(ENGINE, schema, format)
}

/// Parses a schema (a snapshot or a hand-written schema file); `path` names the file in
/// errors, which name the key and where it is (`collections[1].indexes[0].uniqe`).
pub fn read(text: &str, format: Format, path: &str) -> Result<MongoSchema, Error> {
    let error = |reason: String| Error::Snapshot {
        path: path.to_string(),
        format: format.name(),
        reason,
    };
    let not_a_table = || {
        error("a schema file is a table of keys (format, engine, collections, views, references), not a list or a value".into())
    };
    let head = |declared: Option<serde_json::Value>, engine: Option<serde_json::Value>| {
        check_head(declared.as_ref(), engine.as_ref(), ENGINE).map_err(|e| match e {
            HeadError::Older(v) => error(format!(
                "it is snapshot format {v}; MongoDB schemas start at format {FORMAT_VERSION}"
            )),
            HeadError::Other(reason) => error(reason),
        })
    };
    fn located<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> (String, String) {
        (e.path().to_string(), e.into_inner().to_string())
    }
    let at = |(path, reason): (String, String)| {
        if path == "." {
            error(reason)
        } else {
            error(format!("at {path}: {reason}"))
        }
    };
    let mut schema: MongoSchema = match format {
        Format::Json => {
            let mut map: BTreeMap<String, Box<RawValue>> =
                serde_json::from_str(text).map_err(|e| match e.classify() {
                    serde_json::error::Category::Data => not_a_table(),
                    _ => error(e.to_string()),
                })?;
            let value = |raw: Option<Box<RawValue>>| {
                raw.and_then(|r| serde_json::from_str::<serde_json::Value>(r.get()).ok())
            };
            head(value(map.remove("format")), value(map.remove("engine")))?;
            let body = format!(
                "{{{}}}",
                map.iter()
                    .map(|(k, v)| format!("{}:{}", serde_json::Value::from(k.as_str()), v.get()))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let mut de = serde_json::Deserializer::from_str(&body);
            serde_path_to_error::deserialize(&mut de).map_err(|e| at(located(e)))?
        }
        Format::Toml => {
            let mut table: toml::Table = toml::from_str(text).map_err(|e| error(e.to_string()))?;
            let value = |v: Option<toml::Value>| v.and_then(|v| serde_json::to_value(v).ok());
            head(value(table.remove("format")), value(table.remove("engine")))?;
            serde_path_to_error::deserialize(toml::Value::Table(table))
                .map_err(|e| at(located(e)))?
        }
    };
    schema.normalize();
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::mongo::model::{
        Collection, CollectionOptions, Index, IndexKey, KeyOrder, View,
    };
    use mongodb::bson::doc;

    fn sample() -> MongoSchema {
        let mut schema = MongoSchema {
            collections: vec![Collection {
                name: "users".into(),
                options: CollectionOptions {
                    collation: Some(doc! {"locale": "en", "strength": 2}),
                    ..CollectionOptions::default()
                },
                validator: None,
                indexes: vec![Index {
                    name: "a_1_b_-1".into(),
                    keys: vec![
                        IndexKey {
                            field: "a".into(),
                            order: KeyOrder::Direction(1),
                        },
                        IndexKey {
                            field: "b".into(),
                            order: KeyOrder::Direction(-1),
                        },
                    ],
                    unique: true,
                    sparse: false,
                    hidden: false,
                    partial_filter_expression: Some(doc! {"a": {"$gt": 5}}),
                    expire_after_seconds: None,
                    collation: None,
                    wildcard_projection: None,
                    other: doc! {},
                }],
            }],
            views: vec![View {
                name: "sorted".into(),
                view_on: "users".into(),
                pipeline: vec![doc! {"$sort": {"z": 1, "a": -1}}],
                collation: None,
            }],
            references: Vec::new(),
        };
        schema.normalize();
        schema
    }

    #[test]
    fn a_schema_reads_back_as_written_with_documents_in_order() {
        for format in [Format::Json, Format::Toml] {
            let text = write(&sample(), format);
            assert!(text.contains("mongodb"), "{text}");
            let back = read(&text, format, "s").unwrap();
            assert_eq!(back, sample(), "{text}");
            let stage = back.views[0].pipeline[0].get_document("$sort").unwrap();
            assert_eq!(stage.keys().collect::<Vec<_>>(), ["z", "a"]);
        }
    }

    #[test]
    fn incomplete_or_misspelled_files_are_refused_naming_the_key() {
        for (text, format, says) in [
            ("{}", Format::Json, "no `format` key"),
            ("[]", Format::Json, "not a list"),
            ("format = 2", Format::Toml, "no `engine` key"),
            (r#"{"format": 2, "engine": "postgresql"}"#, Format::Json, "a \"postgresql\" database"),
            (
                "format = 2\nengine = \"mongodb\"\n[[collections]]\nname = \"u\"\n[[collections.indexes]]\nname = \"i\"\nkeys = []\nuniqe = true\n",
                Format::Toml,
                "at collections[0].indexes[0].uniqe: unknown field `uniqe`",
            ),
            (
                r#"{"format": 2, "engine": "mongodb", "colections": []}"#,
                Format::Json,
                "unknown field `colections`",
            ),
        ] {
            let e = read(text, format, "s").unwrap_err().to_string();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
