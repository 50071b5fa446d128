//! Hazards: what a change risks on a live database.

use serde::Serialize;

use super::change::{Change, Object};
use super::model::*;

/// One risk of running a change against a database that holds data and serves traffic.
///
/// The one hazard vocabulary: the planner marks generated changes with these, and
/// `dbridge lint` reports hand-written SQL with the same ids (`data-loss`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hazard {
    /// Rows or values are deleted.
    DataLoss,
    /// The whole table is rewritten (time and disk proportional to its size).
    TableRewrite,
    /// The table is locked against reads and writes while the statement runs.
    AccessExclusiveLock,
    /// An index is built (or dropped) without CONCURRENTLY, blocking writes while it runs.
    IndexWithoutConcurrently,
    /// The down migration restores the structure but not the data.
    Irreversible,
    /// A NOT NULL column is added without a default: it fails on a table with rows.
    NotNullWithoutDefault,
    /// A column is added with a volatile default, computed (and written) for every row.
    VolatileDefault,
    /// A lock is taken on an existing table with no `lock_timeout` set before it.
    MissingLockTimeout,
    /// A foreign key or check is added without NOT VALID, checking every row under a lock.
    ConstraintWithoutNotValid,
    /// The statement holds the placeholder written in place of a secret (a user mapping's
    /// password), not the secret.
    SecretPlaceholder,
}

impl Hazard {
    /// Every hazard, in order.
    pub const ALL: &'static [Hazard] = &[
        Hazard::DataLoss,
        Hazard::TableRewrite,
        Hazard::AccessExclusiveLock,
        Hazard::IndexWithoutConcurrently,
        Hazard::Irreversible,
        Hazard::NotNullWithoutDefault,
        Hazard::VolatileDefault,
        Hazard::MissingLockTimeout,
        Hazard::ConstraintWithoutNotValid,
        Hazard::SecretPlaceholder,
    ];

    /// The hazard's id as printed and serialized: `data-loss`.
    pub fn id(self) -> &'static str {
        match self {
            Hazard::DataLoss => "data-loss",
            Hazard::TableRewrite => "table-rewrite",
            Hazard::AccessExclusiveLock => "access-exclusive-lock",
            Hazard::IndexWithoutConcurrently => "index-without-concurrently",
            Hazard::Irreversible => "irreversible",
            Hazard::NotNullWithoutDefault => "not-null-without-default",
            Hazard::VolatileDefault => "volatile-default",
            Hazard::MissingLockTimeout => "missing-lock-timeout",
            Hazard::ConstraintWithoutNotValid => "constraint-without-not-valid",
            Hazard::SecretPlaceholder => "secret-placeholder",
        }
    }

    /// The safe way to do what the hazard warns of.
    pub fn help(self) -> &'static str {
        match self {
            Hazard::DataLoss => "make sure the data is no longer needed, or copy it first; the down migration cannot bring it back",
            Hazard::TableRewrite => "the table is rewritten under an ACCESS EXCLUSIVE lock: add a new column, backfill it in batches, then swap",
            Hazard::AccessExclusiveLock => "every query on the table waits while this runs: keep it short and set lock_timeout so it gives up instead of queueing",
            Hazard::IndexWithoutConcurrently => "use CREATE INDEX CONCURRENTLY (or DROP INDEX CONCURRENTLY) in a migration whose first line is -- no-transaction",
            Hazard::Irreversible => "the down migration recreates the structure, not the data: keep a backup of what is dropped",
            Hazard::NotNullWithoutDefault => "add the column nullable (or with a DEFAULT), backfill it, then SET NOT NULL",
            Hazard::VolatileDefault => "a volatile default is computed for every existing row, rewriting the table: add the column without it, set the default, then backfill",
            Hazard::MissingLockTimeout => "start the migration with SET lock_timeout = '5s' (SET LOCAL inside a transaction) so a blocked lock fails fast",
            Hazard::ConstraintWithoutNotValid => "add the constraint NOT VALID, then VALIDATE CONSTRAINT in a later transaction (a weaker lock)",
            Hazard::SecretPlaceholder => "the catalog never shows a user mapping's password, so '<secret>' stands in for it: put the real value in before the migration runs (or set it with ALTER USER MAPPING outside migrations)",
        }
    }
}

