//! Introspection: reads a live database into the schema model.
//!
//! The work has two halves: [`catalog`](super::catalog) holds the queries, one per object
//! kind, and the functions below turn their rows into the model without touching the server.

use std::collections::BTreeMap;

use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Executor, Row};

use super::catalog;
use crate::diff::model::*;
use crate::engine::error::{Error, Result};

/// Reads the schemas named in `schemas` (all non-system schemas when empty).
pub async fn inspect(conn: &mut PgConnection, schemas: &[String]) -> Result<Database> {
    let rows = fetch(conn, schemas, &catalog::ALL).await?;
    Ok(assemble(&rows))
}

/// Runs catalog queries on one connection with an empty `search_path`.
async fn fetch(
    conn: &mut PgConnection,
    schemas: &[String],
    queries: &[(&'static str, &'static str)],
) -> Result<BTreeMap<&'static str, Vec<PgRow>>> {
    conn.execute("SELECT pg_catalog.set_config('search_path', '', false)")
        .await
        .map_err(|e| Error::query("setting search_path for introspection", e))?;
    let filter: Option<Vec<String>> = (!schemas.is_empty()).then(|| schemas.to_vec());
    let mut rows = BTreeMap::new();
    for (name, sql) in queries {
        let fetched = sqlx::query(sql)
            .bind(&filter)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::query(format!("reading {name}"), e))?;
        rows.insert(*name, fetched);
    }
    let _ = conn.execute("RESET search_path").await;
    Ok(rows)
}

/// A row value, or its type's default when the row holds NULL or another type.
fn get<'r, T>(row: &'r PgRow, idx: usize) -> T
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Default,
{
    row.try_get::<Option<T>, _>(idx)
        .ok()
        .flatten()
        .unwrap_or_default()
}

fn opt<'r, T>(row: &'r PgRow, idx: usize) -> Option<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get::<Option<T>, _>(idx).ok().flatten()
}

fn qname(row: &PgRow, schema: usize, name: usize) -> QualifiedName {
    QualifiedName::new(get::<String>(row, schema), get::<String>(row, name))
}

/// Builds the model from the rows of every catalog query.
fn assemble(rows: &BTreeMap<&str, Vec<PgRow>>) -> Database {
    let mut db = Database::default();
    for r in &rows["schemas"] {
        db.schemas.push(Schema {
            name: get(r, 0),
            comment: opt(r, 1),
        });
    }
    for r in &rows["extensions"] {
        db.extensions.push(Extension {
            name: get(r, 0),
            schema: get(r, 1),
        });
    }
    let mut composites = BTreeMap::new();
    for r in &rows["types"] {
        let name = qname(r, 0, 1);
        let comment = opt(r, 3);
        match get::<String>(r, 2).as_str() {
            "e" => db.enums.push(Enum {
                name,
                values: get(r, 4),
                comment,
            }),
            "d" => db.domains.push(Domain {
                name,
                data_type: get(r, 5),
                not_null: get(r, 6),
                default: opt(r, 7),
                collation: opt(r, 8),
                checks: Vec::new(),
                comment,
            }),
            _ => {
                composites.insert(name.clone(), db.composites.len());
                db.composites.push(Composite {
                    name,
                    attributes: Vec::new(),
                    comment,
                });
            }
        }
    }
    for r in &rows["domain checks"] {
        let name = qname(r, 0, 1);
        if let Some(d) = db.domains.iter_mut().find(|d| d.name == name) {
            d.checks.push(NamedDefinition {
                name: get(r, 2),
                definition: get(r, 3),
            });
        }
    }
    for r in &rows["sequences"] {
        db.sequences.push(sequence_from_row(r));
    }
    for r in &rows["functions"] {
        db.functions.push(Function {
            name: qname(r, 0, 1),
            arguments: get(r, 2),
            kind: if get::<String>(r, 3) == "p" {
                "procedure"
            } else {
                "function"
            }
            .into(),
            result: get(r, 4),
            definition: get(r, 5),
            comment: opt(r, 6),
        });
    }
    let (mut tables, mut views) = (BTreeMap::new(), BTreeMap::new());
    for r in &rows["relations"] {
        relation_from_row(r, &mut tables, &mut views);
    }
    for r in &rows["columns"] {
        let owner = qname(r, 0, 1);
        if let Some(t) = tables.get_mut(&owner) {
            // A partition's columns all come from its parent, yet are part of its shape
            // (and become its own when it is detached); an inheritance child's are not.
            if get::<bool>(r, 10) || t.partition_of.is_some() {
                t.columns.push(column_from_row(r));
            }
        } else if let Some(v) = views.get_mut(&owner) {
            v.columns.push(ViewColumn {
                name: get(r, 2),
                comment: opt(r, 9),
            });
        } else if let Some(&i) = composites.get(&owner) {
            db.composites[i].attributes.push(Attribute {
                name: get(r, 2),
                data_type: get(r, 3),
                collation: opt(r, 8),
            });
        }
    }
    for r in &rows["constraints"] {
        if let Some(t) = tables.get_mut(&qname(r, 0, 1)) {
            t.constraints.push(constraint_from_row(r));
        }
    }
    for r in &rows["indexes"] {
        let owner = qname(r, 0, 1);
        let index = Index {
            name: get(r, 2),
            definition: get(r, 3),
            comment: opt(r, 4),
        };
        if let Some(t) = tables.get_mut(&owner) {
            t.indexes.push(index);
        } else if let Some(v) = views.get_mut(&owner) {
            v.indexes.push(index);
        }
    }
    for r in &rows["triggers"] {
        if let Some(t) = tables.get_mut(&qname(r, 0, 1)) {
            t.triggers.push(Trigger {
                name: get(r, 2),
                definition: get(r, 3),
                enabled: get(r, 4),
                comment: opt(r, 5),
            });
        }
    }
    for r in &rows["policies"] {
        if let Some(t) = tables.get_mut(&qname(r, 0, 1)) {
            t.policies.push(Policy {
                name: get(r, 2),
                permissive: get(r, 3),
                command: get(r, 4),
                roles: get(r, 5),
                using: opt(r, 6),
                with_check: opt(r, 7),
                comment: opt(r, 8),
            });
        }
    }
    for r in &rows["view dependencies"] {
        if let Some(v) = views.get_mut(&qname(r, 0, 1)) {
            v.depends_on.push(qname(r, 2, 3));
        }
    }
    db.tables = tables.into_values().collect();
    db.views = views.into_values().collect();
    db.normalize();
    db
}

