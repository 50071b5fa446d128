//! What a schema source may run on the dev server. A `.sql` source is untrusted input: its
//! statements run as an unprivileged role that owns only its scratch database, and the
//! statements that would act outside that database are refused before anything runs.
//!
//! The role's lack of rights is the boundary (a `DO` block can hide any statement); the
//! refusals here name the statement and the reason at its line instead of leaving it to a
//! "permission denied" halfway through. Extensions are the one thing the role cannot create
//! that schemas need, so their statements run on the privileged connection after their
//! names are checked against the server's available extensions.

use super::words::{tokens, Token};

/// Where one statement of a schema source runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// As the sandbox role.
    Sandbox,
    /// On the privileged connection to the scratch database: `CREATE`/`ALTER`/`DROP`/
    /// `COMMENT ON EXTENSION` of these extensions, once each is known to be available.
    Extension(Vec<String>),
    /// On the privileged connection: a publication statement (`FOR ALL TABLES` and
    /// `FOR TABLES IN SCHEMA` need a superuser; a publication runs no code).
    Publication,
    /// On the privileged connection once the rest of the source has run: an event trigger
    /// statement (only a superuser may create one). Its function runs for the DDL of every
    /// role, so nothing privileged may run DDL in the scratch database after it.
    EventTrigger,
}

/// A statement a schema source may not hold: what it is and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub what: &'static str,
    pub reason: &'static str,
}

const OTHER_DATABASES: &str = "acts on databases of the dev server, not on the schema";
const ROLES: &str = "changes roles, which every database of the dev server shares (roles a schema names are created for it)";
const FILES: &str = "reads or writes files or runs programs on the dev server";

/// Where `statement` runs, or why it is refused.
pub fn route(statement: &str) -> Result<Route, Refusal> {
    let t = tokens(statement, 64);
    let kw = |i: usize| t.get(i).and_then(Token::keyword).unwrap_or_default();
    let refuse = |what, reason| Err(Refusal { what, reason });
    let (first, second) = (kw(0), kw(1));
    match (first.as_str(), second.as_str()) {
        ("CREATE" | "ALTER" | "DROP", "DATABASE") => {
            refuse("a DATABASE statement", OTHER_DATABASES)
        }
        ("CREATE" | "ALTER" | "DROP", "USER") if kw(2) == "MAPPING" => Ok(Route::Sandbox),
        ("CREATE" | "ALTER" | "DROP", "ROLE" | "USER" | "GROUP") => {
            refuse("a ROLE statement", ROLES)
        }
        ("CREATE" | "ALTER" | "DROP", "TABLESPACE") => refuse(
            "a TABLESPACE statement",
            "places files in directories of the dev server",
        ),
        ("ALTER", "SYSTEM") => refuse(
            "ALTER SYSTEM",
            "changes the configuration of the whole dev server",
        ),
        ("LOAD", _) => refuse("LOAD", "loads a shared library into the dev server"),
        ("COPY", _) if copies_outside(&t) => refuse("COPY to or from a file or program", FILES),
        ("GRANT" | "REVOKE", _) if grants_membership(&t) => {
            refuse("granting a role to a role", ROLES)
        }
        ("CREATE", "EXTENSION") => Ok(Route::Extension(extension_names(&t, 2))),
        ("ALTER", "EXTENSION") => Ok(Route::Extension(extension_names(&t, 2))),
        ("DROP", "EXTENSION") => Ok(Route::Extension(extension_names(&t, 2))),
        ("COMMENT", "ON") if kw(2) == "EXTENSION" => Ok(Route::Extension(extension_names(&t, 3))),
        ("CREATE" | "ALTER" | "DROP", "PUBLICATION") => Ok(Route::Publication),
        ("COMMENT", "ON") if kw(2) == "PUBLICATION" => Ok(Route::Publication),
        ("CREATE" | "ALTER" | "DROP", "EVENT") if kw(2) == "TRIGGER" => Ok(Route::EventTrigger),
        ("COMMENT", "ON") if kw(2) == "EVENT" && kw(3) == "TRIGGER" => Ok(Route::EventTrigger),
        _ => Ok(Route::Sandbox),
    }
}

/// `COPY ... FROM/TO 'file'` or `PROGRAM`: after FROM or TO comes a string, not STDIN/STDOUT.
fn copies_outside(t: &[Token]) -> bool {
    t.windows(2).any(|w| {
        matches!(w[0].keyword().as_deref(), Some("FROM" | "TO"))
            && (w[1] == Token::Literal || w[1].keyword().as_deref() == Some("PROGRAM"))
    })
}

/// `GRANT role TO ...` / `REVOKE role FROM ...`: a grant without `ON` before `TO`/`FROM`.
fn grants_membership(t: &[Token]) -> bool {
    for token in t.iter().skip(1) {
        match token.keyword().as_deref() {
            Some("ON") => return false,
            Some("TO" | "FROM") => return true,
            _ => {}
        }
    }
    false
}

/// The extension names of an extension statement, from token `start` on (after `IF [NOT]
/// EXISTS`; for `DROP`, every name of the list).
fn extension_names(t: &[Token], start: usize) -> Vec<String> {
    let mut i = start;
    let kw = |i: usize| t.get(i).and_then(Token::keyword).unwrap_or_default();
    if kw(i) == "IF" {
        i += if kw(i + 1) == "NOT" { 3 } else { 2 };
    }
    let mut names = Vec::new();
    while let Some(name) = t.get(i).and_then(Token::name) {
        names.push(name);
        if t.get(i + 1) != Some(&Token::Symbol(',')) {
            break;
        }
        i += 2;
    }
    names
}

