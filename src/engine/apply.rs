//! Applying schema scripts to a scratch database: in any order (a statement naming something
//! created later is retried), in batches of statements per round trip, and either with the
//! connection's rights (trusted SQL) or in a sandbox (a schema source).

use sqlx::postgres::PgConnection;

use super::dev::Sandbox;
use super::error::{Error, Result};
use super::postgres::sandbox::{self, Route};
use super::postgres::script::{execute, Failed};
use super::postgres::split::{split, Statement};
use super::postgres::transaction_block::needs_autocommit;

/// SQLSTATEs of a statement that names something a later statement creates.
const NOT_YET_DEFINED: &[&str] = &["42P01", "42704", "3F000", "42883", "42P10"];

/// Applies schema scripts `(name, text)` to a scratch database, one statement at a time.
///
/// A schema file need not be in dependency order: a statement that fails because it names
/// something not yet created is retried after the others, until a whole pass makes no
/// progress. The error then names the file and line of the first statement that still fails.
pub async fn apply_schema(conn: &mut PgConnection, scripts: &[(String, String)]) -> Result<()> {
    apply_in_any_order(scripts, &mut Runner::Trusted(conn)).await
}

/// Where the statements of a script run.
enum Runner<'a> {
    /// On one connection, with its rights (trusted SQL).
    Trusted(&'a mut PgConnection),
    /// In a sandbox, with the CREATE grants lent to new owners so far and the event
    /// trigger statements kept for the end.
    Sandboxed(
        &'a mut Sandbox,
        Vec<(String, String)>,
        Vec<(String, Statement)>,
    ),
}

impl Runner<'_> {
    /// Whether `stmt` may share a round trip with its neighbours: it runs where they do (not
    /// routed to the privileged session), does not control transactions, and may run in a
    /// transaction block.
    fn batchable(&self, stmt: &Statement) -> bool {
        let first = super::postgres::words::words(&stmt.text, 1);
        let control = matches!(
            first.first().map(String::as_str),
            Some(
                "BEGIN"
                    | "START"
                    | "COMMIT"
                    | "END"
                    | "ROLLBACK"
                    | "ABORT"
                    | "SAVEPOINT"
                    | "RELEASE"
                    | "PREPARE"
            )
        );
        let routed = match self {
            Runner::Trusted(_) => false,
            Runner::Sandboxed(..) => sandbox::route(&stmt.text) != Ok(Route::Sandbox),
        };
        !control && !routed && needs_autocommit(&stmt.text).is_none()
    }

    /// Runs `batch` in one round trip; `false` when the server refused it, in which case
    /// nothing of it stays (the server runs a query of several statements as one implicit
    /// transaction).
    async fn run_batch(&mut self, batch: &[&Statement]) -> bool {
        let text = batch
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(";\n");
        let conn: &mut PgConnection = match self {
            Runner::Trusted(conn) => conn,
            Runner::Sandboxed(sandbox, _, _) => &mut sandbox.conn,
        };
        sqlx::Executor::execute(conn, sqlx::raw_sql(&text))
            .await
            .is_ok()
    }

    async fn run(&mut self, name: &str, stmt: &Statement) -> std::result::Result<(), Failed> {
        match self {
            Runner::Trusted(conn) => execute(conn, name, stmt).await,
            Runner::Sandboxed(_, _, later)
                if sandbox::route(&stmt.text) == Ok(Route::EventTrigger) =>
            {
                later.push((name.to_string(), stmt.clone()));
                Ok(())
            }
            Runner::Sandboxed(sandbox, grants, _) => {
                run_sandboxed(sandbox, name, stmt, grants).await
            }
        }
    }
}

/// At most this many statements share a round trip (see [`apply_in_any_order`]).
const BATCH: usize = 64;

