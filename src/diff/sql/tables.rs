//! Tables: create, and the table-level attributes of an existing table.

use super::columns::column_definition;
use super::{Context, Phase, Steps};
use crate::diff::model::*;
use crate::diff::postgres::definitions;
use crate::diff::quote;
use crate::diff::quote::SqlName;

pub(crate) fn add(out: &mut Steps, t: &Table, ctx: &Context) {
    let rank = ctx.depth(&t.name);
    let unlogged = if t.persistence == Persistence::Unlogged {
        "UNLOGGED "
    } else {
        ""
    };
    let mut sql = format!("CREATE {unlogged}TABLE {}", t.name.sql());
    if let Some(PartitionOf { parent, bound }) = &t.partition_of {
        sql += &format!(" PARTITION OF {parent} {bound}", parent = parent.sql());
    } else {
        let cols: Vec<String> = t
            .columns
            .iter()
            .map(|c| format!("    {}", column_definition(c)))
            .collect();
        if cols.is_empty() {
            sql += " ()";
        } else {
            sql += &format!(" (\n{}\n)", cols.join(",\n"));
        }
        if !t.inherits.is_empty() {
            let parents: Vec<String> = t.inherits.iter().map(|p| p.sql().to_string()).collect();
            sql += &format!(" INHERITS ({})", parents.join(", "));
        }
    }
    if let Some(key) = &t.partition_by {
        let key = definitions::partition_key(&quote::ident, key);
        sql += &format!(" PARTITION BY {key}");
    }
    if let Some(method) = &t.access_method {
        sql += &format!(" USING {}", quote::ident(method));
    }
    if !t.storage.is_empty() {
        let params: Vec<String> = t.storage.iter().map(|p| parameter(p)).collect();
        sql += &format!(" WITH ({})", params.join(", "));
    }
    out.push(Phase::CreateTable, rank, sql);
    let empty = Table {
        row_security: false,
        force_row_security: false,
        comment: None,
        ..t.clone()
    };
    table_attributes(out, &empty, t);
    for c in &t.columns {
        super::columns::comment(out, &t.name, &None, c);
    }
}

/// `name=value` as a storage parameter clause: `fillfactor='70'`.
fn parameter(p: &str) -> String {
    match p.split_once('=') {
        Some((n, v)) => format!("{n}={}", quote::literal(v)),
        None => p.to_string(),
    }
}

/// `ALTER TABLE ... SET (...)` for parameters added or changed, `RESET (...)` for removed.
fn alter_storage(out: &mut Steps, f: &Table, t: &Table) {
    let key = |p: &str| p.split_once('=').map_or(p, |(n, _)| n).to_string();
    let set: Vec<String> = t
        .storage
        .iter()
        .filter(|p| !f.storage.contains(p))
        .map(|p| parameter(p))
        .collect();
    let reset: Vec<String> = f
        .storage
        .iter()
        .map(|p| key(p))
        .filter(|k| !t.storage.iter().any(|p| &key(p) == k))
        .collect();
    for (verb, list) in [("RESET", reset), ("SET", set)] {
        if !list.is_empty() {
            out.push(
                Phase::AlterTable,
                0,
                format!("ALTER TABLE {} {verb} ({})", t.name.sql(), list.join(", ")),
            );
        }
    }
}

pub(crate) fn alter(out: &mut Steps, f: &Table, t: &Table) {
    let name = &t.name;
    alter_storage(out, f, t);
    if f.access_method != t.access_method {
        // Rewrites the table into the new method's storage.
        let method = t.access_method.as_deref().unwrap_or("heap");
        out.push(
            Phase::AlterTable,
            0,
            format!(
                "ALTER TABLE {} SET ACCESS METHOD {}",
                name.sql(),
                quote::ident(method)
            ),
        );
    }
    if f.persistence != t.persistence {
        let how = if t.persistence == Persistence::Unlogged {
            "UNLOGGED"
        } else {
            "LOGGED"
        };
        out.push(
            Phase::AlterTable,
            0,
            format!("ALTER TABLE {name} SET {how}", name = name.sql()),
        );
    }
    if f.partition_of != t.partition_of {
        if let Some(PartitionOf { parent, .. }) = &f.partition_of {
            out.push(
                Phase::AlterTable,
                0,
                format!(
                    "ALTER TABLE {parent} DETACH PARTITION {name}",
                    parent = parent.sql(),
                    name = name.sql()
                ),
            );
        }
        if let Some(PartitionOf { parent, bound }) = &t.partition_of {
            out.push(
                Phase::AttachTable,
                0,
                format!(
                    "ALTER TABLE {parent} ATTACH PARTITION {name} {bound}",
                    parent = parent.sql(),
                    name = name.sql()
                ),
            );
        }
    }
    for p in &f.inherits {
        if !t.inherits.contains(p) {
            out.push(
                Phase::AlterTable,
                0,
                format!(
                    "ALTER TABLE {name} NO INHERIT {p}",
                    name = name.sql(),
                    p = p.sql()
                ),
            );
        }
    }
    for p in &t.inherits {
        if !f.inherits.contains(p) {
            out.push(
                Phase::AttachTable,
                0,
                format!(
                    "ALTER TABLE {name} INHERIT {p}",
                    name = name.sql(),
                    p = p.sql()
                ),
            );
        }
    }
    table_attributes(out, f, t);
}

/// Row-level security switches and the comment.
fn table_attributes(out: &mut Steps, f: &Table, t: &Table) {
    let name = &t.name;
    if f.row_security != t.row_security {
        let how = if t.row_security { "ENABLE" } else { "DISABLE" };
        out.push(
            Phase::AlterTable,
            0,
            format!(
                "ALTER TABLE {name} {how} ROW LEVEL SECURITY",
                name = name.sql()
            ),
        );
    }
    if f.force_row_security != t.force_row_security {
        let how = if t.force_row_security {
            "FORCE"
        } else {
            "NO FORCE"
        };
        out.push(
            Phase::AlterTable,
            0,
            format!(
                "ALTER TABLE {name} {how} ROW LEVEL SECURITY",
                name = name.sql()
            ),
        );
    }
    out.comment(
        Phase::AlterTable,
        &format!("TABLE {name}", name = name.sql()),
        &f.comment,
        &t.comment,
    );
}
