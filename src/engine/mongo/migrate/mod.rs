//! MongoDB's migration backend: history documents in `_dbridge_migrations` (version,
//! description, checksum, success, installed_on, execution_time, as PostgreSQL's history
//! rows) and a lock document in `_dbridge_migrations_lock` with an expiry that the runner
//! renews while it runs, so that concurrent runners apply each migration once and a killed
//! runner's lock expires by itself.
//!
//! A migration file is a JSON array of database commands, run in order with `runCommand`;
//! `{"comment": "..."}` elements are comments. When every command may run in a transaction
//! (creating collections and indexes, data commands) and the server runs transactions, the
//! commands and the record are one transaction. Otherwise the attempt is recorded
//! (unfinished) before the first command: a runner killed midway leaves a record that blocks
//! the next run instead of letting it run the commands twice.

use std::time::{Duration, Instant};

use mongodb::bson::{doc, spec::BinarySubtype, Binary, Bson, DateTime, Document};
use mongodb::{Collection, Database};

mod transaction;

use transaction::allowed_in_transaction;

use super::connect::connect;
use crate::engine::error::{Error, Result};
use crate::engine::migrate::{AppliedMigration, MigrateError, Migration, MigrationBackend};

/// The history collection.
pub const HISTORY_COLLECTION: &str = "_dbridge_migrations";
/// The lock collection (one document).
pub const LOCK_COLLECTION: &str = "_dbridge_migrations_lock";
/// How long a lock lives without renewal: a killed runner's lock is free after this.
pub const LOCK_TTL: Duration = Duration::from_secs(30);

/// The backend of one runner.
pub struct MongoMigrations {
    db: Database,
    /// Who holds the lock when this runner does.
    owner: String,
    renewer: Option<tokio::task::JoinHandle<()>>,
}

impl MongoMigrations {
    /// Connects to the database `url` names.
    pub async fn connect(url: &str) -> Result<MongoMigrations> {
        let target = connect(url).await?;
        let owner = format!(
            "{}:{}:{}",
            hostname(),
            std::process::id(),
            DateTime::now().timestamp_millis()
        );
        Ok(MongoMigrations {
            db: target.db,
            owner,
            renewer: None,
        })
    }

    fn history(&self) -> Collection<Document> {
        self.db.collection(HISTORY_COLLECTION)
    }

    fn lock_doc(&self) -> Collection<Document> {
        self.db.collection(LOCK_COLLECTION)
    }

    async fn record(&self, m: &Migration, success: bool, nanos: i64) -> Result<()> {
        let record = history_record(m, success, nanos);
        self.history()
            .replace_one(doc! {"_id": m.version}, record)
            .upsert(true)
            .await
            .map_err(failed("recording the migration"))?;
        Ok(())
    }

    async fn forget(&self, version: i64) -> Result<()> {
        self.history()
            .delete_one(doc! {"_id": version})
            .await
            .map_err(failed("removing the migration's record"))?;
        Ok(())
    }

    /// Runs a migration's commands, recording the attempt first and its outcome after; in
    /// one transaction with its record when every command may run in one and the server
    /// runs transactions.
    async fn run(&self, m: &Migration, text: &str, file: &str, up: bool) -> Result<()> {
        let commands = commands(text, file)?;
        if commands.iter().all(allowed_in_transaction) && self.transactions().await? {
            return self.run_in_transaction(m, &commands, file, up).await;
        }
        let started = Instant::now();
        self.record(m, false, UNFINISHED).await?;
        for (index, command) in commands.into_iter().enumerate() {
            let name = command.keys().next().cloned().unwrap_or_default();
            if let Err(source) = super::command::run_checked(&self.db, command).await {
                self.record(m, false, elapsed(started)).await?;
                return Err(Error::MongoCommand {
                    file: file.to_string(),
                    index,
                    name,
                    error: Box::new(source),
                });
            }
        }
        if up {
            self.record(m, true, elapsed(started)).await
        } else {
            self.forget(m.version).await
        }
    }
}

/// The execution time of an attempt that has not finished.
const UNFINISHED: i64 = -1;

