//! Enums, composite types, domains and sequences (whose options are in `sequences`).

use super::sequences::{alter_sequence, sequence_options};
use super::{Context, Mode, Phase, Steps};
use crate::diff::change::Object;
use crate::diff::model::*;
use crate::diff::postgres::definitions;
use crate::diff::quote;
use crate::diff::quote::SqlName;

fn labels(values: &[String]) -> String {
    values
        .iter()
        .map(|v| quote::literal(v))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn add(out: &mut Steps, o: &Object, ctx: &Context) {
    let rank = match o {
        Object::Enum(e) => ctx.type_depth(&e.name.sql().to_string()),
        Object::Composite(c) => ctx.type_depth(&c.name.sql().to_string()),
        Object::Domain(d) => ctx.type_depth(&d.name.sql().to_string()),
        _ => 0,
    };
    match o {
        Object::Enum(e) => {
            out.push(
                Phase::CreateType,
                rank,
                format!(
                    "CREATE TYPE {} AS ENUM ({})",
                    e.name.sql(),
                    labels(&e.values)
                ),
            );
            out.comment(
                Phase::CreateType,
                &format!("TYPE {}", e.name.sql()),
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
                format!("CREATE TYPE {} AS ({})", c.name.sql(), attrs.join(", ")),
            );
            out.comment(
                Phase::CreateType,
                &format!("TYPE {}", c.name.sql()),
                &None,
                &c.comment,
            );
        }
        Object::Domain(d) => super::domains::add(out, d, rank, ctx),
        Object::Sequence(s) => {
            let opts = sequence_options(&s.options, None);
            // A serial sequence that replaces an identity column's (whose hidden sequence
            // has the same name) is created once the identity is dropped.
            let replaces_identity = s.owned_by.as_ref().is_some_and(|(t, c)| {
                ctx.from
                    .tables
                    .iter()
                    .find(|x| &x.name == t)
                    .and_then(|x| x.columns.iter().find(|col| &col.name == c))
                    .is_some_and(|col| col.identity.is_some())
            });
            let (phase, rank) = if replaces_identity {
                (Phase::Column, -1)
            } else {
                (Phase::CreateSequence, 0)
            };
            out.push(
                phase,
                rank,
                format!("CREATE SEQUENCE {}{opts}", s.name.sql()),
            );
            if let Some((t, c)) = &s.owned_by {
                out.push(
                    Phase::OwnSequence,
                    0,
                    format!(
                        "ALTER SEQUENCE {} OWNED BY {t}.{}",
                        s.name.sql(),
                        quote::ident(c),
                        t = t.sql()
                    ),
                );
            }
            out.comment(
                Phase::CreateSequence,
                &format!("SEQUENCE {}", s.name.sql()),
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
            -ctx.type_depth(&name.sql().to_string()),
            format!("DROP TYPE {name}", name = name.sql()),
        ),
        Object::Domain(d) if ctx.uses_row_type(&d.data_type) => out.push(
            Phase::DropRowTypeDependents,
            1,
            format!("DROP DOMAIN {}", d.name.sql()),
        ),
        Object::Domain(d) if super::domains::calls_function(d, ctx) => out.push(
            Phase::DropDomainCallingFunction,
            -ctx.type_depth(&d.name.sql().to_string()),
            format!("DROP DOMAIN {}", d.name.sql()),
        ),
        Object::Domain(d) => out.push(
            Phase::DropType,
            -ctx.type_depth(&d.name.sql().to_string()),
            format!("DROP DOMAIN {}", d.name.sql()),
        ),
        Object::Sequence(s) => {
            // A sequence owned by a column goes away with the column.
            let owner_dropped = s
                .owned_by
                .as_ref()
                .is_some_and(|(t, c)| ctx.column_dropped(t, c));
            if !owner_dropped {
                out.push(
                    Phase::DropSequence,
                    0,
                    format!("DROP SEQUENCE {}", s.name.sql()),
                );
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
        &format!("TYPE {}", t.name.sql()),
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
                    t.name.sql(),
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
            t.name.sql(),
            quote::ident(&old.name)
        ),
    );
    out.push(
        p,
        0,
        format!(
            "CREATE TYPE {} AS ENUM ({})",
            t.name.sql(),
            labels(&t.values)
        ),
    );
    let scalar = t.name.sql().to_string();
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
                table.name.sql(),
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
    out.push(p, 0, format!("DROP TYPE {old}", old = old.sql()));
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
            format!("ALTER TYPE {} {}", t.name.sql(), actions.join(", ")),
        );
    }
    out.comment(
        Phase::CreateType,
        &format!("TYPE {}", t.name.sql()),
        &f.comment,
        &t.comment,
    );
}

fn alter_domain(out: &mut Steps, f: &Domain, t: &Domain, ctx: &Context) {
    let p = Phase::RecreateType;
    let name = &t.name;
    if f.data_type != t.data_type || f.collation != t.collation {
        out.push(p, 0, format!("DROP DOMAIN {name}", name = name.sql()));
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
                Some(d) => out.push(
                    p,
                    0,
                    format!("ALTER DOMAIN {name} SET DEFAULT {d}", name = name.sql()),
                ),
                None => out.push(
                    p,
                    0,
                    format!("ALTER DOMAIN {name} DROP DEFAULT", name = name.sql()),
                ),
            }
        }
        if f.not_null != t.not_null {
            let verb = if t.not_null { "SET" } else { "DROP" };
            out.push(
                p,
                0,
                format!("ALTER DOMAIN {name} {verb} NOT NULL", name = name.sql()),
            );
        }
        for c in &f.checks {
            if !t.checks.contains(c) {
                out.push(
                    p,
                    0,
                    format!(
                        "ALTER DOMAIN {name} DROP CONSTRAINT {}",
                        quote::ident(&c.name),
                        name = name.sql()
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
                        definitions::domain_check(c),
                        name = name.sql()
                    ),
                );
            }
        }
    }
    out.comment(
        Phase::RecreateType,
        &format!("DOMAIN {name}", name = name.sql()),
        &f.comment,
        &t.comment,
    );
}

pub(crate) fn collate(collation: &Option<String>) -> String {
    collation
        .as_ref()
        .map_or(String::new(), |c| format!(" COLLATE {c}"))
}
