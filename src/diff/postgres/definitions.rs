//! The SQL of keys, foreign keys, checks, indexes, triggers and partition keys, written
//! from the typed model in the very layout `pg_get_constraintdef`, `pg_get_indexdef`,
//! `pg_get_triggerdef` and `pg_get_partkeydef` use.
//!
//! Identifiers are quoted by the caller's function: plans use [`crate::diff::quote::ident`];
//! introspection and its tests use the connected server's keyword list, to compare with the
//! server's own text byte for byte.

use crate::diff::model::*;

/// Quotes one identifier.
pub type Quote<'a> = &'a dyn Fn(&str) -> String;

fn qualified(q: Quote, name: &QualifiedName) -> String {
    format!("{}.{}", q(&name.schema), q(&name.name))
}

fn list(q: Quote, names: &[String]) -> String {
    names.iter().map(|n| q(n)).collect::<Vec<_>>().join(", ")
}

fn path(q: Quote, names: &[String]) -> String {
    names.iter().map(|n| q(n)).collect::<Vec<_>>().join(".")
}

/// A string literal as the server prints one (`standard_conforming_strings` on).
fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `name=value, ...` with each value quoted unless it reads as a plain identifier.
fn options(q: Quote, pairs: &[(String, String)]) -> String {
    let one = |(name, value): &(String, String)| {
        let value = if q(value) == *value {
            value.clone()
        } else {
            literal(value)
        };
        format!("{name}={value}")
    };
    pairs.iter().map(one).collect::<Vec<_>>().join(", ")
}

/// The text after `ADD CONSTRAINT name`: `PRIMARY KEY (id)`, `CHECK (...)`...
pub fn constraint(q: Quote, c: &Constraint) -> String {
    let mut out = match &c.body {
        ConstraintBody::PrimaryKey(k) => key(q, "PRIMARY KEY", k),
        ConstraintBody::Unique(k) if k.nulls_distinct => key(q, "UNIQUE", k),
        ConstraintBody::Unique(k) => key(q, "UNIQUE NULLS NOT DISTINCT", k),
        ConstraintBody::Check(ch) => format!(
            "CHECK ({}){}",
            ch.expression,
            if ch.no_inherit { " NO INHERIT" } else { "" }
        ),
        ConstraintBody::Exclusion(x) => x.definition.to_string(),
        ConstraintBody::ForeignKey(fk) => foreign_key(q, fk),
    };
    if !c.validated {
        out.push_str(" NOT VALID");
    }
    out
}

/// The text after a domain's `CONSTRAINT name`: `CHECK (VALUE > 0)`.
pub fn domain_check(c: &DomainCheck) -> String {
    let not_valid = if c.validated { "" } else { " NOT VALID" };
    format!("CHECK ({}){not_valid}", c.expression)
}

fn key(q: Quote, head: &str, k: &Key) -> String {
    let mut out = format!("{head} ({})", list(q, &k.columns));
    if !k.include.is_empty() {
        out += &format!(" INCLUDE ({})", list(q, &k.include));
    }
    out + deferral(&k.deferral)
}

fn deferral(d: &Deferral) -> &'static str {
    match (d.deferrable, d.initially_deferred) {
        (true, true) => " DEFERRABLE INITIALLY DEFERRED",
        (true, false) => " DEFERRABLE",
        (false, true) => " INITIALLY DEFERRED",
        (false, false) => "",
    }
}

fn foreign_key(q: Quote, fk: &ForeignKey) -> String {
    let mut out = format!(
        "FOREIGN KEY ({}) REFERENCES {}({})",
        list(q, &fk.columns),
        qualified(q, &fk.references),
        list(q, &fk.referenced_columns)
    );
    match fk.match_type {
        MatchType::Full => out.push_str(" MATCH FULL"),
        MatchType::Partial => out.push_str(" MATCH PARTIAL"),
        MatchType::Simple => {}
    }
    if let Some(a) = action(fk.on_update) {
        out += &format!(" ON UPDATE {a}");
    }
    if let Some(a) = action(fk.on_delete) {
        out += &format!(" ON DELETE {a}");
    }
    if !fk.on_delete_columns.is_empty() {
        out += &format!(" ({})", list(q, &fk.on_delete_columns));
    }
    out + deferral(&fk.deferral)
}

fn action(a: ReferentialAction) -> Option<&'static str> {
    match a {
        ReferentialAction::NoAction => None,
        ReferentialAction::Restrict => Some("RESTRICT"),
        ReferentialAction::Cascade => Some("CASCADE"),
        ReferentialAction::SetNull => Some("SET NULL"),
        ReferentialAction::SetDefault => Some("SET DEFAULT"),
    }
}

