//! A migration whose commands may all run in a multi-document transaction runs in one,
//! together with its history record.

use std::time::Instant;

use mongodb::bson::{doc, Document};

use super::{elapsed, failed, history_record, MongoMigrations};
use crate::engine::error::{Error, Result};
use crate::engine::migrate::Migration;
use crate::engine::mongo::command::{write_errors, CommandFailed};

impl MongoMigrations {
    /// Whether the server runs transactions (a replica set member or a mongos).
    pub(super) async fn transactions(&self) -> Result<bool> {
        let hello = self
            .db
            .run_command(doc! {"hello": 1})
            .await
            .map_err(failed("asking the server what it is"))?;
        Ok(hello.contains_key("setName") || hello.get_str("msg") == Ok("isdbgrid"))
    }

    /// All of the migration or nothing: its commands and its record in one transaction.
    /// The schema commands are checked once it is committed (introspection does not run
    /// inside a transaction); one that did not take effect leaves a failed record.
    pub(super) async fn run_in_transaction(
        &self,
        m: &Migration,
        commands: &[Document],
        file: &str,
        up: bool,
    ) -> Result<()> {
        let started = Instant::now();
        let client = self.db.client();
        let mut session = client
            .start_session()
            .await
            .map_err(failed("starting a session"))?;
        session
            .start_transaction()
            .await
            .map_err(failed("starting a transaction"))?;
        for (index, command) in commands.iter().enumerate() {
            let name = command.keys().next().cloned().unwrap_or_default();
            let ran = self
                .db
                .run_command(command.clone())
                .session(&mut session)
                .await;
            let failure = match ran {
                Err(e) => Some(CommandFailed::Server(e)),
                Ok(reply) => write_errors(&reply).map(CommandFailed::Writes),
            };
            if let Some(failure) = failure {
                let _ = session.abort_transaction().await;
                return Err(Error::MongoCommand {
                    file: file.to_string(),
                    index,
                    name,
                    error: Box::new(failure),
                });
            }
        }
        let recorded = match up {
            true => self
                .history()
                .replace_one(
                    doc! {"_id": m.version},
                    history_record(m, true, elapsed(started)),
                )
                .upsert(true)
                .session(&mut session)
                .await
                .map(|_| ()),
            false => self
                .history()
                .delete_one(doc! {"_id": m.version})
                .session(&mut session)
                .await
                .map(|_| ()),
        };
        if let Err(e) = recorded {
            let _ = session.abort_transaction().await;
            return Err(failed("recording the migration")(e));
        }
        session
            .commit_transaction()
            .await
            .map_err(failed("committing the migration"))?;
        for (index, command) in commands.iter().enumerate() {
            let missed = crate::engine::mongo::verify::missed_effect(&self.db, command)
                .await
                .map_err(failed("checking the migration's effect"))?;
            if let Some(what) = missed {
                self.record(m, false, elapsed(started)).await?;
                return Err(Error::MongoCommand {
                    file: file.to_string(),
                    index,
                    name: command.keys().next().cloned().unwrap_or_default(),
                    error: Box::new(CommandFailed::NoEffect(what)),
                });
            }
        }
        Ok(())
    }
}

/// Commands a multi-document transaction may hold: collections (plain ones) and their
/// indexes created, and data commands. `drop`, `dropIndexes`, `collMod`, views and capped or
/// timeseries collections are not.
pub(super) fn allowed_in_transaction(command: &Document) -> bool {
    match command.keys().next().map(String::as_str) {
        Some("insert" | "update" | "delete" | "findAndModify" | "createIndexes") => true,
        Some("create") => ["viewOn", "capped", "timeseries", "clusteredIndex"]
            .iter()
            .all(|k| !command.contains_key(*k)),
        _ => false,
    }
}
