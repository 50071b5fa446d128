//! The table methods (`insert_one`, `insert_many`, `upsert_one`, `upsert_many`,
//! `fetch_one`, `fetch_many`, `update`, `delete`) of pools and transactions. The Python
//! arguments are taken apart while the GIL is held; then, without it, the engine resolves
//! the table in the catalog and writes the statement (or runs its COPY, upsert or fetch
//! pipeline), the values are bound, and the rows come back as dicts.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyMapping};
use sqlx::Executor;

use super::catalog::Conn;
use super::exceptions::from_sqlx;
use super::filters::condition_of;
use super::loop_future::loop_future;
use super::params::Param;
use super::session::{bind_for, count_statements, Session};
use super::tree::{objs_to_python, rows_to_dicts};
use super::upserts::UpsertArgs;
use crate::engine::data::condition::Condition;
use crate::engine::data::fetch::{FetchPlan, FetchRequest};
use crate::engine::data::filter::parse_order_by;
use crate::engine::data::statements::{self, Statement};

/// The name of a table argument: a name (`"posts"`, `"blog.posts"`) or a model class
/// (its `__table_name__`).
pub(super) fn table_name(table: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(name) = table.extract::<String>() {
        return Ok(name);
    }
    if let Ok(name) = table.getattr("__table_name__") {
        return name.extract();
    }
    Err(PyTypeError::new_err(format!(
        "a table is a name or a model class, not {}",
        table.get_type().name()?
    )))
}

