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
            source: e,
        })?;
    Ok(MongoTarget { client, db })
}
