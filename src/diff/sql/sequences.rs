//! Sequences: their options, the defaults PostgreSQL gives them, and altering one.

use super::{Phase, Steps};
use crate::diff::model::*;
use crate::diff::quote;
use crate::diff::quote::SqlName;

pub(super) fn alter_sequence(out: &mut Steps, f: &Sequence, t: &Sequence) {
    if f.options != t.options {
        let opts = sequence_options(&t.options, Some(&f.options));
        out.push(
            Phase::CreateSequence,
            0,
            format!("ALTER SEQUENCE {}{opts}", t.name.sql()),
        );
    }
    if f.owned_by != t.owned_by {
        let owner = match &t.owned_by {
            Some((table, c)) => format!("{table}.{}", quote::ident(c), table = table.sql()),
            None => "NONE".into(),
        };
        out.push(
            Phase::OwnSequence,
            0,
            format!("ALTER SEQUENCE {} OWNED BY {owner}", t.name.sql()),
        );
    }
    out.comment(
        Phase::CreateSequence,
        &format!("SEQUENCE {}", t.name.sql()),
        &f.comment,
        &t.comment,
    );
}

/// ` COLLATE x` or nothing.
/// The largest value of a sequence's type.
pub(crate) fn type_max(data_type: &str) -> i64 {
    match data_type {
        "smallint" => i16::MAX as i64,
        "integer" => i32::MAX as i64,
        _ => i64::MAX,
    }
}

/// Sequence options that differ from `base` (or, without one, from the defaults of
/// `CREATE SEQUENCE`), as ` AS integer INCREMENT BY 2 ...`.
pub(crate) fn sequence_options(o: &SequenceOptions, base: Option<&SequenceOptions>) -> String {
    sequence_option_list(o, base)
        .iter()
        .map(|part| format!(" {part}"))
        .collect()
}

/// The parts of [`sequence_options`]: `["INCREMENT BY 2", "CYCLE"]`.
pub(crate) fn sequence_option_list(
    o: &SequenceOptions,
    base: Option<&SequenceOptions>,
) -> Vec<String> {
    let base = base
        .cloned()
        .unwrap_or_else(|| create_defaults(&o.data_type, o.increment));
    let retyped = o.data_type != base.data_type;
    let mut parts = Vec::new();
    if retyped {
        parts.push(format!("AS {}", o.data_type));
    }
    if o.increment != base.increment {
        parts.push(format!("INCREMENT BY {}", o.increment));
    }
    if o.min_value != base.min_value || retyped {
        parts.push(format!("MINVALUE {}", o.min_value));
    }
    if o.max_value != base.max_value || retyped {
        parts.push(format!("MAXVALUE {}", o.max_value));
    }
    if o.start != base.start {
        parts.push(format!("START WITH {}", o.start));
    }
    if o.cache != base.cache {
        parts.push(format!("CACHE {}", o.cache));
    }
    if o.cycle != base.cycle {
        parts.push(if o.cycle { "CYCLE" } else { "NO CYCLE" }.to_string());
    }
    parts
}

/// What `CREATE SEQUENCE` assumes for options left out (its type defaults to bigint).
fn create_defaults(data_type: &str, increment: i64) -> SequenceOptions {
    let max = type_max(data_type);
    let (min, max) = if increment > 0 {
        (1, max)
    } else {
        (-max - 1, -1)
    };
    SequenceOptions {
        data_type: "bigint".into(),
        start: if increment > 0 { min } else { max },
        increment: 1,
        min_value: min,
        max_value: max,
        cache: 1,
        cycle: false,
    }
}

/// What an identity column assumes for options left out: its sequence has the column's type.
pub(crate) fn identity_defaults(data_type: &str, increment: i64) -> SequenceOptions {
    SequenceOptions {
        data_type: data_type.to_string(),
        ..create_defaults(data_type, increment)
    }
}