/// A row handed in as a mapping: its column names and values, in order.
pub(super) fn take_row(data: &Bound<'_, PyAny>) -> PyResult<(Vec<String>, Vec<Param>)> {
    let mapping = data
        .cast::<PyMapping>()
        .map_err(|_| PyTypeError::new_err("a row is a mapping of column name to value"))?;
    let mut columns = Vec::new();
    let mut params = Vec::new();
    for pair in mapping.items()?.iter() {
        let (name, value): (String, Bound<'_, PyAny>) = pair.extract()?;
        columns.push(name);
        params.push(Param::from_python(&value)?);
    }
    Ok((columns, params))
}

/// What a write statement gives back.
enum Give {
    /// The first returned row as a dict.
    Row,
    /// Every returned row, as a list of dicts.
    Rows,
    /// The number of rows affected.
    Count,
    /// This object, once the statement is done.
    Given(Py<PyAny>),
}

impl Session {
    /// Resolves `table` and writes its statement with `build`, then runs it with `params`
    /// (errors naming the columns `labels`).
    fn write<'py>(
        &self,
        py: Python<'py>,
        table: String,
        params: Vec<Param>,
        labels: Vec<String>,
        give: Give,
        build: impl Fn(&crate::engine::data::Table) -> crate::engine::data::Result<Statement>
            + Send
            + Sync
            + 'static,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (target, cache, catalog) = self.parts();
        loop_future(py, async move {
            let mut conn = Conn::of(&target).await?;
            let lease = conn.lease()?;
            let statement = catalog.resolve(lease, |c| build(c.table(&table)?)).await?;
            let args = bind_for(
                lease,
                &catalog.types,
                &statement.sql,
                &params,
                cache,
                &labels,
                true,
            )
            .await?;
            count_statements(1);
            let query = sqlx::query_with(&statement.sql, args).persistent(cache);
            if let Give::Count | Give::Given(_) = give {
                let result = lease.start().execute(query).await;
                lease.done(&result);
                let affected = result.map_err(from_sqlx)?.rows_affected();
                return Python::attach(|py| match give {
                    Give::Given(given) => Ok(given),
                    _ => Ok(affected.into_pyobject(py)?.into_any().unbind()),
                });
            }
            let decoded = catalog.fetch_rows(lease, query).await?;
            drop(conn);
            Python::attach(|py| {
                let list = rows_to_dicts(py, decoded)?;
                match give {
                    Give::Row if list.is_empty() => Ok(py.None()),
                    Give::Row => Ok(list.get_item(0)?.unbind()),
                    _ => Ok(list.into_any().unbind()),
                }
            })
        })
    }

    pub(super) fn insert_one<'py>(
        &self,
        table: &Bound<'py, PyAny>,
        data: &Bound<'py, PyAny>,
        returning: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (py, cache) = (table.py(), self.statement_cache);
        let (name, (columns, params)) = (table_name(table)?, take_row(data)?);
        let give = if returning {
            Give::Row
        } else {
            // The row as given (no defaults filled in), once it is written.
            let given = pyo3::types::PyDict::new(py);
            given.update(data.cast::<PyMapping>()?)?;
            Give::Given(given.into_any().unbind())
        };
        self.write(py, name, params, columns.clone(), give, move |t| {
            statements::insert(t, &columns, returning, !cache)
        })
    }

    pub(super) fn upsert_one<'py>(
        &self,
        table: &Bound<'py, PyAny>,
        data: &Bound<'py, PyAny>,
        conflict_columns: Vec<String>,
        update_columns: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (py, cache) = (table.py(), self.statement_cache);
        let (name, (columns, params)) = (table_name(table)?, take_row(data)?);
        self.write(py, name, params, columns.clone(), Give::Row, move |t| {
            statements::upsert_one(
                t,
                &columns,
                &conflict_columns,
                update_columns.as_deref(),
                !cache,
            )
        })
    }

    pub(super) fn update<'py>(
        &self,
        table: &Bound<'py, PyAny>,
        filter: &Bound<'py, PyAny>,
        values: &Bound<'py, PyAny>,
        returning: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = table.py();
        let name = table_name(table)?;
        let (columns, mut params) = take_row(values)?;
        let (condition, filter_params) = condition_of(Some(filter))?;
        let mut labels = columns.clone();
        labels.extend(condition.columns().into_iter().map(str::to_string));
        params.extend(filter_params);
        let give = if returning { Give::Rows } else { Give::Count };
        self.write(py, name, params, labels, give, move |t| {
            statements::update(t, &columns, &condition, returning, true)
        })
    }

    pub(super) fn delete<'py>(
        &self,
        table: &Bound<'py, PyAny>,
        filter: &Bound<'py, PyAny>,
        returning: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = table.py();
        let name = table_name(table)?;
        let (condition, params) = condition_of(Some(filter))?;
        let labels = condition
            .columns()
            .into_iter()
            .map(str::to_string)
            .collect();
        let give = if returning { Give::Rows } else { Give::Count };
        self.write(py, name, params, labels, give, move |t| {
            statements::delete(t, &condition, returning, true)
        })
    }

    /// `fetch_many`, and `fetch_one` (`one`: the first row, or None).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fetch_rows<'py>(
        &self,
        table: &Bound<'py, PyAny>,
        filter: Option<&Bound<'py, PyAny>>,
        fetch_links: Option<Vec<String>>,
        order_by: Option<&Bound<'py, PyAny>>,
        limit: Option<i64>,
        offset: Option<i64>,
        one: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = table.py();
        let (condition, params) = condition_of(filter)?;
        let labels: Vec<String> = condition
            .columns()
            .into_iter()
            .map(str::to_string)
            .collect();
        let request = FetchRequest {
            table: table_name(table)?,
            with: fetch_links.unwrap_or_default(),
            order_by: order_terms(order_by)?,
            limit: if one { Some(1) } else { limit },
            offset,
            condition: (condition != Condition::All).then_some(condition),
            stored: true,
            // Arguments compared with columns are cast to the column's type, as the
            // server cannot infer one for a composite (`record`) or a literal's type.
            cast_args: true,
            ..FetchRequest::default()
        };
        let (target, cache, catalog) = self.parts();
        loop_future(py, async move {
            let mut conn = Conn::of(&target).await?;
            let lease = conn.lease()?;
            let plan = catalog
                .resolve(lease, |c| FetchPlan::new(c, &request))
                .await?;
            let args = bind_for(
                lease,
                &catalog.types,
                plan.root_sql(),
                &params,
                cache,
                &labels,
                false,
            )
            .await?;
            let objs = catalog.fetch_tree(lease, &plan, args).await?;
            drop(conn);
            let layout = plan.layout();
            Python::attach(|py| {
                let list = objs_to_python(py, objs, &layout)?;
                if !one {
                    return Ok(list);
                }
                let list = list.bind(py).cast::<PyList>()?.clone();
                Ok(match list.is_empty() {
                    true => py.None(),
                    false => list.get_item(0)?.unbind(),
                })
            })
        })
    }

    /// The relations `fetch_links` can name on `table`, as dicts (name, kind, target
    /// table, columns, join table), from the catalog.
    pub(super) fn relations<'py>(&self, table: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let name = table_name(table)?;
        let (target, _, catalog) = self.parts();
        loop_future(table.py(), async move {
            let mut conn = Conn::of(&target).await?;
            let lease = conn.lease()?;
            let found = catalog
                .resolve(lease, |c| {
                    crate::engine::data::fetch::list_relations(c, &name)
                })
                .await?;
            drop(conn);
            let json = serde_json::to_string(&found)
                .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
            Python::attach(|py| Ok(py.import("json")?.call_method1("loads", (json,))?.unbind()))
        })
    }

    pub(super) fn insert_many<'py>(
        &self,
        table: &Bound<'py, PyAny>,
        rows: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let args = UpsertArgs::take(table, rows)?;
        args.insert(self, table.py())
    }
}

/// `fetch_links`: relation paths (`"author"`, `"comments.author"`), or relations of model
/// classes (their `__link_path__`).
pub(crate) fn link_paths(links: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<String>>> {
    let Some(links) = links.filter(|l| !l.is_none()) else {
        return Ok(None);
    };
    if links.extract::<String>().is_ok() {
        return Err(PyTypeError::new_err(
            "fetch_links is a list of relation paths, such as [\"author\", \"comments.author\"]",
        ));
    }
    links
        .try_iter()?
        .map(|l| {
            let l = l?;
            match l.extract::<String>() {
                Ok(path) => Ok(path),
                Err(_) => l.getattr("__link_path__")?.extract(),
            }
        })
        .collect::<PyResult<Vec<_>>>()
        .map(Some)
}

/// `order_by`: a column name, `"name:desc"`, or a list of them.
fn order_terms(order_by: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, bool)>> {
    let Some(order_by) = order_by.filter(|o| !o.is_none()) else {
        return Ok(Vec::new());
    };
    let terms: Vec<String> = match order_by.extract::<String>() {
        Ok(one) => vec![one],
        Err(_) => order_by.extract()?,
    };
    Ok(terms.iter().map(|t| parse_order_by(t)).collect())
}
