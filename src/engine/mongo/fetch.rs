//! Eager fetch on MongoDB: one aggregation whose `$lookup` stages load the relations of
//! `--with`, one stage per level (nested paths in the nested `pipeline` form), with the
//! `$match` of `--filter` first so that only the matching documents are looked up. The
//! relations come from the schema's declared `references`: `posts.author_id → users._id`
//! gives `posts` an `author` (one document or null) and `users` a `posts` (a list).

use futures_util::TryStreamExt;
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};

use super::connect::{describe, MongoTarget};
use crate::diff::mongo::Reference;
use crate::engine::data::filter::{Filter, Op};
use crate::engine::data::DataError;

/// A relation of a collection, as `--with` names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub name: String,
    /// The collection it loads.
    pub to: String,
    pub local_field: String,
    pub foreign_field: String,
    /// A list (to-many), or one document or null.
    pub many: bool,
}

/// The relations of `collection`: its own references (to one, or to many when the field
/// holds an array) and the references of others to it (to many).
pub fn relations(collection: &str, references: &[Reference]) -> Vec<Relation> {
    let mut out = Vec::new();
    for r in references {
        if r.from == collection {
            let name = r.name.clone().unwrap_or_else(|| {
                let trimmed = r.field.trim_end_matches("_ids").trim_end_matches("_id");
                if trimmed.is_empty() {
                    r.field.clone()
                } else {
                    trimmed.to_string()
                }
            });
            out.push(Relation {
                name,
                to: r.to.clone(),
                local_field: r.field.clone(),
                foreign_field: r.to_field.clone(),
                many: r.many,
            });
        }
        if r.to == collection {
            out.push(Relation {
                name: r.from.clone(),
                to: r.from.clone(),
                local_field: r.to_field.clone(),
                foreign_field: r.field.clone(),
                many: true,
            });
        }
    }
    out
}

/// What to fetch.
pub struct MongoFetch<'a> {
    pub collection: &'a str,
    /// Paths of relations, each a list of names.
    pub with: Vec<Vec<String>>,
    pub filters: &'a [Filter],
    /// Fields to sort by, with `true` for descending.
    pub order_by: Vec<(String, bool)>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The aggregation pipeline of a fetch.
pub fn pipeline(f: &MongoFetch<'_>, references: &[Reference]) -> Result<Vec<Document>, DataError> {
    let mut stages = Vec::new();
    if !f.filters.is_empty() {
        let mut m = Document::new();
        for filter in f.filters {
            let value = filter.value.as_deref().map_or(Bson::Null, typed);
            let condition = match filter.op {
                Op::Eq => doc! {"$eq": value},
                Op::Ne => doc! {"$ne": value},
                Op::Lt => doc! {"$lt": value},
                Op::Le => doc! {"$lte": value},
                Op::Gt => doc! {"$gt": value},
                Op::Ge => doc! {"$gte": value},
                Op::Like => doc! {"$regex": like_regex(filter.value.as_deref().unwrap_or(""))},
            };
            merge(&mut m, &filter.column, condition);
        }
        stages.push(doc! {"$match": m});
    }
    let mut sort: Document = f
        .order_by
        .iter()
        .map(|(field, desc)| (field.clone(), Bson::Int32(if *desc { -1 } else { 1 })))
        .collect();
    if !sort.contains_key("_id") {
        sort.insert("_id", 1);
    }
    stages.push(doc! {"$sort": sort});
    if let Some(n) = f.offset {
        stages.push(doc! {"$skip": n});
    }
    if let Some(n) = f.limit {
        stages.push(doc! {"$limit": n});
    }
    stages.extend(lookups(f.collection, &tree(&f.with), references)?);
    Ok(stages)
}

/// Paths as a tree: each name with the paths below it.
fn tree(paths: &[Vec<String>]) -> Vec<(String, Vec<Vec<String>>)> {
    let mut out: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    for path in paths {
        let Some((first, rest)) = path.split_first() else {
            continue;
        };
        let at = match out.iter().position(|(n, _)| n == first) {
            Some(at) => at,
            None => {
                out.push((first.clone(), Vec::new()));
                out.len() - 1
            }
        };
        if !rest.is_empty() {
            out[at].1.push(rest.to_vec());
        }
    }
    out
}

