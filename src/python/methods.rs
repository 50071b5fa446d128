//! The methods that pools and transactions share, written once as a macro (PyO3 takes one
//! `#[pymethods]` block per class): raw SQL and the table methods.

/// The `#[pymethods]` of a class that runs statements (`Pool`, `Transaction`): `execute`,
/// `fetch`, `fetch_row` and `fetch_val`, and the table methods (`insert_one` ... `delete`),
/// through the class's `session()`, followed by the class's own methods. (PyO3 takes one
/// `#[pymethods]` block per class.)
macro_rules! statement_methods {
    ($class:ty, { $($own:tt)* }) => {
        #[pyo3::pymethods]
        impl $class {
            /// Runs one statement; returns its command tag (`"INSERT 0 1"`).
            #[pyo3(signature = (sql, *args))]
            fn execute<'py>(
                &self,
                py: pyo3::Python<'py>,
                sql: String,
                args: &pyo3::Bound<'py, pyo3::types::PyTuple>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                self.session().execute(py, sql, args)
            }

            /// Runs a query; returns its rows.
            #[pyo3(signature = (sql, *args))]
            fn fetch<'py>(
                &self,
                py: pyo3::Python<'py>,
                sql: String,
                args: &pyo3::Bound<'py, pyo3::types::PyTuple>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                self.session().query(py, sql, args, $crate::python::rows::to_python)
            }

            /// Runs a query; returns its first row, or None.
            #[pyo3(signature = (sql, *args))]
            fn fetch_row<'py>(
                &self,
                py: pyo3::Python<'py>,
                sql: String,
                args: &pyo3::Bound<'py, pyo3::types::PyTuple>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                self.session().query(py, sql, args, $crate::python::rows::first_row)
            }

            /// Runs a query; returns the first column of its first row, or None.
            #[pyo3(signature = (sql, *args))]
            fn fetch_val<'py>(
                &self,
                py: pyo3::Python<'py>,
                sql: String,
                args: &pyo3::Bound<'py, pyo3::types::PyTuple>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                self.session().query(py, sql, args, $crate::python::rows::first_value)
            }

            /// Inserts one row (a mapping of column to value); returns it as stored, with
            /// defaults and identities filled in (with `returning=False`, the row as given).
            #[pyo3(signature = (table, data, *, returning=true))]
            fn insert_one<'py>(
                &self,
                table: &pyo3::Bound<'py, pyo3::PyAny>,
                data: &pyo3::Bound<'py, pyo3::PyAny>,
                returning: bool,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                self.session().insert_one(table, data, returning)
            }

            /// Inserts rows (mappings with the same keys) with one COPY, all or none;
            /// returns their number.
            fn insert_many<'py>(
                &self,
                table: &pyo3::Bound<'py, pyo3::PyAny>,
                rows: &pyo3::Bound<'py, pyo3::PyAny>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                self.session().insert_many(table, rows)
            }

            /// Inserts one row, or updates the row with the same `conflict_columns`;
            /// returns the row as stored.
            #[pyo3(signature = (table, data, conflict_columns, update_columns=None))]
            fn upsert_one<'py>(
                &self,
                table: &pyo3::Bound<'py, pyo3::PyAny>,
                data: &pyo3::Bound<'py, pyo3::PyAny>,
                conflict_columns: Vec<String>,
                update_columns: Option<Vec<String>>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                self.session().upsert_one(table, data, conflict_columns, update_columns)
            }

            /// Inserts or updates rows as `dbridge upsert` does (the last of duplicate keys
            /// wins), all or none; returns an `UpsertResult`, or with `returning=True` the
            /// rows as stored afterwards.
            #[pyo3(signature = (table, rows, conflict_columns, update_columns=None, *, do_nothing=false, returning=false))]
            fn upsert_many<'py>(
                &self,
                table: &pyo3::Bound<'py, pyo3::PyAny>,
                rows: &pyo3::Bound<'py, pyo3::PyAny>,
                conflict_columns: Vec<String>,
                update_columns: Option<Vec<String>>,
                do_nothing: bool,
                returning: bool,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                let options = $crate::engine::data::upsert::UpsertOptions {
                    on: conflict_columns,
                    update: update_columns,
                    do_nothing,
                    ..Default::default()
                };
                $crate::python::upserts::UpsertArgs::upsert_many(
                    table,
                    rows,
                    &self.session(),
                    options,
                    returning,
                )
            }

            /// The first row matching `filter` (a mapping or a `db.col` expression), with
            /// the relations of `fetch_links` loaded; None when no row matches.
            #[pyo3(signature = (table, filter=None, *, fetch_links=None))]
            fn fetch_one<'py>(
                &self,
                table: &pyo3::Bound<'py, pyo3::PyAny>,
                filter: Option<&pyo3::Bound<'py, pyo3::PyAny>>,
                fetch_links: Option<&pyo3::Bound<'py, pyo3::PyAny>>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                let links = $crate::python::crud::link_paths(fetch_links)?;
                self.session().fetch_rows(table, filter, links, None, None, None, true)
            }

            /// The rows matching `filter`, with the relations of `fetch_links` loaded (one
            /// statement per level), ordered by `order_by` (`"col"`, `"col:desc"` or a list)
            /// and then by the key.
            #[pyo3(signature = (table, filter=None, *, fetch_links=None, order_by=None, limit=None, offset=None))]
            #[allow(clippy::too_many_arguments)]
            fn fetch_many<'py>(
                &self,
                table: &pyo3::Bound<'py, pyo3::PyAny>,
                filter: Option<&pyo3::Bound<'py, pyo3::PyAny>>,
                fetch_links: Option<&pyo3::Bound<'py, pyo3::PyAny>>,
                order_by: Option<&pyo3::Bound<'py, pyo3::PyAny>>,
                limit: Option<i64>,
                offset: Option<i64>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                let links = $crate::python::crud::link_paths(fetch_links)?;
                self.session()
                    .fetch_rows(table, filter, links, order_by, limit, offset, false)
            }

            /// The relations `fetch_links` can name on `table`: dicts with `name`, `kind`
            /// (`many-to-one`, `one-to-many`, `many-to-many`), the target table, the columns
            /// matched and, for many-to-many, the join table (`through`).
            fn relations<'py>(
                &self,
                table: &pyo3::Bound<'py, pyo3::PyAny>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                self.session().relations(table)
            }

            /// Sets `values` on the rows matching `filter`; returns how many, or with
            /// `returning=True` the rows as updated.
            #[pyo3(signature = (table, filter, values, *, returning=false))]
            fn update<'py>(
                &self,
                table: &pyo3::Bound<'py, pyo3::PyAny>,
                filter: &pyo3::Bound<'py, pyo3::PyAny>,
                values: &pyo3::Bound<'py, pyo3::PyAny>,
                returning: bool,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                self.session().update(table, filter, values, returning)
            }

            /// Deletes the rows matching `filter`; returns how many, or with
            /// `returning=True` the rows deleted.
            #[pyo3(signature = (table, filter, *, returning=false))]
            fn delete<'py>(
                &self,
                table: &pyo3::Bound<'py, pyo3::PyAny>,
                filter: &pyo3::Bound<'py, pyo3::PyAny>,
                returning: bool,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                self.session().delete(table, filter, returning)
            }

            $($own)*
        }
    };
}
pub(super) use statement_methods;
