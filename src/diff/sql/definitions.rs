//! Objects kept as their statements ([`Definition`]): created in the phase their kind
//! needs, dropped by name, changed by dropping and creating again, or, for a text search
//! configuration that keeps its parser, by altering its mappings.

use super::{Context, Phase, Steps};
use crate::diff::model::{Definition, DefinitionKind};
use crate::diff::quote::{ident, SqlName};

/// The phases a kind is created and dropped in, and its rank within them.
fn phases(kind: DefinitionKind) -> (Phase, Phase, i64) {
    use DefinitionKind::*;
    match kind {
        // Named by types, columns and indexes: before them, and gone after them.
        AccessMethod | Collation | Conversion | TextSearchParser | TextSearchTemplate => {
            (Phase::CreateSupport, Phase::DropSupport, 0)
        }
        // Dictionaries use templates, configurations parsers and dictionaries.
        TextSearchDictionary => (Phase::CreateSupport, Phase::DropSupport, 1),
        TextSearchConfiguration => (Phase::CreateSupport, Phase::DropSupport, 2),
        // After the enums, domains and composites that may be its subtype, before the tables.
        RangeType => (Phase::CreateType, Phase::DropType, 1000),
        // Built on functions, used by views: between the two.
        Operator => (
            Phase::CreateRoutineDependent,
            Phase::DropRoutineDependent,
            0,
        ),
        Aggregate | Cast | OperatorFamily => (
            Phase::CreateRoutineDependent,
            Phase::DropRoutineDependent,
            1,
        ),
        // Before the indexes that name it (created later), after its family.
        OperatorClass => (
            Phase::CreateRoutineDependent,
            Phase::DropRoutineDependent,
            2,
        ),
        // Foreign tables are read by views, as the tables are.
        ForeignDataWrapper => (
            Phase::CreateRoutineDependent,
            Phase::DropRoutineDependent,
            2,
        ),
        Server => (
            Phase::CreateRoutineDependent,
            Phase::DropRoutineDependent,
            3,
        ),
        UserMapping | ForeignTable => (
            Phase::CreateRoutineDependent,
            Phase::DropRoutineDependent,
            4,
        ),
        // On tables, views and functions: after everything, gone before anything.
        Statistics | Rule | EventTrigger | Publication => {
            (Phase::CreateTriggerPolicy, Phase::DropTriggerPolicy, 0)
        }
    }
}

fn comment_target(d: &Definition) -> String {
    format!("{} {}", d.kind.keyword(), d.name)
}

/// Creates `d` with its comment.
pub(crate) fn add(out: &mut Steps, d: &Definition) {
    let (create, _, rank) = phases(d.kind);
    for statement in &d.statements {
        out.push(create, rank, statement.clone());
    }
    out.comment_at(create, rank, &comment_target(d), &None, &d.comment);
}

/// Drops `d`, unless the relation it belongs to goes in the same plan.
pub(crate) fn drop(out: &mut Steps, d: &Definition, ctx: &Context) {
    if d.table.as_ref().is_some_and(|t| ctx.relation_dropped(t)) {
        return;
    }
    let (_, drop, rank) = phases(d.kind);
    out.push(drop, -rank, d.drop_statement());
}

/// Turns `from` into `to`: their comment, their mappings or options, or a drop and a create.
pub(crate) fn alter(out: &mut Steps, from: &Definition, to: &Definition, ctx: &Context) {
    let (create, drop_phase, rank) = phases(to.kind);
    let comment = |out: &mut Steps| {
        out.comment_at(
            create,
            rank,
            &comment_target(to),
            &from.comment,
            &to.comment,
        )
    };
    if from.statements == to.statements {
        return comment(out);
    }
    if from.statements.first() == to.statements.first() {
        if let (Some(old), Some(new)) = (from.token_mappings(), to.token_mappings()) {
            alter_mappings(out, to, &old, &new, rank);
            return comment(out);
        }
    }
    if let (Some((head, old)), Some((same, new))) = (from.trailing_options(), to.trailing_options())
    {
        if head == same {
            alter_foreign_options(out, to, &old, &new, create, rank);
            return comment(out);
        }
    }
    if let (Some((template, old)), Some((same, new))) =
        (from.dictionary_options(), to.dictionary_options())
    {
        if template == same {
            alter_options(out, to, &old, &new, rank);
            return comment(out);
        }
    }
    if to.kind == DefinitionKind::Collation && swap_collation(out, from, to, ctx) {
        return comment(out);
    }
    if drop_phase < create {
        drop(out, from, ctx);
    } else if !from.table.as_ref().is_some_and(|t| ctx.relation_dropped(t)) {
        // The kind's drops come after its creates: this one goes first in the create phase.
        out.push(create, -10 - rank, from.drop_statement());
    }
    add(out, to);
}