/// How `CREATE INDEX` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexForm {
    /// `CREATE INDEX name ON table`: on a partitioned table, it creates (or attaches) the
    /// index of every partition too.
    Plain,
    /// `CREATE INDEX CONCURRENTLY`, which takes no lock that blocks writes.
    Concurrently,
    /// `CREATE INDEX name ON ONLY table`: the partitioned table's index alone, invalid until
    /// an index of each partition is attached (as `pg_get_indexdef` writes a partitioned
    /// table's index).
    OnlyParent,
}

/// `CREATE [UNIQUE] INDEX [CONCURRENTLY] name ON [ONLY] schema.table USING method (...) ...`.
pub fn index(q: Quote, table: &QualifiedName, ix: &Index, form: IndexForm) -> String {
    let only = form == IndexForm::OnlyParent;
    let concurrently = form == IndexForm::Concurrently;
    let parts: Vec<String> = ix.key.iter().map(|p| index_part(q, p)).collect();
    let mut out = format!(
        "CREATE {}INDEX {}{} ON {}{} USING {} ({}",
        if ix.unique { "UNIQUE " } else { "" },
        if concurrently { "CONCURRENTLY " } else { "" },
        q(&ix.name),
        if only { "ONLY " } else { "" },
        qualified(q, table),
        ix.method,
        parts.join(", ")
    );
    if !ix.include.is_empty() {
        out += &format!(") INCLUDE ({}", list(q, &ix.include));
    }
    out.push(')');
    if !ix.nulls_distinct {
        out.push_str(" NULLS NOT DISTINCT");
    }
    for a in &ix.attrs {
        if let Some(PgAttr::StorageParameters(pairs)) = a.pg() {
            out += &format!(" WITH ({})", options(q, pairs));
        }
    }
    if let Some(p) = &ix.predicate {
        out += &format!(" WHERE {p}");
    }
    out
}

fn index_part(q: Quote, p: &IndexPart) -> String {
    let mut out = match &p.target {
        IndexTarget::Column(c) => q(c),
        IndexTarget::Expression(e) => e.to_string(),
    };
    if !p.collation.is_empty() {
        out += &format!(" COLLATE {}", path(q, &p.collation));
    }
    if !p.opclass.is_empty() {
        out += &format!(" {}", path(q, &p.opclass));
    }
    for a in &p.attrs {
        if let Some(PgAttr::OperatorClassOptions(pairs)) = a.pg() {
            out += &format!(" ({})", options(q, pairs));
        }
    }
    out.push_str(match (p.descending, p.nulls_first) {
        (true, false) => " DESC NULLS LAST",
        (true, true) => " DESC",
        (false, true) => " NULLS FIRST",
        (false, false) => "",
    });
    out
}

/// `RANGE (created_at)`: what follows `PARTITION BY`.
pub fn partition_key(q: Quote, key: &PartitionKey) -> String {
    let strategy = match key.strategy {
        PartitionStrategy::Range => "RANGE",
        PartitionStrategy::List => "LIST",
        PartitionStrategy::Hash => "HASH",
    };
    let parts: Vec<String> = key
        .parts
        .iter()
        .map(|p| match p {
            PartitionPart::Column(c) => q(c),
            PartitionPart::Expression(e) => e.to_string(),
        })
        .collect();
    format!("{strategy} ({})", parts.join(", "))
}

/// `CREATE TRIGGER ...`, the whole statement.
pub fn trigger(q: Quote, table: &QualifiedName, t: &Trigger) -> String {
    let mut out = trigger_head(q, table, t);
    if let Some(w) = &t.when {
        out += &format!("WHEN ({w}) ");
    }
    out + &trigger_tail(q, t)
}

/// The statement up to its `WHEN` clause (`... FOR EACH ROW `).
pub fn trigger_head(q: Quote, table: &QualifiedName, t: &Trigger) -> String {
    let mut out = format!(
        "CREATE {}TRIGGER {} {}",
        if t.constraint.is_some() {
            "CONSTRAINT "
        } else {
            ""
        },
        q(&t.name),
        match t.timing {
            TriggerTiming::Before => "BEFORE",
            TriggerTiming::After => "AFTER",
            TriggerTiming::InsteadOf => "INSTEAD OF",
        }
    );
    for (i, e) in t.events.iter().enumerate() {
        out.push_str(if i == 0 { " " } else { " OR " });
        out.push_str(match e {
            TriggerEvent::Insert => "INSERT",
            TriggerEvent::Delete => "DELETE",
            TriggerEvent::Update => "UPDATE",
            TriggerEvent::Truncate => "TRUNCATE",
        });
        if *e == TriggerEvent::Update && !t.update_columns.is_empty() {
            out += &format!(" OF {}", list(q, &t.update_columns));
        }
    }
    out += &format!(" ON {} ", qualified(q, table));
    if let Some(c) = &t.constraint {
        if let Some(from) = &c.from {
            out += &format!("FROM {} ", qualified(q, from));
        }
        if !c.deferral.deferrable {
            out.push_str("NOT ");
        }
        out.push_str("DEFERRABLE INITIALLY ");
        out.push_str(if c.deferral.initially_deferred {
            "DEFERRED "
        } else {
            "IMMEDIATE "
        });
    }
    if t.old_table.is_some() || t.new_table.is_some() {
        out.push_str("REFERENCING ");
        if let Some(o) = &t.old_table {
            out += &format!("OLD TABLE AS {} ", q(o));
        }
        if let Some(n) = &t.new_table {
            out += &format!("NEW TABLE AS {} ", q(n));
        }
    }
    out.push_str(match t.level {
        TriggerLevel::Row => "FOR EACH ROW ",
        TriggerLevel::Statement => "FOR EACH STATEMENT ",
    });
    out
}

