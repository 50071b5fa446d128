//! Introspection: `listCollections` (with every option) and `listIndexes` of each
//! collection, read into the model. Values are read strictly: an option of an unexpected
//! type is an error naming the collection and the option, never a default. Options the model
//! has no field for are kept as listed (`other`), so nothing the server holds is lost.

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};
use mongodb::Database;

use crate::diff::mongo::{
    Capped, ClusteredIndex, Collection, CollectionOptions, Index, IndexKey, KeyOrder, MongoSchema,
    Timeseries, Validator, View,
};
use crate::engine::error::{Error, Result};

/// The migration runner's own collections, never part of a schema.
pub const HISTORY: &[&str] = &["_dbridge_migrations", "_dbridge_migrations_lock"];

/// Reads the database's collections, views and indexes.
pub async fn inspect(db: &Database) -> Result<MongoSchema> {
    let failed = |what: String| {
        move |e| Error::Mongo {
            context: what,
            error: Box::new(e),
        }
    };
    let listed: Vec<Document> = db
        .run_cursor_command(doc! {"listCollections": 1})
        .await
        .map_err(failed("listing the collections".into()))?
        .try_collect()
        .await
        .map_err(failed("listing the collections".into()))?;
    let mut schema = MongoSchema::default();
    for entry in listed {
        let name = text(&entry, "name", "a collection")?;
        if name.starts_with("system.") || HISTORY.contains(&name.as_str()) {
            continue;
        }
        let kind = text(&entry, "type", &name)?;
        let options = match entry.get("options") {
            None => Document::new(),
            Some(Bson::Document(d)) => d.clone(),
            Some(other) => return Err(bad(&name, "options", other)),
        };
        if kind == "view" {
            schema.views.push(view(&name, options)?);
            continue;
        }
        let indexes: Vec<Document> = db
            .run_cursor_command(doc! {"listIndexes": &name})
            .await
            .map_err(failed(format!("listing the indexes of {name}")))?
            .try_collect()
            .await
            .map_err(failed(format!("listing the indexes of {name}")))?;
        let mut collection = collection(&name, options)?;
        for i in indexes {
            if let Some(index) = index(&name, i)? {
                collection.indexes.push(index);
            }
        }
        schema.collections.push(collection);
    }
    schema.normalize();
    Ok(schema)
}

/// The field types the `$jsonSchema` validator of `collection` gives (none without one).
pub async fn validator_field_types(
    target: &super::MongoTarget,
    collection: &str,
) -> Result<Vec<(String, String)>> {
    let listed: Vec<Document> = target
        .db
        .run_cursor_command(doc! {"listCollections": 1, "filter": {"name": collection}})
        .await
        .map_err(|e| Error::Mongo {
            context: format!("reading the validator of {collection}"),
            error: Box::new(e),
        })?
        .try_collect()
        .await
        .map_err(|e| Error::Mongo {
            context: format!("reading the validator of {collection}"),
            error: Box::new(e),
        })?;
    let validator = listed
        .first()
        .and_then(|c| c.get_document("options").ok())
        .and_then(|o| o.get_document("validator").ok());
    Ok(validator.map(super::input::field_types).unwrap_or_default())
}

fn view(name: &str, mut options: Document) -> Result<View> {
    let view_on = match options.remove("viewOn") {
        Some(Bson::String(s)) => s,
        other => return Err(bad(name, "viewOn", &other.unwrap_or(Bson::Null))),
    };
    let pipeline = match options.remove("pipeline") {
        None => Vec::new(),
        Some(Bson::Array(stages)) => stages
            .into_iter()
            .map(|s| match s {
                Bson::Document(d) => Ok(d),
                other => Err(bad(name, "pipeline", &other)),
            })
            .collect::<Result<_>>()?,
        Some(other) => return Err(bad(name, "pipeline", &other)),
    };
    let collation = document(name, &mut options, "collation")?;
    if let Some((key, _)) = options.iter().next() {
        return Err(catalog(
            name,
            format!("the view has an option this dbridge does not know: {key}"),
        ));
    }
    Ok(View {
        name: name.to_string(),
        view_on,
        pipeline,
        collation,
    })
}

