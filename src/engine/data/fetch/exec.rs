//! Running a fetch plan: the root query, then one batched query per to-many level, each
//! row decoded as it streams.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use futures_util::TryStreamExt;
use sqlx::postgres::{PgArguments, PgConnection, PgRow};

use super::{Columns, FetchPlan, JsonRows, Node, Obj, Rel, RelPlan, RowBuilder};
use crate::engine::data::error::{DataError, Result};
use crate::engine::data::render::{is_null, text};

impl FetchPlan {
    /// Runs the plan: the root rows with every requested relation loaded, as JSON.
    pub async fn run(&self, conn: &mut PgConnection) -> Result<Vec<Obj>> {
        self.run_with(conn, &JsonRows).await
    }

    /// Runs the plan, each row built by `builder`.
    pub async fn run_with<B: RowBuilder>(
        &self,
        conn: &mut PgConnection,
        builder: &B,
    ) -> Result<Vec<Obj<B::Row>>> {
        if self.args > 0 {
            return Err(DataError::Invalid(format!(
                "the fetch takes {} argument(s): run it with run_with_args",
                self.args
            )));
        }
        let query = self.bound(sqlx::query(&self.query.sql));
        self.run_query(conn, builder, query).await
    }

    /// Runs the plan with `args` as the condition's arguments (the first parameters of the
    /// root query; the plan binds its own after them), each row built by `builder`.
    pub async fn run_with_args<B: RowBuilder>(
        &self,
        conn: &mut PgConnection,
        builder: &B,
        mut args: PgArguments,
    ) -> Result<Vec<Obj<B::Row>>> {
        use sqlx::Arguments as _;
        for bind in &self.binds {
            args.add(bind.as_str())
                .map_err(|e| DataError::Invalid(format!("binding a value: {e}")))?;
        }
        let query = sqlx::query_with(&self.query.sql, args);
        self.run_query(conn, builder, query).await
    }

    async fn run_query<'q, B: RowBuilder>(
        &'q self,
        conn: &mut PgConnection,
        builder: &B,
        query: PgQuery<'q>,
    ) -> Result<Vec<Obj<B::Row>>> {
        for sql in self.statements() {
            tracing::info!("{sql}");
        }
        // Rows are decoded as they arrive, while the server is still sending the rest.
        builder.sent();
        let mut objs = Vec::new();
        {
            let mut rows = query.fetch(&mut *conn);
            while let Some(row) = rows
                .try_next()
                .await
                .map_err(|e| DataError::query("fetching rows", e))?
            {
                objs.push(decode(&row, &self.query.root, builder)?);
            }
        }
        {
            let mut refs: Vec<&mut Obj<B::Row>> = objs.iter_mut().collect();
            load_many(conn, &self.query.root, &mut refs, builder).await?;
        }
        Ok(objs)
    }
}

impl FetchPlan {
    /// `query` with the root query's values bound.
    fn bound<'q>(&'q self, mut query: PgQuery<'q>) -> PgQuery<'q> {
        for bind in &self.binds {
            query = query.bind(bind.as_str());
        }
        query
    }
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Root rows per batch when a fetch streams ([`FetchPlan::stream_with`]).
pub const STREAM_BATCH: usize = 2_000;

impl FetchPlan {
    /// Runs the plan in batches of at most `batch` root rows, each with every requested
    /// relation loaded, handing each batch to `sink` as soon as it is complete: memory holds
    /// one batch whatever the size of the result. The root rows come from a cursor inside one
    /// read-only `REPEATABLE READ` transaction, so every batch and every relation sees the
    /// same snapshot. Returns the number of root rows.
    pub async fn stream_with<B: RowBuilder>(
        &self,
        conn: &mut PgConnection,
        builder: &B,
        batch: usize,
        sink: &mut (dyn FnMut(Vec<Obj<B::Row>>) -> Result<()> + Send),
    ) -> Result<u64> {
        if self.args > 0 {
            return Err(DataError::Invalid(format!(
                "the fetch takes {} argument(s), which a streamed fetch does not bind",
                self.args
            )));
        }
        for sql in self.statements() {
            tracing::info!("{sql}");
        }
        let control = |what: &'static str| move |e| DataError::query(what, e);
        sqlx::Executor::execute(
            &mut *conn,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )
        .await
        .map_err(control("starting the fetch"))?;
        let outcome = self
            .stream_in_transaction(conn, builder, batch.max(1), sink)
            .await;
        let end = if outcome.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        let ended = sqlx::Executor::execute(&mut *conn, end).await;
        let total = outcome?;
        ended.map_err(control("ending the fetch"))?;
        Ok(total)
    }

