//! The dev database: scratch space where SQL sources are applied so that PostgreSQL itself
//! parses them. It is the `--dev-url` server when given, otherwise an embedded one started
//! on first use.
//!
//! Scratch databases and the sandbox roles that own them are named
//! `dbridge_dev_<host>_<pid>_<n>` and `dbridge_sandbox_<host>_<pid>_<n>`: the first
//! connection of a run to a `--dev-url` server drops those of this machine whose process is
//! gone (a run that was killed), so nothing piles up.

use std::collections::HashSet;

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
    roles: Vec<String>,
    reclaimed: bool,
}

/// A scratch database and an open connection to it (as the dev server's own user).
pub struct Scratch {
    pub name: String,
    pub conn: PgConnection,
    pub options: PgConnectOptions,
}

/// A scratch database owned by an unprivileged role of its own, for untrusted SQL: `conn`
/// is that role's session; `admin` is a privileged session on the same database, for what
/// the role may not do itself (extensions; roles a schema names).
pub struct Sandbox {
    pub conn: PgConnection,
    pub admin: PgConnection,
    /// The sandbox role's name.
    pub role: String,
    /// Roles the sandbox may act as (created for the source, or existing ones without rights).
    pub lent: HashSet<String>,
    /// Roles created on the dev server because the source named them.
    pub created_roles: Vec<String>,
    /// Whether the dev server outlives the run (a `--dev-url` one): what is created on it
    /// is said louder.
    pub persistent: bool,
}

/// A short, stable name for this machine, so that runs on several machines sharing one dev
/// server reclaim only their own leftovers.
pub fn host_tag() -> String {
    let host =
        std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_else(|_| "localhost".into());
    const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    format!("{:08x}", CRC.checksum(host.trim().as_bytes()))
}

/// A password for a sandbox role: 128 random bits, hex (so it needs no quoting).
fn random_password() -> Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Error::io("/dev/urandom", e))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The pid in a leftover's name `<prefix><host>_<pid>_<n>`, when it is of this host.
fn owner_pid(name: &str, prefix: &str, host: &str) -> Option<i32> {
    let rest = name
        .strip_prefix(prefix)?
        .strip_prefix(host)?
        .strip_prefix('_')?;
    rest.split('_').next()?.parse().ok()
}

