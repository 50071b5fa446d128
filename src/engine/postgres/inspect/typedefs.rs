//! Enums, domains, composite types and sequences from their catalog rows.

#[allow(unused_imports)]
use super::*;

/// Enums, domains and composites; returns each composite's position by its relation id.
pub(super) fn types(rows: &Rows, notes: &Annotations, db: &mut Database) -> HashMap<i64, usize> {
    let mut composites = HashMap::new();
    for r in &rows["types"] {
        let oid: i64 = get(r, 0);
        if notes.extension_member(PG_TYPE, oid) {
            continue;
        }
        let name = qname(r, 1, 2);
        let comment = notes.comment(PG_TYPE, oid);
        match get::<String>(r, 3).as_str() {
            "e" => db.enums.push(Enum {
                name,
                values: get(r, 5),
                comment,
            }),
            "d" => db.domains.push(Domain {
                name,
                data_type: get(r, 6),
                not_null: get(r, 7),
                default: opt(r, 8),
                collation: opt(r, 9),
                checks: Vec::new(),
                comment,
            }),
            _ => {
                composites.insert(get(r, 4), db.composites.len());
                db.composites.push(Composite {
                    name,
                    attributes: Vec::new(),
                    comment,
                });
            }
        }
    }
    let domains: HashMap<QualifiedName, usize> = db
        .domains
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.clone(), i))
        .collect();
    for r in &rows["domain checks"] {
        if let Some(&i) = domains.get(&qname(r, 0, 1)) {
            db.domains[i].checks.push(DomainCheck {
                name: get(r, 2),
                expression: Expr::new(get::<String>(r, 3)),
                validated: get(r, 4),
            });
        }
    }
    composites
}

/// Sequences; returns the options of identity columns' sequences by (table id, column number).
pub(super) fn sequences(
    rows: &Rows,
    notes: &Annotations,
    db: &mut Database,
) -> HashMap<(i64, i16), SequenceOptions> {
    let mut identities = HashMap::new();
    let mut seen = HashSet::new();
    for r in &rows["sequences"] {
        let oid: i64 = get(r, 0);
        if notes.extension_member(PG_CLASS, oid) || !seen.insert(oid) {
            continue;
        }
        let options = SequenceOptions {
            data_type: get(r, 3),
            start: get(r, 4),
            increment: get(r, 5),
            min_value: get(r, 6),
            max_value: get(r, 7),
            cache: get(r, 8),
            cycle: get(r, 9),
        };
        let owner: String = opt(r, 10).unwrap_or_default();
        if owner == "i" {
            identities.insert((get(r, 11), get::<i32>(r, 12) as i16), options);
            continue;
        }
        let owned_by =
            opt::<String>(r, 14).map(|t| (QualifiedName::new(get::<String>(r, 13), t), get(r, 15)));
        db.sequences.push(Sequence {
            name: qname(r, 1, 2),
            options,
            owned_by,
            comment: notes.comment(PG_CLASS, oid),
        });
    }
    identities
}
