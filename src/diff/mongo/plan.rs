//! The plan from one MongoDB schema to another: steps of database commands, each with the
//! commands that undo it, in an order that never conflicts with what is still there:
//! views that change are dropped first and created last; collections are created before
//! their indexes; a changed index is built under another name before the old one is dropped
//! (an index is its key pattern and defining options, not its name); drops come last.

use mongodb::bson::Document;
use serde::Serialize;

use super::commands::{create_collection, create_index, create_view, drop, validator_document};
use super::indexes::new_index;
use super::model::{Collection, CollectionOptions, MongoSchema, View};

/// What a step may do to data or to a running application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MongoHazard {
    /// Documents are deleted (a dropped collection, or one created again).
    DataLoss,
    /// An index is built: time and load proportional to the collection's size.
    IndexBuild,
    /// The validator changes: documents that existed may not pass it.
    ValidatorChanged,
}

impl MongoHazard {
    /// The hazard's id, as the PostgreSQL hazards have theirs.
    pub fn id(self) -> &'static str {
        match self {
            MongoHazard::DataLoss => "data-loss",
            MongoHazard::IndexBuild => "index-build",
            MongoHazard::ValidatorChanged => "validator-changed",
        }
    }
}

/// One change, as the commands that make it and those that undo it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MongoStep {
    /// `create collection`, `drop index`, `alter validator`...
    pub kind: &'static str,
    /// The collection, view or `collection.index` it acts on.
    pub object: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub hazards: Vec<MongoHazard>,
    pub up: Vec<Document>,
    /// None when the step cannot be undone.
    pub down: Option<Vec<Document>>,
}

/// The steps from one schema to another.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MongoPlan {
    pub steps: Vec<MongoStep>,
}

impl MongoPlan {
    /// Whether the schemas are the same.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The commands that turn the first schema into the second, in order.
    pub fn up(&self) -> Vec<Document> {
        self.steps.iter().flat_map(|s| s.up.clone()).collect()
    }

    /// The commands that turn the second schema back into the first: each step's down, the
    /// last step first. None when a step cannot be undone.
    pub fn down(&self) -> Option<Vec<Document>> {
        let mut out = Vec::new();
        for step in self.steps.iter().rev() {
            out.extend(step.down.clone()?);
        }
        Some(out)
    }
}

/// Plans the way from `from` to `to`.
pub fn plan(from: &MongoSchema, to: &MongoSchema) -> MongoPlan {
    plan_with(from, to, &[])
}

/// Plans the way from `from` to `to`, with collections renamed as `renames` say (old, new):
/// `renameCollection` first, then the rest as if they had had their new names. A hint that
/// does not apply (its old collection is not in `from`, or its new one not in `to`) is left
/// out: [`rename_hints`] refuses those of a command line.
pub fn plan_with(from: &MongoSchema, to: &MongoSchema, renames: &[(String, String)]) -> MongoPlan {
    let mut renamed = from.clone();
    let mut rename_steps = Vec::new();
    for (old, new) in renames {
        let applies = from.collection(old).is_some()
            && from.collection(new).is_none()
            && to.collection(new).is_some()
            && to.collection(old).is_none();
        if !applies {
            continue;
        }
        if let Some(c) = renamed.collections.iter_mut().find(|c| &c.name == old) {
            c.name = new.clone();
        }
        let rename = |a: &str, b: &str| mongodb::bson::doc! {"renameCollection": a, "to": b};
        rename_steps.push(MongoStep {
            kind: "rename collection",
            object: format!("{old} to {new}"),
            note: None,
            hazards: Vec::new(),
            up: vec![rename(old, new)],
            down: Some(vec![rename(new, old)]),
        });
    }
    renamed.normalize();
    let mut plan = plan_renamed(&renamed, to);
    rename_steps.append(&mut plan.steps);
    MongoPlan {
        steps: rename_steps,
    }
}

/// [`plan_with`] once renames are applied to `from`.
fn plan_renamed(from: &MongoSchema, to: &MongoSchema) -> MongoPlan {
    let mut b = Builder::default();
    // Views that change or go are dropped first: their collections may be about to change.
    for old in &from.views {
        match to.views.iter().find(|v| v.name == old.name) {
            Some(new) if new == old => {}
            _ => b.view_drops.push(drop_view(old)),
        }
    }
    for new in &to.collections {
        match from.collection(&new.name) {
            None => b.collection(new),
            Some(old) if must_recreate(&old.options, &new.options) => b.recreate(old, new),
            Some(old) => b.alter(old, new),
        }
    }
    for old in &from.collections {
        if to.collection(&old.name).is_none() {
            b.drops.push(drop_collection(old));
        }
    }
    for new in views_in_order(&to.views) {
        let unchanged = from.views.iter().any(|v| v == new);
        if !unchanged {
            b.view_creates.push(MongoStep {
                kind: "create view",
                object: new.name.clone(),
                note: None,
                hazards: Vec::new(),
                up: vec![create_view(new)],
                down: Some(vec![drop(&new.name)]),
            });
        }
    }
    b.finish()
}

/// The steps by phase, concatenated in this order.
#[derive(Default)]
pub(super) struct Builder {
    pub(super) view_drops: Vec<MongoStep>,
    pub(super) creates: Vec<MongoStep>,
    pub(super) alters: Vec<MongoStep>,
    pub(super) index_creates: Vec<MongoStep>,
    pub(super) index_alters: Vec<MongoStep>,
    pub(super) index_drops: Vec<MongoStep>,
    pub(super) drops: Vec<MongoStep>,
    pub(super) view_creates: Vec<MongoStep>,
}

