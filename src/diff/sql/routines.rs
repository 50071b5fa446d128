//! Functions, procedures, views and materialized views.

use super::{Context, Phase, Steps};
use crate::diff::model::*;
use crate::diff::quote;
use crate::diff::quote::SqlName;

fn signature(f: &Function) -> String {
    format!(
        "{} {}({})",
        f.kind.name().to_uppercase(),
        f.name.sql(),
        f.arguments
    )
}

/// Where a function is created. Bodies in quotes are not checked (plans start with
/// `SET check_function_bodies = false`, as pg_dump's do), so a function goes early, before
/// the domains, defaults, generated columns, indexes and policies that call it; one whose
/// signature uses a relation's row type waits for the relation; a SQL-standard body, which the
/// server resolves at creation, waits for the tables (and the views it reads).
fn create_phase(f: &Function, ctx: &Context) -> Phase {
    if ctx.uses_row_type(&f.arguments) || ctx.uses_row_type(&f.result) {
        Phase::CreateRowTypeDependents
    } else if standard_body(f) && ctx.names_view(&f.definition) {
        Phase::CreateAtomicFunction
    } else if standard_body(f) {
        Phase::CreateSqlFunction
    } else {
        Phase::CreateFunction
    }
}

/// A SQL function written with a SQL-standard body (`BEGIN ATOMIC ... END` or `RETURN`),
/// not a string: `pg_get_functiondef` quotes string bodies with dollars.
fn standard_body(f: &Function) -> bool {
    f.language == "sql" && !f.definition.contains("AS $") && !f.definition.contains(" AS '")
}

/// What a plan that creates a function says first (deduplicated with the other functions').
const NO_BODY_CHECKS: &str = "SET check_function_bodies = false";

fn create(out: &mut Steps, phase: Phase, f: &Function, ctx: &Context) {
    out.push(phase, i64::MIN, NO_BODY_CHECKS);
    // Within a phase, functions come after what their signature uses (domains over row
    // types are created at rank 0 of the same phase) and after the functions a
    // SQL-standard body calls.
    out.push(
        phase,
        1 + 4 * ctx.body_depth(f),
        f.definition.trim_end().trim_end_matches(';').to_string(),
    );
}

pub(crate) fn add(out: &mut Steps, f: &Function, ctx: &Context) {
    let phase = create_phase(f, ctx);
    create(out, phase, f, ctx);
    out.comment_at(
        phase,
        2 + 4 * ctx.body_depth(f),
        &signature(f),
        &None,
        &f.comment,
    );
}

pub(crate) fn drop(out: &mut Steps, f: &Function, ctx: &Context) {
    let phase = if ctx.uses_row_type(&f.arguments) || ctx.uses_row_type(&f.result) {
        Phase::DropRowTypeDependents
    } else if standard_body(f) && ctx.names_view(&f.definition) {
        Phase::DropAtomicFunction
    } else {
        Phase::DropFunction
    };
    // A body that calls another function goes before it.
    out.push(phase, -ctx.body_depth(f), format!("DROP {}", signature(f)));
}

pub(crate) fn alter(out: &mut Steps, f: &Function, t: &Function, ctx: &Context) {
    let phase = create_phase(t, ctx);
    if f.must_be_recreated_as(t) {
        out.push(phase, 0, format!("DROP {}", signature(f)));
    }
    if f.definition != t.definition {
        create(out, phase, t, ctx);
    }
    out.comment_at(
        phase,
        2 + 4 * ctx.body_depth(t),
        &signature(t),
        &f.comment,
        &t.comment,
    );
}

/// `VIEW` or `MATERIALIZED VIEW`.
pub(crate) fn view_keyword(v: &View) -> &'static str {
    if v.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    }
}

/// Ranks within the view phases for views that read themselves through others: their
/// placeholders go before every other view, their definitions after.
const PLACEHOLDER_RANK: i64 = -1_000_000;
const CYCLE_RANK: i64 = 1_000_000;

