//! The upsert plan: the input's fields matched to the table's columns, the conflict and
//! update columns checked, and the SQL of the staging table and the merge.

use std::collections::HashSet;

use super::{UpsertOptions, ORD, STAGE};
use crate::diff::quote::{ident, ident_list, truncated, MAX_NAME_BYTES};
use crate::engine::data::catalog::{Kind, Table};
use crate::engine::data::error::{DataError, Result};
use crate::engine::data::input::FieldIndex;

/// How input fields map onto the table, checked before any row is read.
#[derive(Debug, Clone)]
pub struct UpsertPlan {
    pub(super) table: String,
    /// The table's columns in input field order.
    pub(super) fields: Vec<FieldColumn>,
    pub(super) on: Vec<String>,
    pub(super) update: Vec<String>,
    pub(super) do_nothing: bool,
    pub(super) overriding: bool,
    /// Positions (in `fields`) of the conflict columns.
    pub(super) key_positions: Vec<usize>,
    pub(super) index: FieldIndex,
    /// What the plan was made from, to extend it when a later row brings a new field.
    pub(super) origin: std::sync::Arc<(Table, String, UpsertOptions)>,
    pub(super) names: Vec<String>,
}

#[derive(Debug, Clone)]
pub(super) struct FieldColumn {
    pub(super) name: String,
    pub(super) sql_type: String,
    pub(super) kind: Kind,
    pub(super) not_null: bool,
    pub(super) exact: bool,
    pub(super) sequence_backed: bool,
}

impl UpsertPlan {
    /// Checks the input's fields and the options against the table.
    pub fn new(
        table: &Table,
        input: &str,
        fields: &[String],
        options: &UpsertOptions,
    ) -> Result<UpsertPlan> {
        if !table.kind.writable() {
            return Err(DataError::Invalid(format!(
                "{} is a view, not a table",
                table.display()
            )));
        }
        if fields.is_empty() {
            return Err(DataError::Input {
                path: input.to_string(),
                message: "no fields: the input is empty or has no header".into(),
            });
        }
        // Names are cut to 63 bytes as PostgreSQL cuts them.
        let stored: Vec<&str> = fields.iter().map(|f| truncated(f)).collect();
        if let Some((i, j)) = (0..stored.len()).find_map(|j| {
            stored[..j]
                .iter()
                .position(|s| *s == stored[j])
                .map(|i| (i, j))
        }) {
            return Err(DataError::Input {
                path: input.to_string(),
                message: format!(
                    "fields {:?} and {:?} both name column {:?} (PostgreSQL keeps the first {MAX_NAME_BYTES} bytes of a name); each column may appear once",
                    fields[i], fields[j], stored[j]
                ),
            });
        }
        let on: Vec<String> = options
            .on
            .iter()
            .map(|n| truncated(n).to_string())
            .collect();
        let mut columns = Vec::new();
        let mut overriding = false;
        for (field, &stored) in fields.iter().zip(&stored) {
            let Some(c) = table.columns.iter().find(|c| c.name == stored) else {
                return Err(DataError::UnknownField {
                    input: input.to_string(),
                    table: table.display(),
                    field: field.clone(),
                    existing: table.column_names(),
                });
            };
            if c.generated {
                return Err(DataError::Invalid(format!(
                    "{input}: field {field:?}: {}.{field} is a generated column and cannot be written",
                    table.display()
                )));
            }
            overriding |= c.identity_always;
            columns.push(FieldColumn {
                name: c.name.clone(),
                sql_type: c.sql_type.clone(),
                kind: c.kind.clone(),
                not_null: c.not_null,
                exact: c.exact,
                sequence_backed: c.sequence_backed,
            });
        }
        if on.is_empty() {
            return Err(DataError::NoConflictColumns);
        }
        for name in &on {
            table.column(name)?;
        }
        let wanted: HashSet<&String> = on.iter().collect();
        if !table
            .unique_keys
            .iter()
            .any(|k| k.columns.iter().collect::<HashSet<_>>() == wanted)
        {
            return Err(DataError::NoUniqueKey {
                table: table.display(),
                columns: options.on.join(","),
                candidates: table.key_candidates(),
            });
        }
        let position = |name: &str| stored.iter().position(|f| *f == truncated(name));
        let mut key_positions = Vec::new();
        for name in &on {
            key_positions.push(
                position(name).ok_or_else(|| DataError::ConflictColumnMissing {
                    input: input.to_string(),
                    column: name.clone(),
                })?,
            );
        }
        let update = match &options.update {
            Some(list) => {
                for name in list {
                    table.column(name)?;
                    if position(name).is_none() {
                        return Err(DataError::UpdateColumnMissing {
                            input: input.to_string(),
                            column: name.clone(),
                        });
                    }
                    if on.iter().any(|k| k == truncated(name)) {
                        return Err(DataError::UpdateColumnIsConflict {
                            column: name.clone(),
                        });
                    }
                }
                list.iter().map(|n| truncated(n).to_string()).collect()
            }
            None => stored
                .iter()
                .filter(|f| !on.iter().any(|k| k == *f))
                .map(|f| f.to_string())
                .collect(),
        };
        Ok(UpsertPlan {
            table: table.qualified(),
            index: FieldIndex::new(fields),
            origin: std::sync::Arc::new((table.clone(), input.to_string(), options.clone())),
            names: fields.to_vec(),
            fields: columns,
            on,
            update,
            do_nothing: options.do_nothing,
            overriding,
            key_positions,
        })
    }