/// A migration's history document.
fn history_record(m: &Migration, success: bool, nanos: i64) -> Document {
    doc! {
        "_id": m.version,
        "version": m.version,
        "description": &m.description,
        "installed_on": DateTime::now(),
        "success": success,
        "checksum": Binary { subtype: BinarySubtype::Generic, bytes: m.checksum() },
        "execution_time": nanos,
    }
}

fn elapsed(started: Instant) -> i64 {
    started.elapsed().as_nanos() as i64
}

fn failed(what: &'static str) -> impl Fn(mongodb::error::Error) -> Error {
    move |source| Error::Mongo {
        context: what.to_string(),
        error: Box::new(source),
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into())
}

/// The commands of a migration file: a JSON array of documents; `{"comment": ...}`
/// elements are left out. Errors name the file and where in it.
pub fn commands(text: &str, file: &str) -> Result<Vec<Document>> {
    let bad = |message: String| Error::CommandFile {
        file: file.to_string(),
        message,
    };
    let items: Vec<Bson> = serde_json::from_str(text)
        .map_err(|e| bad(format!("not a JSON array of commands: {e}")))?;
    let mut out = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        match item {
            Bson::Document(d) if d.len() == 1 && d.contains_key("comment") => {}
            Bson::Document(d) if d.is_empty() => {
                return Err(bad(format!("command {index} is an empty document")))
            }
            Bson::Document(d) => out.push(d),
            other => {
                return Err(bad(format!(
                    "command {index} is {other}, not a command document"
                )))
            }
        }
    }
    Ok(out)
}

impl MigrationBackend for MongoMigrations {
    fn history_name(&self) -> &'static str {
        HISTORY_COLLECTION
    }

    fn forget_hint(&self, version: i64) -> String {
        format!("db.{HISTORY_COLLECTION}.deleteOne({{_id: {version}}})")
    }

    async fn ensure_history(&mut self) -> std::result::Result<(), MigrateError> {
        let existing = self
            .db
            .list_collection_names()
            .filter(doc! {"name": HISTORY_COLLECTION})
            .await
            .map_err(failed("looking for the migration history"))?;
        if existing.is_empty() {
            match self.db.create_collection(HISTORY_COLLECTION).await {
                // Another runner made it first.
                Err(e) if !matches!(*e.kind, mongodb::error::ErrorKind::Command(ref c) if c.code == 48) => {
                    return Err(failed("creating the migration history")(e).into())
                }
                _ => {}
            }
        }
        Ok(())
    }

    async fn list_applied(&mut self) -> std::result::Result<Vec<AppliedMigration>, MigrateError> {
        use futures_util::TryStreamExt;
        let docs: Vec<Document> = self
            .history()
            .find(doc! {})
            .sort(doc! {"_id": 1})
            .await
            .map_err(failed("reading the migration history"))?
            .try_collect()
            .await
            .map_err(failed("reading the migration history"))?;
        docs.iter()
            .map(applied)
            .collect::<Result<_>>()
            .map_err(Into::into)
    }

    async fn lock(&mut self) -> std::result::Result<(), MigrateError> {
        let ttl = LOCK_TTL.as_millis() as i64;
        loop {
            let now = DateTime::now();
            let expires = DateTime::from_millis(now.timestamp_millis() + ttl);
            let mine = doc! {"_id": "lock", "owner": &self.owner, "expires": expires};
            let inserted = self.lock_doc().insert_one(mine).await;
            let taken = match inserted {
                Ok(_) => true,
                Err(e) if is_duplicate(&e) => {
                    // Held: take it over only once its holder stopped renewing it.
                    let result = self
                        .lock_doc()
                        .update_one(
                            doc! {"_id": "lock", "expires": {"$lt": now}},
                            doc! {"$set": {"owner": &self.owner, "expires": expires}},
                        )
                        .await
                        .map_err(failed("taking the migration lock"))?;
                    result.modified_count == 1
                }
                Err(e) => return Err(failed("taking the migration lock")(e).into()),
            };
            if taken {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let (lock, owner) = (self.lock_doc(), self.owner.clone());
        self.renewer = Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(LOCK_TTL / 3).await;
                let expires = DateTime::from_millis(DateTime::now().timestamp_millis() + ttl);
                let _ = lock
                    .update_one(
                        doc! {"_id": "lock", "owner": &owner},
                        doc! {"$set": {"expires": expires}},
                    )
                    .await;
            }
        }));
        Ok(())
    }

    async fn unlock(&mut self) -> std::result::Result<(), MigrateError> {
        if let Some(renewer) = self.renewer.take() {
            renewer.abort();
        }
        self.lock_doc()
            .delete_one(doc! {"_id": "lock", "owner": &self.owner})
            .await
            .map_err(failed("releasing the migration lock"))?;
        Ok(())
    }

    fn check(
        &self,
        _: &Migration,
        text: &str,
        file: &str,
    ) -> std::result::Result<(), MigrateError> {
        commands(text, file).map(|_| ()).map_err(Into::into)
    }

    async fn apply(
        &mut self,
        m: &Migration,
        text: &str,
        file: &str,
    ) -> std::result::Result<(), MigrateError> {
        Ok(self.run(m, text, file, true).await?)
    }

    async fn revert(
        &mut self,
        m: &Migration,
        text: &str,
        file: &str,
    ) -> std::result::Result<(), MigrateError> {
        Ok(self.run(m, text, file, false).await?)
    }

    async fn mark_applied(&mut self, m: &Migration) -> std::result::Result<(), MigrateError> {
        Ok(self.record(m, true, 0).await?)
    }

    async fn unmark(&mut self, version: i64) -> std::result::Result<(), MigrateError> {
        Ok(self.forget(version).await?)
    }
}

