//! The lint rules. Each has a kebab-case name, a level, and a help text with the safe recipe;
//! [`check`] applies them to one statement.
//!
//! Tables created earlier in the same file are new and empty: locks and rewrites on them
//! cost nothing, so the lock rules skip them.

use std::collections::HashSet;

use pg_query::protobuf::{AlterTableType, ConstrType, ObjectType};
use pg_query::NodeEnum;

use super::Level;
use crate::diff::hazard::Hazard;

/// Every rule: the hazard it reports, at its level. Names and help come from [`Hazard`].
pub const RULES: &[(Hazard, Level)] = &[
    (Hazard::DataLoss, Level::Error),
    (Hazard::TableRewrite, Level::Warning),
    (Hazard::AccessExclusiveLock, Level::Warning),
    (Hazard::IndexWithoutConcurrently, Level::Warning),
    (Hazard::NotNullWithoutDefault, Level::Error),
    (Hazard::VolatileDefault, Level::Warning),
    (Hazard::MissingLockTimeout, Level::Warning),
    (Hazard::ConstraintWithoutNotValid, Level::Warning),
    (Hazard::SecretPlaceholder, Level::Error),
];

const VOLATILE: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v4",
    "clock_timestamp",
    "timeofday",
    "nextval",
];

/// What the file did before the current statement.
#[derive(Default)]
pub(super) struct FileState {
    created: HashSet<String>,
    lock_timeout: bool,
    warned_lock_timeout: bool,
}

type Hit = (Hazard, Level, String);

fn level(rule: Hazard) -> Level {
    RULES
        .iter()
        .find(|r| r.0 == rule)
        .map_or(Level::Warning, |r| r.1)
}

fn hit(rule: Hazard, message: String) -> Hit {
    (rule, level(rule), message)
}

/// Whether an `OPTIONS (...)` list gives some option the value dbridge writes in place of a
/// secret.
fn holds_placeholder(options: &[pg_query::protobuf::Node]) -> bool {
    options.iter().any(|o| match &o.node {
        Some(NodeEnum::DefElem(d)) => matches!(
            d.arg.as_deref().and_then(|a| a.node.as_ref()),
            Some(NodeEnum::String(s)) if s.sval == crate::diff::model::SECRET_PLACEHOLDER
        ),
        _ => false,
    })
}

fn table_name(rv: &Option<pg_query::protobuf::RangeVar>) -> String {
    match rv {
        Some(r) if !r.schemaname.is_empty() => format!("{}.{}", r.schemaname, r.relname),
        Some(r) => r.relname.clone(),
        None => String::new(),
    }
}

/// The hazards of one statement; updates what the file has done so far.
pub(super) fn check(node: &NodeEnum, state: &mut FileState) -> Vec<Hit> {
    let mut out = Vec::new();
    match node {
        NodeEnum::CreateStmt(c) => {
            state.created.insert(table_name(&c.relation));
        }
        NodeEnum::VariableSetStmt(v) if v.name == "lock_timeout" => state.lock_timeout = true,
        NodeEnum::AlterTableStmt(a) => {
            let table = table_name(&a.relation);
            if !state.created.contains(&table) {
                alter_table(&table, &a.cmds, &mut out);
                if a.cmds.iter().any(|c| !is_validate(c)) {
                    let mut h = hit(
                        Hazard::AccessExclusiveLock,
                        format!("ALTER TABLE takes an ACCESS EXCLUSIVE lock on {table}"),
                    );
                    if state.lock_timeout {
                        h.1 = Level::Info; // bounded by the lock_timeout set before it
                    }
                    out.push(h);
                    lock_timeout(state, &mut out);
                }
            }
        }
        NodeEnum::IndexStmt(i) => {
            let table = table_name(&i.relation);
            if !i.concurrent && !state.created.contains(&table) {
                out.push(hit(Hazard::IndexWithoutConcurrently, format!("CREATE INDEX without CONCURRENTLY blocks writes to {table} while it builds")));
                lock_timeout(state, &mut out);
            }
        }
        NodeEnum::DropStmt(d) => drop(d, state, &mut out),
        NodeEnum::CreateUserMappingStmt(u) if holds_placeholder(&u.options) => out.push(hit(
            Hazard::SecretPlaceholder,
            "the user mapping's options hold '<secret>', not the password".into(),
        )),
        NodeEnum::AlterUserMappingStmt(u) if holds_placeholder(&u.options) => out.push(hit(
            Hazard::SecretPlaceholder,
            "the user mapping's options hold '<secret>', not the password".into(),
        )),
        NodeEnum::TruncateStmt(_) => {
            out.push(hit(Hazard::DataLoss, "TRUNCATE deletes every row".into()))
        }
        NodeEnum::DeleteStmt(d) if d.where_clause.is_none() => out.push(hit(
            Hazard::DataLoss,
            format!("DELETE without WHERE empties {}", table_name(&d.relation)),
        )),
        NodeEnum::VacuumStmt(v) if v.options.iter().any(is_full) => out.push(hit(
            Hazard::TableRewrite,
            "VACUUM FULL rewrites tables under an ACCESS EXCLUSIVE lock".into(),
        )),
        NodeEnum::ClusterStmt(c) => out.push(hit(
            Hazard::TableRewrite,
            format!("CLUSTER rewrites {}", table_name(&c.relation)),
        )),
        _ => {}
    }
    out
}

