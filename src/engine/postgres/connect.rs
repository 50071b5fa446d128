//! Opening connections, with passwords kept out of every message.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgConnection};
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
