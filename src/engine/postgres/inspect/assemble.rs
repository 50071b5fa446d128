//! The pure half of introspection: the model built from the rows of every catalog query.

use super::relations::{columns, relation_from_row};
use super::typedefs::{sequences, types};
#[allow(unused_imports)]
use super::*;
use super::{indexes, keys, triggers};

/// Where a relation's rows go: a table or a view, by position.
#[derive(Clone, Copy)]
pub(super) enum Relation {
    Table(usize),
    View(usize),
}

/// Builds the model from the rows of every catalog query.
pub(super) fn assemble(rows: &Rows) -> Result<Database> {
    let notes = Annotations::new(rows);
    let mut db = Database::default();
    for r in &rows["schemas"] {
        if !notes.extension_member(PG_NAMESPACE, get(r, 0)) {
            db.schemas.push(Schema {
                name: get(r, 1),
                comment: opt(r, 2),
            });
        }
    }
    for r in &rows["extensions"] {
        db.extensions.push(Extension {
            name: get(r, 0),
            schema: get(r, 1),
        });
    }
    let composites = types(rows, &notes, &mut db);
    let identities = sequences(rows, &notes, &mut db);
    for r in &rows["functions"] {
        let oid: i64 = get(r, 0);
        if notes.extension_member(PG_PROC, oid) {
            continue;
        }
        db.functions.push(Function {
            name: qname(r, 1, 2),
            arguments: get(r, 3),
            kind: if get::<String>(r, 4) == "p" {
                RoutineKind::Procedure
            } else {
                RoutineKind::Function
            },
            result: get(r, 5),
            definition: get(r, 6),
            language: get(r, 7),
            comment: notes.comment(PG_PROC, oid),
        });
    }
    let mut parents: HashMap<i64, Vec<QualifiedName>> = HashMap::new();
    for r in &rows["inheritance"] {
        parents.entry(get(r, 0)).or_default().push(qname(r, 1, 2));
    }
    let (mut tables, mut views) = (Vec::new(), Vec::new());
    let mut relations = HashMap::new();
    for r in &rows["relations"] {
        let oid: i64 = get(r, 0);
        if notes.extension_member(PG_CLASS, oid) {
            continue;
        }
        let relation = relation_from_row(r, &notes, &mut parents, &mut tables, &mut views)?;
        relations.insert(oid, relation);
    }
    columns(
        rows,
        &notes,
        &identities,
        &relations,
        &composites,
        &mut tables,
        &mut views,
        &mut db,
    );
    let table = |oid: i64| match relations.get(&oid) {
        Some(&Relation::Table(i)) => Some(i),
        _ => None,
    };
    for r in &rows["constraints"] {
        let oid: i64 = get(r, 0);
        if let Some(t) = table(get(r, 1)).map(|i| &mut tables[i]) {
            let comment = notes.comment(PG_CONSTRAINT, oid);
            t.constraints.push(keys::constraint(rows, r, comment)?);
        }
    }
    for r in &rows["indexes"] {
        let oid: i64 = get(r, 0);
        if notes.extension_member(PG_CLASS, oid) {
            continue;
        }
        let server = rows.server_indexes.get(&oid);
        let comment = notes.comment(PG_CLASS, oid);
        let predicate = rows.expressions.predicate(oid);
        let index = indexes::index(&rows.columns, r, server, predicate, comment)?;
        match relations.get(&get(r, 1)) {
            Some(&Relation::Table(i)) => tables[i].indexes.push(index),
            Some(&Relation::View(i)) => views[i].indexes.push(index),
            None => {}
        }
    }
    let quoter = &rows.quoter;
    for r in &rows["triggers"] {
        let relation: i64 = get(r, 1);
        let name = match relations.get(&relation) {
            Some(&Relation::Table(i)) => tables[i].name.clone(),
            Some(&Relation::View(i)) => views[i].name.clone(),
            None => continue,
        };
        let comment = notes.comment(PG_TRIGGER, get(r, 0));
        let trigger = triggers::trigger(rows, quoter, (relation, &name), r, comment)?;
        match relations.get(&relation) {
            Some(&Relation::Table(i)) => tables[i].triggers.push(trigger),
            Some(&Relation::View(i)) => views[i].triggers.push(trigger),
            None => {}
        }
    }
    for r in &rows["policies"] {
        if let Some(i) = table(get(r, 1)) {
            tables[i].policies.push(Policy {
                name: get(r, 2),
                permissive: get(r, 3),
                command: policy_command(&get::<String>(r, 4))?,
                roles: get(r, 5),
                using: opt(r, 6),
                with_check: opt(r, 7),
                comment: notes.comment(PG_POLICY, get(r, 0)),
            });
        }
    }
    for r in &rows["view dependencies"] {
        if let Some(&Relation::View(i)) = relations.get(&get(r, 0)) {
            views[i].depends_on.push(qname(r, 1, 2));
        }
    }
    db.tables = tables;
    db.views = views;
    db.definitions = super::definitions::definitions(rows, &notes);
    for r in &rows["default privileges"] {
        let code: String = get(r, 3);
        let on = DefaultTarget::from_code(&code).ok_or_else(|| Error::Catalog {
            object: format!("default privileges {}", get::<i64>(r, 0)),
            reason: format!("an object type {code:?}"),
        })?;
        db.default_privileges.push(DefaultPrivilege {
            for_role: opt(r, 1),
            schema: opt(r, 2),
            on,
            grantee: get(r, 4),
            privilege: get(r, 5),
            grantable: get(r, 6),
            revoked: get(r, 7),
        });
    }
    for r in &rows["privileges"] {
        if notes.extension_member(get(r, 0), get(r, 1)) {
            continue;
        }
        let on: String = get(r, 2);
        let on = PrivilegeTarget::from_keyword(&on).ok_or_else(|| Error::Catalog {
            object: get(r, 3),
            reason: format!("privileges on an object of kind {on}"),
        })?;
        db.privileges.push(Privilege {
            on,
            object: get(r, 3),
            schema: get(r, 4),
            column: opt(r, 5),
            grantee: get(r, 6),
            privilege: get(r, 7),
            grantable: get(r, 8),
            revoked: get(r, 9),
        });
    }
    db.normalize();
    Ok(db)
}

fn policy_command(keyword: &str) -> Result<PolicyCommand> {
    Ok(match keyword {
        "ALL" => PolicyCommand::All,
        "SELECT" => PolicyCommand::Select,
        "INSERT" => PolicyCommand::Insert,
        "UPDATE" => PolicyCommand::Update,
        "DELETE" => PolicyCommand::Delete,
        other => {
            return Err(Error::Catalog {
                object: "policy".into(),
                reason: format!("unknown command {other}"),
            })
        }
    })
}
