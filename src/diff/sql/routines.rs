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

/// SQL-language bodies (`BEGIN ATOMIC` ones included) are checked against the tables they
/// read, so they come after tables.
fn create_phase(f: &Function) -> Phase {
    if f.language == "sql" {
        Phase::CreateSqlFunction
    } else {
        Phase::CreateFunction
    }
}

pub(crate) fn add(out: &mut Steps, f: &Function) {
    let phase = create_phase(f);
    out.push(
        phase,
        0,
        f.definition.trim_end().trim_end_matches(';').to_string(),
    );
    out.comment(phase, &signature(f), &None, &f.comment);
}

pub(crate) fn drop(out: &mut Steps, f: &Function) {
    out.push(Phase::DropFunction, 0, format!("DROP {}", signature(f)));
}

pub(crate) fn alter(out: &mut Steps, f: &Function, t: &Function) {
    let phase = create_phase(t);
    if f.result != t.result || f.kind != t.kind {
        // CREATE OR REPLACE cannot change the result type.
        out.push(phase, 0, format!("DROP {}", signature(f)));
    }
    if f.definition != t.definition {
        out.push(
            phase,
            0,
            t.definition.trim_end().trim_end_matches(';').to_string(),
        );
    }
    out.comment(phase, &signature(t), &f.comment, &t.comment);
}

/// `VIEW` or `MATERIALIZED VIEW`.
pub(crate) fn view_keyword(v: &View) -> &'static str {
    if v.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    }
}

pub(crate) fn add_view(out: &mut Steps, v: &View, ctx: &Context) {
    let with = if v.options.is_empty() {
        String::new()
    } else {
        format!(" WITH ({})", v.options.join(", "))
    };
    let body = v.definition.trim().trim_end_matches(';');
    out.push(
        Phase::CreateView,
        ctx.depth(&v.name),
        format!(
            "CREATE {} {}{with} AS\n{body}",
            view_keyword(v),
            v.name.sql()
        ),
    );
    view_comments(out, v, &[], &None, ctx.depth(&v.name));
}

pub(crate) fn alter_view(out: &mut Steps, f: &View, t: &View) {
    view_comments(out, t, &f.columns, &f.comment, 0);
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
