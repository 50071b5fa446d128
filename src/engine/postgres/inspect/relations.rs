//! Relations and their columns from their catalog rows.

use super::assemble::Relation;
use super::partitions::partition_key;
#[allow(unused_imports)]
use super::*;
use crate::diff::quote::SqlName;

pub(super) fn relation_from_row(
    r: &PgRow,
    notes: &Annotations,
    parents: &mut HashMap<i64, Vec<QualifiedName>>,
    tables: &mut Vec<Table>,
    views: &mut Vec<View>,
) -> Result<Relation> {
    let oid: i64 = get(r, 0);
    let name = qname(r, 1, 2);
    let kind: String = get(r, 3);
    let comment = notes.comment(PG_CLASS, oid);
    if kind == "v" || kind == "m" {
        views.push(View {
            name,
            materialized: kind == "m",
            definition: get(r, 9),
            options: get(r, 10),
            columns: Vec::new(),
            indexes: Vec::new(),
            triggers: Vec::new(),
            depends_on: Vec::new(),
            comment,
        });
        return Ok(Relation::View(views.len() - 1));
    }
    let parents = parents.remove(&oid).unwrap_or_default();
    let bound: Option<String> = opt(r, 8);
    let (partition_of, inherits) = match bound {
        Some(b) => {
            let of = parents.first().cloned().map(|parent| PartitionOf {
                parent,
                bound: Expr::new(b),
            });
            (of, Vec::new())
        }
        None => (None, parents),
    };
    let partition_by = match opt::<String>(r, 7) {
        Some(d) => Some(partition_key(&d).ok_or_else(|| Error::Catalog {
            object: format!("table {name}", name = name.sql()),
            reason: format!("unexpected partition key {d}"),
        })?),
        None => None,
    };
    tables.push(Table {
        name,
        columns: Vec::new(),
        constraints: Vec::new(),
        indexes: Vec::new(),
        triggers: Vec::new(),
        policies: Vec::new(),
        persistence: if get::<String>(r, 4) == "u" {
            Persistence::Unlogged
        } else {
            Persistence::Permanent
        },
        partition_by,
        partition_of,
        inherits,
        row_security: get(r, 5),
        force_row_security: get(r, 6),
        storage: {
            let mut s: Vec<String> = get(r, 10);
            s.sort();
            s
        },
        access_method: opt(r, 11),
        comment,
    });
    Ok(Relation::Table(tables.len() - 1))
}

/// Puts every column into its table, view or composite type, in column-number order.
#[allow(clippy::too_many_arguments)]
pub(super) fn columns(
    rows: &Rows,
    notes: &Annotations,
    identities: &HashMap<(i64, i16), SequenceOptions>,
    relations: &HashMap<i64, Relation>,
    composites: &HashMap<i64, usize>,
    tables: &mut [Table],
    views: &mut [View],
    db: &mut Database,
) {
    let type_collations: HashMap<i64, i64> = rows["type collations"]
        .iter()
        .map(|r| (get(r, 0), get(r, 1)))
        .collect();
    let collation = |r: &PgRow| column_collation(r, &type_collations);
    let mut ordered: Vec<(i64, i16, &PgRow)> = rows["columns"]
        .iter()
        .map(|r| (get(r, 0), get(r, 1), r))
        .collect();
    ordered.sort_unstable_by_key(|&(relation, number, _)| (relation, number));
    for group in ordered.chunk_by(|a, b| a.0 == b.0) {
        match relations.get(&group[0].0) {
            Some(&Relation::Table(i)) => tables[i].columns.reserve_exact(group.len()),
            Some(&Relation::View(i)) => views[i].columns.reserve_exact(group.len()),
            None => {}
        }
    }
    for (relation, number, r) in ordered {
        match relations.get(&relation) {
            Some(&Relation::Table(i)) => {
                let t = &mut tables[i];
                // A partition's columns all come from its parent, yet are part of its shape
                // (and become its own when it is detached); an inheritance child's are not.
                if get::<bool>(r, 9) || t.partition_of.is_some() {
                    let comment = notes.column_comment(relation, number);
                    let expr = rows.expressions.column_default(opt(r, 12));
                    let mut column =
                        column_from_row(r, expr, identities.get(&(relation, number)), comment);
                    column.collation = collation(r);
                    t.columns.push(column);
                }
            }
            Some(&Relation::View(i)) => views[i].columns.push(ViewColumn {
                name: get(r, 2),
                data_type: get(r, 3),
                default: rows.expressions.column_default(opt(r, 12)).map(Expr::new),
                comment: notes.column_comment(relation, number),
            }),
            None => {
                if let Some(&i) = composites.get(&relation) {
                    db.composites[i].attributes.push(Attribute {
                        name: get(r, 2),
                        data_type: get(r, 3),
                        collation: collation(r),
                    });
                }
            }
        }
    }
}

pub(super) fn column_from_row(
    r: &PgRow,
    expr: Option<String>,
    sequence: Option<&SequenceOptions>,
    comment: Option<String>,
) -> Column {
    let identity: String = get(r, 6);
    let generated: String = get(r, 7);
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
            options: sequence.cloned().unwrap_or_else(|| SequenceOptions {
                data_type: String::new(),
                start: 0,
                increment: 0,
                min_value: 0,
                max_value: 0,
                cache: 0,
                cycle: false,
            }),
        }),
        generated: if generated.is_empty() { None } else { expr },
        collation: None,
        comment,
    }
}

/// The collation of a column when it is not its type's: `pg_catalog."default"` for the
/// database default (over a type that has another), else the name the query read.
pub(super) fn column_collation(r: &PgRow, type_collations: &HashMap<i64, i64>) -> Option<String> {
    const DEFAULT_COLLATION: i64 = 100;
    let own: i64 = get(r, 10);
    let of_type = type_collations.get(&get(r, 11)).copied().unwrap_or(0);
    if own == of_type {
        None
    } else if own == DEFAULT_COLLATION {
        Some("pg_catalog.\"default\"".to_string())
    } else {
        opt(r, 8)
    }
}
