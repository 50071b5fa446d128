//! The database half of migrations: what a backend does for the [`Migrator`]. The runner's
//! sequence (lock, ensure the history, refuse a dirty or tampered one, apply or revert, unlock)
//! is written once above it; a backend only talks to its database. PostgreSQL's is
//! `engine::postgres::migrate::PgMigrations`; MongoDB's keeps its history and lock in
//! documents.
//!
//! [`Migrator`]: super::Migrator

use std::future::Future;

use super::error::MigrateError;
use super::migration::Migration;

/// A row of the migration history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppliedMigration {
    pub version: i64,
    pub description: String,
    /// When it was applied, as RFC 3339 UTC.
    pub installed_on: String,
    /// False when it failed partway outside a transaction (the history is dirty).
    pub success: bool,
    #[serde(skip)]
    pub checksum: Vec<u8>,
    /// Nanoseconds, as sqlx records it; 0 for a migration recorded without running
    /// (`baseline`); -1 for an attempt recorded before running that never finished.
    pub execution_time: i64,
}

impl AppliedMigration {
    /// An attempt recorded before a migration outside a transaction ran, whose runner
    /// stopped before it could record the outcome (killed, or its connection lost).
    pub fn interrupted(&self) -> bool {
        !self.success && self.execution_time < 0
    }

    /// Recorded by `baseline`, without running.
    pub fn baselined(&self) -> bool {
        self.success && self.execution_time == 0
    }
}

/// What one database offers the migration runner, in the shape of sqlx's `Migrate`.
pub trait MigrationBackend: Send {
    /// The history's name, for messages.
    fn history_name(&self) -> &'static str {
        "_sqlx_migrations"
    }

    /// How a user removes the record of `version` by hand, for messages.
    fn forget_hint(&self, version: i64) -> String {
        format!("DELETE FROM _sqlx_migrations WHERE version = {version}")
    }

    /// Creates the history if it does not exist.
    fn ensure_history(&mut self) -> impl Future<Output = Result<(), MigrateError>> + Send;

    /// Every recorded migration, by version; empty (and nothing created) without a history.
    fn list_applied(
        &mut self,
    ) -> impl Future<Output = Result<Vec<AppliedMigration>, MigrateError>> + Send;

    /// Waits for the migration lock, which keeps concurrent runners from applying a
    /// migration twice; it is released by [`MigrationBackend::unlock`] or when the session ends.
    fn lock(&mut self) -> impl Future<Output = Result<(), MigrateError>> + Send;

    /// Releases the migration lock.
    fn unlock(&mut self) -> impl Future<Output = Result<(), MigrateError>> + Send;

    /// Refuses, before anything runs, a script that cannot run the way it is written (such
    /// as a statement that cannot run in a transaction in a migration that runs in one),
    /// naming the file and line.
    fn check(&self, migration: &Migration, sql: &str, file: &str) -> Result<(), MigrateError>;

    /// Runs `sql` (the up file `file` of `migration`) and records it as applied, together
    /// when the database can: a failure leaves no trace. A migration that runs outside a
    /// transaction is recorded as an attempt (`success = false`, execution time -1) before
    /// its first statement, so that a runner killed midway leaves a record that blocks the
    /// next run instead of letting it apply the statements twice.
    fn apply(
        &mut self,
        migration: &Migration,
        sql: &str,
        file: &str,
    ) -> impl Future<Output = Result<(), MigrateError>> + Send;

    /// Runs `sql` (the down file `file` of `migration`) and removes its record; outside a
    /// transaction, the record is marked unfinished first, as for [`MigrationBackend::apply`].
    fn revert(
        &mut self,
        migration: &Migration,
        sql: &str,
        file: &str,
    ) -> impl Future<Output = Result<(), MigrateError>> + Send;

    /// Records `migration` as applied without running it (`baseline`).
    fn mark_applied(
        &mut self,
        migration: &Migration,
    ) -> impl Future<Output = Result<(), MigrateError>> + Send;

    /// Removes the record of `version` without running anything (`baseline --undo`).
    fn unmark(&mut self, version: i64) -> impl Future<Output = Result<(), MigrateError>> + Send;
}