/// The role a server error says is missing (`role "x" does not exist`).
pub fn missing_role(message: &str) -> Option<String> {
    quoted_after(message, "role \"").filter(|_| message.contains("does not exist"))
}

/// The role a server error says the session would have to act as: `must be able to SET ROLE
/// "x"` (PostgreSQL 16 and later) or `must be member of role "x"` (before).
pub fn role_needed(message: &str) -> Option<String> {
    quoted_after(message, "SET ROLE \"").or_else(|| quoted_after(message, "member of role \""))
}

/// The foreign-data wrapper of a `permission denied for foreign-data wrapper x` error.
pub fn wrapper_denied(message: &str) -> Option<String> {
    let rest = message
        .split("permission denied for foreign-data wrapper ")
        .nth(1)?;
    let name = rest.split_whitespace().next()?.trim_matches('"');
    (!name.is_empty()).then(|| name.to_string())
}

/// The schema of a `permission denied for schema x` error.
pub fn schema_denied(message: &str) -> Option<String> {
    let rest = message.split("permission denied for schema ").nth(1)?;
    let name = rest.split_whitespace().next()?.trim_matches('"');
    (!name.is_empty()).then(|| name.to_string())
}

fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    Some(rest[..rest.find('"')?].to_string())
}

/// The role a statement gives objects to (`... OWNER TO r`), when it is one.
pub fn new_owner(statement: &str) -> Option<String> {
    let t = tokens(statement, usize::MAX);
    let n = t.len();
    (n >= 3
        && t[n - 3].keyword().as_deref() == Some("OWNER")
        && t[n - 2].keyword().as_deref() == Some("TO"))
    .then(|| t[n - 1].name())
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_acts_outside_the_scratch_database() {
        for sql in [
            "CREATE DATABASE other",
            "drop database if exists victim",
            "ALTER DATABASE postgres SET work_mem = '1GB'",
            "CREATE ROLE boss SUPERUSER LOGIN",
            "create user u password 'x'",
            "ALTER ROLE current_user SUPERUSER",
            "DROP ROLE someone",
            "ALTER SYSTEM SET shared_preload_libraries = 'evil'",
            "COPY (SELECT 1) TO PROGRAM 'touch /tmp/x'",
            "copy t from '/etc/passwd'",
            "COPY t TO '/var/lib/postgresql/data/x'",
            "CREATE TABLESPACE ts LOCATION '/tmp/ts'",
            "LOAD 'plpgsql'",
            "GRANT pg_execute_server_program TO CURRENT_USER",
            "REVOKE admin FROM someone",
        ] {
            assert!(route(sql).is_err(), "{sql}");
        }
    }

    #[test]
    fn lets_schema_statements_through() {
        for sql in [
            "CREATE TABLE t (id int)",
            "GRANT SELECT ON t TO reader",
            "REVOKE ALL ON SCHEMA public FROM PUBLIC",
            "COPY t FROM STDIN",
            "CREATE TABLE \"database\" (role text)",
            "COMMENT ON TABLE t IS 'CREATE DATABASE x'",
            "ALTER TABLE t OWNER TO app",
            "SET default_tablespace = ''",
            "CREATE USER MAPPING FOR PUBLIC SERVER s OPTIONS (user 'x')",
            "drop user mapping if exists for current_user server s",
        ] {
            assert_eq!(route(sql), Ok(Route::Sandbox), "{sql}");
        }
        assert_eq!(
            route("CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\" WITH SCHEMA public"),
            Ok(Route::Extension(vec!["uuid-ossp".into()]))
        );
        assert_eq!(
            route("drop extension if exists pg_trgm, citext cascade"),
            Ok(Route::Extension(vec!["pg_trgm".into(), "citext".into()]))
        );
        assert_eq!(
            route("create publication p for all tables"),
            Ok(Route::Publication)
        );
        assert_eq!(
            route("CREATE EVENT TRIGGER e ON ddl_command_end EXECUTE FUNCTION f()"),
            Ok(Route::EventTrigger)
        );
        assert_eq!(
            route("COMMENT ON EVENT TRIGGER e IS 'x'"),
            Ok(Route::EventTrigger)
        );
        assert_eq!(
            route("CREATE TABLE event (trigger int)"),
            Ok(Route::Sandbox)
        );
        assert_eq!(
            route("COMMENT ON EXTENSION plpgsql IS 'x'"),
            Ok(Route::Extension(vec!["plpgsql".into()]))
        );
    }

    #[test]
    fn reads_roles_and_schemas_from_server_messages() {
        assert_eq!(
            missing_role("role \"app\" does not exist").as_deref(),
            Some("app")
        );
        assert_eq!(
            role_needed("must be able to SET ROLE \"app\"").as_deref(),
            Some("app")
        );
        assert_eq!(
            role_needed("must be member of role \"app\"").as_deref(),
            Some("app")
        );
        assert_eq!(
            schema_denied("permission denied for schema public").as_deref(),
            Some("public")
        );
        assert_eq!(
            new_owner("ALTER TABLE t OWNER TO \"App\"").as_deref(),
            Some("App")
        );
        assert_eq!(
            new_owner("alter view v owner to app").as_deref(),
            Some("app")
        );
        assert_eq!(new_owner("ALTER TABLE t ADD c int"), None);
    }
}