fn collection(name: &str, mut o: Document) -> Result<Collection> {
    let capped = match o.remove("capped") {
        Some(Bson::Boolean(true)) => Some(Capped {
            size: number(name, &mut o, "size")?.unwrap_or(0),
            max: number(name, &mut o, "max")?,
        }),
        Some(Bson::Boolean(false)) | None => None,
        Some(other) => return Err(bad(name, "capped", &other)),
    };
    let timeseries = match document(name, &mut o, "timeseries")? {
        None => None,
        Some(mut t) => {
            let field = |t: &mut Document, key: &str| -> Result<Option<String>> {
                match t.remove(key) {
                    None => Ok(None),
                    Some(Bson::String(s)) => Ok(Some(s)),
                    Some(other) => Err(bad(name, &format!("timeseries.{key}"), &other)),
                }
            };
            let time_field = field(&mut t, "timeField")?
                .ok_or_else(|| catalog(name, "its timeseries options have no timeField".into()))?;
            Some(Timeseries {
                time_field,
                meta_field: field(&mut t, "metaField")?,
                granularity: field(&mut t, "granularity")?,
                bucket_max_span_seconds: number(name, &mut t, "bucketMaxSpanSeconds")?,
                bucket_rounding_seconds: number(name, &mut t, "bucketRoundingSeconds")?,
            })
        }
    };
    let clustered_index = match document(name, &mut o, "clusteredIndex")? {
        None => None,
        Some(mut c) => Some(ClusteredIndex {
            keys: keys(name, &document(name, &mut c, "key")?.unwrap_or_default())?,
            unique: matches!(c.get("unique"), Some(Bson::Boolean(true))),
            // `_id_` is the name the server gives it when none is asked for.
            name: match c.get("name") {
                Some(Bson::String(s)) if s != "_id_" => Some(s.clone()),
                _ => None,
            },
        }),
    };
    let change_stream_pre_and_post_images =
        match document(name, &mut o, "changeStreamPreAndPostImages")? {
            Some(d) => matches!(d.get("enabled"), Some(Bson::Boolean(true))),
            None => false,
        };
    // `collMod` removes a validator by setting it to `{}`, which the server then lists.
    let validator = match document(name, &mut o, "validator")?.filter(|v| !v.is_empty()) {
        None => {
            o.remove("validationLevel");
            o.remove("validationAction");
            None
        }
        Some(rule) => Some(Validator {
            rule,
            level: word(name, &mut o, "validationLevel")?.unwrap_or_else(|| "strict".into()),
            action: word(name, &mut o, "validationAction")?.unwrap_or_else(|| "error".into()),
        }),
    };
    let options = CollectionOptions {
        capped,
        timeseries,
        expire_after_seconds: number(name, &mut o, "expireAfterSeconds")?,
        clustered_index,
        collation: document(name, &mut o, "collation")?,
        change_stream_pre_and_post_images,
        other: o,
    };
    Ok(Collection {
        name: name.to_string(),
        options,
        validator,
        indexes: Vec::new(),
    })
}

/// An index of `listIndexes`, or None for the implicit `_id_` one.
fn index(collection: &str, mut i: Document) -> Result<Option<Index>> {
    let name = text(&i, "name", collection)?;
    i.remove("name");
    let key = document(collection, &mut i, "key")?
        .ok_or_else(|| catalog(collection, format!("index {name} has no key")))?;
    if name == "_id_" || matches!(i.get("clustered"), Some(Bson::Boolean(true))) {
        return Ok(None);
    }
    // What the server fills in by itself.
    for noise in ["v", "ns", "2dsphereIndexVersion", "textIndexVersion"] {
        i.remove(noise);
    }
    if matches!(i.get("prepareUnique"), Some(Bson::Boolean(false))) {
        i.remove("prepareUnique");
    }
    let flag = |i: &mut Document, key: &str| -> Result<bool> {
        match i.remove(key) {
            None => Ok(false),
            Some(Bson::Boolean(b)) => Ok(b),
            // Old servers wrote flags as numbers.
            Some(Bson::Int32(n)) => Ok(n != 0),
            Some(Bson::Double(n)) => Ok(n != 0.0),
            Some(other) => Err(bad(collection, &format!("index {name}: {key}"), &other)),
        }
    };
    let at = format!("{collection} (index {name})");
    Ok(Some(Index {
        keys: keys(&at, &key)?,
        unique: flag(&mut i, "unique")?,
        sparse: flag(&mut i, "sparse")?,
        hidden: flag(&mut i, "hidden")?,
        partial_filter_expression: document(&at, &mut i, "partialFilterExpression")?,
        expire_after_seconds: number(&at, &mut i, "expireAfterSeconds")?,
        collation: document(&at, &mut i, "collation")?,
        wildcard_projection: document(&at, &mut i, "wildcardProjection")?,
        other: i,
        name,
    }))
}

