//! The tables of a pool's database as the table methods see them: read once by the engine's
//! introspection, shared by the pool and its transactions, and read again when a table or
//! column is not in it (one created since), so that a new name needs no new pool.

use std::sync::Arc;

use futures_util::TryStreamExt;
use pyo3::prelude::*;
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::conns::Lease;
use super::exceptions::{from_data, from_sqlx, raise, Details};
use super::foreign::{foreign_in, foreign_in_objs, resolve};
use super::raw_row::RawRow;
use super::rows::Rows;
use super::session::{count_statements, Target};
use super::transaction::TxState;
use super::tree::CellRows;
use super::type_kinds::TypeKinds;
use crate::engine::data::fetch::{FetchPlan, Obj};
use crate::engine::data::{Catalog, DataError};

/// The catalog of one database, loaded on first use, and the kinds of the types without a
/// decoder that its results have held.
#[derive(Default)]
pub(crate) struct CatalogCache {
    tables: Mutex<Option<Arc<Catalog>>>,
    pub(super) types: TypeKinds,
}

impl CatalogCache {
    /// Runs `plan` on the catalog; when it fails because a table or column is unknown and
    /// the catalog was not just read, reads it again on `lease` and retries once.
    pub(super) async fn resolve<T>(
        &self,
        lease: &mut Lease,
        plan: impl Fn(&Catalog) -> Result<T, DataError>,
    ) -> PyResult<T> {
        let mut cached = self.tables.lock().await;
        let fresh = cached.is_none();
        if fresh {
            *cached = Some(load(lease).await?);
        }
        let catalog = cached.clone().expect("loaded above");
        match plan(&catalog) {
            Err(DataError::UnknownTable { .. } | DataError::UnknownColumn { .. }) if !fresh => {
                let catalog = load(lease).await?;
                *cached = Some(catalog.clone());
                plan(&catalog).map_err(from_data)
            }
            other => other.map_err(from_data),
        }
    }
}

async fn load(lease: &mut Lease) -> PyResult<Arc<Catalog>> {
    count_statements(1);
    let loaded = Catalog::load(lease.start()).await;
    lease.idle_again();
    loaded.map(Arc::new).map_err(from_data)
}

/// The connection of one table method: a lease from the pool, or the transaction's own.
pub(super) enum Conn {
    Pool(Lease),
    Transaction(OwnedMutexGuard<TxState>),
}

impl Conn {
    /// Takes the target's connection (waiting for a free one, or for the transaction's
    /// statement in flight).
    pub(super) async fn of(target: &Target) -> PyResult<Conn> {
        Ok(match target {
            Target::Pool(pool) => Conn::Pool(pool.acquire().await?),
            Target::Transaction(tx) => Conn::Transaction(tx.clone().lock_owned().await),
        })
    }

    pub(super) fn lease(&mut self) -> PyResult<&mut Lease> {
        match self {
            Conn::Pool(lease) => Ok(lease),
            Conn::Transaction(state) => state.connection(),
        }
    }
}

impl CatalogCache {
    /// Runs `query` on `lease` and reads its rows as they arrive, while the server is still
    /// sending the rest; values of types without a decoder come back as their text (read
    /// on `lease`). A row that cannot be read stops the statement: the lease stays busy, so
    /// the pool cancels the rest before it reuses the connection.
    pub(super) async fn fetch_rows(
        &self,
        lease: &mut Lease,
        query: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> PyResult<Rows> {
        let mut decoded = Rows::default();
        let result = {
            let mut stream = query.fetch(lease.start());
            loop {
                match stream.try_next().await {
                    Ok(Some(row)) => decoded.push(&row).map_err(data_error)?,
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e),
                }
            }
        };
        lease.done(&result);
        result.map_err(from_sqlx)?;
        let mut foreign = Vec::new();
        foreign_in(
            decoded.rows.iter_mut().flat_map(RawRow::cells_mut),
            &mut foreign,
        );
        resolve(lease, &self.types, foreign)
            .await
            .map_err(data_error)?;
        Ok(decoded)
    }

    /// Runs `plan` with `args` on `lease`: the rows with their relations, decoded, values of
    /// types without a decoder as their text.
    pub(super) async fn fetch_tree(
        &self,
        lease: &mut Lease,
        plan: &FetchPlan,
        args: sqlx::postgres::PgArguments,
    ) -> PyResult<Vec<Obj<RawRow>>> {
        let fetched = plan.run_with_args(lease.start(), &CellRows, args).await;
        lease.idle_again();
        let mut objs = fetched.map_err(from_data)?;
        let mut foreign = Vec::new();
        foreign_in_objs(&mut objs, &mut foreign);
        resolve(lease, &self.types, foreign)
            .await
            .map_err(data_error)?;
        Ok(objs)
    }
}

fn data_error(e: String) -> PyErr {
    raise("DataError", e, Details::default())
}
