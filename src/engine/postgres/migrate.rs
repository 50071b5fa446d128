//! PostgreSQL's migration backend: the history table `_sqlx_migrations` and the advisory
//! lock, as sqlx defines them, so that sqlx and dbridge can run each other's directories.

use std::time::Instant;

use sqlx::postgres::PgConnection;
use sqlx::{Executor, Row};

use super::script::{Atomicity, Batch};
use super::split::split;
use super::transaction_block::needs_autocommit;
use crate::engine::error::{Error, Result};
use crate::engine::migrate::{AppliedMigration, MigrateError, Migration, MigrationBackend};

/// Migrations on one PostgreSQL connection (a session, because the advisory lock is one).
pub struct PgMigrations {
    conn: PgConnection,
}

impl PgMigrations {
    /// Wraps a connection to the target database.
    pub async fn new(mut conn: PgConnection) -> Self {
        // A runner that dies mid-migration should release its lock and transaction promptly
        // even when the server is busy in a long statement (PostgreSQL 14+; ignored before).
        let _ = conn
            .execute("SET client_connection_check_interval = '1s'")
            .await;
        PgMigrations { conn }
    }

    /// The advisory lock key sqlx uses for a database: CRC-32 of its name times 0x3d32ad9e.
    pub fn lock_id(database: &str) -> i64 {
        const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
        0x3d32ad9e * (CRC.checksum(database.as_bytes()) as i64)
    }

    async fn lock_key(&mut self) -> Result<i64> {
        let name: String = sqlx::query_scalar("SELECT current_database()")
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| Error::query("reading the database name", e))?;
        Ok(Self::lock_id(&name))
    }

    async fn advisory(&mut self, function: &str, what: &str) -> Result<()> {
        let key = self.lock_key().await?;
        sqlx::query(&format!("SELECT {function}($1)"))
            .bind(key)
            .execute(&mut self.conn)
            .await
            .map_err(|e| Error::query(what, e))?;
        Ok(())
    }

    /// Runs a migration's statements in a batch that also records or forgets it. Outside a
    /// transaction the attempt is recorded first (as unfinished) and its outcome after.
    async fn run(&mut self, m: &Migration, sql: &str, file: &str, up: bool) -> Result<()> {
        let started = Instant::now();
        let atomicity = Atomicity::of_migration(sql);
        let autocommit = atomicity == Atomicity::Autocommit;
        if autocommit {
            record(&mut self.conn, m, false, UNFINISHED).await?;
        }
        let mut batch = Batch::begin(&mut self.conn, atomicity).await?;
        if let Err(e) = batch.run(file, &split(sql)).await {
            if autocommit {
                record(&mut self.conn, m, false, elapsed(started)).await?;
            }
            return Err(e);
        }
        if up {
            record(batch.connection(), m, true, elapsed(started)).await?;
        } else {
            forget(batch.connection(), m.version).await?;
        }
        batch.commit().await
    }
}

/// The execution time of an attempt that has not finished (sqlx's readers see a failed
/// migration, which is what a killed one is).
const UNFINISHED: i64 = -1;

impl MigrationBackend for PgMigrations {
    fn check(&self, _: &Migration, sql: &str, file: &str) -> Result<(), MigrateError> {
        if Atomicity::of_migration(sql) == Atomicity::Autocommit {
            return Ok(());
        }
        match split(sql)
            .into_iter()
            .find_map(|s| needs_autocommit(&s.text).map(|what| (s.line, what)))
        {
            Some((line, what)) => Err(MigrateError::NeedsNoTransaction {
                file: file.to_string(),
                line,
                what: what.to_string(),
            }),
            None => Ok(()),
        }
    }

    async fn ensure_history(&mut self) -> Result<(), MigrateError> {
        self.conn
            .execute(
                "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
                    version BIGINT PRIMARY KEY,
                    description TEXT NOT NULL,
                    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
                    success BOOLEAN NOT NULL,
                    checksum BYTEA NOT NULL,
                    execution_time BIGINT NOT NULL
                )",
            )
            .await
            .map_err(|e| Error::query("creating _sqlx_migrations", e))?;
        Ok(())
    }

    async fn list_applied(&mut self) -> Result<Vec<AppliedMigration>, MigrateError> {
        Ok(applied(&mut self.conn).await?)
    }

    async fn lock(&mut self) -> Result<(), MigrateError> {
        Ok(self
            .advisory("pg_advisory_lock", "taking the migration lock")
            .await?)
    }

    async fn unlock(&mut self) -> Result<(), MigrateError> {
        Ok(self
            .advisory("pg_advisory_unlock", "releasing the migration lock")
            .await?)
    }

    async fn apply(&mut self, m: &Migration, sql: &str, file: &str) -> Result<(), MigrateError> {
        Ok(self.run(m, sql, file, true).await?)
    }

    async fn revert(&mut self, m: &Migration, sql: &str, file: &str) -> Result<(), MigrateError> {
        Ok(self.run(m, sql, file, false).await?)
    }

    async fn mark_applied(&mut self, m: &Migration) -> Result<(), MigrateError> {
        Ok(record(&mut self.conn, m, true, 0).await?)
    }

    async fn unmark(&mut self, version: i64) -> Result<(), MigrateError> {
        Ok(forget(&mut self.conn, version).await?)
    }
}

fn elapsed(started: Instant) -> i64 {
    started.elapsed().as_nanos() as i64
}

/// Every recorded migration of the database, by version; empty without a history table.
pub async fn applied(conn: &mut PgConnection) -> Result<Vec<AppliedMigration>> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| Error::query("looking for _sqlx_migrations", e))?;
    if !exists {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT version, description, to_char(installed_on AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
                success, checksum, execution_time FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| Error::query("reading _sqlx_migrations", e))?;
    let read = |e| Error::query("reading _sqlx_migrations", e);
    rows.iter()
        .map(|r| {
            Ok(AppliedMigration {
                version: r.try_get(0).map_err(read)?,
                description: r.try_get(1).map_err(read)?,
                installed_on: r.try_get(2).map_err(read)?,
                success: r.try_get(3).map_err(read)?,
                checksum: r.try_get(4).map_err(read)?,
                execution_time: r.try_get(5).map_err(read)?,
            })
        })
        .collect()
}

/// Records a migration (replacing a failed record of it).
async fn record(conn: &mut PgConnection, m: &Migration, success: bool, nanos: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (version) DO UPDATE SET description = EXCLUDED.description, \
             success = EXCLUDED.success, checksum = EXCLUDED.checksum, \
             execution_time = EXCLUDED.execution_time, installed_on = now()",
    )
    .bind(m.version)
    .bind(&m.description)
    .bind(success)
    .bind(m.checksum())
    .bind(nanos)
    .execute(&mut *conn)
    .await
    .map_err(|e| Error::query(format!("recording migration {}", m.version), e))?;
    Ok(())
}

/// Forgets a migration (after reverting it).
async fn forget(conn: &mut PgConnection, version: i64) -> Result<()> {
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
        .bind(version)
        .execute(&mut *conn)
        .await
        .map_err(|e| Error::query(format!("removing migration {version} from the history"), e))?;
    Ok(())
}
