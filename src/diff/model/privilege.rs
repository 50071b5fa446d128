//! Privileges: what roles may do with an object beyond what its owner's defaults give.
//!
//! Owners are not part of the model (a schema source runs as a scratch role, production as
//! another), so a privilege is kept relative to the owner: one granted to a role (or
//! `PUBLIC`) that the defaults do not give, or one the defaults give (`EXECUTE` on a
//! function, `USAGE` on a type, to `PUBLIC`) that was revoked. The owner's own entries are
//! left out.

use serde::{Deserialize, Serialize};

use super::expr::is_false;

/// The kind of object a privilege is on, as `GRANT ... ON <kind>` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrivilegeTarget {
    Schema,
    /// A table, view or materialized view (and their columns).
    Table,
    Sequence,
    Function,
    Procedure,
    Type,
    Domain,
}

impl PrivilegeTarget {
    /// The keyword after `ON`.
    pub fn keyword(self) -> &'static str {
        match self {
            PrivilegeTarget::Schema => "SCHEMA",
            PrivilegeTarget::Table => "TABLE",
            PrivilegeTarget::Sequence => "SEQUENCE",
            PrivilegeTarget::Function => "FUNCTION",
            PrivilegeTarget::Procedure => "PROCEDURE",
            PrivilegeTarget::Type => "TYPE",
            PrivilegeTarget::Domain => "DOMAIN",
        }
    }

    /// The target of the catalog's word for it (`TABLE`, `SEQUENCE`...).
    pub fn from_keyword(word: &str) -> Option<PrivilegeTarget> {
        [
            PrivilegeTarget::Schema,
            PrivilegeTarget::Table,
            PrivilegeTarget::Sequence,
            PrivilegeTarget::Function,
            PrivilegeTarget::Procedure,
            PrivilegeTarget::Type,
            PrivilegeTarget::Domain,
        ]
        .into_iter()
        .find(|t| t.keyword() == word)
    }
}

/// One privilege of one grantee on one object (or column), as it differs from the default.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Privilege {
    pub on: PrivilegeTarget,
    /// The object as SQL names it, quoted: `app.t`, `app.f(integer, text)`, `app`.
    pub object: String,
    /// For a column privilege, the column (unquoted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The role, quoted as SQL writes it, or `PUBLIC`.
    pub grantee: String,
    /// `SELECT`, `INSERT`, `USAGE`, `EXECUTE`...
    pub privilege: String,
    /// Granted `WITH GRANT OPTION`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub grantable: bool,
    /// A privilege the defaults give that was revoked (rather than one granted).
    #[serde(default, skip_serializing_if = "is_false")]
    pub revoked: bool,
    /// The schema of the object (the schema itself for a schema), for `--schema`.
    pub schema: String,
}

impl Privilege {
    /// `TABLE app.t`: what a `GRANT` names after `ON`.
    pub fn target(&self) -> String {
        format!("{} {}", self.on.keyword(), self.object)
    }
}

/// The kinds of object `ALTER DEFAULT PRIVILEGES` applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultTarget {
    Tables,
    Sequences,
    Functions,
    Types,
    Schemas,
}

impl DefaultTarget {
    /// The keyword after `ON` in `ALTER DEFAULT PRIVILEGES ... GRANT ... ON`.
    pub fn keyword(self) -> &'static str {
        match self {
            DefaultTarget::Tables => "TABLES",
            DefaultTarget::Sequences => "SEQUENCES",
            DefaultTarget::Functions => "FUNCTIONS",
            DefaultTarget::Types => "TYPES",
            DefaultTarget::Schemas => "SCHEMAS",
        }
    }

    /// The target of a `pg_default_acl.defaclobjtype` code.
    pub fn from_code(code: &str) -> Option<DefaultTarget> {
        Some(match code {
            "r" => DefaultTarget::Tables,
            "S" => DefaultTarget::Sequences,
            "f" => DefaultTarget::Functions,
            "T" => DefaultTarget::Types,
            "n" => DefaultTarget::Schemas,
            _ => return None,
        })
    }
}

/// One default privilege (`ALTER DEFAULT PRIVILEGES`): what objects a role creates later get,
/// as it differs from the built-in defaults.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultPrivilege {
    /// The role whose future objects it is for, quoted; none for the role that runs the
    /// migrations (the one a schema source runs as), which differs between databases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_role: Option<String>,
    /// For the objects created in this schema only (unquoted); none for every schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub on: DefaultTarget,
    /// The role, quoted, or `PUBLIC`.
    pub grantee: String,
    pub privilege: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub grantable: bool,
    /// A built-in default (such as `EXECUTE` for `PUBLIC` on functions) that was revoked.
    #[serde(default, skip_serializing_if = "is_false")]
    pub revoked: bool,
}

impl DefaultPrivilege {
    /// `ALTER DEFAULT PRIVILEGES [FOR ROLE r] [IN SCHEMA s]`.
    pub fn prefix(&self) -> String {
        let mut sql = "ALTER DEFAULT PRIVILEGES".to_string();
        if let Some(role) = &self.for_role {
            sql.push_str(&format!(" FOR ROLE {role}"));
        }
        if let Some(schema) = &self.schema {
            sql.push_str(&format!(" IN SCHEMA {}", crate::diff::quote::ident(schema)));
        }
        sql
    }
}
