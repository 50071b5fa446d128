//! Triggers from their `pg_trigger` rows. The `WHEN` condition has no deparsing function
//! of its own: it is the part of `pg_get_triggerdef` between what the typed fields write
//! before it and after it.

use crate::diff::postgres::definitions::{trigger_head, trigger_tail};

#[allow(unused_imports)]
use super::*;

const ROW: i32 = 1;
const BEFORE: i32 = 2;
const INSERT: i32 = 4;
const DELETE: i32 = 8;
const UPDATE: i32 = 16;
const TRUNCATE: i32 = 32;
const INSTEAD: i32 = 64;

/// The arguments as `tgargs` holds them: each one followed by a NUL byte.
fn arguments(bytes: &[u8], count: i32) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .take(count.max(0) as usize)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// The trigger of one row of the `triggers` query, on `table`.
pub(super) fn trigger(
    rows: &Rows,
    quoter: &Quoter,
    table: (i64, &QualifiedName),
    r: &PgRow,
    comment: Option<String>,
) -> Result<Trigger> {
    let tgtype: i32 = get(r, 5);
    let events = [
        (INSERT, TriggerEvent::Insert),
        (DELETE, TriggerEvent::Delete),
        (UPDATE, TriggerEvent::Update),
        (TRUNCATE, TriggerEvent::Truncate),
    ]
    .into_iter()
    .filter(|(bit, _)| tgtype & bit != 0)
    .map(|(_, e)| e)
    .collect();
    let name: String = get(r, 2);
    let update_columns = rows
        .columns
        .names(table.0, &opt::<Vec<i16>>(r, 6).unwrap_or_default())
        .ok_or_else(|| Error::Catalog {
            object: format!("trigger {name}"),
            reason: "it names a column that was not read".into(),
        })?;
    let mut trigger = Trigger {
        name,
        timing: if tgtype & BEFORE != 0 {
            TriggerTiming::Before
        } else if tgtype & INSTEAD != 0 {
            TriggerTiming::InsteadOf
        } else {
            TriggerTiming::After
        },
        events,
        update_columns,
        level: if tgtype & ROW != 0 {
            TriggerLevel::Row
        } else {
            TriggerLevel::Statement
        },
        function: qname(r, 7, 8),
        arguments: arguments(&get::<Vec<u8>>(r, 9), get(r, 10)),
        when: None,
        old_table: opt(r, 16),
        new_table: opt(r, 17),
        constraint: get::<bool>(r, 11).then(|| ConstraintTrigger {
            from: opt::<String>(r, 13).map(|t| QualifiedName::new(get::<String>(r, 12), t)),
            deferral: Deferral {
                deferrable: get(r, 14),
                initially_deferred: get(r, 15),
            },
        }),
        enabled: match get::<String>(r, 4).as_str() {
            "D" => TriggerEnabled::Disabled,
            "R" => TriggerEnabled::Replica,
            "A" => TriggerEnabled::Always,
            _ => TriggerEnabled::Origin,
        },
        comment,
    };
    if let Some(definition) = opt::<String>(r, 3) {
        let q = |s: &str| quoter.ident(s).into_owned();
        let head = trigger_head(&q, table.1, &trigger) + "WHEN (";
        let tail = format!(") {}", trigger_tail(&q, &trigger));
        let when = definition
            .strip_prefix(&head)
            .and_then(|d| d.strip_suffix(&tail))
            .ok_or_else(|| Error::Catalog {
                object: format!("trigger {}", trigger.name),
                reason: format!("unexpected definition {definition}"),
            })?;
        trigger.when = Some(Expr::new(when));
    }
    Ok(trigger)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_arguments() {
        assert_eq!(arguments(b"a\0it's\0\0", 3), ["a", "it's", ""]);
        assert!(arguments(b"", 0).is_empty());
    }
}
