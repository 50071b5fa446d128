//! dbridge's own rules: the hazards `diff` reports, found in hand-written SQL. Each has the
//! kebab-case id of its [`Hazard`], a level, and the hazard's help text with the safe recipe;
//! [`check`] applies them to one statement of Squawk's syntax tree.
//!
//! Tables created earlier in the same file are new and empty: locks and rewrites on them
//! cost nothing, so the lock rules skip them.

use std::collections::HashSet;

use squawk_syntax::ast::{self, AstNode};

use super::Level;
use crate::diff::hazard::Hazard;
use crate::engine::postgres::words::{lexed, tokens, Token, TokenKind};

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

/// One finding of a dbridge rule: the hazard, its level and what happens.
pub(super) type Hit = (Hazard, Level, String);

fn level(rule: Hazard) -> Level {
    RULES
        .iter()
        .find(|r| r.0 == rule)
        .map_or(Level::Warning, |r| r.1)
}

fn hit(rule: Hazard, message: String) -> Hit {
    (rule, level(rule), message)
}

/// A relation's name as PostgreSQL reads it (`Public."Users"` is `public.Users`), without
/// `ONLY` and `*`.
fn relation(node: Option<&impl AstNode>) -> String {
    let Some(node) = node else {
        return String::new();
    };
    tokens(&node.syntax().text().to_string(), usize::MAX)
        .iter()
        .filter(|t| t.keyword().as_deref() != Some("ONLY"))
        .filter_map(Token::name)
        .collect::<Vec<_>>()
        .join(".")
}

/// A column's name as PostgreSQL reads it.
fn column(node: Option<&impl AstNode>) -> String {
    relation(node)
}

/// The upper-cased bare words of a node's text.
fn keywords(node: &impl AstNode) -> Vec<String> {
    tokens(&node.syntax().text().to_string(), usize::MAX)
        .iter()
        .filter_map(Token::keyword)
        .collect()
}

/// Whether a statement gives some option the value dbridge writes in place of a secret.
fn holds_placeholder(node: &impl AstNode) -> bool {
    let text = node.syntax().text().to_string();
    let placeholder = format!(
        "'{}'",
        crate::diff::model::SECRET_PLACEHOLDER.trim_matches('\'')
    );
    lexed(&text).iter().any(|(kind, r)| {
        matches!(kind, TokenKind::Literal { .. }) && text[r.clone()] == placeholder
    })
}