pub(crate) fn add_view(out: &mut Steps, v: &View, ctx: &Context) {
    let with = if v.options.is_empty() {
        String::new()
    } else {
        format!(" WITH ({})", v.options.join(", "))
    };
    let body = v.definition.trim().trim_end_matches(';');
    let mut rank = ctx.depth(&v.name);
    let mut create = format!("CREATE {}", view_keyword(v));
    if !v.materialized && ctx.view_in_cycle(&v.name, false) {
        // As pg_dump does: a placeholder with the view's columns lets the views it reads be
        // created, then the definition replaces it.
        out.push(
            Phase::CreateView,
            PLACEHOLDER_RANK,
            placeholder(v, "CREATE VIEW"),
        );
        rank += CYCLE_RANK;
        create = "CREATE OR REPLACE VIEW".into();
    }
    out.push(
        Phase::CreateView,
        rank,
        format!("{create} {}{with} AS\n{body}", v.name.sql()),
    );
    view_defaults(out, v, &[], rank);
    view_comments(out, v, &[], &None, rank);
}

/// Before dropping a view that reads itself through others, its definition is replaced by a
/// placeholder, which reads nothing, so that the views of its cycle can be dropped in any
/// order.
pub(crate) fn break_view_cycle(out: &mut Steps, v: &View, ctx: &Context) {
    if !v.materialized && ctx.view_in_cycle(&v.name, true) {
        out.push(
            Phase::DropView,
            PLACEHOLDER_RANK,
            placeholder(v, "CREATE OR REPLACE VIEW"),
        );
    }
}

/// `CREATE VIEW v AS SELECT NULL::integer AS id, ...`: the view's columns, reading nothing.
fn placeholder(v: &View, create: &str) -> String {
    let columns: Vec<String> = v
        .columns
        .iter()
        .map(|c| {
            let ty = if c.data_type.is_empty() {
                "text"
            } else {
                &c.data_type
            };
            format!("NULL::{ty} AS {}", quote::ident(&c.name))
        })
        .collect();
    format!("{create} {} AS SELECT {}", v.name.sql(), columns.join(", "))
}

pub(crate) fn alter_view(out: &mut Steps, f: &View, t: &View) {
    view_defaults(out, t, &f.columns, 0);
    view_comments(out, t, &f.columns, &f.comment, 0);
}

/// `ALTER VIEW ... ALTER COLUMN ... SET/DROP DEFAULT` for the columns whose default differs
/// from the one in `old_columns`.
fn view_defaults(out: &mut Steps, v: &View, old_columns: &[ViewColumn], rank: i64) {
    for c in &v.columns {
        let old = old_columns
            .iter()
            .find(|o| o.name == c.name)
            .and_then(|o| o.default.as_ref());
        if old == c.default.as_ref() {
            continue;
        }
        let action = match &c.default {
            Some(e) => format!("SET DEFAULT {}", e.as_str()),
            None => "DROP DEFAULT".to_string(),
        };
        out.push(
            Phase::CreateView,
            rank,
            format!(
                "ALTER VIEW {} ALTER COLUMN {} {action}",
                v.name.sql(),
                quote::ident(&c.name)
            ),
        );
    }
}

fn view_comments(
    out: &mut Steps,
    v: &View,
    old_columns: &[ViewColumn],
    old_comment: &Option<String>,
    rank: i64,
) {
    let before = out.0.len();
    out.comment(
        Phase::CreateView,
        &format!("{} {}", view_keyword(v), v.name.sql()),
        old_comment,
        &v.comment,
    );
    for c in &v.columns {
        let old = old_columns
            .iter()
            .find(|o| o.name == c.name)
            .and_then(|o| o.comment.clone());
        out.comment(
            Phase::CreateView,
            &format!("COLUMN {}.{}", v.name.sql(), quote::ident(&c.name)),
            &old,
            &c.comment,
        );
    }
    for step in &mut out.0[before..] {
        step.rank = rank;
    }
}
