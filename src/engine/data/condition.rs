//! Row conditions that a program builds (the Python module's filters): columns compared with
//! bound arguments, combined with AND, OR and NOT. Column names are checked against the
//! table and quoted; values never enter the SQL, only `$n`, whose type the server infers
//! from the column it is compared with.

use super::catalog::{Kind, Table};
use super::error::Result;
use crate::diff::quote::ident;

/// A comparison of a column with an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `LIKE`, on the column's text form.
    Like,
    /// `ILIKE`, on the column's text form.
    ILike,
}

impl Compare {
    fn sql(self) -> &'static str {
        match self {
            Compare::Eq => "=",
            Compare::Ne => "<>",
            Compare::Lt => "<",
            Compare::Le => "<=",
            Compare::Gt => ">",
            Compare::Ge => ">=",
            Compare::Like => "LIKE",
            Compare::ILike => "ILIKE",
        }
    }
}

/// A condition on the rows of one table. `arg` is the 0-based position of the argument
/// among the condition's own; [`Condition::to_sql`] numbers them after the statement's
/// earlier parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Every row (no filter).
    All,
    Compare {
        column: String,
        op: Compare,
        arg: usize,
    },
    /// `column = ANY($n)`: the argument is an array of the column's type.
    In {
        column: String,
        arg: usize,
    },
    /// `(columns) IN (SELECT * FROM unnest($a::type[], ...))`: one array argument per
    /// column, the rows' values column by column (any number of rows, one parameter each).
    InRows {
        columns: Vec<String>,
        args: Vec<usize>,
    },
    /// Always false: `IN` an empty list.
    Nothing,
    IsNull {
        column: String,
    },
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
}

impl Condition {
    /// How many arguments the condition takes (one more than its highest `arg`).
    pub fn arg_count(&self) -> usize {
        match self {
            Condition::All | Condition::Nothing | Condition::IsNull { .. } => 0,
            Condition::Compare { arg, .. } | Condition::In { arg, .. } => arg + 1,
            Condition::InRows { args, .. } => args.iter().max().map_or(0, |a| a + 1),
            Condition::And(items) | Condition::Or(items) => {
                items.iter().map(Condition::arg_count).max().unwrap_or(0)
            }
            Condition::Not(inner) => inner.arg_count(),
        }
    }

    /// The columns the condition reads, in order of appearance.
    pub fn columns(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk_columns(&mut out);
        out
    }

