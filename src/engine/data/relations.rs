//! Relations between tables, found from foreign keys: many-to-one (named after the foreign-key
//! column without `_id`, else the referenced table), one-to-many (named after the referencing
//! table) and many-to-many through a join table whose primary key is exactly two foreign keys
//! (named after the far table). Clashing names get the foreign key's columns or the join
//! table appended, so every name is unique on its table.

use super::catalog::{Catalog, ForeignKey, Table};

/// How rows of two tables relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RelationKind {
    ManyToOne,
    OneToMany,
    ManyToMany,
}

/// A join table between the two ends of a many-to-many relation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Through {
    pub schema: String,
    pub table: String,
    /// Join-table columns that reference the source table's `source_columns`.
    pub source_columns: Vec<String>,
    /// Join-table columns that reference the target table's `target_columns`.
    pub target_columns: Vec<String>,
}

/// A relation from a table to another (or itself).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Relation {
    pub name: String,
    pub kind: RelationKind,
    pub target_schema: String,
    pub target_table: String,
    /// Columns of the source table matched...
    pub source_columns: Vec<String>,
    /// ...with these columns of the target table (through the join table for many-to-many).
    pub target_columns: Vec<String>,
    pub through: Option<Through>,
    /// The foreign key the relation comes from (for many-to-many, the one to the target).
    pub constraint: String,
}

fn label(fk: &ForeignKey) -> String {
    match fk.columns.as_slice() {
        [one] if one.len() > 3 && one.ends_with("_id") => one[..one.len() - 3].to_string(),
        cols => cols.join("_"),
    }
}

fn references(fk: &ForeignKey, table: &Table) -> bool {
    fk.ref_schema == table.schema && fk.ref_table == table.name
}

/// The two foreign keys of a join table, when its primary key is exactly their columns.
fn join_keys(table: &Table) -> Option<(&ForeignKey, &ForeignKey)> {
    let pk = table.unique_keys.iter().find(|k| k.primary)?;
    if table.foreign_keys.len() != 2 {
        return None;
    }
    let (a, b) = (&table.foreign_keys[0], &table.foreign_keys[1]);
    let mut cols: Vec<&String> = a.columns.iter().chain(&b.columns).collect();
    let mut key: Vec<&String> = pk.columns.iter().collect();
    cols.sort();
    key.sort();
    let disjoint = !a.columns.iter().any(|c| b.columns.contains(c));
    (disjoint && cols == key).then_some((a, b))
}

/// Every relation of `table`, in a stable order: many-to-one, one-to-many, many-to-many.
pub fn relations(catalog: &Catalog, table: &Table) -> Vec<Relation> {
    // (relation, base name, name to use on a clash)
    let mut found: Vec<(Relation, String, String)> = Vec::new();
    for fk in &table.foreign_keys {
        let base = match fk.columns.as_slice() {
            [one] if one.len() > 3 && one.ends_with("_id") => label(fk),
            _ => fk.ref_table.clone(),
        };
        let clash = format!("{}_via_{}", fk.ref_table, fk.columns.join("_"));
        found.push((
            Relation {
                name: String::new(),
                kind: RelationKind::ManyToOne,
                target_schema: fk.ref_schema.clone(),
                target_table: fk.ref_table.clone(),
                source_columns: fk.columns.clone(),
                target_columns: fk.ref_columns.clone(),
                through: None,
                constraint: fk.name.clone(),
            },
            base,
            clash,
        ));
    }
    for other in &catalog.tables {
        for fk in other.foreign_keys.iter().filter(|fk| references(fk, table)) {
            found.push((
                Relation {
                    name: String::new(),
                    kind: RelationKind::OneToMany,
                    target_schema: other.schema.clone(),
                    target_table: other.name.clone(),
                    source_columns: fk.ref_columns.clone(),
                    target_columns: fk.columns.clone(),
                    through: None,
                    constraint: fk.name.clone(),
                },
                other.name.clone(),
                format!("{}_by_{}", other.name, label(fk)),
            ));
        }
    }
    for join in &catalog.tables {
        let Some((a, b)) = join_keys(join) else {
            continue;
        };
        for (near, far) in [(a, b), (b, a)] {
            if !references(near, table) {
                continue;
            }
            found.push((
                Relation {
                    name: String::new(),
                    kind: RelationKind::ManyToMany,
                    target_schema: far.ref_schema.clone(),
                    target_table: far.ref_table.clone(),
                    source_columns: near.ref_columns.clone(),
                    target_columns: far.ref_columns.clone(),
                    through: Some(Through {
                        schema: join.schema.clone(),
                        table: join.name.clone(),
                        source_columns: near.columns.clone(),
                        target_columns: far.columns.clone(),
                    }),
                    constraint: far.name.clone(),
                },
                far.ref_table.clone(),
                format!("{}_via_{}_{}", far.ref_table, join.name, label(far)),
            ));
        }
    }
    let taken = |name: &str, found: &[(Relation, String, String)], me: usize| {
        table.columns.iter().any(|c| c.name == name)
            || found
                .iter()
                .enumerate()
                .any(|(i, (_, base, _))| i != me && base == name)
    };
    let mut names: Vec<String> = (0..found.len())
        .map(|i| {
            if taken(&found[i].1, &found, i) {
                found[i].2.clone()
            } else {
                found[i].1.clone()
            }
        })
        .collect();
    // Still clashing (rare): append the constraint name.
    for i in 0..names.len() {
        if names.iter().filter(|n| **n == names[i]).count() > 1 {
            names[i] = format!("{}_{}", names[i], found[i].0.constraint);
        }
    }
    found
        .into_iter()
        .zip(names)
        .map(|((mut relation, _, _), name)| {
            relation.name = name;
            relation
        })
        .collect()
}