/// The hazards of a change; `existed` tells whether the table it touches held data before.
pub fn hazards(change: &Change, existed: impl Fn(&QualifiedName) -> bool) -> Vec<Hazard> {
    use Hazard::*;
    let mut h = match change {
        Change::Drop(Object::Table(_)) => vec![DataLoss, AccessExclusiveLock, Irreversible],
        Change::Drop(Object::Column { .. }) => vec![DataLoss, AccessExclusiveLock, Irreversible],
        Change::Drop(Object::View(v)) if v.materialized => vec![DataLoss],
        Change::Drop(Object::Sequence(_)) => vec![DataLoss, Irreversible],
        Change::Alter {
            from: Object::Column { column: f, .. },
            to: Object::Column { table, column: t },
        } if existed(table) => column_hazards(f, t),
        Change::Alter {
            from: Object::Enum(f),
            to: Object::Enum(t),
        } if !f.only_adds_labels(t) => {
            let lost = f.values.iter().any(|v| !t.values.contains(v));
            let mut h = vec![TableRewrite, AccessExclusiveLock];
            if lost {
                h.extend([DataLoss, Irreversible]);
            }
            h
        }
        Change::Add(Object::Index { table, .. }) if existed(table) => {
            vec![IndexWithoutConcurrently]
        }
        Change::Add(Object::Constraint { table, constraint }) if existed(table) => {
            match constraint.kind() {
                ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion => {
                    vec![IndexWithoutConcurrently, AccessExclusiveLock]
                }
                _ => vec![AccessExclusiveLock],
            }
        }
        Change::Add(Object::Column { table, column }) if existed(table) => {
            let volatile = column.generated.is_some()
                || column.identity.is_some()
                || column.default.as_deref().is_some_and(is_volatile);
            if volatile {
                vec![TableRewrite, AccessExclusiveLock]
            } else {
                vec![AccessExclusiveLock]
            }
        }
        Change::Rename { .. } => vec![AccessExclusiveLock],
        Change::Alter {
            from: Object::Table(f),
            to: Object::Table(t),
        } if f.access_method != t.access_method => vec![TableRewrite, AccessExclusiveLock],
        Change::Add(Object::Definition(d))
        | Change::Alter {
            to: Object::Definition(d),
            ..
        } if d
            .statements
            .iter()
            .any(|s| s.contains(&format!("'{SECRET_PLACEHOLDER}'"))) =>
        {
            vec![SecretPlaceholder]
        }
        _ => Vec::new(),
    };
    h.sort();
    h.dedup();
    h
}

fn column_hazards(f: &Column, t: &Column) -> Vec<Hazard> {
    use Hazard::*;
    let mut h = Vec::new();
    if f.data_type != t.data_type || f.collation != t.collation {
        h.push(AccessExclusiveLock);
        if !is_cheap_widening(&f.data_type, &t.data_type) {
            h.push(TableRewrite);
        }
        if is_narrowing(&f.data_type, &t.data_type) {
            h.extend([DataLoss, Irreversible]);
        }
    }
    if t.not_null && !f.not_null {
        h.push(AccessExclusiveLock);
    }
    if f.generated.is_some() && t.generated.is_none()
        || t.identity.is_some() && f.identity.is_none()
    {
        h.push(AccessExclusiveLock);
    }
    h
}

/// A default that is evaluated per row, so adding the column rewrites the table.
fn is_volatile(default: &str) -> bool {
    let d = default.to_ascii_lowercase();
    [
        "nextval(",
        "random(",
        "gen_random_uuid(",
        "uuid_generate",
        "clock_timestamp(",
        "timeofday(",
    ]
    .iter()
    .any(|f| d.contains(f))
}

