//! The single statements of a program's table methods (the Python module's `insert_one`,
//! `upsert_one`, `update` and `delete`): checked against the catalog, names quoted, every
//! value a `$n` whose type the server infers from its column, and `RETURNING` the table's
//! columns as stored.
//!
//! The text of each statement depends only on the table and the column names, so a server
//! that caches prepared statements reuses them across calls.

use super::catalog::{Column, Table};
use super::condition::Condition;
use super::error::{DataError, Result};
use crate::diff::quote::{ident, ident_list};

/// A statement and the columns its `RETURNING` gives back (empty without one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sql: String,
    pub returns: Vec<String>,
}

/// The alias of the table in every statement.
const ALIAS: &str = "t";

/// `$n`, cast to the column's type when `cast` (for a caller that types its arguments
/// itself rather than by the server's inference).
fn arg(n: usize, column: &Column, cast: bool) -> String {
    if cast {
        format!("${n}::{}", column.cast_type)
    } else {
        format!("${n}")
    }
}

fn returning(table: &Table, wanted: bool) -> (String, Vec<String>) {
    if !wanted {
        return (String::new(), Vec::new());
    }
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("{ALIAS}.{}", ident(&c.name)))
        .collect();
    (
        format!(" RETURNING {}", columns.join(", ")),
        table.column_names(),
    )
}

/// The columns a statement writes, checked: the table is writable, each column exists, is
/// written once and is not generated.
fn written<'t>(table: &'t Table, names: &[String]) -> Result<Vec<&'t Column>> {
    if !table.kind.writable() {
        return Err(DataError::Invalid(format!(
            "{} is a view, not a table",
            table.display()
        )));
    }
    let mut columns: Vec<&Column> = Vec::with_capacity(names.len());
    for name in names {
        let column = table.column(name)?;
        if columns.iter().any(|c| c.name == column.name) {
            return Err(DataError::Invalid(format!(
                "column {name:?} is given twice"
            )));
        }
        if column.generated {
            return Err(DataError::Invalid(format!(
                "{}.{name} is a generated column and cannot be written",
                table.display()
            )));
        }
        columns.push(column);
    }
    Ok(columns)
}

/// `INSERT` of one row of `columns` (values `$1..$n` in that order); with no column, the
/// row of defaults.
pub fn insert(
    table: &Table,
    columns: &[String],
    returning_rows: bool,
    cast: bool,
) -> Result<Statement> {
    let written = written(table, columns)?;
    let (tail, returns) = returning(table, returning_rows);
    Ok(Statement {
        sql: format!("{}{tail}", insert_head(table, &written, cast)),
        returns,
    })
}

