//! Index steps: an index is its key pattern and the options that define it, not its name.
//! What `collMod` can change (`hidden`, `expireAfterSeconds`, making an index unique) is
//! changed in place; any other change builds the new index first (under `NAME_new` while
//! the old one holds NAME) and drops the old one after.

use super::commands::{create_index, drop_index};
use super::model::{Collection, Index};
use super::plan::{coll_mod, Builder, MongoHazard, MongoStep};

impl Builder {
    pub(super) fn indexes(&mut self, old: &Collection, new: &Collection) {
        let c = &new.name;
        for n in &new.indexes {
            if let Some(o) = old.indexes.iter().find(|o| becomes_unique(o, n)) {
                self.make_unique(c, o, n);
                continue;
            }
            match old.indexes.iter().find(|o| same_index(o, n)) {
                Some(o) => self.alter_index(c, o, n),
                None => {
                    // The name may still be the old index's, which stays until the new one is
                    // built: the replacement is built under another name.
                    let taken = old
                        .indexes
                        .iter()
                        .any(|o| o.name == n.name && !same_index(o, n));
                    self.index_creates.push(new_index(
                        c,
                        n,
                        taken.then(|| format!("{}_new", n.name)),
                    ));
                }
            }
        }
        for o in &old.indexes {
            if !new
                .indexes
                .iter()
                .any(|n| same_index(o, n) || becomes_unique(o, n))
            {
                self.index_drops.push(MongoStep {
                    kind: "drop index",
                    object: format!("{c}.{}", o.name),
                    note: None,
                    hazards: Vec::new(),
                    up: vec![drop_index(c, &o.name)],
                    down: Some(vec![create_index(c, o)]),
                });
            }
        }
    }

    /// An index that becomes unique, in place: `collMod` with `prepareUnique` (new
    /// duplicates are refused from then on), then `unique`, which fails if duplicates exist.
    /// The way back builds it again without `unique`.
    fn make_unique(&mut self, c: &str, o: &Index, n: &Index) {
        let index = |field: &str| {
            let mut index = mongodb::bson::doc! {"name": &o.name};
            index.insert(field, true);
            coll_mod(c, mongodb::bson::doc! {"index": index})
        };
        self.index_alters.push(MongoStep {
            kind: "make index unique",
            object: format!("{c}.{}", o.name),
            note: Some("fails if the collection holds duplicate keys: find them first".into()),
            hazards: Vec::new(),
            up: vec![index("prepareUnique"), index("unique")],
            down: Some(vec![drop_index(c, &o.name), create_index(c, o)]),
        });
        if o.hidden != n.hidden || o.expire_after_seconds != n.expire_after_seconds {
            let unique_old = Index {
                unique: true,
                ..o.clone()
            };
            self.alter_index(c, &unique_old, n);
        }
    }

    /// What `collMod` changes on an index: `hidden` and `expireAfterSeconds`.
    fn alter_index(&mut self, c: &str, o: &Index, n: &Index) {
        let change = |from: &Index, to: &Index| {
            let mut index = mongodb::bson::doc! {"name": &from.name};
            if from.hidden != to.hidden {
                index.insert("hidden", to.hidden);
            }
            if from.expire_after_seconds != to.expire_after_seconds {
                index.insert(
                    "expireAfterSeconds",
                    to.expire_after_seconds.unwrap_or(i64::from(i32::MAX)),
                );
            }
            coll_mod(c, mongodb::bson::doc! {"index": index})
        };
        if o.hidden != n.hidden || o.expire_after_seconds != n.expire_after_seconds {
            self.index_alters.push(MongoStep {
                kind: "alter index",
                object: format!("{c}.{}", o.name),
                note: None,
                hazards: Vec::new(),
                up: vec![change(o, n)],
                down: Some(vec![change(n, o)]),
            });
        }
    }
}

/// Whether `n` is `o` made unique (everything else that defines them the same).
fn becomes_unique(o: &Index, n: &Index) -> bool {
    !o.unique
        && n.unique
        && o.name == n.name
        && same_index(
            &Index {
                unique: true,
                ..o.clone()
            },
            n,
        )
}

/// Whether two indexes are the same index: the key pattern and the options that define it
/// (not the name, nor what `collMod` changes: `hidden`, `expireAfterSeconds`).
pub fn same_index(a: &Index, b: &Index) -> bool {
    a.keys == b.keys
        && a.unique == b.unique
        && a.sparse == b.sparse
        && a.partial_filter_expression == b.partial_filter_expression
        && a.collation == b.collation
        && a.wildcard_projection == b.wildcard_projection
        && a.other == b.other
        && a.expire_after_seconds.is_some() == b.expire_after_seconds.is_some()
}

pub(super) fn new_index(c: &str, i: &Index, renamed: Option<String>) -> MongoStep {
    let built = match &renamed {
        Some(name) => Index {
            name: name.clone(),
            ..i.clone()
        },
        None => i.clone(),
    };
    MongoStep {
        kind: "create index",
        object: format!("{c}.{}", built.name),
        note: renamed.map(|name| {
            format!(
                "built as {name}: {} is the name of the index it replaces, which is dropped once this one is built",
                i.name
            )
        }),
        hazards: vec![MongoHazard::IndexBuild],
        up: vec![create_index(c, &built)],
        down: Some(vec![drop_index(c, &built.name)]),
    }
}