    async fn stream_in_transaction<B: RowBuilder>(
        &self,
        conn: &mut PgConnection,
        builder: &B,
        batch: usize,
        sink: &mut (dyn FnMut(Vec<Obj<B::Row>>) -> Result<()> + Send),
    ) -> Result<u64> {
        let declare = format!(
            "DECLARE dbridge_fetch NO SCROLL CURSOR FOR {}",
            self.query.sql
        );
        self.bound(sqlx::query(&declare))
            .execute(&mut *conn)
            .await
            .map_err(|e| DataError::query("fetching rows", e))?;
        let next = format!("FETCH FORWARD {batch} FROM dbridge_fetch");
        let mut total = 0u64;
        loop {
            let mut objs = Vec::with_capacity(batch);
            {
                let mut rows = sqlx::query(&next).fetch(&mut *conn);
                while let Some(row) = rows
                    .try_next()
                    .await
                    .map_err(|e| DataError::query("fetching rows", e))?
                {
                    objs.push(decode(&row, &self.query.root, builder)?);
                }
            }
            let n = objs.len();
            if n > 0 {
                let mut refs: Vec<&mut Obj<B::Row>> = objs.iter_mut().collect();
                load_many(conn, &self.query.root, &mut refs, builder).await?;
                total += n as u64;
                sink(objs)?;
            }
            if n < batch {
                return Ok(total);
            }
        }
    }
}

pub(super) fn decode<B: RowBuilder>(row: &PgRow, node: &Node, builder: &B) -> Result<Obj<B::Row>> {
    let columns = Columns {
        shape: &node.shape,
        first: node.first,
        hint: &node.hint,
    };
    let fields = builder.build(row, &columns)?;
    let mut rels = Vec::with_capacity(node.rels.len());
    // Keys are kept (one slot per relation) only when a to-many relation needs them.
    let track = node.rels.iter().any(|r| matches!(r, RelPlan::Many { .. }));
    let mut keys = Vec::with_capacity(if track { node.rels.len() } else { 0 });
    for rel in &node.rels {
        match rel {
            RelPlan::One { node, probe, .. } => {
                let child = if is_null(row, *probe)? {
                    None
                } else {
                    Some(Box::new(decode(row, node, builder)?))
                };
                rels.push(Rel::One(child));
                if track {
                    keys.push(None);
                }
            }
            RelPlan::Many { key_at, query, .. } => {
                let mut key = Vec::with_capacity(query.parent_key);
                for i in *key_at..*key_at + query.parent_key {
                    match text(row, i)? {
                        Some(v) => key.push(v),
                        None => break,
                    }
                }
                let complete = key.len() == query.parent_key;
                keys.push(complete.then_some(key));
                rels.push(Rel::Many(Vec::new()));
            }
        }
    }
    Ok(Obj { fields, rels, keys })
}

pub(super) type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Loads every to-many relation under `node` for `objs`, one query per relation.
pub(super) fn load_many<'a, B: RowBuilder>(
    conn: &'a mut PgConnection,
    node: &'a Node,
    objs: &'a mut [&mut Obj<B::Row>],
    builder: &'a B,
) -> Boxed<'a, Result<()>> {
    Box::pin(async move {
        for (i, rel) in node.rels.iter().enumerate() {
            match rel {
                RelPlan::One { node: child, .. } => {
                    let mut kids: Vec<&mut Obj<B::Row>> = objs
                        .iter_mut()
                        .filter_map(|o| match &mut o.rels[i] {
                            Rel::One(Some(kid)) => Some(&mut **kid),
                            _ => None,
                        })
                        .collect();
                    if !kids.is_empty() {
                        load_many(conn, child, &mut kids, builder).await?;
                    }
                }
                RelPlan::Many { query, .. } => {
                    let mut wanted: Vec<&Vec<String>> =
                        objs.iter().filter_map(|o| o.keys[i].as_ref()).collect();
                    wanted.sort();
                    wanted.dedup();
                    if wanted.is_empty() {
                        continue;
                    }
                    builder.sent();
                    let mut statement = sqlx::query(&query.sql);
                    for column in 0..query.parent_key {
                        let values: Vec<&str> = wanted.iter().map(|k| k[column].as_str()).collect();
                        statement = statement.bind(values);
                    }
                    let mut children = Vec::new();
                    let mut parents = Vec::new();
                    {
                        let mut rows = statement.fetch(&mut *conn);
                        while let Some(row) = rows
                            .try_next()
                            .await
                            .map_err(|e| DataError::query(format!("loading {}", rel.name()), e))?
                        {
                            let mut key = Vec::with_capacity(query.parent_key);
                            for c in 0..query.parent_key {
                                key.push(text(&row, c)?.unwrap_or_default());
                            }
                            parents.push(key);
                            children.push(decode(&row, &query.root, builder)?);
                        }
                    }
                    {
                        let mut refs: Vec<&mut Obj<B::Row>> = children.iter_mut().collect();
                        load_many(conn, &query.root, &mut refs, builder).await?;
                    }
                    let mut groups: HashMap<Vec<String>, Vec<Obj<B::Row>>> = HashMap::new();
                    for (key, child) in parents.into_iter().zip(children) {
                        groups.entry(key).or_default().push(child);
                    }
                    // Parents sharing a key (reached through different rows) each get a copy.
                    let mut remaining: HashMap<Vec<String>, usize> = HashMap::new();
                    for k in objs.iter().filter_map(|o| o.keys[i].clone()) {
                        *remaining.entry(k).or_default() += 1;
                    }
                    for o in objs.iter_mut() {
                        let Some(k) = o.keys[i].clone() else {
                            continue;
                        };
                        let left = remaining.get_mut(&k).expect("counted above");
                        *left -= 1;
                        let kids = if *left == 0 {
                            groups.remove(&k).unwrap_or_default()
                        } else {
                            groups.get(&k).cloned().unwrap_or_default()
                        };
                        o.rels[i] = Rel::Many(kids);
                    }
                }
            }
        }
        Ok(())
    })
}