fn is_duplicate(e: &mongodb::error::Error) -> bool {
    matches!(
        *e.kind,
        mongodb::error::ErrorKind::Write(mongodb::error::WriteFailure::WriteError(ref w)) if w.code == 11000
    )
}

/// A history document as the runner sees it; a field of the wrong type is an error.
fn applied(d: &Document) -> Result<AppliedMigration> {
    let bad = |field: &str| Error::Catalog {
        object: format!("{HISTORY_COLLECTION} document {:?}", d.get("_id")),
        reason: format!("its {field} is missing or of the wrong type"),
    };
    let int = |field: &str| match d.get(field) {
        Some(Bson::Int64(n)) => Ok(*n),
        Some(Bson::Int32(n)) => Ok(i64::from(*n)),
        _ => Err(bad(field)),
    };
    Ok(AppliedMigration {
        version: int("version")?,
        description: d
            .get_str("description")
            .map_err(|_| bad("description"))?
            .to_string(),
        installed_on: d
            .get_datetime("installed_on")
            .map_err(|_| bad("installed_on"))?
            .try_to_rfc3339_string()
            .map_err(|_| bad("installed_on"))?
            .split('.')
            .next()
            .map(|s| format!("{}Z", s.trim_end_matches('Z')))
            .unwrap_or_default(),
        success: d.get_bool("success").map_err(|_| bad("success"))?,
        checksum: d
            .get_binary_generic("checksum")
            .map_err(|_| bad("checksum"))?
            .clone(),
        execution_time: int("execution_time")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_files_are_arrays_of_commands_with_comments_left_out() {
        let text = r#"[{"comment": "adds users"}, {"create": "users"}, {"createIndexes": "users", "indexes": [{"key": {"b": 1, "a": -1}, "name": "x"}]}]"#;
        let parsed = commands(text, "1_a.up.json").unwrap();
        assert_eq!(parsed.len(), 2);
        let key = parsed[1].get_array("indexes").unwrap()[0]
            .as_document()
            .unwrap()
            .get_document("key")
            .unwrap();
        assert_eq!(key.keys().collect::<Vec<_>>(), ["b", "a"]);
        let e = commands("{\"create\": 1}", "f.json")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("f.json") && e.contains("not a JSON array"),
            "{e}"
        );
        let e = commands("[{\"create\": \"a\"}, 5]", "f.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("command 1 is 5"), "{e}");
    }
}
