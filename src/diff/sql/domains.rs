//! Domains: where `CREATE DOMAIN` goes and which of its parts wait for the functions they
//! call.

use super::types::collate;
use super::{Context, Phase, Steps};
use crate::diff::model::*;
use crate::diff::postgres::definitions;
use crate::diff::quote;
use crate::diff::quote::SqlName;

/// `CREATE DOMAIN`. A domain over a relation's row type waits for the relation. A check or
/// default that calls a function is added once the functions exist (`ALTER DOMAIN`), and so
/// is a check that is NOT VALID, which `CREATE DOMAIN` cannot take.
pub(super) fn add(out: &mut Steps, d: &Domain, rank: i64, ctx: &Context) {
    let (phase, later, later_rank) = if ctx.uses_row_type(&d.data_type) {
        (
            Phase::CreateRowTypeDependents,
            Phase::CreateRowTypeDependents,
            3,
        )
    } else {
        (Phase::CreateType, Phase::AddDomainCheck, rank)
    };
    let name = d.name.sql();
    let mut sql = format!(
        "CREATE DOMAIN {name} AS {}{}",
        d.data_type,
        collate(&d.collation)
    );
    match &d.default {
        Some(def) if ctx.calls_function(def) => {
            out.push(
                later,
                later_rank,
                format!("ALTER DOMAIN {name} SET DEFAULT {def}"),
            );
        }
        Some(def) => sql += &format!(" DEFAULT {def}"),
        None => {}
    }
    if d.not_null {
        sql += " NOT NULL";
    }
    for c in &d.checks {
        let check = format!(
            "CONSTRAINT {} {}",
            quote::ident(&c.name),
            definitions::domain_check(c)
        );
        if !c.validated || ctx.calls_function(&c.expression.to_string()) {
            out.push(
                later,
                later_rank,
                format!("ALTER DOMAIN {name} ADD {check}"),
            );
        } else {
            sql += &format!(" {check}");
        }
    }
    out.push(phase, rank, sql);
    out.comment_at(phase, rank, &format!("DOMAIN {name}"), &None, &d.comment);
}

/// Whether a domain's checks or default call a user function.
pub(super) fn calls_function(d: &Domain, ctx: &Context) -> bool {
    d.default.as_deref().is_some_and(|e| ctx.calls_function(e))
        || d.checks
            .iter()
            .any(|c| ctx.calls_function(&c.expression.to_string()))
}
