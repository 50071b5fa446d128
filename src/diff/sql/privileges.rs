//! `GRANT` and `REVOKE`, last in a plan: revocations first, then grants, once every object
//! they name exists.

use super::{Context, Phase, Steps};
use crate::diff::model::{DefaultPrivilege, Privilege};
use crate::diff::quote;

/// `SELECT (email)` or `SELECT`.
fn what(p: &Privilege) -> String {
    match &p.column {
        Some(c) => format!("{} ({})", p.privilege, quote::ident(c)),
        None => p.privilege.clone(),
    }
}

fn grant(out: &mut Steps, p: &Privilege) {
    let option = if p.grantable {
        " WITH GRANT OPTION"
    } else {
        ""
    };
    out.push(
        Phase::Privileges,
        1,
        format!(
            "GRANT {} ON {} TO {}{option}",
            what(p),
            p.target(),
            p.grantee
        ),
    );
}

fn revoke(out: &mut Steps, p: &Privilege) {
    out.push(
        Phase::Privileges,
        0,
        format!("REVOKE {} ON {} FROM {}", what(p), p.target(), p.grantee),
    );
}

/// Gives the privilege (or, for a revoked default, takes it away).
pub(crate) fn add(out: &mut Steps, p: &Privilege) {
    if p.revoked {
        revoke(out, p);
    } else {
        grant(out, p);
    }
}

/// Undoes [`add`], unless the object (or column) goes in the same plan and takes its
/// privileges along.
pub(crate) fn drop(out: &mut Steps, p: &Privilege, ctx: &Context) {
    if ctx.privilege_target_dropped(p) {
        return;
    }
    if p.revoked {
        grant(out, p);
    } else {
        revoke(out, p);
    }
}

/// `ALTER DEFAULT PRIVILEGES ... GRANT` (or `REVOKE`, for a revoked built-in default); `undo`
/// does the opposite.
pub(crate) fn default(out: &mut Steps, p: &DefaultPrivilege, undo: bool) {
    let on = p.on.keyword();
    if p.revoked != undo {
        out.push(
            Phase::Privileges,
            0,
            format!(
                "{} REVOKE {} ON {on} FROM {}",
                p.prefix(),
                p.privilege,
                p.grantee
            ),
        );
    } else {
        let option = if p.grantable && !undo {
            " WITH GRANT OPTION"
        } else {
            ""
        };
        out.push(
            Phase::Privileges,
            1,
            format!(
                "{} GRANT {} ON {on} TO {}{option}",
                p.prefix(),
                p.privilege,
                p.grantee
            ),
        );
    }
}
