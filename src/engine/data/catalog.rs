//! Tables, columns, unique keys and foreign keys as the data commands need them, read with
//! three set-based catalog queries whatever the number of tables.

use std::collections::HashMap;

use sqlx::postgres::{PgConnection, PgRow};
use sqlx::Row;

use super::error::{DataError, Result};
use crate::diff::quote::ident;

/// How values of a column are converted on the way in and rendered on the way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Int2,
    Int4,
    Int8,
    Numeric,
    Float4,
    Float8,
    Bool,
    Text,
    Bytea,
    Json,
    Jsonb,
    Uuid,
    /// Dates, times, intervals, enums, network types...: text that the server parses.
    Other,
    Array(Box<Kind>),
}

impl Kind {
    fn from_type(oid: i64, elem: Option<Kind>) -> Kind {
        match (oid, elem) {
            (_, Some(elem)) => Kind::Array(Box::new(elem)),
            (21, _) => Kind::Int2,
            (23, _) => Kind::Int4,
            (20, _) => Kind::Int8,
            (1700, _) => Kind::Numeric,
            (700, _) => Kind::Float4,
            (701, _) => Kind::Float8,
            (16, _) => Kind::Bool,
            (25 | 1043 | 1042 | 19, _) => Kind::Text,
            (17, _) => Kind::Bytea,
            (114, _) => Kind::Json,
            (3802, _) => Kind::Jsonb,
            (2950, _) => Kind::Uuid,
            _ => Kind::Other,
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// The SQL type, as `format_type` spells it (usable in casts).
    pub sql_type: String,
    pub kind: Kind,
    pub not_null: bool,
    pub has_default: bool,
    /// `a` for GENERATED ALWAYS AS IDENTITY, `d` for BY DEFAULT, empty otherwise.
    pub identity: String,
    /// A stored generated column cannot be written.
    pub generated: bool,
    /// Whether `=` works on the type (json, xml and geometric types have none).
    pub comparable: bool,
    /// The base type's name (`timestamptz`, `date`...), looking through domains.
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

/// A table (or view) with what the data commands need to know about it.
#[derive(Debug, Clone)]
pub struct Table {
    pub schema: String,
    pub name: String,
    /// `r` table, `p` partitioned table, `v` view, `m` materialized view, `f` foreign table.
    pub relkind: char,
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
    pub fn column(&self, name: &str) -> Result<&Column> {
        self.columns
            .iter()
            .find(|c| c.name == name)
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

/// Runs one catalog query.
async fn rows(conn: &mut PgConnection, sql: &str, what: &str) -> Result<Vec<PgRow>> {
    sqlx::query(sql)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| DataError::query(format!("reading {what}"), e))
}

const COLUMNS: &str = "
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind,
       a.attname AS column, format_type(a.atttypid, a.atttypmod) AS sql_type,
       bt.oid::int8 AS base, bt.typname::text AS base_name,
       CASE WHEN bt.typcategory = 'A' THEN et.oid::int8 END AS elem,
       et.typname::text AS elem_name,
       a.attnotnull AS not_null, a.atthasdef AS has_default,
       a.attidentity::text AS identity, a.attgenerated::text AS generated
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_catalog.pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
ORDER BY 1, 2, a.attnum";

const UNIQUE_KEYS: &str = "
SELECT n.nspname AS schema, c.relname AS name, i.relname AS index, x.indisprimary AS primary,
       ARRAY(SELECT a.attname::text
             FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
             WHERE k.ord <= x.indnkeyatts ORDER BY k.ord) AS columns
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE x.indisunique AND x.indisvalid AND x.indpred IS NULL AND x.indexprs IS NULL
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
ORDER BY 1, 2, x.indisprimary DESC, 3";

const FOREIGN_KEYS: &str = "
SELECT n.nspname AS schema, c.relname AS name, k.conname::text AS constraint,
       rn.nspname AS ref_schema, rc.relname AS ref_table,
       ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
             ORDER BY u.ord) AS columns,
       ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum
             ORDER BY u.ord) AS ref_columns
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class rc ON rc.oid = k.confrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE k.contype = 'f' AND k.conparentid = 0
ORDER BY 1, 2, 3";

/// Types without an equality operator: compared as text when upsert looks for changes.
const INCOMPARABLE: &[&str] = &[
    "json", "xml", "point", "line", "lseg", "box", "path", "polygon", "circle",
];

impl Catalog {
    /// Reads every user table, view and foreign table.
    pub async fn load(conn: &mut PgConnection) -> Result<Catalog> {
        let columns = rows(conn, COLUMNS, "columns").await?;
        let mut tables: Vec<Table> = Vec::new();
        for row in columns {
            let schema: String = row.get("schema");
            let name: String = row.get("name");
            if tables
                .last()
                .is_none_or(|t| t.schema != schema || t.name != name)
            {
                let relkind: String = row.get("relkind");
                tables.push(Table {
                    schema,
                    name,
                    relkind: relkind.chars().next().unwrap_or('r'),
                    columns: Vec::new(),
                    unique_keys: Vec::new(),
                    foreign_keys: Vec::new(),
                });
            }
            let elem: Option<i64> = row.get("elem");
            let base_name: String = row.get("base_name");
            let elem_name: Option<String> = row.get("elem_name");
            let identity: String = row.get("identity");
            let generated: String = row.get("generated");
            let kind = Kind::from_type(row.get("base"), elem.map(|e| Kind::from_type(e, None)));
            let table = tables.last_mut().expect("pushed above");
            table.columns.push(Column {
                name: row.get("column"),
                sql_type: row.get("sql_type"),
                kind,
                not_null: row.get("not_null"),
                has_default: row.get("has_default"),
                identity: identity.trim_matches(char::from(0)).to_string(),
                generated: !generated.trim_matches(char::from(0)).is_empty(),
                comparable: !INCOMPARABLE.contains(&elem_name.as_deref().unwrap_or(&base_name)),
                base_type: base_name,
            });
        }
        let positions = tables
            .iter()
            .enumerate()
            .map(|(i, t)| ((t.schema.clone(), t.name.clone()), i))
            .collect();
        let mut catalog = Catalog { tables, positions };
        for row in rows(conn, UNIQUE_KEYS, "unique keys").await? {
            if let Some(t) = catalog.find_mut(row.get("schema"), row.get("name")) {
                t.unique_keys.push(UniqueKey {
                    name: row.get("index"),
                    primary: row.get("primary"),
                    columns: row.get("columns"),
                });
            }
        }
        for row in rows(conn, FOREIGN_KEYS, "foreign keys").await? {
            if let Some(t) = catalog.find_mut(row.get("schema"), row.get("name")) {
                t.foreign_keys.push(ForeignKey {
                    name: row.get("constraint"),
                    columns: row.get("columns"),
                    ref_schema: row.get("ref_schema"),
                    ref_table: row.get("ref_table"),
                    ref_columns: row.get("ref_columns"),
                });
            }
        }
        Ok(catalog)
    }

    fn find_mut(&mut self, schema: String, name: String) -> Option<&mut Table> {
        let at = *self.positions.get(&(schema, name))?;
        self.tables.get_mut(at)
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
            if let Some(t) = self.get(schema, table) {
                return Ok(t);
            }
        }
        let found = self.get("public", name).or_else(|| {
            let mut matching = self.tables.iter().filter(|t| t.name == name);
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