/// The retry loop of [`apply_schema`] and [`apply_source`].
///
/// Runs of statements that may share a round trip go to the server together, as psql
/// cannot: most of loading a large schema is waiting for the server's answer to each
/// statement. A batch that fails left nothing behind, and its statements run again one by
/// one, which finds the failing statement, its line, and whether to retry it later.
async fn apply_in_any_order(scripts: &[(String, String)], runner: &mut Runner<'_>) -> Result<()> {
    let mut pending: Vec<(&str, Statement)> = Vec::new();
    for (name, text) in scripts {
        pending.extend(split(text).into_iter().map(|s| (name.as_str(), s)));
    }
    let mut first_pass = true;
    loop {
        let mut deferred = Vec::new();
        let mut first_error = None;
        let before = pending.len();
        let mut i = 0;
        while i < pending.len() {
            // Only the first pass batches: later ones retry the few that named something
            // not yet created, one by one.
            let mut end = i;
            while first_pass
                && end < pending.len()
                && end - i < BATCH
                && pending[end].0 == pending[i].0
                && runner.batchable(&pending[end].1)
            {
                end += 1;
            }
            if end - i > 1 {
                let batch: Vec<&Statement> = pending[i..end].iter().map(|(_, s)| s).collect();
                if runner.run_batch(&batch).await {
                    i = end;
                    continue;
                }
            }
            for (name, stmt) in &pending[i..end.max(i + 1)] {
                if let Err(failed) = runner.run(name, stmt).await {
                    let retry = failed
                        .sqlstate
                        .as_deref()
                        .is_some_and(|c| NOT_YET_DEFINED.contains(&c));
                    if !retry {
                        return Err(failed.error);
                    }
                    first_error.get_or_insert(failed.error);
                    deferred.push((*name, stmt.clone()));
                }
            }
            i = end.max(i + 1);
        }
        first_pass = false;
        match first_error {
            None => return Ok(()),
            Some(err) if deferred.len() == before => return Err(err),
            Some(_) => pending = deferred,
        }
    }
}

/// Applies an untrusted schema source in a sandbox (checked by [`check_scripts`] first):
/// statements run as the sandbox role, extension statements on the privileged session once
/// their names are known to the server, and a role the source names is created (NOLOGIN)
/// when missing, so that `OWNER TO`, grants and policies work as on the target.
pub async fn apply_source(sandbox: &mut Sandbox, scripts: &[(String, String)]) -> Result<()> {
    let available: Vec<String> =
        sqlx::query_scalar("SELECT name::text FROM pg_available_extensions")
            .fetch_all(&mut sandbox.admin)
            .await
            .map_err(|e| Error::query("listing the dev server's extensions", e))?;
    for (name, text) in scripts {
        for stmt in split(text) {
            if let Ok(Route::Extension(names)) = sandbox::route(&stmt.text) {
                let dropping = stmt
                    .text
                    .trim_start()
                    .get(..4)
                    .is_some_and(|w| w.eq_ignore_ascii_case("drop"));
                if let Some(missing) = names
                    .iter()
                    .find(|n| !available.contains(n))
                    .filter(|_| !dropping)
                {
                    return Err(Error::UnknownExtension {
                        file: name.clone(),
                        line: stmt.line,
                        name: missing.clone(),
                    });
                }
            }
        }
    }
    let mut runner = Runner::Sandboxed(sandbox, Vec::new(), Vec::new());
    apply_in_any_order(scripts, &mut runner).await?;
    let Runner::Sandboxed(sandbox, schema_grants, event_triggers) = runner else {
        unreachable!("built above")
    };
    // CREATE on schemas was lent to new owners only so that `OWNER TO` could run.
    for (schema, role) in schema_grants {
        let sql = format!(
            "REVOKE CREATE ON SCHEMA {} FROM {}",
            crate::diff::quote::ident(&schema),
            crate::diff::quote::ident(&role)
        );
        let _ = sqlx::Executor::execute(&mut sandbox.admin, sql.as_str()).await;
    }
    // Last: from here on only inspection (no DDL) runs in the scratch database, so the
    // source's event trigger functions never run with the privileged session's rights.
    for (name, stmt) in &event_triggers {
        execute(&mut sandbox.admin, name, stmt)
            .await
            .map_err(|failed| failed.error)?;
    }
    Ok(())
}

