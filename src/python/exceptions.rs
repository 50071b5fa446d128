//! Engine and driver errors as the exceptions of `data_bridge.errors`, one hierarchy under
//! `DataBridgeError` that mirrors SQLSTATE classes. The classes are defined in Python (so
//! that they carry typed attributes); this module picks the class and fills the attributes
//! (`sqlstate`, `table`, `column`, `constraint`, `detail`) from what the server said.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use sqlx::postgres::PgDatabaseError;

use crate::redact::redact;

/// Nothing to register: the classes live in `data_bridge.errors`.
pub(super) fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}

/// The exception class of a SQLSTATE: the exact condition when it has a class of its own,
/// else the class of its first two characters.
fn class_of(sqlstate: &str) -> &'static str {
    match sqlstate {
        "23505" => "UniqueViolation",
        "23503" => "ForeignKeyViolation",
        "23502" => "NotNullViolation",
        "23514" => "CheckViolation",
        "23P01" => "ExclusionViolation",
        "40001" => "SerializationFailure",
        "40P01" => "DeadlockDetected",
        "42P01" => "UndefinedTable",
        "42703" => "UndefinedColumn",
        "42601" => "SyntaxError",
        s => match s.get(..2).unwrap_or("") {
            "23" => "IntegrityError",
            "22" => "DataError",
            "40" => "TransactionError",
            "42" | "2B" | "3D" | "3F" | "0A" => "ProgrammingError",
            "08" | "53" | "57" | "58" | "XX" => "OperationalError",
            _ => "DataBridgeError",
        },
    }
}

/// What the server said about a failed statement, for the exception's attributes.
#[derive(Debug, Default)]
pub(super) struct Details {
    pub sqlstate: Option<String>,
    pub table: Option<String>,
    pub column: Option<String>,
    pub constraint: Option<String>,
    pub detail: Option<String>,
}

/// An exception of class `class` (a name in `data_bridge.errors`) with `message`.
pub(super) fn raise(class: &str, message: impl Into<String>, details: Details) -> PyErr {
    let message = redact(&message.into()).into_owned();
    Python::attach(|py| match build(py, class, &message, details) {
        Ok(err) => err,
        Err(e) => e,
    })
}

fn build(py: Python<'_>, class: &str, message: &str, d: Details) -> PyResult<PyErr> {
    let cls = py.import("data_bridge.errors")?.getattr(class)?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("sqlstate", d.sqlstate)?;
    kwargs.set_item("table", d.table)?;
    kwargs.set_item("column", d.column)?;
    kwargs.set_item("constraint", d.constraint)?;
    kwargs.set_item("detail", d.detail.map(|s| redact(&s).into_owned()))?;
    let value = cls.call((message,), Some(&kwargs))?;
    Ok(PyErr::from_value(value))
}

/// A driver error: a server error by its SQLSTATE, a pool timeout as `PoolTimeout`, the
/// rest (network, protocol) as `OperationalError`.
pub(super) fn from_sqlx(e: sqlx::Error) -> PyErr {
    match &e {
        sqlx::Error::Database(db) => {
            let message = db.message().to_string();
            match db.try_downcast_ref::<PgDatabaseError>() {
                Some(pg) => {
                    let details = Details {
                        sqlstate: Some(pg.code().to_string()),
                        table: pg.table().map(str::to_string),
                        column: pg.column().map(str::to_string),
                        constraint: pg.constraint().map(str::to_string),
                        detail: pg.detail().map(str::to_string),
                    };
                    let text = match pg.detail() {
                        Some(detail) => format!("{message}\nDETAIL: {detail}"),
                        None => message,
                    };
                    raise(class_of(pg.code()), text, details)
                }
                None => raise("DataBridgeError", message, Details::default()),
            }
        }
        sqlx::Error::PoolTimedOut => raise(
            "PoolTimeout",
            "no connection of the pool became free within acquire_timeout",
            Details::default(),
        ),
        sqlx::Error::PoolClosed => {
            raise("OperationalError", "the pool is closed", Details::default())
        }
        other => raise("OperationalError", other.to_string(), Details::default()),
    }
}

/// An engine error: its chain of causes in one message, with a server error's SQLSTATE
/// deciding the class (and filling the attributes) when there is one.
pub(super) fn from_engine(e: crate::engine::Error) -> PyErr {
    from_error(&e, "OperationalError")
}

fn from_error(e: &(dyn std::error::Error + 'static), otherwise: &str) -> PyErr {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(sqlx::Error::Database(_)) = s.downcast_ref::<sqlx::Error>() {
            break;
        }
        source = s.source();
    }
    let message = e.to_string();
    match source.and_then(|s| s.downcast_ref::<sqlx::Error>()) {
        Some(sqlx::Error::Database(db)) => {
            let code = db.code().map(|c| c.to_string()).unwrap_or_default();
            let details = match db.try_downcast_ref::<PgDatabaseError>() {
                Some(pg) => Details {
                    sqlstate: Some(code.clone()),
                    table: pg.table().map(str::to_string),
                    column: pg.column().map(str::to_string).or_else(|| {
                        let e = sqlx_error_of(source)?;
                        crate::engine::data::insert::copy_position(e)?.1
                    }),
                    constraint: pg.constraint().map(str::to_string),
                    detail: pg.detail().map(str::to_string),
                },
                None => Details {
                    sqlstate: Some(code.clone()),
                    ..Details::default()
                },
            };
            raise(class_of(&code), message, details)
        }
        _ => raise(otherwise, message, Details::default()),
    }
}

/// The driver error among an error's causes, as found by [`from_error`].
fn sqlx_error_of<'a>(
    source: Option<&'a (dyn std::error::Error + 'static)>,
) -> Option<&'a sqlx::Error> {
    source?.downcast_ref::<sqlx::Error>()
}

/// An error of the data engine (the table methods): names that do not exist as
/// `UndefinedTable`/`UndefinedColumn` (listing what exists), a bad value as `DataError`
/// naming its row and column, a server error by its SQLSTATE.
pub(super) fn from_data(e: crate::engine::data::DataError) -> PyErr {
    use crate::engine::data::DataError as E;
    let class = match &e {
        E::UnknownTable { .. } => "UndefinedTable",
        E::UnknownColumn { .. } | E::UnknownField { .. } => "UndefinedColumn",
        E::Row { .. } | E::Input { .. } => "DataError",
        E::Engine(_) | E::Server { .. } => "OperationalError",
        _ => "ProgrammingError",
    };
    let details = match &e {
        E::UnknownColumn { table, name, .. } => Details {
            table: Some(table.clone()),
            column: Some(name.clone()),
            ..Details::default()
        },
        E::Row { error, .. } => Details {
            column: error.column.clone(),
            ..Details::default()
        },
        _ => Details::default(),
    };
    match &e {
        E::Engine(_) | E::Server { .. } => from_error(&e, class),
        _ => raise(class, e.to_string(), details),
    }
}

#[cfg(test)]
mod tests {
    use super::class_of;

    #[test]
    fn sqlstates_map_to_their_condition_or_their_class() {
        assert_eq!(class_of("23505"), "UniqueViolation");
        assert_eq!(class_of("23000"), "IntegrityError");
        assert_eq!(class_of("22003"), "DataError");
        assert_eq!(class_of("42P01"), "UndefinedTable");
        assert_eq!(class_of("42501"), "ProgrammingError");
        assert_eq!(class_of("08006"), "OperationalError");
        assert_eq!(class_of("P0001"), "DataBridgeError");
    }
}