/// The statement from `EXECUTE FUNCTION` on. Functions of `pg_catalog` go unqualified,
/// as the server writes them.
pub fn trigger_tail(q: Quote, t: &Trigger) -> String {
    let function = if t.function.schema == "pg_catalog" {
        q(&t.function.name)
    } else {
        qualified(q, &t.function)
    };
    let args: Vec<String> = t.arguments.iter().map(|a| literal(a)).collect();
    format!("EXECUTE FUNCTION {function}({})", args.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::quote;

    fn q() -> impl Fn(&str) -> String {
        quote::ident
    }

    fn part(column: &str) -> IndexPart {
        IndexPart {
            target: IndexTarget::Column(column.into()),
            descending: false,
            nulls_first: false,
            opclass: vec![],
            collation: vec![],
            attrs: vec![],
        }
    }

    #[test]
    fn writes_indexes_with_order_include_and_predicate() {
        let q = q();
        let mut a = part("Name");
        a.descending = true;
        a.nulls_first = true;
        let mut b = part("order");
        b.descending = true;
        let ix = Index {
            name: "ix".into(),
            unique: true,
            method: "btree".into(),
            key: vec![a, b],
            include: vec!["id".into()],
            nulls_distinct: false,
            predicate: Some(Expr::new("(id > 0)")),
            valid: true,
            attrs: vec![Attr::Pg(PgAttr::StorageParameters(vec![(
                "fillfactor".into(),
                "70".into(),
            )]))],
            comment: None,
        };
        assert_eq!(
            index(&q, &QualifiedName::new("public", "T"), &ix, IndexForm::Plain),
            "CREATE UNIQUE INDEX ix ON public.\"T\" USING btree (\"Name\" DESC, \"order\" DESC NULLS LAST) \
             INCLUDE (id) NULLS NOT DISTINCT WITH (fillfactor='70') WHERE (id > 0)"
        );
    }

    #[test]
    fn writes_foreign_keys() {
        let q = q();
        let c = Constraint {
            name: "fk".into(),
            body: ConstraintBody::ForeignKey(ForeignKey {
                columns: vec!["id".into(), "order".into()],
                references: QualifiedName::new("s", "Other"),
                referenced_columns: vec!["id".into(), "id".into()],
                match_type: MatchType::Full,
                on_update: ReferentialAction::Cascade,
                on_delete: ReferentialAction::SetNull,
                on_delete_columns: vec!["order".into()],
                deferral: Deferral {
                    deferrable: true,
                    initially_deferred: false,
                },
            }),
            validated: false,
            comment: None,
        };
        assert_eq!(
            constraint(&q, &c),
            "FOREIGN KEY (id, \"order\") REFERENCES s.\"Other\"(id, id) MATCH FULL \
             ON UPDATE CASCADE ON DELETE SET NULL (\"order\") DEFERRABLE NOT VALID"
        );
    }

    #[test]
    fn writes_triggers() {
        let q = q();
        let t = Trigger {
            name: "audit".into(),
            timing: TriggerTiming::After,
            events: vec![TriggerEvent::Insert, TriggerEvent::Update],
            update_columns: vec!["a".into(), "B".into()],
            level: TriggerLevel::Row,
            function: QualifiedName::new("public", "log"),
            arguments: vec!["it's".into(), "x".into()],
            when: Some(Expr::new("(new.a > 0)")),
            old_table: None,
            new_table: None,
            constraint: Some(ConstraintTrigger {
                from: None,
                deferral: Deferral::default(),
            }),
            enabled: TriggerEnabled::Origin,
            comment: None,
        };
        assert_eq!(
            trigger(&q, &QualifiedName::new("public", "t"), &t),
            "CREATE CONSTRAINT TRIGGER audit AFTER INSERT OR UPDATE OF a, \"B\" ON public.t \
             NOT DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW WHEN ((new.a > 0)) \
             EXECUTE FUNCTION public.log('it''s', 'x')"
        );
    }
}
