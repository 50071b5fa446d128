//! After each schema command, introspection checks that it took effect: some servers answer
//! `ok` to a `collMod` they do not carry out (an index's `hidden`, a view's pipeline), and a
//! migration must not be recorded as applied when it changed nothing. Data commands
//! (`insert`, `update`, `delete`...) are not checked.

use futures_util::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};
use mongodb::Database;

use crate::diff::mongo::model::normalize_document;

/// What did not happen, when `command` did not take effect on `db`; None when it did (or
/// when it is not a command this checks).
pub async fn missed_effect(
    db: &Database,
    command: &Document,
) -> mongodb::error::Result<Option<String>> {
    let Some((name, Bson::String(target))) = command.iter().next() else {
        return Ok(None);
    };
    Ok(match name.as_str() {
        "create" => match listed(db, target).await? {
            None => Some(format!("{target} does not exist")),
            Some(entry) => {
                let options = entry.get_document("options").cloned().unwrap_or_default();
                differing(command, &options, &["viewOn", "pipeline", "validator"])
            }
        },
        "drop" => listed(db, target)
            .await?
            .map(|_| format!("{target} still exists")),
        "renameCollection" => {
            let to = command.get_str("to").unwrap_or_default();
            let short = |n: &str| {
                n.split_once('.')
                    .map_or(n.to_string(), |(_, c)| c.to_string())
            };
            match (
                listed(db, &short(target)).await?,
                listed(db, &short(to)).await?,
            ) {
                (_, None) => Some(format!("{} does not exist", short(to))),
                (Some(_), _) => Some(format!("{} still exists", short(target))),
                _ => None,
            }
        }
        "createIndexes" => {
            let indexes = indexes(db, target).await?;
            command.get_array("indexes").ok().and_then(|specs| {
                specs.iter().filter_map(Bson::as_document).find_map(|spec| {
                    let name = spec.get_str("name").unwrap_or_default();
                    match indexes.iter().find(|i| i.get_str("name") == Ok(name)) {
                        None => Some(format!("index {name} does not exist")),
                        Some(i) => differing(spec, i, &["key", "unique", "hidden"]),
                    }
                })
            })
        }
        "dropIndexes" => {
            let name = command.get_str("index").unwrap_or_default();
            let indexes = indexes(db, target).await?;
            indexes
                .iter()
                .any(|i| i.get_str("name") == Ok(name))
                .then(|| format!("index {name} still exists"))
        }
        "collMod" => coll_mod(db, target, command).await?,
        _ => None,
    })
}

async fn coll_mod(
    db: &Database,
    target: &str,
    command: &Document,
) -> mongodb::error::Result<Option<String>> {
    if let Ok(change) = command.get_document("index") {
        let name = change.get_str("name").unwrap_or_default();
        let indexes = indexes(db, target).await?;
        return Ok(
            match indexes.iter().find(|i| i.get_str("name") == Ok(name)) {
                None => Some(format!("index {name} does not exist")),
                Some(i) => {
                    let mut wanted = change.clone();
                    wanted.remove("name");
                    // A false flag is listed by leaving it out.
                    for flag in ["hidden", "unique", "prepareUnique"] {
                        if wanted.get_bool(flag) == Ok(false) {
                            wanted.remove(flag);
                        }
                    }
                    differing(&wanted, i, &["hidden", "unique", "expireAfterSeconds"])
                        .map(|d| format!("index {name}: {d}"))
                }
            },
        );
    }
    let Some(entry) = listed(db, target).await? else {
        return Ok(Some(format!("{target} does not exist")));
    };
    let options = entry.get_document("options").cloned().unwrap_or_default();
    let mut wanted = command.clone();
    // Removing a validator sets it to {}, which the server lists as {} or not at all.
    if wanted
        .get_document("validator")
        .is_ok_and(Document::is_empty)
    {
        wanted.remove("validator");
        wanted.remove("validationLevel");
        wanted.remove("validationAction");
        if options
            .get_document("validator")
            .is_ok_and(|v| !v.is_empty())
        {
            return Ok(Some("the validator is still there".into()));
        }
    }
    Ok(differing(
        &wanted,
        &options,
        &[
            "validator",
            "validationLevel",
            "validationAction",
            "viewOn",
            "pipeline",
        ],
    ))
}

/// The first of `keys` that `wanted` sets and `listed` holds otherwise.
fn differing(wanted: &Document, listed: &Document, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| {
        let want = wanted.get(*key)?;
        let have = listed.get(*key);
        let same = match (normalized(want), have.map(normalized)) {
            (a, Some(b)) => a == b,
            (Bson::Boolean(false), None) => true,
            _ => false,
        };
        (!same).then(|| match have {
            Some(have) => format!("{key} is {have}, not {want}"),
            None => format!("{key} is not set (wanted {want})"),
        })
    })
}

fn normalized(v: &Bson) -> Bson {
    let mut d = doc! {"v": v.clone()};
    normalize_document(&mut d);
    d.remove("v").unwrap_or(Bson::Null)
}

async fn listed(db: &Database, name: &str) -> mongodb::error::Result<Option<Document>> {
    let found: Vec<Document> = db
        .run_cursor_command(doc! {"listCollections": 1, "filter": {"name": name}})
        .await?
        .try_collect()
        .await?;
    Ok(found.into_iter().next())
}

async fn indexes(db: &Database, collection: &str) -> mongodb::error::Result<Vec<Document>> {
    db.run_cursor_command(doc! {"listIndexes": collection})
        .await?
        .try_collect()
        .await
}