impl DevDatabase {
    /// A dev database on `url`, or an embedded server when `None` (started lazily).
    pub fn new(url: Option<String>) -> Self {
        DevDatabase {
            url,
            server: None,
            created: Vec::new(),
            roles: Vec::new(),
            reclaimed: false,
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

    /// A privileged connection to the server, after reclaiming a killed run's leftovers.
    async fn admin(&mut self) -> Result<(PgConnection, PgConnectOptions, String)> {
        let (admin, shown) = self.admin_options().await?;
        let mut conn = connect::connect_with(&admin, &shown).await?;
        if !self.reclaimed && self.url.is_some() {
            self.reclaimed = true;
            reclaim(&mut conn).await;
        }
        Ok((conn, admin, shown))
    }

    fn next_name(&self, prefix: &str) -> String {
        format!(
            "{prefix}{}_{}_{}",
            host_tag(),
            std::process::id(),
            self.created.len()
        )
    }

    /// Creates an empty database and connects to it as the server's own (privileged) user:
    /// for the project's migrations, which are trusted.
    pub async fn scratch(&mut self) -> Result<Scratch> {
        let (mut conn, admin, shown) = self.admin().await?;
        let name = self.next_name(DB_PREFIX);
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

    /// Creates an empty database owned by a new unprivileged role (no superuser, no
    /// CREATEDB/CREATEROLE, no predefined roles) and connects to it as that role: for schema
    /// sources, which are untrusted.
    pub async fn sandbox(&mut self) -> Result<Sandbox> {
        let (mut conn, admin, shown) = self.admin().await?;
        let name = self.next_name(DB_PREFIX);
        let role = self.next_name(ROLE_PREFIX);
        let password = random_password()?;
        let what = |e| Error::query(format!("creating a sandbox on {shown}"), e);
        conn.execute(
            format!(
                "CREATE ROLE {} LOGIN PASSWORD '{password}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
                quote::ident(&role)
            )
            .as_str(),
        )
        .await
        .map_err(what)?;
        self.roles.push(role.clone());
        conn.execute(
            format!(
                "CREATE DATABASE {} OWNER {} TEMPLATE template0",
                quote::ident(&name),
                quote::ident(&role)
            )
            .as_str(),
        )
        .await
        .map_err(what)?;
        self.created.push(name.clone());
        let admin_options = admin.clone().database(&name);
        let mut admin_conn = connect::connect_with(&admin_options, &shown).await?;
        // Before PostgreSQL 15 `public` belongs to the bootstrap superuser: give it to the
        // sandbox, as 15 gives it to the database owner.
        admin_conn
            .execute(
                format!(
                    "DO $$ BEGIN IF (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public') <> 'pg_database_owner' THEN ALTER SCHEMA public OWNER TO {}; END IF; END $$",
                    quote::ident(&role)
                )
                .as_str(),
            )
            .await
            .map_err(what)?;
        let sandbox_options = admin.database(&name).username(&role).password(&password);
        let conn = connect::connect_with(&sandbox_options, &shown)
            .await
            .map_err(|e| match e {
                Error::Connect { url, source } => Error::Connect {
                    url: format!("{url} as the sandbox role {role} (the dev server must accept password logins for new roles)"),
                    source,
                },
                other => other,
            })?;
        Ok(Sandbox {
            conn,
            admin: admin_conn,
            role,
            lent: HashSet::new(),
            created_roles: Vec::new(),
            persistent: self.url.is_some(),
        })
    }

    /// Drops the scratch databases and sandbox roles (of a `--dev-url` server) and stops an
    /// embedded server.
    pub async fn close(mut self) {
        if self.url.is_some() {
            if let Ok((admin, shown)) = self.admin_options().await {
                if let Ok(mut conn) = connect::connect_with(&admin, &shown).await {
                    for name in &self.created {
                        drop_database(&mut conn, name).await;
                    }
                    for role in &self.roles {
                        drop_role(&mut conn, role).await;
                    }
                }
            }
        }
        if let Some(server) = self.server.take() {
            run_blocking(move || server.stop()).await;
        }
    }
}

const DB_PREFIX: &str = "dbridge_dev_";
const ROLE_PREFIX: &str = "dbridge_sandbox_";

async fn drop_database(conn: &mut PgConnection, name: &str) {
    let sql = format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quote::ident(name)
    );
    let _ = conn.execute(sql.as_str()).await;
}

async fn drop_role(conn: &mut PgConnection, role: &str) {
    let _ = conn
        .execute(format!("DROP ROLE IF EXISTS {}", quote::ident(role)).as_str())
        .await;
}

/// Drops the scratch databases and sandbox roles of this machine whose run is gone.
async fn reclaim(conn: &mut PgConnection) {
    let host = host_tag();
    let dead = |pid: i32| nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err();
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'dbridge\\_dev\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for name in names {
        if owner_pid(&name, DB_PREFIX, &host).is_some_and(dead) {
            tracing::info!("dropping {name}, left by a dbridge run that was stopped");
            drop_database(conn, &name).await;
        }
    }
    let roles: Vec<String> = sqlx::query_scalar(
        "SELECT rolname::text FROM pg_roles WHERE rolname LIKE 'dbridge\\_sandbox\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for role in roles {
        if owner_pid(&role, ROLE_PREFIX, &host).is_some_and(dead) {
            drop_role(conn, &role).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_owner_of_a_leftover() {
        assert_eq!(
            owner_pid("dbridge_dev_0badcafe_123_4", DB_PREFIX, "0badcafe"),
            Some(123)
        );
        assert_eq!(
            owner_pid("dbridge_dev_0badcafe_123_4", DB_PREFIX, "12345678"),
            None
        );
        assert_eq!(owner_pid("dbridge_dev_123_4", DB_PREFIX, "0badcafe"), None);
        assert_eq!(
            owner_pid("dbridge_sandbox_0badcafe_9_0", ROLE_PREFIX, "0badcafe"),
            Some(9)
        );
    }
}
