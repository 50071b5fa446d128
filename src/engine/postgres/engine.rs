//! PostgreSQL behind the engine API: every call takes a connection from one pool.

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgPool, Postgres as Pg};

use super::connect::{self, PoolConfig};
use super::inspect::inspect;
use super::migrate::PgMigrations;
use crate::diff::model::Database;
use crate::engine::backend::{DataBackend, Engine, Fetched, Inspector};
use crate::engine::data::fetch::{
    FetchPlan, FetchRequest, JsonRows, Obj, RowBuilder, TypedRows, STREAM_BATCH,
};
use crate::engine::data::input::RowSource;
use crate::engine::data::upsert::{upsert, UpsertOptions, UpsertProgress, UpsertSummary};
use crate::engine::data::value::Value;
use crate::engine::data::{self, Catalog, DataError, Table};
use crate::engine::error::{Error, Result};

/// A PostgreSQL database, reached through a connection pool.
#[derive(Debug, Clone)]
pub struct Postgres {
    pool: PgPool,
}

impl Postgres {
    /// Opens a pool on `url` (a wrong URL or password fails here, with the password removed).
    pub async fn connect(url: &str, config: &PoolConfig) -> Result<Postgres> {
        Ok(Postgres::from_pool(connect::pool(url, config).await?))
    }

    /// Wraps an existing pool.
    pub fn from_pool(pool: PgPool) -> Postgres {
        Postgres { pool }
    }

    /// The pool, for callers that run SQL of their own.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The database's schemas that `inspect` reads by default (not the system ones), by name.
    pub async fn schema_names(&self) -> Result<Vec<String>> {
        let mut conn = self.acquire().await?;
        sqlx::query_scalar(
            "SELECT nspname::text FROM pg_namespace \
             WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY 1",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::query("listing schemas", e))
    }

    async fn acquire(&self) -> Result<PoolConnection<Pg>> {
        self.pool
            .acquire()
            .await
            .map_err(|e| Error::query("taking a connection from the pool", e))
    }

    async fn fetch_with<B: RowBuilder>(
        &self,
        catalog: &Catalog,
        request: &FetchRequest,
        builder: &B,
    ) -> data::Result<Fetched<B::Row>> {
        let plan = FetchPlan::new(catalog, request)?;
        let mut conn = self.acquire().await?;
        let rows = plan.run_with(&mut conn, builder).await?;
        Ok(Fetched {
            layout: plan.layout(),
            rows,
        })
    }
}

impl Inspector for Postgres {
    async fn inspect(&self, schemas: &[String]) -> Result<Database> {
        let mut conn = self.acquire().await?;
        inspect(&mut conn, schemas).await
    }
}

impl DataBackend for Postgres {
    async fn catalog(&self) -> data::Result<Catalog> {
        let mut conn = self.acquire().await?;
        Catalog::load(&mut conn).await
    }

    async fn upsert(
        &self,
        table: &Table,
        rows: impl RowSource + 'static,
        input: &str,
        options: &UpsertOptions,
        progress: &(dyn Fn(UpsertProgress) + Sync),
    ) -> data::Result<UpsertSummary> {
        let mut conn = self.acquire().await.map_err(DataError::Engine)?;
        upsert(&mut conn, table, rows, input, options, progress).await
    }

    async fn fetch(
        &self,
        catalog: &Catalog,
        request: &FetchRequest,
    ) -> data::Result<Fetched<Vec<Value>>> {
        self.fetch_with(catalog, request, &TypedRows).await
    }

    async fn fetch_json(
        &self,
        catalog: &Catalog,
        request: &FetchRequest,
    ) -> data::Result<Fetched<String>> {
        self.fetch_with(catalog, request, &JsonRows).await
    }

    async fn fetch_json_batches(
        &self,
        catalog: &Catalog,
        request: &FetchRequest,
        sink: &mut crate::engine::backend::BatchSink<'_>,
    ) -> data::Result<u64> {
        let plan = FetchPlan::new(catalog, request)?;
        let layout = plan.layout();
        let mut conn = self.acquire().await?;
        let mut each = |batch: Vec<Obj<String>>| sink(&layout, batch);
        plan.stream_with(&mut conn, &JsonRows, STREAM_BATCH, &mut each)
            .await
    }
}

impl Engine for Postgres {
    type Migrations = PgMigrations;

    async fn migrations(&self) -> Result<PgMigrations> {
        Ok(PgMigrations::new(self.acquire().await?.detach()).await)
    }
}
