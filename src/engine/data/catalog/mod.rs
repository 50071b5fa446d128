//! Tables, columns, unique keys and foreign keys as the data commands need them: a view of
//! the schema model that introspection reads for `diff` (one reader, one set of catalog
//! queries), with each column's value kind resolved and the keys `ON CONFLICT` can use.

mod cast;
mod kinds;

use std::collections::HashMap;

use sqlx::postgres::PgConnection;

use super::error::{DataError, Result};
use crate::diff::model::{self, ConstraintBody, Database, IndexTarget};
use crate::diff::quote::{ident, truncated};
use crate::engine::postgres::inspect::{inspect_scope, Scope};

pub use self::cast::cast_type;
pub use self::kinds::{Kind, Kinds, Resolved};

/// One column of a table.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// The SQL type, as `format_type` spells it with user types qualified.
    pub sql_type: String,
    /// The type that arguments are cast to: [`Column::sql_type`] without its modifier, since
    /// an explicit cast to `varchar(3)` or `char(3)` cuts a longer value short where
    /// writing it to the column is an error ([`cast_type`]).
    pub cast_type: String,
    pub kind: Kind,
    pub not_null: bool,
    /// GENERATED ALWAYS AS IDENTITY: writing it needs `OVERRIDING SYSTEM VALUE`.
    pub identity_always: bool,
    /// A stored generated column cannot be written.
    pub generated: bool,
    /// An identity column, or one whose default takes `nextval`: explicit values written to
    /// it must move its sequence past them.
    pub sequence_backed: bool,
    /// Whether `=` on the column means identical values; upsert compares the others as text.
    pub exact: bool,
    /// The base type's short name (`timestamptz`, `date`...), looking through domains.
    pub base_type: String,
}

/// A primary key, unique constraint or unique index on plain columns (what ON CONFLICT accepts).
#[derive(Debug, Clone)]
pub struct UniqueKey {
    pub name: String,
    pub primary: bool,
    pub columns: Vec<String>,
}

/// A foreign key from `columns` of its table to `ref_columns` of `ref_schema.ref_table`.
#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub ref_schema: String,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
}

/// What a relation is, which decides whether rows can be written to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    Table,
    PartitionedTable,
    View,
    MaterializedView,
}

impl TableKind {
    /// Whether rows can be inserted and updated.
    pub fn writable(self) -> bool {
        matches!(self, TableKind::Table | TableKind::PartitionedTable)
    }
}

/// A table (or view) with what the data commands need to know about it.
#[derive(Debug, Clone)]
pub struct Table {
    pub schema: String,
    pub name: String,
    pub kind: TableKind,
    pub columns: Vec<Column>,
    pub unique_keys: Vec<UniqueKey>,
    pub foreign_keys: Vec<ForeignKey>,
}

impl Table {
    /// `"schema"."name"`, for SQL.
    pub fn qualified(&self) -> String {
        format!("{}.{}", ident(&self.schema), ident(&self.name))
    }

    /// `schema.name`, for people.
    pub fn display(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    /// The column called `name`, or an error listing the columns.
    /// The column `name` (cut to 63 bytes first, as PostgreSQL cuts names it reads).
    pub fn column(&self, name: &str) -> Result<&Column> {
        let stored = truncated(name);
        self.columns
            .iter()
            .find(|c| c.name == stored)
            .ok_or_else(|| DataError::UnknownColumn {
                table: self.display(),
                name: name.to_string(),
                existing: self.column_names(),
            })
    }

    /// The column names in table order.
    pub fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// The keys an upsert can name, for an error: `id (primary key users_pkey)`.
    pub fn key_candidates(&self) -> Vec<String> {
        self.unique_keys
            .iter()
            .map(|k| {
                let what = if k.primary { "primary key" } else { "unique" };
                format!("{} ({what} {})", k.columns.join(","), k.name)
            })
            .collect()
    }

    /// The primary key, else the first unique key: what orders rows deterministically.
    pub fn identity_key(&self) -> Option<&UniqueKey> {
        self.unique_keys
            .iter()
            .find(|k| k.primary)
            .or_else(|| self.unique_keys.first())
    }
}

/// Every user table of a database.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Sorted by schema, then name.
    pub tables: Vec<Table>,
    /// Where each `(schema, name)` is in `tables`.
    positions: HashMap<(String, String), usize>,
}

impl Catalog {
    /// Reads every user table and view of the database.
    pub async fn load(conn: &mut PgConnection) -> Result<Catalog> {
        let db = inspect_scope(conn, &[], Scope::Tables).await?;
        Ok(Catalog::of_schema(&db))
    }

    /// The tables and views of a schema model, sorted by schema and name.
    pub fn of_schema(db: &Database) -> Catalog {
        let kinds = Kinds::new(db);
        let parents: HashMap<&model::QualifiedName, &model::Table> =
            db.tables.iter().map(|t| (&t.name, t)).collect();
        let mut tables: Vec<Table> = db
            .tables
            .iter()
            .map(|t| table(&kinds, t, &parents))
            .chain(db.views.iter().map(|v| view(&kinds, v)))
            .collect();
        tables.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        let positions = tables
            .iter()
            .enumerate()
            .map(|(i, t)| ((t.schema.clone(), t.name.clone()), i))
            .collect();
        Catalog { tables, positions }
    }