/// The hazards of one statement; updates what the file has done so far.
pub(super) fn check(stmt: &ast::Stmt, state: &mut FileState) -> Vec<Hit> {
    let mut out = Vec::new();
    match stmt {
        ast::Stmt::CreateTable(c) => {
            let name = c.table_name().and_then(|n| n.path());
            state.created.insert(relation(name.as_ref()));
        }
        ast::Stmt::Set(s) => {
            let words = keywords(s);
            let name = words
                .iter()
                .find(|w| !matches!(w.as_str(), "SET" | "LOCAL" | "SESSION"));
            if name.map(String::as_str) == Some("LOCK_TIMEOUT") {
                state.lock_timeout = true;
            }
        }
        ast::Stmt::AlterTable(a) => {
            let table = relation(a.table_relation_name().as_ref());
            if !state.created.contains(&table) {
                let actions: Vec<ast::AlterTableAction> = a.actions().collect();
                alter_table(&table, &actions, &mut out);
                let validate_only = actions
                    .iter()
                    .all(|c| matches!(c, ast::AlterTableAction::ValidateConstraint(_)));
                if !validate_only {
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
        ast::Stmt::CreateIndex(i) => {
            let table = relation(i.table_relation_name().as_ref());
            if i.concurrently_token().is_none() && !state.created.contains(&table) {
                out.push(hit(
                    Hazard::IndexWithoutConcurrently,
                    format!("CREATE INDEX without CONCURRENTLY blocks writes to {table} while it builds"),
                ));
                lock_timeout(state, &mut out);
            }
        }
        ast::Stmt::DropTable(_) => out.push(hit(
            Hazard::DataLoss,
            "DROP TABLE deletes the table and its rows".into(),
        )),
        ast::Stmt::DropIndex(d) if d.concurrently_token().is_none() => {
            out.push(hit(
                Hazard::IndexWithoutConcurrently,
                "DROP INDEX without CONCURRENTLY blocks the table while it runs".into(),
            ));
            lock_timeout(state, &mut out);
        }
        ast::Stmt::CreateUserMapping(u) if holds_placeholder(u) => out.push(secret()),
        ast::Stmt::AlterUserMapping(u) if holds_placeholder(u) => out.push(secret()),
        ast::Stmt::Truncate(_) => {
            out.push(hit(Hazard::DataLoss, "TRUNCATE deletes every row".into()))
        }
        ast::Stmt::Delete(d) if d.where_clause_or_current_of().is_none() => out.push(hit(
            Hazard::DataLoss,
            format!(
                "DELETE without WHERE empties {}",
                relation(d.relation_name().as_ref())
            ),
        )),
        ast::Stmt::Vacuum(v) if keywords(v).iter().any(|w| w == "FULL") => out.push(hit(
            Hazard::TableRewrite,
            "VACUUM FULL rewrites tables under an ACCESS EXCLUSIVE lock".into(),
        )),
        ast::Stmt::Cluster(c) => out.push(hit(
            Hazard::TableRewrite,
            format!("CLUSTER rewrites {}", relation(c.table_name_ref().as_ref())),
        )),
        _ => {}
    }
    out
}

fn secret() -> Hit {
    hit(
        Hazard::SecretPlaceholder,
        "the user mapping's options hold '<secret>', not the password".into(),
    )
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

fn alter_table(table: &str, actions: &[ast::AlterTableAction], out: &mut Vec<Hit>) {
    use ast::AlterTableAction as A;
    for action in actions {
        match action {
            A::DropColumn(d) => out.push(hit(
                Hazard::DataLoss,
                format!(
                    "dropping column {table}.{} deletes its data",
                    column(d.column_name_ref().as_ref())
                ),
            )),
            A::AlterColumn(c) if matches!(c.option(), Some(ast::AlterColumnOption::SetType(_))) => {
                out.push(hit(
                    Hazard::TableRewrite,
                    format!(
                        "changing the type of {table}.{} rewrites the table (unless the types are binary-compatible)",
                        column(c.column_name_ref().as_ref())
                    ),
                ))
            }
            A::SetLogged(_) | A::SetUnlogged(_) => out.push(hit(
                Hazard::TableRewrite,
                format!("SET LOGGED/UNLOGGED rewrites {table}"),
            )),
            A::AddColumn(c) => add_column(table, c, out),
            A::AddConstraint(c) => {
                let validated = matches!(
                    c.constraint(),
                    Some(ast::Constraint::ForeignKeyConstraint(_) | ast::Constraint::CheckConstraint(_))
                );
                let not_valid = c.constraint().is_some_and(|k| k.is_not_valid());
                if validated && !not_valid {
                    let name = c.constraint().and_then(|k| k.constraint_name());
                    out.push(hit(
                        Hazard::ConstraintWithoutNotValid,
                        format!(
                            "adding constraint {} checks every row of {table} under a lock",
                            column(name.as_ref())
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
}

fn add_column(table: &str, col: &ast::AddColumn, out: &mut Vec<Hit>) {
    use ast::Constraint as C;
    let name = column(col.column_name().as_ref());
    let constraints: Vec<C> = col.constraints().collect();
    let not_null = constraints
        .iter()
        .any(|k| matches!(k, C::NotNullConstraint(_)));
    let generated = constraints
        .iter()
        .any(|k| matches!(k, C::GeneratedConstraint(_)));
    let default = constraints.iter().find_map(|k| match k {
        C::DefaultConstraint(d) => Some(d),
        _ => None,
    });
    if not_null && default.is_none() && !generated {
        out.push(hit(
            Hazard::NotNullWithoutDefault,
            format!("adding NOT NULL column {table}.{name} without a default fails if the table has rows"),
        ));
    }
    if let Some(expr) = default.and_then(|d| d.expr()) {
        let t = tokens(&expr.syntax().text().to_string(), usize::MAX);
        let calls = t.windows(2).any(|w| {
            w[1] == Token::Symbol('(')
                && w[0].name().is_some_and(|n| VOLATILE.contains(&n.as_str()))
        });
        if calls {
            out.push(hit(
                Hazard::VolatileDefault,
                format!("column {table}.{name} has a volatile default"),
            ));
        }
    }
    if generated {
        out.push(hit(
            Hazard::TableRewrite,
            format!("adding generated or identity column {table}.{name} rewrites the table"),
        ));
    }
}
