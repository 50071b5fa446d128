//! The dev database: scratch space where SQL sources are applied so that PostgreSQL itself
//! parses them. It is the `--dev-url` server when given, otherwise an embedded one started
//! on first use.

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Executor;

use super::blocking::run_blocking;
use super::embedded::EmbeddedServer;
use super::error::{Error, Result};
use super::postgres::connect;
use crate::diff::quote;

/// A server on which dbridge may create and drop scratch databases.
pub struct DevDatabase {
    url: Option<String>,
    server: Option<EmbeddedServer>,
    created: Vec<String>,
}

/// A scratch database and an open connection to it.
pub struct Scratch {
    pub name: String,
    pub conn: PgConnection,
    pub options: PgConnectOptions,
}

impl DevDatabase {
    /// A dev database on `url`, or an embedded server when `None` (started lazily).
    pub fn new(url: Option<String>) -> Self {
        DevDatabase {
            url,
            server: None,
            created: Vec::new(),
        }
    }

    async fn admin_options(&mut self) -> Result<(PgConnectOptions, String)> {
        if let Some(url) = &self.url {
            return Ok((connect::options(url)?, connect::redact(url)));
        }
        if self.server.is_none() {
            self.server = Some(run_blocking(EmbeddedServer::start).await?);
        }
        let server = self.server.as_ref().expect("started above");
        Ok((
            server.connect_options("postgres"),
            "the embedded dev database".into(),
        ))
    }

    /// Creates an empty database and connects to it.
    pub async fn scratch(&mut self) -> Result<Scratch> {
        let (admin, shown) = self.admin_options().await?;
        let mut conn = connect::connect_with(&admin, &shown).await?;
        let name = format!("dbridge_dev_{}_{}", std::process::id(), self.created.len());
        let sql = format!("CREATE DATABASE {} TEMPLATE template0", quote::ident(&name));
        conn.execute(sql.as_str())
            .await
            .map_err(|e| Error::query(format!("creating scratch database on {shown}"), e))?;
        self.created.push(name.clone());
        let options = admin.database(&name);
        let conn = connect::connect_with(&options, &shown).await?;
        Ok(Scratch {
            name,
            conn,
            options,
        })
    }

    /// Drops the scratch databases (of a `--dev-url` server) and stops an embedded server.
    pub async fn close(mut self) {
        if self.url.is_some() {
            if let Ok((admin, shown)) = self.admin_options().await {
                if let Ok(mut conn) = connect::connect_with(&admin, &shown).await {
                    for name in &self.created {
                        let sql = format!(
                            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                            quote::ident(name)
                        );
                        let _ = conn.execute(sql.as_str()).await;
                    }
                }
            }
        }
        if let Some(server) = self.server.take() {
            run_blocking(move || server.stop()).await;
        }
    }
}