fn sequence_from_row(r: &PgRow) -> Sequence {
    let owner_table = opt::<String>(r, 10);
    Sequence {
        name: qname(r, 0, 1),
        options: SequenceOptions {
            data_type: get(r, 2),
            start: get(r, 3),
            increment: get(r, 4),
            min_value: get(r, 5),
            max_value: get(r, 6),
            cache: get(r, 7),
            cycle: get(r, 8),
        },
        owned_by: owner_table.map(|t| (QualifiedName::new(get::<String>(r, 9), t), get(r, 11))),
        comment: opt(r, 12),
    }
}

fn relation_from_row(
    r: &PgRow,
    tables: &mut BTreeMap<QualifiedName, Table>,
    views: &mut BTreeMap<QualifiedName, View>,
) {
    let name = qname(r, 0, 1);
    let kind: String = get(r, 2);
    let comment = opt(r, 6);
    if kind == "v" || kind == "m" {
        views.insert(
            name.clone(),
            View {
                name,
                materialized: kind == "m",
                definition: get(r, 11),
                options: get(r, 12),
                columns: Vec::new(),
                indexes: Vec::new(),
                depends_on: Vec::new(),
                comment,
            },
        );
        return;
    }
    let parent_schemas: Vec<String> = get(r, 9);
    let parent_names: Vec<String> = get(r, 10);
    let parents: Vec<QualifiedName> = parent_schemas
        .into_iter()
        .zip(parent_names)
        .map(|(s, n)| QualifiedName::new(s, n))
        .collect();
    let bound: Option<String> = opt(r, 8);
    let (partition_of, inherits) = match bound {
        Some(b) => (parents.first().cloned().map(|p| (p, b)), Vec::new()),
        None => (None, parents),
    };
    tables.insert(
        name.clone(),
        Table {
            name,
            columns: Vec::new(),
            constraints: Vec::new(),
            indexes: Vec::new(),
            triggers: Vec::new(),
            policies: Vec::new(),
            persistence: if get::<String>(r, 3) == "u" {
                Persistence::Unlogged
            } else {
                Persistence::Permanent
            },
            partition_by: opt(r, 7),
            partition_of,
            inherits,
            row_security: get(r, 4),
            force_row_security: get(r, 5),
            comment,
        },
    );
}

fn column_from_row(r: &PgRow) -> Column {
    let identity: String = get(r, 6);
    let generated: String = get(r, 7);
    let expr: Option<String> = opt(r, 5);
    Column {
        name: get(r, 2),
        data_type: get(r, 3),
        not_null: get(r, 4),
        default: if generated.is_empty() {
            expr.clone()
        } else {
            None
        },
        identity: (!identity.is_empty()).then(|| Identity {
            always: identity == "a",
            options: SequenceOptions {
                data_type: get(r, 11),
                start: get(r, 12),
                increment: get(r, 13),
                min_value: get(r, 14),
                max_value: get(r, 15),
                cache: get(r, 16),
                cycle: get(r, 17),
            },
        }),
        generated: if generated.is_empty() { None } else { expr },
        collation: opt(r, 8),
        comment: opt(r, 9),
    }
}

fn constraint_from_row(r: &PgRow) -> Constraint {
    let kind = match get::<String>(r, 3).as_str() {
        "p" => ConstraintKind::PrimaryKey,
        "u" => ConstraintKind::Unique,
        "c" => ConstraintKind::Check,
        "x" => ConstraintKind::Exclusion,
        _ => ConstraintKind::ForeignKey,
    };
    let references = opt::<String>(r, 6).map(|t| QualifiedName::new(get::<String>(r, 5), t));
    Constraint {
        name: get(r, 2),
        kind,
        definition: get(r, 4),
        references,
        comment: opt(r, 7),
    }
}
