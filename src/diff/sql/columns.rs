//! Columns: their definition, and the `ALTER COLUMN` steps between two versions of one.

use super::sequences::{identity_defaults, sequence_option_list, sequence_options};
use super::types::collate;
use super::{Context, Mode, Phase, Steps};
use crate::diff::model::*;
use crate::diff::quote;
use crate::diff::quote::SqlName;

/// A column as it appears in `CREATE TABLE` or `ADD COLUMN`.
pub(crate) fn column_definition(c: &Column) -> String {
    let mut sql = format!(
        "{} {}{}",
        quote::ident(&c.name),
        c.data_type,
        collate(&c.collation)
    );
    if let Some(expr) = &c.generated {
        sql += &format!(" GENERATED ALWAYS AS ({expr}) STORED");
    }
    if let Some(d) = &c.default {
        sql += &format!(" DEFAULT {d}");
    }
    if c.not_null {
        sql += " NOT NULL";
    }
    if let Some(id) = &c.identity {
        sql += &identity_clause(id, &c.data_type);
    }
    sql
}

fn identity_clause(id: &Identity, data_type: &str) -> String {
    let how = if id.always { "ALWAYS" } else { "BY DEFAULT" };
    let opts = identity_options(id, data_type);
    let opts = if opts.is_empty() {
        String::new()
    } else {
        format!(" ({})", opts.trim())
    };
    format!(" GENERATED {how} AS IDENTITY{opts}")
}

/// Identity sequence options other than the defaults for the column's type.
fn identity_options(id: &Identity, data_type: &str) -> String {
    let typed = SequenceOptions {
        data_type: data_type.to_string(),
        ..id.options.clone()
    };
    sequence_options(&typed, Some(&identity_defaults(data_type, typed.increment)))
}

pub(crate) fn add(out: &mut Steps, table: &QualifiedName, c: &Column) {
    out.push(
        Phase::Column,
        0,
        format!(
            "ALTER TABLE {table} ADD COLUMN {}",
            column_definition(c),
            table = table.sql()
        ),
    );
    comment(out, table, &None, c);
}

pub(crate) fn comment(out: &mut Steps, table: &QualifiedName, old: &Option<String>, c: &Column) {
    out.comment(
        Phase::Column,
        &format!(
            "COLUMN {table}.{}",
            quote::ident(&c.name),
            table = table.sql()
        ),
        old,
        &c.comment,
    );
}

/// The `USING` expression that converts a column to a new type.
fn using(c: &Column, from_type: &str, ctx: &Context) -> String {
    let name = quote::ident(&c.name);
    let is_enum = |t: &str| {
        ctx.from
            .enums
            .iter()
            .chain(&ctx.to.enums)
            .any(|e| e.name.sql().to_string() == t.trim_end_matches("[]"))
    };
    if (is_enum(from_type) || is_enum(&c.data_type)) && !c.data_type.starts_with("text") {
        let text = if c.data_type.ends_with("[]") {
            "text[]"
        } else {
            "text"
        };
        format!("{name}::{text}::{}", c.data_type)
    } else {
        format!("{name}::{}", c.data_type)
    }
}

