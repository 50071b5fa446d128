//! Connecting to MongoDB: the URL names the server and the database (`mongodb://host/app`).

use mongodb::{Client, Database};

use crate::engine::error::{Error, Result};

/// A connected database.
pub struct MongoTarget {
    pub client: Client,
    pub db: Database,
}

/// Whether `arg` is a MongoDB URL.
pub fn is_url(arg: &str) -> bool {
    arg.starts_with("mongodb://") || arg.starts_with("mongodb+srv://")
}

/// Connects to the database `url` names; the URL must name one (`mongodb://host/app`).
/// Errors name the URL without its password.
pub async fn connect(url: &str) -> Result<MongoTarget> {
    let shown = crate::redact::redact(url).into_owned();
    let client = Client::with_uri_str(url)
        .await
        .map_err(|e| Error::InvalidUrl {
            url: shown.clone(),
            reason: crate::redact::redact(&e.to_string()).into_owned(),
        })?;
    let db = client.default_database().ok_or_else(|| Error::InvalidUrl {
        url: shown.clone(),
        reason:
            "it names no database; write the database after the host (mongodb://host:27017/app)"
                .into(),
    })?;
    // Reach the server now, so that a wrong host fails here and says so.
    db.run_command(mongodb::bson::doc! {"ping": 1})
        .await
        .map_err(|e| Error::Mongo {
            context: format!("could not connect to {shown}"),
            error: Box::new(e),
        })?;
    Ok(MongoTarget { client, db })
}

/// A driver error as a person reads it: a server's refusal as its code name, code and
/// message (`NamespaceNotFound (26): ns not found: app.x`), not the driver's debug dump.
pub fn describe(e: &mongodb::error::Error) -> String {
    use mongodb::error::{ErrorKind, WriteFailure};
    let text = match &*e.kind {
        ErrorKind::Command(c) => format!("{} ({}): {}", c.code_name, c.code, c.message),
        ErrorKind::Write(WriteFailure::WriteError(w)) => {
            format!(
                "{} ({}): {}",
                w.code_name.as_deref().unwrap_or("WriteError"),
                w.code,
                w.message
            )
        }
        _ => e.to_string(),
    };
    crate::redact::redact(&text).into_owned()
}
