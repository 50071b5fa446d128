//! The database commands that create what the model describes: `create` for collections and
//! views (with every option), `createIndexes`, `dropIndexes`, `collMod`, `drop`.

use mongodb::bson::{doc, Bson, Document};

use super::model::{Collection, CollectionOptions, Index, IndexKey, Validator, View};

/// A key pattern as a document, in order.
pub fn key_document(keys: &[IndexKey]) -> Document {
    keys.iter()
        .map(|k| (k.field.clone(), k.order.to_bson()))
        .collect()
}

/// `create` for a collection, with its options and validator.
pub fn create_collection(c: &Collection) -> Document {
    let mut command = doc! {"create": &c.name};
    command.extend(options_document(&c.options));
    if let Some(v) = &c.validator {
        command.extend(validator_document(Some(v)));
    }
    command
}

fn options_document(o: &CollectionOptions) -> Document {
    let mut d = Document::new();
    if let Some(capped) = &o.capped {
        d.insert("capped", true);
        d.insert("size", capped.size);
        if let Some(max) = capped.max {
            d.insert("max", max);
        }
    }
    if let Some(t) = &o.timeseries {
        let mut ts = doc! {"timeField": &t.time_field};
        if let Some(m) = &t.meta_field {
            ts.insert("metaField", m);
        }
        if let Some(g) = &t.granularity {
            ts.insert("granularity", g);
        }
        if let Some(s) = t.bucket_max_span_seconds {
            ts.insert("bucketMaxSpanSeconds", s);
        }
        if let Some(s) = t.bucket_rounding_seconds {
            ts.insert("bucketRoundingSeconds", s);
        }
        d.insert("timeseries", ts);
    }
    if let Some(s) = o.expire_after_seconds {
        d.insert("expireAfterSeconds", s);
    }
    if let Some(c) = &o.clustered_index {
        let mut ci = doc! {"key": key_document(&c.keys), "unique": c.unique};
        if let Some(n) = &c.name {
            ci.insert("name", n);
        }
        d.insert("clusteredIndex", ci);
    }
    if let Some(c) = &o.collation {
        d.insert("collation", c.clone());
    }
    if o.change_stream_pre_and_post_images {
        d.insert("changeStreamPreAndPostImages", doc! {"enabled": true});
    }
    d.extend(o.other.clone());
    d
}

/// The validator fields of `create` or `collMod`; None removes the validator.
pub fn validator_document(v: Option<&Validator>) -> Document {
    match v {
        Some(v) => doc! {
            "validator": v.rule.clone(),
            "validationLevel": &v.level,
            "validationAction": &v.action,
        },
        None => doc! {"validator": {}, "validationLevel": "strict", "validationAction": "error"},
    }
}

/// `create` for a view.
pub fn create_view(v: &View) -> Document {
    let pipeline: Vec<Bson> = v.pipeline.iter().cloned().map(Bson::Document).collect();
    let mut command = doc! {"create": &v.name, "viewOn": &v.view_on, "pipeline": pipeline};
    if let Some(c) = &v.collation {
        command.insert("collation", c.clone());
    }
    command
}

/// `createIndexes` for one index.
pub fn create_index(collection: &str, i: &Index) -> Document {
    let mut spec = doc! {"key": key_document(&i.keys), "name": &i.name};
    for (flag, on) in [
        ("unique", i.unique),
        ("sparse", i.sparse),
        ("hidden", i.hidden),
    ] {
        if on {
            spec.insert(flag, true);
        }
    }
    for (key, value) in [
        ("partialFilterExpression", &i.partial_filter_expression),
        ("collation", &i.collation),
        ("wildcardProjection", &i.wildcard_projection),
    ] {
        if let Some(v) = value {
            spec.insert(key, v.clone());
        }
    }
    if let Some(s) = i.expire_after_seconds {
        spec.insert("expireAfterSeconds", s);
    }
    spec.extend(i.other.clone());
    doc! {"createIndexes": collection, "indexes": [spec]}
}

/// `dropIndexes` of one index, by name (one name, not a list: some servers refuse lists).
pub fn drop_index(collection: &str, name: &str) -> Document {
    doc! {"dropIndexes": collection, "index": name}
}

/// `drop` of a collection or view.
pub fn drop(name: &str) -> Document {
    doc! {"drop": name}
}