fn lookups(
    collection: &str,
    level: &[(String, Vec<Vec<String>>)],
    references: &[Reference],
) -> Result<Vec<Document>, DataError> {
    let known = relations(collection, references);
    let mut stages = Vec::new();
    for (name, below) in level {
        let Some(r) = known.iter().find(|r| &r.name == name) else {
            return Err(DataError::UnknownRelation {
                table: collection.to_string(),
                name: name.clone(),
                existing: known.iter().map(|r| r.name.clone()).collect(),
            });
        };
        let mut lookup = doc! {
            "from": &r.to,
            "localField": &r.local_field,
            "foreignField": &r.foreign_field,
            "as": &r.name,
        };
        let nested = lookups(&r.to, &tree(below), references)?;
        if !nested.is_empty() {
            let stages: Vec<Bson> = nested.into_iter().map(Bson::Document).collect();
            lookup.insert("pipeline", stages);
        }
        stages.push(doc! {"$lookup": lookup});
        if !r.many {
            let field = format!("${}", r.name);
            stages.push(doc! {"$set": {&r.name: {"$ifNull": [{"$first": field}, Bson::Null]}}});
        }
    }
    Ok(stages)
}

/// Runs the fetch.
pub async fn fetch(
    target: &MongoTarget,
    f: &MongoFetch<'_>,
    references: &[Reference],
) -> Result<Vec<Document>, DataError> {
    let stages = pipeline(f, references)?;
    let failed = |e: mongodb::error::Error| {
        DataError::Invalid(format!("fetching from {}: {}", f.collection, describe(&e)))
    };
    target
        .db
        .collection::<Document>(f.collection)
        .aggregate(stages)
        .await
        .map_err(failed)?
        .try_collect()
        .await
        .map_err(failed)
}

/// A `--filter` value as typed BSON: an integer, a number, true/false, null, a 24-digit hex
/// ObjectId, else the string.
fn typed(text: &str) -> Bson {
    if let Ok(n) = text.parse::<i64>() {
        return i32::try_from(n).map_or(Bson::Int64(n), Bson::Int32);
    }
    if let Ok(f) = text.parse::<f64>() {
        if f.is_finite() {
            return Bson::Double(f);
        }
    }
    match text {
        "true" => return Bson::Boolean(true),
        "false" => return Bson::Boolean(false),
        "null" => return Bson::Null,
        _ => {}
    }
    if text.len() == 24 {
        if let Ok(id) = ObjectId::parse_str(text) {
            return Bson::ObjectId(id);
        }
    }
    Bson::String(text.to_string())
}

/// A LIKE pattern (`%`, `_`) as an anchored regular expression.
fn like_regex(pattern: &str) -> String {
    let mut out = String::from("^");
    for c in pattern.chars() {
        match c {
            '%' => out.push_str(".*"),
            '_' => out.push('.'),
            c if "\\^$.|?*+()[]{}".contains(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('$');
    out
}

/// Adds `condition` to the conditions of `field` (several filters on one field all hold).
fn merge(m: &mut Document, field: &str, condition: Document) {
    match m.get_mut(field) {
        Some(Bson::Document(existing)) => existing.extend(condition),
        _ => {
            m.insert(field, condition);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs() -> Vec<Reference> {
        let r = |from: &str, field: &str, to: &str| Reference {
            name: None,
            from: from.into(),
            field: field.into(),
            to: to.into(),
            to_field: "_id".into(),
            many: false,
        };
        vec![
            r("posts", "author_id", "users"),
            r("comments", "post_id", "posts"),
        ]
    }

    #[test]
    fn relations_go_both_ways_and_nested_paths_nest_their_lookups() {
        let names: Vec<String> = relations("posts", &refs())
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["author", "comments"]);
        let filters = [Filter::parse("score>=5").unwrap()];
        let f = MongoFetch {
            collection: "users",
            with: vec![vec!["posts".into(), "comments".into()]],
            filters: &filters,
            order_by: vec![],
            limit: Some(2),
            offset: None,
        };
        let p = pipeline(&f, &refs()).unwrap();
        assert_eq!(p[0], doc! {"$match": {"score": {"$gte": 5}}});
        let lookup = p[3].get_document("$lookup").unwrap();
        assert_eq!(lookup.get_str("from").unwrap(), "posts");
        let inner = lookup.get_array("pipeline").unwrap()[0]
            .as_document()
            .unwrap();
        assert_eq!(
            inner
                .get_document("$lookup")
                .unwrap()
                .get_str("as")
                .unwrap(),
            "comments"
        );
        let unknown = MongoFetch {
            with: vec![vec!["nope".into()]],
            ..f
        };
        let e = pipeline(&unknown, &refs()).unwrap_err().to_string();
        assert!(e.contains("no relation nope") && e.contains("posts"), "{e}");
        assert_eq!(like_regex("a%b_.c"), "^a.*b.\\.c$");
    }
}
