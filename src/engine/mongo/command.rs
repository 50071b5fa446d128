//! Running one command of a plan or a migration file. Files name collections without their
//! database, so that a migration runs on any database: `{"renameCollection": "old", "to":
//! "new"}` is run on `admin` with both names qualified by the target database (as the server
//! requires), and every other command on the target database as written.

use mongodb::bson::{doc, Bson, Document};
use mongodb::Database;

/// Runs `command` on `db`.
pub async fn run_command(db: &Database, command: Document) -> mongodb::error::Result<Document> {
    match unqualified_rename(&command) {
        Some((from, to)) => {
            let mut qualified = doc! {
                "renameCollection": format!("{}.{from}", db.name()),
                "to": format!("{}.{to}", db.name()),
            };
            for (k, v) in command.iter().skip(2) {
                qualified.insert(k, v.clone());
            }
            db.client().database("admin").run_command(qualified).await
        }
        None => db.run_command(command).await,
    }
}

/// The collections of a `renameCollection` written without the database.
fn unqualified_rename(command: &Document) -> Option<(String, String)> {
    let mut keys = command.iter();
    let (first, from) = keys.next()?;
    let (second, to) = keys.next()?;
    match (first.as_str(), from, second.as_str(), to) {
        ("renameCollection", Bson::String(from), "to", Bson::String(to))
            if !from.contains('.') && !to.contains('.') =>
        {
            Some((from.clone(), to.clone()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unqualified_renames_are_rewritten() {
        assert_eq!(
            unqualified_rename(&doc! {"renameCollection": "a", "to": "b"}),
            Some(("a".into(), "b".into()))
        );
        assert_eq!(
            unqualified_rename(&doc! {"renameCollection": "db.a", "to": "db.b"}),
            None
        );
        assert_eq!(unqualified_rename(&doc! {"create": "a"}), None);
    }
}

/// Why a command of a plan or a file failed.
#[derive(Debug)]
pub enum CommandFailed {
    /// The server refused it.
    Server(mongodb::error::Error),
    /// The server accepted it, but introspection shows no change: what is missing.
    NoEffect(String),
}

impl std::fmt::Display for CommandFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommandFailed::Server(e) => f.write_str(&super::describe(e)),
            CommandFailed::NoEffect(what) => write!(
                f,
                "the server accepted it but it did not take effect ({what}); this server may not support it"
            ),
        }
    }
}

/// Runs `command` on `db`, then checks by introspection that a schema command took effect.
pub async fn run_checked(db: &Database, command: Document) -> Result<Document, CommandFailed> {
    let reply = run_command(db, command.clone())
        .await
        .map_err(CommandFailed::Server)?;
    match super::verify::missed_effect(db, &command).await {
        Ok(None) => Ok(reply),
        Ok(Some(what)) => Err(CommandFailed::NoEffect(what)),
        Err(e) => Err(CommandFailed::Server(e)),
    }
}