/// A key pattern, in order.
pub(crate) fn keys(at: &str, key: &Document) -> Result<Vec<IndexKey>> {
    key.iter()
        .map(|(field, value)| {
            let order = match value {
                Bson::String(kind) => KeyOrder::Kind(kind.clone()),
                v => match as_i64(v) {
                    Some(n) if n > 0 => KeyOrder::Direction(1),
                    Some(n) if n < 0 => KeyOrder::Direction(-1),
                    _ => return Err(bad(at, &format!("key {field}"), v)),
                },
            };
            Ok(IndexKey {
                field: field.clone(),
                order,
            })
        })
        .collect()
}

fn text(d: &Document, key: &str, at: &str) -> Result<String> {
    match d.get(key) {
        Some(Bson::String(s)) => Ok(s.clone()),
        other => Err(bad(at, key, other.unwrap_or(&Bson::Null))),
    }
}

fn word(at: &str, d: &mut Document, key: &str) -> Result<Option<String>> {
    match d.remove(key) {
        None => Ok(None),
        Some(Bson::String(s)) => Ok(Some(s)),
        Some(other) => Err(bad(at, key, &other)),
    }
}

fn document(at: &str, d: &mut Document, key: &str) -> Result<Option<Document>> {
    match d.remove(key) {
        None => Ok(None),
        Some(Bson::Document(doc)) => Ok(Some(doc)),
        Some(other) => Err(bad(at, key, &other)),
    }
}

fn number(at: &str, d: &mut Document, key: &str) -> Result<Option<i64>> {
    match d.remove(key) {
        None => Ok(None),
        Some(v) => as_i64(&v).map(Some).ok_or_else(|| bad(at, key, &v)),
    }
}

fn as_i64(v: &Bson) -> Option<i64> {
    match v {
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Int64(n) => Some(*n),
        Bson::Double(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
        _ => None,
    }
}

fn bad(at: &str, key: &str, value: &Bson) -> Error {
    catalog(
        at,
        format!("{key} is {value}, which this dbridge cannot read"),
    )
}

fn catalog(at: &str, reason: String) -> Error {
    Error::Catalog {
        object: at.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_read_every_option_and_keep_the_unknown_ones() {
        let c = collection(
            "m",
            doc! {
                "timeseries": {"timeField": "ts", "metaField": "m", "granularity": "minutes",
                               "bucketMaxSpanSeconds": 86400},
                "expireAfterSeconds": 3600_i64,
                "validator": {"a": {"$exists": true}},
                "validationAction": "warn",
                "storageEngine": {"wiredTiger": {}},
            },
        )
        .unwrap();
        let t = c.options.timeseries.as_ref().unwrap();
        assert_eq!(
            (t.time_field.as_str(), t.bucket_max_span_seconds),
            ("ts", Some(86400))
        );
        assert_eq!(c.options.expire_after_seconds, Some(3600));
        let v = c.validator.as_ref().unwrap();
        assert_eq!((v.level.as_str(), v.action.as_str()), ("strict", "warn"));
        assert_eq!(c.options.other, doc! {"storageEngine": {"wiredTiger": {}}});
        let e = collection("m", doc! {"capped": "yes"})
            .unwrap_err()
            .to_string();
        assert!(e.contains("m") && e.contains("capped is \"yes\""), "{e}");
    }

    #[test]
    fn indexes_read_their_key_in_order_and_drop_what_the_server_fills_in() {
        let i = index(
            "u",
            doc! {"v": 2, "key": {"b": -1.0, "a": 1_i64, "loc": "2dsphere"}, "name": "x",
            "unique": true, "2dsphereIndexVersion": 3, "weights": {"t": 1}},
        )
        .unwrap()
        .unwrap();
        let keys: Vec<(&str, &KeyOrder)> = i
            .keys
            .iter()
            .map(|k| (k.field.as_str(), &k.order))
            .collect();
        assert_eq!(
            keys,
            [
                ("b", &KeyOrder::Direction(-1)),
                ("a", &KeyOrder::Direction(1)),
                ("loc", &KeyOrder::Kind("2dsphere".into()))
            ]
        );
        assert!(i.unique && !i.sparse);
        assert_eq!(i.other, doc! {"weights": {"t": 1}});
        assert!(index("u", doc! {"v": 2, "key": {"_id": 1}, "name": "_id_"})
            .unwrap()
            .is_none());
    }
}