    fn walk_columns<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Condition::All | Condition::Nothing => {}
            Condition::Compare { column, .. }
            | Condition::In { column, .. }
            | Condition::IsNull { column } => out.push(column),
            Condition::InRows { columns, .. } => out.extend(columns.iter().map(String::as_str)),
            Condition::And(items) | Condition::Or(items) => {
                items.iter().for_each(|c| c.walk_columns(out))
            }
            Condition::Not(inner) => inner.walk_columns(out),
        }
    }

    /// The SQL of the condition on the rows of `table` as `alias`; argument `arg` is
    /// `$(before + arg + 1)`, cast to its column's type when `cast` (for a caller that
    /// cannot ask the server for the types it infers). `None` for [`Condition::All`] (no
    /// WHERE clause at all).
    pub fn to_sql(
        &self,
        table: &Table,
        alias: &str,
        before: usize,
        cast: bool,
    ) -> Result<Option<String>> {
        if *self == Condition::All {
            return Ok(None);
        }
        self.sql(table, alias, before, cast).map(Some)
    }

    fn sql(&self, table: &Table, alias: &str, before: usize, cast: bool) -> Result<String> {
        let column = |name: &str| -> Result<(String, bool, String)> {
            let c = table.column(name)?;
            Ok((
                format!("{alias}.{}", ident(&c.name)),
                matches!(c.kind, Kind::Text),
                if cast {
                    format!("::{}", c.cast_type)
                } else {
                    String::new()
                },
            ))
        };
        let join = |items: &[Condition], word: &str, empty: &str| -> Result<String> {
            if items.is_empty() {
                return Ok(empty.to_string());
            }
            let parts = items
                .iter()
                .map(|c| c.sql(table, alias, before, cast))
                .collect::<Result<Vec<_>>>()?;
            Ok(format!("({})", parts.join(&format!(" {word} "))))
        };
        Ok(match self {
            Condition::All => "true".to_string(),
            Condition::Nothing => "false".to_string(),
            Condition::Compare {
                column: name,
                op,
                arg,
            } => {
                let (c, text, ty) = column(name)?;
                let n = before + arg + 1;
                match op {
                    Compare::Like | Compare::ILike if !text => {
                        format!("{c}::text {} ${n}", op.sql())
                    }
                    Compare::Like | Compare::ILike => format!("{c} {} ${n}", op.sql()),
                    _ => format!("{c} {} ${n}{ty}", op.sql()),
                }
            }
            Condition::In { column: name, arg } => {
                let (c, _, ty) = column(name)?;
                let ty = if cast { format!("{ty}[]") } else { ty };
                format!("{c} = ANY(${}{ty})", before + arg + 1)
            }
            Condition::IsNull { column: name } => format!("{} IS NULL", column(name)?.0),
            Condition::InRows { columns, args } => {
                let mut names = Vec::new();
                let mut arrays = Vec::new();
                for (name, arg) in columns.iter().zip(args) {
                    let c = table.column(name)?;
                    names.push(format!("{alias}.{}", ident(&c.name)));
                    arrays.push(format!("${}::{}[]", before + arg + 1, c.cast_type));
                }
                format!(
                    "({}) IN (SELECT * FROM unnest({}))",
                    names.join(", "),
                    arrays.join(", ")
                )
            }
            Condition::And(items) => join(items, "AND", "true")?,
            Condition::Or(items) => join(items, "OR", "false")?,
            Condition::Not(inner) => {
                format!("NOT ({})", inner.sql(table, alias, before, cast)?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::data::catalog::{Column, TableKind};

    fn table() -> Table {
        let column = |name: &str, kind: Kind, sql_type: &str| Column {
            name: name.into(),
            sql_type: sql_type.into(),
            cast_type: sql_type.into(),
            kind,
            not_null: false,
            identity_always: false,
            generated: false,
            sequence_backed: false,
            exact: false,
            base_type: sql_type.into(),
        };
        Table {
            schema: "public".into(),
            name: "users".into(),
            kind: TableKind::Table,
            columns: vec![
                column("id", Kind::Int8, "bigint"),
                column("E-mail", Kind::Text, "text"),
            ],
            unique_keys: Vec::new(),
            foreign_keys: Vec::new(),
        }
    }

    #[test]
    fn renders_numbered_arguments_and_quoted_names() {
        let c = Condition::Or(vec![
            Condition::And(vec![
                Condition::Compare {
                    column: "id".into(),
                    op: Compare::Ge,
                    arg: 0,
                },
                Condition::Compare {
                    column: "id".into(),
                    op: Compare::Like,
                    arg: 1,
                },
            ]),
            Condition::Not(Box::new(Condition::IsNull {
                column: "E-mail".into(),
            })),
            Condition::In {
                column: "E-mail".into(),
                arg: 2,
            },
        ]);
        assert_eq!(c.arg_count(), 3);
        assert_eq!(
            c.to_sql(&table(), "t", 2, false).unwrap().unwrap(),
            r#"((t.id >= $3 AND t.id::text LIKE $4) OR NOT (t."E-mail" IS NULL) OR t."E-mail" = ANY($5))"#
        );
        assert_eq!(
            Condition::All.to_sql(&table(), "t", 0, false).unwrap(),
            None
        );
        let by_id = Condition::In {
            column: "id".into(),
            arg: 0,
        };
        assert_eq!(
            by_id.to_sql(&table(), "t", 0, true).unwrap().unwrap(),
            "t.id = ANY($1::bigint[])"
        );
        let rows = Condition::InRows {
            columns: vec!["id".into(), "E-mail".into()],
            args: vec![0, 1],
        };
        assert_eq!(rows.arg_count(), 2);
        assert_eq!(
            rows.to_sql(&table(), "t", 0, false).unwrap().unwrap(),
            r#"(t.id, t."E-mail") IN (SELECT * FROM unnest($1::bigint[], $2::text[]))"#
        );
        assert_eq!(
            Condition::Or(Vec::new())
                .to_sql(&table(), "t", 0, false)
                .unwrap(),
            Some("false".into())
        );
    }

    #[test]
    fn unknown_columns_list_the_columns() {
        let e = Condition::IsNull {
            column: "mail".into(),
        }
        .to_sql(&table(), "t", 0, false)
        .unwrap_err()
        .to_string();
        assert!(e.contains("no column mail") && e.contains("E-mail"), "{e}");
    }
}