impl Builder {
    fn finish(self) -> MongoPlan {
        let steps = [
            self.view_drops,
            self.creates,
            self.alters,
            self.index_creates,
            self.index_alters,
            self.index_drops,
            self.drops,
            self.view_creates,
        ]
        .concat();
        MongoPlan { steps }
    }

    /// A new collection and its indexes.
    fn collection(&mut self, c: &Collection) {
        self.creates.push(MongoStep {
            kind: "create collection",
            object: c.name.clone(),
            note: None,
            hazards: Vec::new(),
            up: vec![create_collection(c)],
            down: Some(vec![drop(&c.name)]),
        });
        for i in &c.indexes {
            self.index_creates.push(new_index(&c.name, i, None));
        }
    }

    /// Options the server cannot change in place: the collection is dropped and created
    /// again, with its indexes, and its documents are lost.
    fn recreate(&mut self, old: &Collection, new: &Collection) {
        let with_indexes = |c: &Collection| {
            let mut commands = vec![drop(&c.name), create_collection(c)];
            commands.extend(c.indexes.iter().map(|i| create_index(&c.name, i)));
            commands
        };
        self.creates.push(MongoStep {
            kind: "recreate collection",
            object: new.name.clone(),
            note: Some(
                "capped, timeseries, clusteredIndex and collation cannot change in place: the collection is dropped and created again, without its documents".into(),
            ),
            hazards: vec![MongoHazard::DataLoss],
            up: with_indexes(new),
            down: Some(with_indexes(old)),
        });
    }

    /// What `collMod` changes, and the indexes.
    fn alter(&mut self, old: &Collection, new: &Collection) {
        if old.validator != new.validator {
            self.alters.push(MongoStep {
                kind: "alter validator",
                object: new.name.clone(),
                note: None,
                hazards: match &new.validator {
                    Some(v) if v.level != "off" => vec![MongoHazard::ValidatorChanged],
                    _ => Vec::new(),
                },
                up: vec![coll_mod(
                    &new.name,
                    validator_document(new.validator.as_ref()),
                )],
                down: Some(vec![coll_mod(
                    &old.name,
                    validator_document(old.validator.as_ref()),
                )]),
            });
        }
        let (o, n) = (&old.options, &new.options);
        if o.expire_after_seconds != n.expire_after_seconds {
            let ttl = |s: Option<i64>| match s {
                Some(s) => mongodb::bson::Bson::Int64(s),
                None => mongodb::bson::Bson::String("off".into()),
            };
            self.alters.push(MongoStep {
                kind: "alter expiry",
                object: new.name.clone(),
                note: None,
                hazards: Vec::new(),
                up: vec![coll_mod(
                    &new.name,
                    mongodb::bson::doc! {"expireAfterSeconds": ttl(n.expire_after_seconds)},
                )],
                down: Some(vec![coll_mod(
                    &old.name,
                    mongodb::bson::doc! {"expireAfterSeconds": ttl(o.expire_after_seconds)},
                )]),
            });
        }
        if o.change_stream_pre_and_post_images != n.change_stream_pre_and_post_images {
            let images =
                |on: bool| mongodb::bson::doc! {"changeStreamPreAndPostImages": {"enabled": on}};
            self.alters.push(MongoStep {
                kind: "alter change stream images",
                object: new.name.clone(),
                note: None,
                hazards: Vec::new(),
                up: vec![coll_mod(
                    &new.name,
                    images(n.change_stream_pre_and_post_images),
                )],
                down: Some(vec![coll_mod(
                    &old.name,
                    images(o.change_stream_pre_and_post_images),
                )]),
            });
        }
        self.indexes(old, new);
    }
}

/// Options fixed when a collection is created.
fn must_recreate(o: &CollectionOptions, n: &CollectionOptions) -> bool {
    o.capped != n.capped
        || o.timeseries != n.timeseries
        || o.clustered_index != n.clustered_index
        || o.collation != n.collation
        || o.other != n.other
}

fn drop_collection(c: &Collection) -> MongoStep {
    let mut down = vec![create_collection(c)];
    down.extend(c.indexes.iter().map(|i| create_index(&c.name, i)));
    MongoStep {
        kind: "drop collection",
        object: c.name.clone(),
        note: None,
        hazards: vec![MongoHazard::DataLoss],
        up: vec![drop(&c.name)],
        down: Some(down),
    }
}

fn drop_view(v: &View) -> MongoStep {
    MongoStep {
        kind: "drop view",
        object: v.name.clone(),
        note: None,
        hazards: Vec::new(),
        up: vec![drop(&v.name)],
        down: Some(vec![create_view(v)]),
    }
}

pub(super) fn coll_mod(name: &str, fields: Document) -> Document {
    let mut command = mongodb::bson::doc! {"collMod": name};
    command.extend(fields);
    command
}

/// Views ordered so that a view on another view comes after it.
fn views_in_order(views: &[View]) -> Vec<&View> {
    let mut out: Vec<&View> = Vec::new();
    let mut left: Vec<&View> = views.iter().collect();
    while !left.is_empty() {
        let ready = left.iter().position(|v| {
            let source_is_view = views.iter().any(|o| o.name == v.view_on);
            !source_is_view || out.iter().any(|d| d.name == v.view_on)
        });
        // A cycle cannot be created on a server; the rest go in name order.
        out.push(left.remove(ready.unwrap_or(0)));
    }
    out
}