/// Runs one statement of a source where its route says, mending what the sandbox lacks
/// (a missing role, membership in a role without rights, CREATE on a schema for a new
/// owner) and trying again; an `OWNER TO` a role with rights is skipped, with a note.
async fn run_sandboxed(
    sandbox: &mut Sandbox,
    name: &str,
    stmt: &Statement,
    schema_grants: &mut Vec<(String, String)>,
) -> std::result::Result<(), Failed> {
    use crate::diff::quote::ident;
    let route = sandbox::route(&stmt.text).unwrap_or(Route::Sandbox);
    for _ in 0..8 {
        let outcome = match route {
            Route::Extension(_) | Route::Publication | Route::EventTrigger => {
                execute(&mut sandbox.admin, name, stmt).await
            }
            Route::Sandbox => execute(&mut sandbox.conn, name, stmt).await,
        };
        let Err(failed) = outcome else {
            return Ok(());
        };
        let message = failed.error.to_string();
        let admin = |sql: String| sql;
        let fix = match failed.sqlstate.as_deref() {
            Some("42704") => sandbox::missing_role(&message).map(|role| {
                let note = format!(
                    "note: {name}:{}: created role {role} (NOLOGIN) on the dev server, which did not have it",
                    stmt.line
                );
                if sandbox.persistent {
                    tracing::warn!("{note}");
                } else {
                    tracing::info!("{note}");
                }
                sandbox.created_roles.push(role.clone());
                sandbox.lent.insert(role.clone());
                vec![
                    admin(format!("CREATE ROLE {} NOLOGIN", ident(&role))),
                    format!("GRANT {} TO {}", ident(&role), ident(&sandbox.role)),
                ]
            }),
            Some("42501") => {
                if let Some(role) = sandbox::role_needed(&message) {
                    if !sandbox.lent.contains(&role) && lendable(&mut sandbox.admin, &role).await {
                        sandbox.lent.insert(role.clone());
                        Some(vec![format!("GRANT {} TO {}", ident(&role), ident(&sandbox.role))])
                    } else if sandbox::new_owner(&stmt.text).as_deref() == Some(role.as_str()) {
                        tracing::warn!(
                            "note: {name}:{}: skipped giving an object to {role}: that role has rights on the dev server that a schema source may not use (owners are not compared)",
                            stmt.line
                        );
                        return Ok(());
                    } else {
                        None
                    }
                } else if let Some(wrapper) = sandbox::wrapper_denied(&message) {
                    // A wrapper (an extension's, installed by the privileged session) is
                    // only a catalog entry: servers over it connect nowhere when created.
                    let grant = format!(
                        "GRANT USAGE ON FOREIGN DATA WRAPPER {} TO {}",
                        ident(&wrapper),
                        ident(&sandbox.role)
                    );
                    Some(vec![grant])
                } else if let (Some(schema), Some(owner)) =
                    (sandbox::schema_denied(&message), sandbox::new_owner(&stmt.text))
                {
                    (sandbox.lent.contains(&owner)
                        && !schema_grants.contains(&(schema.clone(), owner.clone())))
                    .then(|| {
                        schema_grants.push((schema.clone(), owner.clone()));
                        vec![format!("GRANT CREATE ON SCHEMA {} TO {}", ident(&schema), ident(&owner))]
                    })
                } else {
                    None
                }
            }
            _ => None,
        };
        let Some(statements) = fix else {
            return Err(failed);
        };
        for sql in statements {
            // A role another statement or run created meanwhile is fine.
            let _ = sqlx::Executor::execute(&mut sandbox.admin, sql.as_str()).await;
        }
    }
    execute(&mut sandbox.conn, name, stmt).await
}

/// Whether the sandbox may act as `role`: a role without rights of its own (no login, no
/// attributes, a member of nothing, owning no database or tablespace), so that acting as it
/// reaches nothing outside the scratch database.
async fn lendable(admin: &mut PgConnection, role: &str) -> bool {
    sqlx::query_scalar::<_, bool>(
        "SELECT NOT (r.rolsuper OR r.rolcreatedb OR r.rolcreaterole OR r.rolreplication \
                     OR r.rolbypassrls OR r.rolcanlogin) \
                AND r.rolname !~ '^pg_' \
                AND NOT EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid) \
                AND NOT EXISTS (SELECT 1 FROM pg_database d WHERE d.datdba = r.oid) \
                AND NOT EXISTS (SELECT 1 FROM pg_tablespace t WHERE t.spcowner = r.oid) \
         FROM pg_roles r WHERE r.rolname = $1",
    )
    .bind(role)
    .fetch_optional(admin)
    .await
    .ok()
    .flatten()
    .unwrap_or(false)
}
