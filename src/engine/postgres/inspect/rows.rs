//! Reading values out of catalog rows, and the comments and extension memberships that
//! annotate every kind of object.

#[allow(unused_imports)]
use super::*;

/// A row value, or its type's default when the row holds NULL.
///
/// The catalog queries cast every column to the type read here, so the value is decoded
/// without sqlx's per-value type check, which cost more than the decoding itself.
pub(super) fn get<'r, T>(row: &'r PgRow, idx: usize) -> T
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Default,
{
    opt(row, idx).unwrap_or_default()
}

pub(super) fn opt<'r, T>(row: &'r PgRow, idx: usize) -> Option<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get_unchecked::<Option<T>, _>(idx).ok().flatten()
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
