//! Opening connections and pools, with passwords kept out of every message.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

use crate::engine::error::{Error, Result};

/// Removes the password from a connection URL so that it can be shown.
///
/// For example, `postgres://app:s3cret@db/prod` becomes `postgres://app:***@db/prod`.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            let pairs: Vec<(String, String)> = parsed
                .query_pairs()
                .map(|(k, v)| {
                    let hidden = k.eq_ignore_ascii_case("password");
                    (
                        k.into_owned(),
                        if hidden { "***".into() } else { v.into_owned() },
                    )
                })
                .collect();
            if !pairs.is_empty() {
                parsed.query_pairs_mut().clear().extend_pairs(pairs);
            }
            parsed.to_string()
        }
        Err(_) => "<unparsable URL>".to_string(),
    }
}

/// Whether a schema source names a live database rather than a file.
pub fn is_url(source: &str) -> bool {
    source.starts_with("postgres://") || source.starts_with("postgresql://")
}

/// Parses a URL into connection options.
pub fn options(url: &str) -> Result<PgConnectOptions> {
    if !is_url(url) {
        return Err(Error::InvalidUrl {
            url: redact(url),
            reason: "expected a postgres:// or postgresql:// URL".into(),
        });
    }
    PgConnectOptions::from_str(url)
        .map(|o| o.disable_statement_logging())
        .map_err(|e| Error::InvalidUrl {
            url: redact(url),
            reason: scrub(&e.to_string(), url),
        })
}

/// Connects to a URL.
pub async fn connect(url: &str) -> Result<PgConnection> {
    let opts = options(url)?;
    connect_with(&opts, &redact(url)).await
}

/// Connects with prepared options; `shown` is how the target appears in errors.
pub async fn connect_with(opts: &PgConnectOptions, shown: &str) -> Result<PgConnection> {
    PgConnection::connect_with(&opts.clone().disable_statement_logging())
        .await
        .map_err(|source| Error::Connect {
            url: shown.to_string(),
            source,
        })
}

/// How a pool is sized, how long a caller waits for a connection, and how its connections
/// are set up. The defaults suit one command: one connection kept, up to ten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    /// Connections opened at once and kept open.
    pub min_size: u32,
    /// Connections open at most.
    pub max_size: u32,
    /// How long an acquire waits for a free connection before it fails.
    pub acquire_timeout: Duration,
    /// Prepared statements cached per connection; off, every statement is unnamed (safe
    /// behind transaction-mode poolers such as PgBouncer).
    pub statement_cache: bool,
    /// Session settings every connection starts with, e.g. `("TimeZone", "UTC")`.
    pub settings: Vec<(String, String)>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            min_size: 1,
            max_size: 10,
            acquire_timeout: Duration::from_secs(30),
            statement_cache: true,
            settings: Vec::new(),
        }
    }
}

/// Opens a pool on `url`. A first connection is made at once, outside the pool, so that a
/// wrong URL, host or password fails here with the server's or the network's own message
/// (with the password removed): sqlx's pool would retry until its acquire timeout and then
/// report only that it timed out.
pub async fn pool(url: &str, config: &PoolConfig) -> Result<PgPool> {
    let mut opts = options(url)?.options(
        config
            .settings
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    if !config.statement_cache {
        opts = opts.statement_cache_capacity(0);
    }
    let probe = connect_with(&opts, &redact(url)).await?;
    let _ = probe.close().await;
    Ok(PgPoolOptions::new()
        .min_connections(config.min_size.min(config.max_size))
        .max_connections(config.max_size.max(1))
        .acquire_timeout(config.acquire_timeout)
        .connect_lazy_with(opts))
}

/// Removes a URL's password from a message, in case a driver echoed it.
fn scrub(message: &str, url: &str) -> String {
    match url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(str::to_string))
    {
        Some(pw) if !pw.is_empty() => message.replace(&pw, "***"),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_passwords() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/prod"),
            "postgres://app:***@db:5432/prod"
        );
        assert_eq!(
            redact("postgres://app@db/prod?password=s3cret&sslmode=off"),
            "postgres://app@db/prod?password=***&sslmode=off"
        );
        assert_eq!(redact("postgres://db/prod"), "postgres://db/prod");
    }
}
