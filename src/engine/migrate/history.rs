//! The history table (`_sqlx_migrations`) and the advisory lock, as sqlx defines them.

use sqlx::postgres::PgConnection;
use sqlx::{Executor, Row};

use super::migration::Migration;
use crate::engine::error::{Error, Result};

/// A row of the history table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppliedMigration {
    pub version: i64,
    pub description: String,
    pub installed_on: String,
    pub success: bool,
    #[serde(skip)]
    pub checksum: Vec<u8>,
    /// Nanoseconds, as sqlx records it (-1 when the process died before recording it).
    pub execution_time: i64,
}

/// Operations on the history table of one connection.
pub struct History;

impl History {
    /// The advisory lock key sqlx uses for a database: CRC-32 of its name times 0x3d32ad9e.
    pub fn lock_id(database: &str) -> i64 {
        const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
        0x3d32ad9e * (CRC.checksum(database.as_bytes()) as i64)
    }

    async fn lock_key(conn: &mut PgConnection) -> Result<i64> {
        let name: String = sqlx::query_scalar("SELECT current_database()")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| Error::query("reading the database name", e))?;
        Ok(Self::lock_id(&name))
    }

    /// Waits for the migration lock (released by [`History::unlock`] or when the session ends).
    pub async fn lock(conn: &mut PgConnection) -> Result<()> {
        let key = Self::lock_key(conn).await?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(key)
            .execute(&mut *conn)
            .await
            .map_err(|e| Error::query("taking the migration lock", e))?;
        Ok(())
    }

    /// Releases the migration lock.
    pub async fn unlock(conn: &mut PgConnection) -> Result<()> {
        let key = Self::lock_key(conn).await?;
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(key)
            .execute(&mut *conn)
            .await
            .map_err(|e| Error::query("releasing the migration lock", e))?;
        Ok(())
    }

    /// Creates the history table if it does not exist.
    pub async fn ensure_table(conn: &mut PgConnection) -> Result<()> {
        conn.execute(
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

    /// Whether the history table exists (reading status creates nothing).
    pub async fn exists(conn: &mut PgConnection) -> Result<bool> {
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| Error::query("looking for _sqlx_migrations", e))
    }

    /// Every recorded migration, by version.
    pub async fn list(conn: &mut PgConnection) -> Result<Vec<AppliedMigration>> {
        if !Self::exists(conn).await? {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT version, description, to_char(installed_on AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
                    success, checksum, execution_time FROM _sqlx_migrations ORDER BY version",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::query("reading _sqlx_migrations", e))?;
        rows.iter()
            .map(|r| {
                Ok(AppliedMigration {
                    version: r
                        .try_get(0)
                        .map_err(|e| Error::query("reading _sqlx_migrations", e))?,
                    description: r.try_get(1).unwrap_or_default(),
                    installed_on: r.try_get(2).unwrap_or_default(),
                    success: r.try_get(3).unwrap_or(false),
                    checksum: r.try_get(4).unwrap_or_default(),
                    execution_time: r.try_get(5).unwrap_or(-1),
                })
            })
            .collect()
    }

    /// Records a migration (replacing a failed record of it).
    pub async fn record(
        conn: &mut PgConnection,
        m: &Migration,
        success: bool,
        nanos: i64,
    ) -> Result<()> {
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
    pub async fn forget(conn: &mut PgConnection, version: i64) -> Result<()> {
        sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
            .bind(version)
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                Error::query(format!("removing migration {version} from the history"), e)
            })?;
        Ok(())
    }
}