fn insert_head(table: &Table, written: &[&Column], cast: bool) -> String {
    if written.is_empty() {
        return format!(
            "INSERT INTO {} AS {ALIAS} DEFAULT VALUES",
            table.qualified()
        );
    }
    let names: Vec<&str> = written.iter().map(|c| c.name.as_str()).collect();
    let values: Vec<String> = written
        .iter()
        .enumerate()
        .map(|(i, c)| arg(i + 1, c, cast))
        .collect();
    // A value for an identity GENERATED ALWAYS column is what the caller asked for.
    let overriding = if written.iter().any(|c| c.identity_always) {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    format!(
        "INSERT INTO {} AS {ALIAS} ({}){overriding} VALUES ({})",
        table.qualified(),
        ident_list(&names),
        values.join(", ")
    )
}

/// `INSERT ... ON CONFLICT (conflict) DO UPDATE` of one row, returning the row as it is
/// afterwards (inserted, updated, or, when nothing is to be updated, as it was). `update`
/// defaults to every written column outside the conflict columns.
pub fn upsert_one(
    table: &Table,
    columns: &[String],
    conflict: &[String],
    update: Option<&[String]>,
    cast: bool,
) -> Result<Statement> {
    let written = written(table, columns)?;
    if conflict.is_empty() {
        return Err(DataError::NoConflictColumns);
    }
    let mut keys = Vec::new();
    for name in conflict {
        let column = table.column(name)?;
        if !written.iter().any(|c| c.name == column.name) {
            return Err(DataError::ConflictColumnMissing {
                input: "data".into(),
                column: name.clone(),
            });
        }
        keys.push(column.name.as_str());
    }
    if !table.unique_keys.iter().any(|k| {
        k.columns.len() == keys.len() && k.columns.iter().all(|c| keys.contains(&c.as_str()))
    }) {
        return Err(DataError::NoUniqueKey {
            table: table.display(),
            columns: conflict.join(","),
            candidates: table.key_candidates(),
        });
    }
    let updated: Vec<&str> = match update {
        Some(names) => {
            let mut out = Vec::new();
            for name in names {
                let column = table.column(name)?;
                if keys.contains(&column.name.as_str()) {
                    return Err(DataError::UpdateColumnIsConflict {
                        column: name.clone(),
                    });
                }
                if !written.iter().any(|c| c.name == column.name) {
                    return Err(DataError::UpdateColumnMissing {
                        input: "data".into(),
                        column: name.clone(),
                    });
                }
                out.push(column.name.as_str());
            }
            out
        }
        None => written
            .iter()
            .map(|c| c.name.as_str())
            .filter(|c| !keys.contains(c))
            .collect(),
    };
    // With nothing to update, a no-op update still makes RETURNING give the existing row.
    let set: Vec<String> = if updated.is_empty() {
        vec![format!("{0} = EXCLUDED.{0}", ident(keys[0]))]
    } else {
        updated
            .iter()
            .map(|c| format!("{0} = EXCLUDED.{0}", ident(c)))
            .collect()
    };
    let (tail, returns) = returning(table, true);
    Ok(Statement {
        sql: format!(
            "{} ON CONFLICT ({}) DO UPDATE SET {}{tail}",
            insert_head(table, &written, cast),
            ident_list(&keys),
            set.join(", ")
        ),
        returns,
    })
}

/// `UPDATE` of `columns` (values `$1..$n`) on the rows matching `condition` (its arguments
/// numbered after the values).
pub fn update(
    table: &Table,
    columns: &[String],
    condition: &Condition,
    returning_rows: bool,
    cast: bool,
) -> Result<Statement> {
    let written = written(table, columns)?;
    if written.is_empty() {
        return Err(DataError::Invalid(format!(
            "an update of {} needs at least one column to set",
            table.display()
        )));
    }
    let set: Vec<String> = written
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{} = {}", ident(&c.name), arg(i + 1, c, cast)))
        .collect();
    let (tail, returns) = returning(table, returning_rows);
    Ok(Statement {
        sql: format!(
            "UPDATE {} AS {ALIAS} SET {}{}{tail}",
            table.qualified(),
            set.join(", "),
            where_clause(table, condition, written.len(), cast)?
        ),
        returns,
    })
}

/// `DELETE` of the rows matching `condition`.
pub fn delete(
    table: &Table,
    condition: &Condition,
    returning_rows: bool,
    cast: bool,
) -> Result<Statement> {
    written(table, &[])?;
    let (tail, returns) = returning(table, returning_rows);
    Ok(Statement {
        sql: format!(
            "DELETE FROM {} AS {ALIAS}{}{tail}",
            table.qualified(),
            where_clause(table, condition, 0, cast)?
        ),
        returns,
    })
}

fn where_clause(table: &Table, condition: &Condition, before: usize, cast: bool) -> Result<String> {
    Ok(match condition.to_sql(table, ALIAS, before, cast)? {
        Some(sql) => format!(" WHERE {sql}"),
        None => String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::data::catalog::{Kind, TableKind, UniqueKey};
    use crate::engine::data::condition::Compare;

    fn table() -> Table {
        let column = |name: &str, identity_always: bool, generated: bool| Column {
            name: name.into(),
            sql_type: "bigint".into(),
            cast_type: "bigint".into(),
            kind: Kind::Int8,
            not_null: false,
            identity_always,
            generated,
            sequence_backed: identity_always,
            exact: false,
            base_type: "int8".into(),
        };
        Table {
            schema: "blog".into(),
            name: "posts".into(),
            kind: TableKind::Table,
            columns: vec![
                column("id", true, false),
                column("Views", false, false),
                column("double", false, true),
            ],
            unique_keys: vec![UniqueKey {
                name: "posts_pkey".into(),
                primary: true,
                columns: vec!["id".into()],
            }],
            foreign_keys: Vec::new(),
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn statements_quote_names_and_number_values() {
        let t = table();
        let returns = r#" RETURNING t.id, t."Views", t.double"#;
        assert_eq!(
            insert(&t, &names(&["id", "Views"]), true, false)
                .unwrap()
                .sql,
            format!(
                r#"INSERT INTO blog.posts AS t (id, "Views") OVERRIDING SYSTEM VALUE VALUES ($1, $2){returns}"#
            )
        );
        assert_eq!(
            insert(&t, &[], false, false).unwrap().sql,
            r#"INSERT INTO blog.posts AS t DEFAULT VALUES"#
        );
        assert_eq!(
            upsert_one(&t, &names(&["id", "Views"]), &names(&["id"]), None, false)
                .unwrap()
                .sql,
            format!(
                r#"INSERT INTO blog.posts AS t (id, "Views") OVERRIDING SYSTEM VALUE VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET "Views" = EXCLUDED."Views"{returns}"#
            )
        );
        let by_id = Condition::Compare {
            column: "id".into(),
            op: Compare::Eq,
            arg: 0,
        };
        assert_eq!(
            update(&t, &names(&["Views"]), &by_id, false, false)
                .unwrap()
                .sql,
            r#"UPDATE blog.posts AS t SET "Views" = $1 WHERE t.id = $2"#
        );
        assert_eq!(
            update(&t, &names(&["Views"]), &by_id, false, true)
                .unwrap()
                .sql,
            r#"UPDATE blog.posts AS t SET "Views" = $1::bigint WHERE t.id = $2::bigint"#
        );
        assert_eq!(
            delete(&t, &Condition::All, true, false).unwrap().sql,
            format!("DELETE FROM blog.posts AS t{returns}")
        );
    }

    #[test]
    fn bad_columns_and_keys_are_refused() {
        let t = table();
        let err = |r: Result<Statement>| r.unwrap_err().to_string();
        assert!(err(insert(&t, &names(&["double"]), false, false)).contains("generated column"));
        assert!(err(insert(&t, &names(&["Views", "Views"]), false, false)).contains("twice"));
        assert!(err(insert(&t, &names(&["nope"]), false, false)).contains("no column nope"));
        assert!(err(upsert_one(
            &t,
            &names(&["Views"]),
            &names(&["Views"]),
            None,
            false
        ))
        .contains("match no primary key or unique index"));
        assert!(err(upsert_one(
            &t,
            &names(&["Views"]),
            &names(&["id"]),
            None,
            false
        ))
        .contains("conflict column id is not in the input"));
        assert!(err(update(&t, &[], &Condition::All, false, false)).contains("at least one column"));
    }
}