/// A collation that columns use cannot be dropped: its new version is created under another
/// name, the columns that use the old one are moved to it (their indexes are rebuilt), the
/// old one is dropped and the new one takes its name. False, with nothing written, when no
/// column of a table that stays uses it.
fn swap_collation(out: &mut Steps, from: &Definition, to: &Definition, ctx: &Context) -> bool {
    let users: Vec<(String, &str, &str)> = ctx
        .from
        .tables
        .iter()
        .filter(|t| !ctx.relation_dropped(&t.name))
        .flat_map(|t| t.columns.iter().map(move |c| (t, c)))
        .filter(|(t, c)| {
            c.collation.as_deref() == Some(from.name.as_str())
                && !ctx.column_dropped(&t.name, &c.name)
        })
        .map(|(t, c)| {
            (
                t.name.sql().to_string(),
                c.name.as_str(),
                c.data_type.as_str(),
            )
        })
        .collect();
    let Some(create) = to.statements.first() else {
        return false;
    };
    let prefix = format!("CREATE COLLATION {} ", to.name);
    let (Some(rest), false) = (create.strip_prefix(&prefix), users.is_empty()) else {
        return false;
    };
    let (schema, bare) = match to.schema.as_deref() {
        Some(schema) => (
            ident(schema),
            unquote_part(
                to.name
                    .strip_prefix(&format!("{}.", ident(schema)))
                    .unwrap_or(&to.name),
            ),
        ),
        None => return false,
    };
    let swap = format!("{schema}.{}", ident(&format!("{bare}_dbridge_swap")));
    let (phase, _, _) = phases(DefinitionKind::Collation);
    out.push(phase, 10, format!("CREATE COLLATION {swap} {rest}"));
    for (table, column, data_type) in &users {
        out.push(
            phase,
            11,
            format!(
                "ALTER TABLE {table} ALTER COLUMN {} TYPE {data_type} COLLATE {swap}",
                ident(column)
            ),
        );
    }
    out.push(phase, 12, from.drop_statement());
    out.push(
        phase,
        13,
        format!("ALTER COLLATION {swap} RENAME TO {}", ident(&bare)),
    );
    true
}

/// A name as written unquoted (`"German"` is `German`).
fn unquote_part(name: &str) -> String {
    match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => name.to_string(),
    }
}

/// `ALTER SERVER ... OPTIONS (SET a 'x', ADD b 'y', DROP c)` (or `ALTER FOREIGN DATA
/// WRAPPER`, `ALTER USER MAPPING`, `ALTER FOREIGN TABLE`).
fn alter_foreign_options(
    out: &mut Steps,
    to: &Definition,
    old: &[(&str, &str)],
    new: &[(&str, &str)],
    phase: Phase,
    rank: i64,
) {
    let mut changes = Vec::new();
    for (name, value) in new {
        match old.iter().find(|(n, _)| n == name) {
            Some((_, same)) if same == value => {}
            Some(_) => changes.push(format!("SET {name} {value}")),
            None => changes.push(format!("ADD {name} {value}")),
        }
    }
    for (name, _) in old {
        if !new.iter().any(|(n, _)| n == name) {
            changes.push(format!("DROP {name}"));
        }
    }
    out.push(
        phase,
        rank,
        format!(
            "ALTER {} {} OPTIONS ({})",
            to.kind.keyword(),
            to.name,
            changes.join(", ")
        ),
    );
}

/// `ALTER TEXT SEARCH DICTIONARY ... (option = value, removed_option)`.
fn alter_options(out: &mut Steps, to: &Definition, old: &[&str], new: &[&str], rank: i64) {
    let key = |option: &str| {
        option
            .split('=')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let mut changes: Vec<String> = new
        .iter()
        .filter(|n| !old.contains(n))
        .map(|n| n.to_string())
        .collect();
    changes.extend(
        old.iter()
            .map(|o| key(o))
            .filter(|k| !new.iter().any(|n| key(n) == *k)),
    );
    out.push(
        Phase::CreateSupport,
        rank,
        format!(
            "ALTER TEXT SEARCH DICTIONARY {} ({})",
            to.name,
            changes.join(", ")
        ),
    );
}

/// `ALTER TEXT SEARCH CONFIGURATION ... ADD/ALTER/DROP MAPPING` for each token type whose
/// dictionaries change.
fn alter_mappings(
    out: &mut Steps,
    to: &Definition,
    old: &[(&str, &str)],
    new: &[(&str, &str)],
    rank: i64,
) {
    let prefix = format!("ALTER TEXT SEARCH CONFIGURATION {}", to.name);
    for (token, _) in old {
        if !new.iter().any(|(t, _)| t == token) {
            out.push(
                Phase::CreateSupport,
                rank,
                format!("{prefix} DROP MAPPING FOR {token}"),
            );
        }
    }
    for (token, dictionaries) in new {
        match old.iter().find(|(t, _)| t == token) {
            Some((_, same)) if same == dictionaries => {}
            Some(_) => out.push(
                Phase::CreateSupport,
                rank,
                format!("{prefix} ALTER MAPPING FOR {token} WITH {dictionaries}"),
            ),
            None => out.push(
                Phase::CreateSupport,
                rank,
                format!("{prefix} ADD MAPPING FOR {token} WITH {dictionaries}"),
            ),
        }
    }
}