    /// The table `schema.name`, if it exists.
    pub fn get(&self, schema: &str, name: &str) -> Option<&Table> {
        let at = *self
            .positions
            .get(&(schema.to_string(), name.to_string()))?;
        self.tables.get(at)
    }

    /// Resolves a name as a user writes it: `schema.table`, or `table` in `public` first,
    /// then in whichever single schema has it.
    pub fn table(&self, name: &str) -> Result<&Table> {
        if let Some((schema, table)) = name.split_once('.') {
            if let Some(t) = self.get(truncated(schema), truncated(table)) {
                return Ok(t);
            }
        }
        let stored = truncated(name);
        let found = self.get("public", stored).or_else(|| {
            let mut matching = self.tables.iter().filter(|t| t.name == stored);
            match (matching.next(), matching.next()) {
                (Some(t), None) => Some(t),
                _ => None,
            }
        });
        found.ok_or_else(|| DataError::UnknownTable {
            name: name.to_string(),
            existing: self.tables.iter().map(Table::display).collect(),
        })
    }
}

fn column(kinds: &Kinds, c: &model::Column) -> Column {
    let Resolved {
        kind,
        base_type,
        exact,
    } = kinds.resolve(&c.data_type);
    Column {
        name: c.name.clone(),
        sql_type: c.data_type.clone(),
        cast_type: cast_type(&c.data_type),
        kind,
        not_null: c.not_null,
        identity_always: c.identity.as_ref().is_some_and(|i| i.always),
        generated: c.generated.is_some(),
        sequence_backed: c.identity.is_some()
            || c.default.as_deref().is_some_and(|d| d.contains("nextval(")),
        // A collation of the column's own may be nondeterministic (case-insensitive).
        exact: exact && c.collation.is_none(),
        base_type,
    }
}

/// A table with its keys; a partition has its parent's keys (the server gives every
/// partition the parent's unique indexes).
fn table(
    kinds: &Kinds,
    t: &model::Table,
    parents: &HashMap<&model::QualifiedName, &model::Table>,
) -> Table {
    let mut unique_keys = unique_keys(t);
    let mut parent = t.partition_of.as_ref().map(|p| &p.parent);
    while let Some(p) = parent.and_then(|name| parents.get(name)) {
        unique_keys.extend(unique_keys_of(p));
        parent = p.partition_of.as_ref().map(|p| &p.parent);
    }
    Table {
        schema: t.name.schema.clone(),
        name: t.name.name.clone(),
        kind: if t.partition_by.is_some() {
            TableKind::PartitionedTable
        } else {
            TableKind::Table
        },
        columns: t.columns.iter().map(|c| column(kinds, c)).collect(),
        unique_keys,
        foreign_keys: t
            .constraints
            .iter()
            .filter_map(|c| {
                let fk = c.foreign_key()?;
                Some(ForeignKey {
                    name: c.name.clone(),
                    columns: fk.columns.clone(),
                    ref_schema: fk.references.schema.clone(),
                    ref_table: fk.references.name.clone(),
                    ref_columns: fk.referenced_columns.clone(),
                })
            })
            .collect(),
    }
}

/// The primary key first, then the other keys by name.
fn unique_keys(t: &model::Table) -> Vec<UniqueKey> {
    let mut keys = unique_keys_of(t);
    keys.sort_by(|a, b| (!a.primary, &a.name).cmp(&(!b.primary, &b.name)));
    keys
}

/// Primary keys, unique constraints and unique indexes on plain columns without a predicate:
/// the keys `ON CONFLICT (columns)` infers.
fn unique_keys_of(t: &model::Table) -> Vec<UniqueKey> {
    let constraints = t.constraints.iter().filter_map(|c| match &c.body {
        ConstraintBody::PrimaryKey(k) | ConstraintBody::Unique(k) => Some(UniqueKey {
            name: c.name.clone(),
            primary: matches!(c.body, ConstraintBody::PrimaryKey(_)),
            columns: k.columns.clone(),
        }),
        _ => None,
    });
    constraints
        .chain(plain_unique_indexes(&t.indexes))
        .collect()
}

/// Valid unique indexes on plain columns without a predicate (ON CONFLICT passes over an
/// invalid one).
fn plain_unique_indexes(indexes: &[model::Index]) -> impl Iterator<Item = UniqueKey> + '_ {
    indexes
        .iter()
        .filter(|i| i.unique && i.valid && i.predicate.is_none())
        .filter_map(|i| {
            let columns = i.key.iter().map(|part| match &part.target {
                IndexTarget::Column(name) => Some(name.clone()),
                IndexTarget::Expression(_) => None,
            });
            Some(UniqueKey {
                name: i.name.clone(),
                primary: false,
                columns: columns.collect::<Option<Vec<_>>>()?,
            })
        })
}

fn view(kinds: &Kinds, v: &model::View) -> Table {
    Table {
        schema: v.name.schema.clone(),
        name: v.name.name.clone(),
        kind: if v.materialized {
            TableKind::MaterializedView
        } else {
            TableKind::View
        },
        columns: v
            .columns
            .iter()
            .map(|c| {
                column(
                    kinds,
                    &model::Column {
                        name: c.name.clone(),
                        data_type: c.data_type.clone(),
                        not_null: false,
                        default: None,
                        identity: None,
                        generated: None,
                        collation: None,
                        comment: None,
                    },
                )
            })
            .collect(),
        unique_keys: plain_unique_indexes(&v.indexes).collect(),
        foreign_keys: Vec::new(),
    }
}