    /// The plan with one more input field (a JSON row brought a key the first row lacked);
    /// the rows before it have NULL there, as when a row leaves a field out.
    pub(super) fn extended(&self, name: &str) -> std::result::Result<UpsertPlan, String> {
        let (table, input, options) = &*self.origin;
        if table.columns.iter().all(|c| c.name != name) {
            return Err(format!(
                "unknown field: {} has no such column; columns: {}",
                table.display(),
                table.column_names().join(", ")
            ));
        }
        let mut names = self.names.clone();
        names.push(name.to_string());
        UpsertPlan::new(table, input, &names, options).map_err(|e| e.to_string())
    }

    /// Adds the last field of `self` to the staging table.
    pub(super) fn add_stage_column_sql(&self) -> String {
        let c = self.fields.last().expect("an extended plan has fields");
        format!(
            "ALTER TABLE {STAGE} ADD COLUMN {} {}",
            ident(&c.name),
            c.sql_type
        )
    }

    pub(super) fn create_stage_sql(&self) -> String {
        let columns: Vec<String> = self
            .fields
            .iter()
            .map(|c| format!("{} {}", ident(&c.name), c.sql_type))
            .collect();
        format!(
            "CREATE TEMPORARY TABLE dbridge_upsert ({ORD} int8, {}) ON COMMIT DELETE ROWS",
            columns.join(", ")
        )
    }

    pub(super) fn copy_sql(&self) -> String {
        let names: Vec<&str> = self.fields.iter().map(|c| c.name.as_str()).collect();
        format!("COPY {STAGE} ({ORD}, {}) FROM STDIN", ident_list(&names))
    }

    /// The merge; with `upto`, only the rows numbered up to `$1` (to find a failing row).
    pub(super) fn insert_sql(&self, upto: bool) -> String {
        let names: Vec<&str> = self.fields.iter().map(|c| c.name.as_str()).collect();
        let columns = ident_list(&names);
        let filter = if upto {
            format!(" WHERE {ORD} <= $1")
        } else {
            String::new()
        };
        let action = if self.updates() {
            format!(
                "DO UPDATE SET {} WHERE {}",
                self.set("EXCLUDED"),
                self.changed("EXCLUDED")
            )
        } else {
            "DO NOTHING".to_string()
        };
        format!(
            "INSERT INTO {table} AS t ({columns}){overriding} \
             SELECT {columns} FROM {STAGE}{filter} ON CONFLICT ({on}) {action}",
            table = self.table,
            overriding = self.overriding(),
            on = ident_list(&self.on),
        )
    }

    /// The same merge as one `MERGE` (PostgreSQL 15 and later), which does less work for
    /// each row than `ON CONFLICT` (no speculative insertion, no separate lock of the row it
    /// updates): the staged rows joined with the table on the conflict columns, the matched
    /// ones that differ updated, the others inserted.
    pub(super) fn merge_sql(&self) -> String {
        let names: Vec<&str> = self.fields.iter().map(|c| c.name.as_str()).collect();
        let join: Vec<String> = self
            .on
            .iter()
            .map(|c| format!("t.{0} = s.{0}", ident(c)))
            .collect();
        let values: Vec<String> = names.iter().map(|n| format!("s.{}", ident(n))).collect();
        let update = if self.updates() {
            format!(
                "WHEN MATCHED AND {} THEN UPDATE SET {} ",
                self.changed("s"),
                self.set("s")
            )
        } else {
            String::new()
        };
        format!(
            "MERGE INTO {table} AS t USING {STAGE} AS s ON {join} {update}\
             WHEN NOT MATCHED THEN INSERT ({columns}){overriding} VALUES ({values})",
            table = self.table,
            join = join.join(" AND "),
            columns = ident_list(&names),
            overriding = self.overriding(),
            values = values.join(", "),
        )
    }

    /// Whether rows whose key exists are updated (else left alone).
    fn updates(&self) -> bool {
        !self.do_nothing && !self.update.is_empty()
    }

    fn overriding(&self) -> &'static str {
        if self.overriding {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        }
    }

    /// The update columns set from the new row `new`.
    fn set(&self, new: &str) -> String {
        let set: Vec<String> = self
            .update
            .iter()
            .map(|c| format!("{0} = {new}.{0}", ident(c)))
            .collect();
        set.join(", ")
    }

    /// Whether the new row `new` changes any update column of the table's row `t`.
    fn changed(&self, new: &str) -> String {
        let side = |prefix: &str| -> Vec<String> {
            self.update
                .iter()
                .map(|name| {
                    let exact = self
                        .fields
                        .iter()
                        .find(|c| &c.name == name)
                        .is_none_or(|c| c.exact);
                    // Identical text under a byte-wise collation, not merely equal.
                    let text = if exact { "" } else { "::text COLLATE \"C\"" };
                    format!("{prefix}.{}{text}", ident(name))
                })
                .collect()
        };
        format!(
            "({}) IS DISTINCT FROM ({})",
            side("t").join(", "),
            side(new).join(", ")
        )
    }

    pub(super) fn dedupe_sql(&self) -> String {
        let same: Vec<String> = self
            .on
            .iter()
            .map(|c| format!("d.{0} = l.{0}", ident(c)))
            .collect();
        format!(
            "DELETE FROM {STAGE} d USING {STAGE} l WHERE {} AND l.{ORD} > d.{ORD}",
            same.join(" AND ")
        )
    }
}
