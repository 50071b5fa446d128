//! Constraints from their `pg_constraint` rows: keys and foreign keys from column numbers,
//! checks from their expression, exclusion constraints as the server writes them.

#[allow(unused_imports)]
use super::*;

fn deferral(r: &PgRow) -> Deferral {
    Deferral {
        deferrable: get(r, 14),
        initially_deferred: get(r, 15),
    }
}

fn action(code: &str) -> ReferentialAction {
    match code {
        "r" => ReferentialAction::Restrict,
        "c" => ReferentialAction::Cascade,
        "n" => ReferentialAction::SetNull,
        "d" => ReferentialAction::SetDefault,
        _ => ReferentialAction::NoAction,
    }
}

/// Whether a row is a foreign key whose referenced columns are not among the columns read.
pub(super) fn references_unread_table(columns: &ColumnNames, r: &PgRow) -> bool {
    get::<String>(r, 3) == "f" && columns.names(get(r, 7), &get::<Vec<i16>>(r, 9)).is_none()
}

/// The constraint of one row of the `constraints` query.
pub(super) fn constraint(rows: &Rows, r: &PgRow, comment: Option<String>) -> Result<Constraint> {
    let table: i64 = get(r, 1);
    let name: String = get(r, 2);
    let unknown = || Error::Catalog {
        object: format!("constraint {name}"),
        reason: "it names a column that was not read".into(),
    };
    let names = |numbers: &[i16]| rows.columns.names(table, numbers).ok_or_else(unknown);
    let body = match get::<String>(r, 3).as_str() {
        kind @ ("p" | "u") => {
            let index_columns: Vec<i16> = get(r, 18);
            let key_count = get::<i16>(r, 19).max(0) as usize;
            let key = Key {
                columns: names(&get::<Vec<i16>>(r, 8))?,
                include: names(index_columns.get(key_count..).unwrap_or(&[]))?,
                nulls_distinct: !get::<bool>(r, 17),
                deferral: deferral(r),
            };
            if kind == "p" {
                ConstraintBody::PrimaryKey(key)
            } else {
                ConstraintBody::Unique(key)
            }
        }
        "c" => ConstraintBody::Check(Check {
            expression: Expr::new(rows.expressions.check(get(r, 0))),
            no_inherit: get(r, 20),
        }),
        "x" => ConstraintBody::Exclusion(Exclusion {
            definition: Expr::new(get::<String>(r, 4)),
        }),
        _ => ConstraintBody::ForeignKey(ForeignKey {
            columns: names(&get::<Vec<i16>>(r, 8))?,
            references: qname(r, 5, 6),
            referenced_columns: match rows.referenced_columns.get(&get(r, 0)) {
                Some(names) => names.clone(),
                None => rows
                    .columns
                    .names(get(r, 7), &get::<Vec<i16>>(r, 9))
                    .ok_or_else(unknown)?,
            },
            match_type: match get::<String>(r, 11).as_str() {
                "f" => MatchType::Full,
                "p" => MatchType::Partial,
                _ => MatchType::Simple,
            },
            on_update: action(&get::<String>(r, 12)),
            on_delete: action(&get::<String>(r, 13)),
            on_delete_columns: names(&opt::<Vec<i16>>(r, 10).unwrap_or_default())?,
            deferral: deferral(r),
        }),
    };
    Ok(Constraint {
        name,
        body,
        validated: get(r, 16),
        comment,
    })
}
