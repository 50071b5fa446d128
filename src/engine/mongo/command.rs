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
    /// Some of its writes failed (a duplicate key, a validator's rejection).
    Writes(String),
}

impl std::fmt::Display for CommandFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommandFailed::Server(e) => f.write_str(&super::describe(e)),
            CommandFailed::Writes(what) => f.write_str(what),
            CommandFailed::NoEffect(what) => write!(
                f,
                "the server accepted it but it did not take effect ({what}); this server may not support it"
            ),
        }
    }
}

/// The write errors a command's reply reports (`insert` and its kind answer `ok` with them).
pub fn write_errors(reply: &Document) -> Option<String> {
    let errors = reply.get_array("writeErrors").ok()?;
    let first = errors.iter().find_map(Bson::as_document)?;
    Some(format!(
        "{} of its writes failed, the first (#{}): {} (code {})",
        errors.len(),
        first.get_i32("index").unwrap_or(0),
        first.get_str("errmsg").unwrap_or("refused"),
        first.get_i32("code").unwrap_or(0)
    ))
}

/// Runs `command` on `db`, then checks by introspection that a schema command took effect.
pub async fn run_checked(db: &Database, command: Document) -> Result<Document, CommandFailed> {
    let reply = run_command(db, command.clone())
        .await
        .map_err(CommandFailed::Server)?;
    if let Some(errors) = write_errors(&reply) {
        return Err(CommandFailed::Writes(errors));
    }
    match super::verify::missed_effect(db, &command).await {
        Ok(None) => Ok(reply),
        Ok(Some(what)) => Err(CommandFailed::NoEffect(what)),
        Err(e) => Err(CommandFailed::Server(e)),
    }
}