/// The length limit of `character varying(20)` and friends.
fn length(data_type: &str) -> Option<(String, i64)> {
    let open = data_type.find('(')?;
    let close = data_type.find(')')?;
    let n = data_type[open + 1..close]
        .split(',')
        .next()?
        .trim()
        .parse()
        .ok()?;
    Some((data_type[..open].to_string(), n))
}

fn is_cheap_widening(from: &str, to: &str) -> bool {
    if to == "text" && (from.starts_with("character varying") || from == "text") {
        return true;
    }
    if to == "character varying" && from.starts_with("character varying") {
        return true;
    }
    match (length(from), length(to)) {
        (Some((a, n)), Some((b, m))) => a == b && a == "character varying" && m >= n,
        _ => false,
    }
}

fn is_narrowing(from: &str, to: &str) -> bool {
    let ints = ["smallint", "integer", "bigint"];
    let rank = |t: &str| ints.iter().position(|i| *i == t);
    if let (Some(a), Some(b)) = (rank(from), rank(to)) {
        return b < a;
    }
    match (length(from), length(to)) {
        (Some((a, n)), Some((b, m))) => a == b && m < n,
        (None, Some(_)) => from == "text" || from == "character varying",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, ty: &str) -> Column {
        Column {
            name: name.into(),
            data_type: ty.into(),
            not_null: false,
            default: None,
            identity: None,
            generated: None,
            collation: None,
            comment: None,
        }
    }

    fn alter(f: Column, t: Column) -> Change {
        let table = QualifiedName::new("public", "t");
        Change::Alter {
            from: Object::Column {
                table: table.clone(),
                column: f,
            },
            to: Object::Column { table, column: t },
        }
    }

    #[test]
    fn type_changes() {
        use Hazard::*;
        let existing = |_: &QualifiedName| true;
        let widen = alter(
            col("a", "character varying(10)"),
            col("a", "character varying(20)"),
        );
        assert_eq!(hazards(&widen, existing), vec![AccessExclusiveLock]);
        let narrow = alter(
            col("a", "character varying(20)"),
            col("a", "character varying(10)"),
        );
        assert_eq!(
            hazards(&narrow, existing),
            vec![DataLoss, TableRewrite, AccessExclusiveLock, Irreversible]
        );
        let bigger = alter(col("a", "integer"), col("a", "bigint"));
        assert_eq!(
            hazards(&bigger, existing),
            vec![TableRewrite, AccessExclusiveLock]
        );
        let smaller = alter(col("a", "bigint"), col("a", "integer"));
        assert!(hazards(&smaller, existing).contains(&DataLoss));
    }

    #[test]
    fn new_tables_have_no_lock_hazards() {
        let table = QualifiedName::new("public", "t");
        let index = Change::Add(Object::Index {
            table,
            index: Index {
                name: "i".into(),
                unique: false,
                method: "btree".into(),
                key: vec![IndexPart {
                    target: IndexTarget::Column("a".into()),
                    descending: false,
                    nulls_first: false,
                    opclass: vec![],
                    collation: vec![],
                    attrs: vec![],
                }],
                include: vec![],
                nulls_distinct: true,
                predicate: None,
                valid: true,
                attrs: vec![],
                comment: None,
            },
        });
        assert_eq!(hazards(&index, |_| false), vec![]);
        assert_eq!(
            hazards(&index, |_| true),
            vec![Hazard::IndexWithoutConcurrently]
        );
        let mut volatile = col("id", "uuid");
        volatile.default = Some("gen_random_uuid()".into());
        let add = Change::Add(Object::Column {
            table: QualifiedName::new("public", "t"),
            column: volatile,
        });
        assert_eq!(
            hazards(&add, |_| true),
            vec![Hazard::TableRewrite, Hazard::AccessExclusiveLock]
        );
    }
}