/// Whether a VACUUM option is FULL.
fn is_full(option: &pg_query::protobuf::Node) -> bool {
    matches!(&option.node, Some(NodeEnum::DefElem(d)) if d.defname == "full")
}

fn lock_timeout(state: &mut FileState, out: &mut Vec<Hit>) {
    if !state.lock_timeout && !state.warned_lock_timeout {
        state.warned_lock_timeout = true;
        out.push(hit(
            Hazard::MissingLockTimeout,
            "a lock is taken on an existing table and no lock_timeout is set before it".into(),
        ));
    }
}

fn is_validate(cmd: &pg_query::protobuf::Node) -> bool {
    matches!(&cmd.node, Some(NodeEnum::AlterTableCmd(c)) if c.subtype == AlterTableType::AtValidateConstraint as i32)
}

fn alter_table(table: &str, cmds: &[pg_query::protobuf::Node], out: &mut Vec<Hit>) {
    for cmd in cmds {
        let Some(NodeEnum::AlterTableCmd(c)) = &cmd.node else {
            continue;
        };
        let sub = AlterTableType::try_from(c.subtype).unwrap_or(AlterTableType::Undefined);
        match sub {
            AlterTableType::AtDropColumn => out.push(hit(Hazard::DataLoss, format!("dropping column {}.{} deletes its data", table, c.name))),
            AlterTableType::AtAlterColumnType => {
                out.push(hit(Hazard::TableRewrite, format!("changing the type of {table}.{} rewrites the table (unless the types are binary-compatible)", c.name)))
            }
            AlterTableType::AtSetLogged | AlterTableType::AtSetUnLogged => {
                out.push(hit(Hazard::TableRewrite, format!("SET LOGGED/UNLOGGED rewrites {table}")))
            }
            AlterTableType::AtAddColumn => add_column(table, c.def.as_deref(), out),
            AlterTableType::AtAddConstraint => {
                if let Some(NodeEnum::Constraint(k)) = c.def.as_ref().and_then(|d| d.node.as_ref()) {
                    let validated = k.contype == ConstrType::ConstrForeign as i32 || k.contype == ConstrType::ConstrCheck as i32;
                    if validated && !k.skip_validation {
                        out.push(hit(Hazard::ConstraintWithoutNotValid, format!("adding constraint {} checks every row of {table} under a lock", k.conname)));
                    }
                }
            }
            _ => {}
        }
    }
}

fn add_column(table: &str, def: Option<&pg_query::protobuf::Node>, out: &mut Vec<Hit>) {
    let Some(NodeEnum::ColumnDef(col)) = def.and_then(|d| d.node.as_ref()) else {
        return;
    };
    let constraints: Vec<&pg_query::protobuf::Constraint> = col
        .constraints
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::Constraint(k)) => Some(k.as_ref()),
            _ => None,
        })
        .collect();
    let has = |t: ConstrType| constraints.iter().any(|k| k.contype == t as i32);
    let not_null = col.is_not_null || has(ConstrType::ConstrNotnull);
    let filled = has(ConstrType::ConstrDefault)
        || has(ConstrType::ConstrIdentity)
        || has(ConstrType::ConstrGenerated);
    if not_null && !filled {
        out.push(hit(
            Hazard::NotNullWithoutDefault,
            format!(
                "adding NOT NULL column {table}.{} without a default fails if the table has rows",
                col.colname
            ),
        ));
    }
    let default = constraints
        .iter()
        .find(|k| k.contype == ConstrType::ConstrDefault as i32);
    if let Some(expr) = default.and_then(|k| k.raw_expr.as_ref()) {
        // The tree's debug form lists every function name at any depth as `sval: "name"`.
        let text = format!("{expr:?}");
        if VOLATILE
            .iter()
            .any(|f| text.contains(&format!("sval: \"{f}\"")))
        {
            out.push(hit(
                Hazard::VolatileDefault,
                format!("column {table}.{} has a volatile default", col.colname),
            ));
        }
    }
    if has(ConstrType::ConstrGenerated) || has(ConstrType::ConstrIdentity) {
        out.push(hit(
            Hazard::TableRewrite,
            format!(
                "adding generated or identity column {table}.{} rewrites the table",
                col.colname
            ),
        ));
    }
}

fn drop(d: &pg_query::protobuf::DropStmt, state: &mut FileState, out: &mut Vec<Hit>) {
    let kind = ObjectType::try_from(d.remove_type).unwrap_or(ObjectType::Undefined);
    match kind {
        ObjectType::ObjectTable => out.push(hit(
            Hazard::DataLoss,
            "DROP TABLE deletes the table and its rows".into(),
        )),
        ObjectType::ObjectIndex if !d.concurrent => {
            out.push(hit(
                Hazard::IndexWithoutConcurrently,
                "DROP INDEX without CONCURRENTLY blocks the table while it runs".into(),
            ));
            lock_timeout(state, out);
        }
        _ => {}
    }
}