pub(crate) fn alter(out: &mut Steps, table: &QualifiedName, f: &Column, t: &Column, ctx: &Context) {
    let col = format!(
        "ALTER TABLE {table} ALTER COLUMN {}",
        quote::ident(&t.name),
        table = table.sql()
    );
    let p = Phase::Column;
    let retyped = f.data_type != t.data_type || f.collation != t.collation;
    let identity_removed = f.identity.is_some() && t.identity.is_none();
    if identity_removed {
        // Before anything else of the phase: a serial sequence that replaces the identity's
        // takes its name (see `types::add`).
        out.push(p, -2, format!("{col} DROP IDENTITY"));
    }
    let default_changes = f.default != t.default;
    if f.default.is_some() && (default_changes || retyped) {
        out.push(p, 0, format!("{col} DROP DEFAULT"));
    }
    if retyped {
        out.push(
            p,
            0,
            format!(
                "{col} TYPE {}{} USING {}",
                t.data_type,
                collate(&t.collation),
                using(t, &f.data_type, ctx)
            ),
        );
    }
    if let Some(d) = &t.default {
        if default_changes || retyped {
            out.push(p, 0, format!("{col} SET DEFAULT {d}"));
            // identity -> serial on a table with rows: the new sequence continues after them.
            let new_serial = serial_sequence(ctx.to, table, t)
                .filter(|s| !ctx.from.sequences.iter().any(|f| &f.name == s));
            if let Some(seq) = new_serial.filter(|_| ctx.keeps_existing(table)) {
                out.push(
                    p,
                    0,
                    format!(
                        "SELECT setval({}, max({c})) FROM {table}",
                        quote::literal(&seq.sql().to_string()),
                        c = quote::ident(&t.name),
                        table = table.sql()
                    ),
                );
            }
        }
    }
    let adds_identity = f.identity.is_none() && t.identity.is_some();
    if ctx.safe && t.not_null && !f.not_null && !adds_identity && ctx.keeps_existing(table) {
        set_not_null_safely(out, table, &t.name);
    } else if f.not_null != t.not_null {
        let verb = if t.not_null { "SET" } else { "DROP" };
        out.push(p, 0, format!("{col} {verb} NOT NULL"));
    }
    match (&f.identity, &t.identity) {
        (None, Some(id)) => {
            // serial -> identity: the old sequence goes first, so that the identity's takes
            // its name (not `<table>_<column>_seq1`).
            if let Some(seq) = serial_sequence(ctx.from, table, f)
                .filter(|s| !ctx.to.sequences.iter().any(|t| &t.name == s))
            {
                out.push(p, 0, format!("DROP SEQUENCE {}", seq.sql()));
            }
            out.push(
                p,
                0,
                format!("{col} ADD{}", identity_clause(id, &t.data_type)),
            );
            if ctx.keeps_existing(table) {
                // The rows keep their ids: the identity continues after them.
                out.push(
                    p,
                    0,
                    format!(
                        "SELECT setval(pg_get_serial_sequence({}, {}), max({c})) FROM {table}",
                        quote::literal(&table.sql().to_string()),
                        quote::literal(&t.name),
                        c = quote::ident(&t.name),
                        table = table.sql()
                    ),
                );
            }
        }
        (Some(a), Some(b)) if a != b => {
            let mut sql = col.clone();
            if a.always != b.always {
                sql += if b.always {
                    " SET GENERATED ALWAYS"
                } else {
                    " SET GENERATED BY DEFAULT"
                };
            }
            let a_typed = SequenceOptions {
                data_type: t.data_type.clone(),
                ..a.options.clone()
            };
            let b_typed = SequenceOptions {
                data_type: t.data_type.clone(),
                ..b.options.clone()
            };
            for part in sequence_option_list(&b_typed, Some(&a_typed)) {
                sql += &format!(" SET {part}");
            }
            if sql != col {
                out.push(p, 0, sql);
            }
        }
        _ => {}
    }
    comment(out, table, &f.comment, t);
}

/// The sequence a serial column `c` of `table` takes its default from and that it owns
/// (`nextval('public.t_id_seq'::regclass)`), in `db`.
fn serial_sequence(db: &Database, table: &QualifiedName, c: &Column) -> Option<QualifiedName> {
    let default = c.default.as_deref()?;
    db.sequences
        .iter()
        .find(|s| {
            s.owned_by
                .as_ref()
                .is_some_and(|(t, col)| t == table && col == &c.name)
                && default.contains(&format!("nextval('{}'", s.name.sql()))
        })
        .map(|s| s.name.clone())
}

/// `SET NOT NULL` without a long exclusive scan: a `CHECK (c IS NOT NULL)` added NOT VALID,
/// validated under a weaker lock, lets PostgreSQL set NOT NULL without scanning; the check is
/// dropped afterwards.
fn set_not_null_safely(out: &mut Steps, table: &QualifiedName, column: &str) {
    let check = format!("{}_{column}_not_null", table.name);
    let check = quote::truncated(&check);
    let (c, k) = (quote::ident(column), quote::ident(check));
    out.push(
        Phase::Column,
        0,
        format!(
            "ALTER TABLE {table} ADD CONSTRAINT {k} CHECK ({c} IS NOT NULL) NOT VALID",
            table = table.sql()
        ),
    );
    for (rank, sql) in [
        format!(
            "ALTER TABLE {table} VALIDATE CONSTRAINT {k}",
            table = table.sql()
        ),
        format!(
            "ALTER TABLE {table} ALTER COLUMN {c} SET NOT NULL",
            table = table.sql()
        ),
        format!(
            "ALTER TABLE {table} DROP CONSTRAINT {k}",
            table = table.sql()
        ),
    ]
    .into_iter()
    .enumerate()
    {
        out.push_mode(Phase::Validate, rank as i64, sql, Mode::Validate);
    }
}
