//! The MongoDB schema model, as introspection reads it and as snapshots and hand-written
//! schema files hold it. Everything is in a deterministic order (collections, views and
//! indexes by name), and numbers inside documents are normalized (an integer that fits 32
//! bits is an int32, as the shell and the drivers send it), so that two readings of the same
//! database are equal whatever wrote them.

use mongodb::bson::{Bson, Document};
use serde::{Deserialize, Serialize};

/// A database's collections, views and declared references.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MongoSchema {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<Collection>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<View>,
    /// Links between collections (`posts.author_id → users._id`), declared by hand: the
    /// server knows none, `fetch --with` follows them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
}

/// A collection (plain, capped, timeseries or clustered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Collection {
    pub name: String,
    #[serde(default, skip_serializing_if = "CollectionOptions::is_default")]
    pub options: CollectionOptions,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validator: Option<Validator>,
    /// The indexes besides the implicit `_id_` one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
}

/// The options a collection is created with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CollectionOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capped: Option<Capped>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeseries: Option<Timeseries>,
    /// Documents expire this many seconds after their time field (timeseries, clustered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_after_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clustered_index: Option<ClusteredIndex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<Document>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub change_stream_pre_and_post_images: bool,
    /// Options this model has no field for, as the server listed them (kept so that a plan
    /// neither loses nor invents them).
    #[serde(default, skip_serializing_if = "Document::is_empty")]
    pub other: Document,
}

/// A capped collection's limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Capped {
    /// In bytes.
    pub size: i64,
    /// At most this many documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

/// A timeseries collection's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Timeseries {
    pub time_field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta_field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granularity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_max_span_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_rounding_seconds: Option<i64>,
}

/// A clustered collection's key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusteredIndex {
    pub keys: Vec<IndexKey>,
    #[serde(default)]
    pub unique: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A collection's validator and how it is enforced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Validator {
    /// The rule: `{"$jsonSchema": ...}` or query operators.
    pub rule: Document,
    /// `strict` (the server's default), `moderate` or `off`.
    #[serde(default = "strict", skip_serializing_if = "is_strict")]
    pub level: String,
    /// `error` (the server's default), `warn` or `errorAndLog`.
    #[serde(default = "error", skip_serializing_if = "is_error")]
    pub action: String,
}

fn strict() -> String {
    "strict".into()
}
fn is_strict(s: &str) -> bool {
    s == "strict"
}
fn error() -> String {
    "error".into()
}
fn is_error(s: &str) -> bool {
    s == "error"
}

/// A view: a pipeline over another collection or view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct View {
    pub name: String,
    pub view_on: String,
    #[serde(default)]
    pub pipeline: Vec<Document>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<Document>,
}

/// An index. Its identity is its key pattern and the options that define it, not its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Index {
    pub name: String,
    /// The key pattern, in order.
    pub keys: Vec<IndexKey>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unique: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sparse: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_filter_expression: Option<Document>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_after_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<Document>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wildcard_projection: Option<Document>,
    /// Options this model has no field for (text index weights, languages...), as listed.
    #[serde(default, skip_serializing_if = "Document::is_empty")]
    pub other: Document,
}

/// One field of a key pattern and how it is indexed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IndexKey {
    pub field: String,
    pub order: KeyOrder,
}

/// Ascending (1), descending (-1), or an index type (`2dsphere`, `2d`, `text`, `hashed`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyOrder {
    Direction(i32),
    Kind(String),
}

impl KeyOrder {
    /// The key's value in a key pattern document.
    pub fn to_bson(&self) -> Bson {
        match self {
            KeyOrder::Direction(d) => Bson::Int32(*d),
            KeyOrder::Kind(k) => Bson::String(k.clone()),
        }
    }
}

/// A declared link: documents of `from` hold in `field` the `to_field` of documents of `to`
/// (`posts.author_id → users._id`). `many` when `field` holds an array of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Reference {
    /// The relation's name for `fetch --with` (default: `field` without `_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub from: String,
    pub field: String,
    pub to: String,
    #[serde(default = "id_field")]
    pub to_field: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub many: bool,
}

fn id_field() -> String {
    "_id".into()
}

impl CollectionOptions {
    fn is_default(&self) -> bool {
        self == &CollectionOptions::default()
    }
}

impl MongoSchema {
    /// Puts everything in its deterministic order and normalizes the numbers of documents.
    pub fn normalize(&mut self) {
        self.collections.sort_by(|a, b| a.name.cmp(&b.name));
        self.views.sort_by(|a, b| a.name.cmp(&b.name));
        self.references
            .sort_by(|a, b| (&a.from, &a.field, &a.to).cmp(&(&b.from, &b.field, &b.to)));
        for c in &mut self.collections {
            c.indexes.sort_by(|a, b| a.name.cmp(&b.name));
            if let Some(v) = &mut c.validator {
                normalize_document(&mut v.rule);
            }
            for d in [&mut c.options.collation].into_iter().flatten() {
                normalize_document(d);
            }
            normalize_document(&mut c.options.other);
            for i in &mut c.indexes {
                for d in [
                    &mut i.partial_filter_expression,
                    &mut i.collation,
                    &mut i.wildcard_projection,
                ]
                .into_iter()
                .flatten()
                {
                    normalize_document(d);
                }
                normalize_document(&mut i.other);
            }
        }
        for v in &mut self.views {
            v.pipeline.iter_mut().for_each(normalize_document);
            if let Some(c) = &mut v.collation {
                normalize_document(c);
            }
        }
    }

    /// The collection named `name`.
    pub fn collection(&self, name: &str) -> Option<&Collection> {
        self.collections.iter().find(|c| c.name == name)
    }
}

/// Integers that fit 32 bits as int32, recursively (a JSON file's `5` reads as int64).
pub fn normalize_document(doc: &mut Document) {
    for (_, value) in doc.iter_mut() {
        normalize_value(value);
    }
}

fn normalize_value(value: &mut Bson) {
    match value {
        Bson::Int64(n) => {
            if let Ok(small) = i32::try_from(*n) {
                *value = Bson::Int32(small);
            }
        }
        Bson::Document(d) => normalize_document(d),
        Bson::Array(items) => items.iter_mut().for_each(normalize_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::doc;

    #[test]
    fn numbers_in_documents_are_normalized_and_order_is_deterministic() {
        let mut schema = MongoSchema {
            collections: vec![
                Collection {
                    name: "b".into(),
                    options: CollectionOptions::default(),
                    validator: Some(Validator {
                        rule: doc! {"n": {"$gt": 5_i64, "$lt": [1_i64, 3_000_000_000_i64]}},
                        level: strict(),
                        action: error(),
                    }),
                    indexes: Vec::new(),
                },
                Collection {
                    name: "a".into(),
                    options: CollectionOptions::default(),
                    validator: None,
                    indexes: Vec::new(),
                },
            ],
            ..MongoSchema::default()
        };
        schema.normalize();
        assert_eq!(schema.collections[0].name, "a");
        let rule = &schema.collections[1].validator.as_ref().unwrap().rule;
        assert_eq!(rule, &doc! {"n": {"$gt": 5, "$lt": [1, 3_000_000_000_i64]}});
    }
}
