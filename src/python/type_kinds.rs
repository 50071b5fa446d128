//! What the types without a decoder of this module's own are (enums, composites, domains,
//! custom ranges, extension types...), read from the catalog once per pool and type, so that
//! their values can be read ([`super::foreign`]) and their parameters written
//! ([`super::text_params`]).

use std::collections::HashMap;
use std::sync::Mutex;

use sqlx::Row as _;

use super::conns::Lease;
use super::session::count_statements;

/// What a type is, as far as reading and writing its values goes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Kind {
    /// Its binary form is its text (enums, citext, the text types of extensions).
    Text,
    /// An array of this element type.
    Array(u32),
    /// A range over this subtype.
    Range(u32),
    /// A domain: its values are those of its base type.
    Domain(u32),
    /// Only the server can write it as text or read it from text.
    Server,
}

/// A type's kind, its name as SQL writes it (schema-qualified and quoted), and its array
/// type (0 when it has none, as for arrays), in which values travel to the server in bulk.
#[derive(Clone, Debug)]
pub(super) struct Known {
    pub kind: Kind,
    pub name: String,
    pub array: u32,
}

/// The types a pool has met, by oid (oids are the database's own).
#[derive(Default)]
pub(crate) struct TypeKinds(Mutex<HashMap<u32, Known>>);

/// Send functions whose binary form is the value's text.
const TEXT_SEND: &[&str] = &[
    "textsend",
    "varcharsend",
    "bpcharsend",
    "namesend",
    "charsend",
    "citextsend",
    "unknownsend",
    "enum_send",
];

const KINDS_SQL: &str = "SELECT t.oid::int8 AS oid, t.typtype::text AS kind, \
     s.proname::text AS send, t.typelem::int8 AS elem, t.typarray::int8 AS array, \
     t.typbasetype::int8 AS base, coalesce(r.rngsubtype, 0)::int8 AS subtype, \
     format('%I.%I', n.nspname, t.typname) AS name \
     FROM pg_catalog.pg_type t JOIN pg_catalog.pg_proc s ON s.oid = t.typsend \
     JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
     LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid \
     WHERE t.oid::int8 = ANY($1)";

impl TypeKinds {
    /// The known types, after reading those of `oids` that are not known yet (one
    /// statement, none when all are known).
    pub(super) async fn learn(
        &self,
        lease: &mut Lease,
        oids: impl Iterator<Item = u32>,
    ) -> Result<HashMap<u32, Known>, String> {
        let missing: Vec<i64> = {
            let known = self.0.lock().expect("type kinds");
            let mut missing: Vec<i64> = oids
                .filter(|oid| !known.contains_key(oid))
                .map(i64::from)
                .collect();
            missing.sort_unstable();
            missing.dedup();
            if missing.is_empty() {
                return Ok(known.clone());
            }
            missing
        };
        count_statements(1);
        let rows = sqlx::query(KINDS_SQL)
            .bind(missing)
            .fetch_all(lease.start())
            .await;
        lease.done(&rows);
        let rows = rows.map_err(|e| format!("cannot read the types of the values: {e}"))?;
        let mut known = self.0.lock().expect("type kinds");
        for row in rows {
            let (oid, type_known) = known_of(&row).map_err(|e| e.to_string())?;
            known.insert(oid, type_known);
        }
        Ok(known.clone())
    }
}

fn known_of(row: &sqlx::postgres::PgRow) -> Result<(u32, Known), Box<dyn std::error::Error>> {
    let get = |name: &str| -> Result<u32, Box<dyn std::error::Error>> {
        Ok(u32::try_from(row.try_get::<i64, _>(name)?)?)
    };
    let kind: String = row.try_get("kind")?;
    let send: String = row.try_get("send")?;
    let kind = match (kind.as_str(), send.as_str()) {
        ("d", _) => Kind::Domain(get("base")?),
        ("e", _) => Kind::Text,
        (_, s) if TEXT_SEND.contains(&s) => Kind::Text,
        (_, "array_send") if get("elem")? != 0 => Kind::Array(get("elem")?),
        ("r", _) => Kind::Range(get("subtype")?),
        _ => Kind::Server,
    };
    let known = Known {
        kind,
        name: row.try_get("name")?,
        array: get("array")?,
    };
    Ok((get("oid")?, known))
}
