//! The engine API: what an engine offers the two faces (the `dbridge` command line and the
//! Python module), and so what a second engine implements. Planning, SQL, upsert and fetch
//! stay behind these traits; a face converts values and renders results. PostgreSQL's
//! engine is [`crate::engine::postgres::Postgres`]; migrations go through
//! [`crate::engine::migrate::MigrationBackend`] under the runner that is written once.

use std::future::Future;

use crate::diff::model::Database;
use crate::engine::data::fetch::{FetchRequest, Layout, Obj};
use crate::engine::data::input::RowSource;
use crate::engine::data::upsert::{UpsertOptions, UpsertProgress, UpsertSummary};
use crate::engine::data::value::Value;
use crate::engine::data::{self, Catalog, Table};
use crate::engine::migrate::MigrationBackend;

/// Reads a live database into the schema model.
pub trait Inspector {
    /// The schemas named in `schemas` (every non-system schema when empty).
    fn inspect(
        &self,
        schemas: &[String],
    ) -> impl Future<Output = crate::engine::Result<Database>> + Send;
}

/// Rows fetched with their related rows: the tree, and the names at each level of it.
#[derive(Debug, Clone)]
pub struct Fetched<R> {
    pub layout: Layout,
    pub rows: Vec<Obj<R>>,
}

/// Reads and writes rows.
pub trait DataBackend {
    /// The tables and views rows can be read from (and, for tables, written to).
    fn catalog(&self) -> impl Future<Output = data::Result<Catalog>> + Send;

    /// Inserts or updates everything `rows` yields into `table` (of [`DataBackend::catalog`]),
    /// matching on `options.on`; `input` names the rows in errors; `progress` is told the rows
    /// sent and the input bytes read so far.
    fn upsert(
        &self,
        table: &Table,
        rows: impl RowSource + 'static,
        input: &str,
        options: &UpsertOptions,
        progress: &(dyn Fn(UpsertProgress) + Sync),
    ) -> impl Future<Output = data::Result<UpsertSummary>> + Send;

    /// The rows `request` asks for, with the related rows it names, as typed values.
    fn fetch(
        &self,
        catalog: &Catalog,
        request: &FetchRequest,
    ) -> impl Future<Output = data::Result<Fetched<Vec<Value>>>> + Send;

    /// The same rows with each row's columns as JSON object members (`"a":1,"b":"x"`), for
    /// writers of JSON that need no values in between.
    fn fetch_json(
        &self,
        catalog: &Catalog,
        request: &FetchRequest,
    ) -> impl Future<Output = data::Result<Fetched<String>>> + Send;

    /// [`DataBackend::fetch_json`] in batches of root rows, each handed to `sink` (with the
    /// layout that writes it) once its relations are loaded, so that memory holds one batch
    /// whatever the number of rows. Returns the number of root rows.
    fn fetch_json_batches(
        &self,
        catalog: &Catalog,
        request: &FetchRequest,
        sink: &mut BatchSink<'_>,
    ) -> impl Future<Output = data::Result<u64>> + Send;
}

/// Receives the batches of a streamed fetch, with the layout that writes them.
pub type BatchSink<'a> = dyn FnMut(&Layout, Vec<Obj<String>>) -> data::Result<()> + Send + 'a;

/// One database engine: its inspector, its data backend and its migrations.
pub trait Engine: Inspector + DataBackend {
    /// The migration backend, which holds one session (its lock belongs to one).
    type Migrations: MigrationBackend;

    /// A migration backend on a session of its own.
    fn migrations(&self) -> impl Future<Output = crate::engine::Result<Self::Migrations>> + Send;
}
