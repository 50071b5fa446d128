//! Reading values out of catalog rows, and the comments and extension memberships that
//! annotate every kind of object.

#[allow(unused_imports)]
use super::*;

/// A row value that the catalog never leaves NULL.
///
/// The catalog queries cast every column to the type read here, so the value is decoded
/// without sqlx's per-value type check, which cost more than the decoding itself. A NULL or
/// a value that does not decode is recorded (see [`decode_failure`]) and read as the type's
/// default for now, so that the assemblers stay simple: the whole introspection then fails
/// with the first such value, naming the row and the column; it is never read as a default.
pub(super) fn get<'r, T>(row: &'r PgRow, idx: usize) -> T
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Default,
{
    match row.try_get_unchecked::<Option<T>, _>(idx) {
        Ok(Some(value)) => value,
        Ok(None) => {
            record_failure(row, idx, "is NULL".into());
            T::default()
        }
        Err(e) => {
            record_failure(row, idx, format!("does not decode: {e}"));
            T::default()
        }
    }
}

/// A row value that may be NULL; a value that does not decode is recorded as [`get`] does.
pub(super) fn opt<'r, T>(row: &'r PgRow, idx: usize) -> Option<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    match row.try_get_unchecked::<Option<T>, _>(idx) {
        Ok(value) => value,
        Err(e) => {
            record_failure(row, idx, format!("does not decode: {e}"));
            None
        }
    }
}

thread_local! {
    /// The first catalog value that [`get`] or [`opt`] could not read on this thread since
    /// the last [`decode_failure`].
    static DECODE_FAILURE: std::cell::RefCell<Option<Error>> = const { std::cell::RefCell::new(None) };
}

fn record_failure(row: &PgRow, idx: usize, what: String) {
    use sqlx::Column;
    DECODE_FAILURE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_some() {
            return;
        }
        let column = row
            .columns()
            .get(idx)
            .map_or_else(|| format!("#{idx}"), |c| format!("{} (#{idx})", c.name()));
        *slot = Some(Error::Catalog {
            object: describe_row(row),
            reason: format!("its column {column} {what}"),
        });
    });
}

/// A catalog row for an error message: its leading id and name columns,
/// `row (oid=16392, nspname=public, relname=users)`.
fn describe_row(row: &PgRow) -> String {
    use sqlx::Column;
    let mut parts = Vec::new();
    for (i, c) in row.columns().iter().enumerate().take(4) {
        let value = match row.try_get_unchecked::<Option<i64>, _>(i) {
            Ok(Some(v)) if c.type_info().to_string() == "INT8" => v.to_string(),
            _ => match row.try_get_unchecked::<Option<String>, _>(i) {
                Ok(Some(v)) if c.type_info().to_string() == "TEXT" => v,
                _ => continue,
            },
        };
        parts.push(format!("{}={value}", c.name()));
    }
    format!("row ({})", parts.join(", "))
}

/// The first value [`get`] or [`opt`] failed to read since the last call, as an error.
///
/// Called at the end of each stretch of reading without an `await` in between (a task may
/// move to another thread only at those), and once before a stretch starts, to clear it.
pub(super) fn decode_failure() -> Result<()> {
    match DECODE_FAILURE.with(|cell| cell.borrow_mut().take()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

pub(super) fn qname(row: &PgRow, schema: usize, name: usize) -> QualifiedName {
    QualifiedName::new(get::<String>(row, schema), get::<String>(row, name))
}

/// Comments and extension memberships, by catalog and object id.
pub(super) struct Annotations {
    pub(super) members: HashSet<(i64, i64)>,
    pub(super) comments: HashMap<(i64, i64, i32), String>,
}

impl Annotations {
    pub(super) fn new(rows: &Rows) -> Annotations {
        Annotations {
            members: rows["extension members"]
                .iter()
                .map(|r| (get(r, 0), get(r, 1)))
                .collect(),
            comments: rows["comments"]
                .iter()
                .map(|r| ((get(r, 0), get(r, 1), get(r, 2)), get(r, 3)))
                .collect(),
        }
    }

    /// The object belongs to an extension, and so is not part of the schema.
    pub(super) fn extension_member(&self, catalog: i64, oid: i64) -> bool {
        self.members.contains(&(catalog, oid))
    }

    pub(super) fn comment(&self, catalog: i64, oid: i64) -> Option<String> {
        self.comments.get(&(catalog, oid, 0)).cloned()
    }

    pub(super) fn column_comment(&self, relation: i64, number: i16) -> Option<String> {
        self.comments
            .get(&(PG_CLASS, relation, i32::from(number)))
            .cloned()
    }
}
