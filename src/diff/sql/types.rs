//! Enums, composite types, domains and sequences.

use super::{Context, Mode, Phase, Steps};
use crate::diff::change::Object;
use crate::diff::model::*;
use crate::diff::quote;

fn labels(values: &[String]) -> String {
    values
        .iter()
        .map(|v| quote::literal(v))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn add(out: &mut Steps, o: &Object, ctx: &Context) {
    let rank = match o {
        Object::Enum(e) => ctx.type_depth(&e.name.to_string()),
        Object::Composite(c) => ctx.type_depth(&c.name.to_string()),
        Object::Domain(d) => ctx.type_depth(&d.name.to_string()),
        _ => 0,
    };
    match o {
        Object::Enum(e) => {
            out.push(
                Phase::CreateType,
                rank,
                format!("CREATE TYPE {} AS ENUM ({})", e.name, labels(&e.values)),
            );
            out.comment(
                Phase::CreateType,
                &format!("TYPE {}", e.name),
                &None,
                &e.comment,
            );
        }
        Object::Composite(c) => {
            let attrs: Vec<String> = c
                .attributes
                .iter()
                .map(|a| {
                    format!(
                        "{} {}{}",
                        quote::ident(&a.name),
                        a.data_type,
                        collate(&a.collation)
                    )
                })
                .collect();
            out.push(
                Phase::CreateType,
                rank,
                format!("CREATE TYPE {} AS ({})", c.name, attrs.join(", ")),
            );
            out.comment(
                Phase::CreateType,
                &format!("TYPE {}", c.name),
                &None,
                &c.comment,
            );
        }
        Object::Domain(d) => {
            let mut sql = format!(
                "CREATE DOMAIN {} AS {}{}",
                d.name,
                d.data_type,
                collate(&d.collation)
            );
            if let Some(def) = &d.default {
                sql += &format!(" DEFAULT {def}");
            }
            if d.not_null {
                sql += " NOT NULL";
            }
            for c in &d.checks {
                sql += &format!(" CONSTRAINT {} {}", quote::ident(&c.name), c.definition);
            }
            out.push(Phase::CreateType, rank, sql);
            out.comment(
                Phase::CreateType,
                &format!("DOMAIN {}", d.name),
                &None,
                &d.comment,
            );
        }
        Object::Sequence(s) => {
            let opts = sequence_options(&s.options, None);
            out.push(
                Phase::CreateSequence,
                0,
                format!("CREATE SEQUENCE {}{opts}", s.name),
            );
            if let Some((t, c)) = &s.owned_by {
                out.push(
                    Phase::OwnSequence,
                    0,
                    format!("ALTER SEQUENCE {} OWNED BY {t}.{}", s.name, quote::ident(c)),
                );
            }
            out.comment(
                Phase::CreateSequence,
                &format!("SEQUENCE {}", s.name),
                &None,
                &s.comment,
            );
        }
        _ => {}
    }
}

pub(crate) fn drop(out: &mut Steps, o: &Object, ctx: &Context) {
    match o {
        Object::Enum(Enum { name, .. }) | Object::Composite(Composite { name, .. }) => out.push(
            Phase::DropType,
            -ctx.type_depth(&name.to_string()),
            format!("DROP TYPE {name}"),
        ),
        Object::Domain(d) => out.push(
            Phase::DropType,
            -ctx.type_depth(&d.name.to_string()),
            format!("DROP DOMAIN {}", d.name),
        ),
        Object::Sequence(s) => {
            // A sequence owned by a column goes away with the column.
            let owner_dropped = s
                .owned_by
                .as_ref()
                .is_some_and(|(t, c)| ctx.column_dropped(t, c));
            if !owner_dropped {
                out.push(Phase::DropSequence, 0, format!("DROP SEQUENCE {}", s.name));
            }
        }
        _ => {}
    }
}

pub(crate) fn alter(out: &mut Steps, from: &Object, to: &Object, ctx: &Context) {
    match (from, to) {
        (Object::Enum(f), Object::Enum(t)) => alter_enum(out, f, t, ctx),
        (Object::Composite(f), Object::Composite(t)) => alter_composite(out, f, t),
        (Object::Domain(f), Object::Domain(t)) => alter_domain(out, f, t, ctx),
        (Object::Sequence(f), Object::Sequence(t)) => alter_sequence(out, f, t),
        _ => {}
    }
}

fn alter_enum(out: &mut Steps, f: &Enum, t: &Enum, ctx: &Context) {
    out.comment(
        Phase::CreateType,
        &format!("TYPE {}", t.name),
        &f.comment,
        &t.comment,
    );
    if f.values == t.values {
        return;
    }
    if f.only_adds_labels(t) {
        for (i, v) in t.values.iter().enumerate() {
            if f.values.contains(v) {
                continue;
            }
            let place = match t.values[i + 1..].iter().find(|n| f.values.contains(n)) {
                Some(next) => format!(" BEFORE {}", quote::literal(next)),
                None => match t.values[..i].last() {
                    Some(prev) => format!(" AFTER {}", quote::literal(prev)),
                    None => String::new(),
                },
            };
            out.push_mode(
                Phase::CreateType,
                0,
                format!(
                    "ALTER TYPE {} ADD VALUE {}{place}",
                    t.name,
                    quote::literal(v)
                ),
                Mode::CommitFirst,
            );
        }
        return;
    }
    // Labels removed or reordered: build the new type and move every column over to it.
    let old = QualifiedName::new(
        t.name.schema.clone(),
        format!("{}__dbridge_old", t.name.name),
    );
    let p = Phase::RecreateType;
    out.push(
        p,
        0,
        format!(
            "ALTER TYPE {} RENAME TO {}",
            t.name,
            quote::ident(&old.name)
        ),
    );
    out.push(
        p,
        0,
        format!("CREATE TYPE {} AS ENUM ({})", t.name, labels(&t.values)),
    );
    let scalar = t.name.to_string();
    let array = format!("{scalar}[]");
    for table in &ctx.to.tables {
        for c in &table.columns {
            let cast = if c.data_type == scalar {
                format!("::text::{scalar}")
            } else if c.data_type == array {
                format!("::text[]::{array}")
            } else {
                continue;
            };
            let col = format!(
                "ALTER TABLE {} ALTER COLUMN {}",
                table.name,
                quote::ident(&c.name)
            );
            if c.default.is_some() {
                out.push(p, 0, format!("{col} DROP DEFAULT"));
            }
            out.push(
                p,
                0,
                format!(
                    "{col} TYPE {} USING {}{cast}",
                    c.data_type,
                    quote::ident(&c.name)
                ),
            );
            if let Some(d) = &c.default {
                out.push(p, 0, format!("{col} SET DEFAULT {d}"));
            }
        }
    }
    out.push(p, 0, format!("DROP TYPE {old}"));
}

fn alter_composite(out: &mut Steps, f: &Composite, t: &Composite) {
    let mut actions = Vec::new();
    for a in &f.attributes {
        if !t.attributes.iter().any(|b| b.name == a.name) {
            actions.push(format!("DROP ATTRIBUTE {}", quote::ident(&a.name)));
        }
    }
    for b in &t.attributes {
        match f.attributes.iter().find(|a| a.name == b.name) {
            None => actions.push(format!(
                "ADD ATTRIBUTE {} {}{}",
                quote::ident(&b.name),
                b.data_type,
                collate(&b.collation)
            )),
            Some(a) if a != b => actions.push(format!(
                "ALTER ATTRIBUTE {} TYPE {}{}",
                quote::ident(&b.name),
                b.data_type,
                collate(&b.collation)
            )),
            Some(_) => {}
        }
    }
    if !actions.is_empty() {
        // Before tables, which cannot use a composite type while it changes.
        out.push(
            Phase::CreateType,
            0,
            format!("ALTER TYPE {} {}", t.name, actions.join(", ")),
        );
    }
    out.comment(
        Phase::CreateType,
        &format!("TYPE {}", t.name),
        &f.comment,
        &t.comment,
    );
}

fn alter_domain(out: &mut Steps, f: &Domain, t: &Domain, ctx: &Context) {
    let p = Phase::RecreateType;
    let name = &t.name;
    if f.data_type != t.data_type || f.collation != t.collation {
        out.push(p, 0, format!("DROP DOMAIN {name}"));
        let before = out.0.len();
        add(
            out,
            &Object::Domain(Domain {
                comment: f.comment.clone(),
                ..t.clone()
            }),
            ctx,
        );
        for step in &mut out.0[before..] {
            step.phase = p;
            step.rank = 1;
        }
    } else {
        if f.default != t.default {
            match &t.default {
                Some(d) => out.push(p, 0, format!("ALTER DOMAIN {name} SET DEFAULT {d}")),
                None => out.push(p, 0, format!("ALTER DOMAIN {name} DROP DEFAULT")),
            }
        }
        if f.not_null != t.not_null {
            let verb = if t.not_null { "SET" } else { "DROP" };
            out.push(p, 0, format!("ALTER DOMAIN {name} {verb} NOT NULL"));
        }
        for c in &f.checks {
            if !t.checks.contains(c) {
                out.push(
                    p,
                    0,
                    format!(
                        "ALTER DOMAIN {name} DROP CONSTRAINT {}",
                        quote::ident(&c.name)
                    ),
                );
            }
        }
        for c in &t.checks {
            if !f.checks.contains(c) {
                out.push(
                    p,
                    0,
                    format!(
                        "ALTER DOMAIN {name} ADD CONSTRAINT {} {}",
                        quote::ident(&c.name),
                        c.definition
                    ),
                );
            }
        }
    }
    out.comment(
        Phase::RecreateType,
        &format!("DOMAIN {name}"),
        &f.comment,
        &t.comment,
    );
}

fn alter_sequence(out: &mut Steps, f: &Sequence, t: &Sequence) {
    if f.options != t.options {
        let opts = sequence_options(&t.options, Some(&f.options));
        out.push(
            Phase::CreateSequence,
            0,
            format!("ALTER SEQUENCE {}{opts}", t.name),
        );
    }
    if f.owned_by != t.owned_by {
        let owner = match &t.owned_by {
            Some((table, c)) => format!("{table}.{}", quote::ident(c)),
            None => "NONE".into(),
        };
        out.push(
            Phase::OwnSequence,
            0,
            format!("ALTER SEQUENCE {} OWNED BY {owner}", t.name),
        );
    }
    out.comment(
        Phase::CreateSequence,
        &format!("SEQUENCE {}", t.name),
        &f.comment,
        &t.comment,
    );
}

/// ` COLLATE x` or nothing.
pub(crate) fn collate(collation: &Option<String>) -> String {
    collation
        .as_ref()
        .map_or(String::new(), |c| format!(" COLLATE {c}"))
}

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
