//! The way back: each change's inverse, computed with the change itself, in the names the
//! database has when the down migration runs it.
//!
//! Changes are addressed by the names of the way there: a renamed table's parts by its new
//! name, a dropped object as it was after the renames. The down migration undoes the
//! renames first (they have the first phases), so its inverses name tables, columns and
//! the tables foreign keys point at by their old names again.

use std::collections::HashMap;

use super::change::{Change, Object};
use super::model::*;

/// New names back to old ones, for every table and column a plan renames.
#[derive(Debug, Default)]
pub struct NameMap {
    /// New table name to old.
    tables: HashMap<QualifiedName, QualifiedName>,
    /// (new table name, new column name) to old column name.
    columns: HashMap<(QualifiedName, String), String>,
}

impl NameMap {
    /// A map from (old, new) table pairs and (old table, old column, new column) triples.
    pub fn new(
        tables: impl IntoIterator<Item = (QualifiedName, QualifiedName)>,
        columns: impl IntoIterator<Item = (QualifiedName, String, String)>,
    ) -> NameMap {
        let tables: HashMap<_, _> = tables.into_iter().map(|(old, new)| (new, old)).collect();
        let mut map = NameMap {
            columns: HashMap::new(),
            tables,
        };
        for (table, old, new) in columns {
            let current = map
                .tables
                .iter()
                .find(|(_, o)| **o == table)
                .map_or(table, |(n, _)| n.clone());
            map.columns.insert((current, new), old);
        }
        map
    }

    fn table(&self, name: &QualifiedName) -> QualifiedName {
        self.tables.get(name).unwrap_or(name).clone()
    }

    fn column(&self, table: &QualifiedName, name: &str) -> String {
        self.columns
            .get(&(table.clone(), name.to_string()))
            .map_or(name, |s| s.as_str())
            .to_string()
    }

    fn constraint(&self, c: &Constraint) -> Constraint {
        let mut c = c.clone();
        if let ConstraintBody::ForeignKey(fk) = &mut c.body {
            fk.references = self.table(&fk.references);
        }
        c
    }

    /// `o` in old names; the objects of a rename keep their own names, only their table's
    /// is mapped.
    fn object(&self, o: &Object, renaming: bool) -> Object {
        match o {
            Object::Table(t) if !renaming => Object::Table(Table {
                name: self.table(&t.name),
                ..t.clone()
            }),
            Object::Column { table, column } => Object::Column {
                table: self.table(table),
                column: Column {
                    name: if renaming {
                        column.name.clone()
                    } else {
                        self.column(table, &column.name)
                    },
                    ..column.clone()
                },
            },
            Object::Constraint { table, constraint } => Object::Constraint {
                table: self.table(table),
                constraint: self.constraint(constraint),
            },
            Object::Index { table, index } => Object::Index {
                table: self.table(table),
                index: index.clone(),
            },
            Object::Trigger { table, trigger } => Object::Trigger {
                table: self.table(table),
                trigger: trigger.clone(),
            },
            Object::Policy { table, policy } => Object::Policy {
                table: self.table(table),
                policy: policy.clone(),
            },
            Object::Sequence(s) => Object::Sequence(Sequence {
                owned_by: s
                    .owned_by
                    .as_ref()
                    .map(|(t, c)| (self.table(t), self.column(t, c))),
                ..s.clone()
            }),
            Object::View(v) => Object::View(View {
                depends_on: v.depends_on.iter().map(|d| self.table(d)).collect(),
                ..v.clone()
            }),
            other => other.clone(),
        }
    }

    /// The change that undoes `change`, in the names of the way back.
    pub fn inverse(&self, change: &Change) -> Change {
        let back = |o: &Object| self.object(o, false);
        match change {
            Change::Add(o) => Change::Drop(back(o)),
            Change::Drop(o) => Change::Add(back(o)),
            Change::Alter { from, to } => Change::Alter {
                from: back(to),
                to: back(from),
            },
            Change::Rename { from, to } => Change::Rename {
                from: self.object(to, true),
                to: self.object(from, true),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str) -> Column {
        Column {
            name: name.into(),
            data_type: "integer".into(),
            not_null: false,
            default: None,
            identity: None,
            generated: None,
            collation: None,
            comment: None,
        }
    }

    #[test]
    fn inverses_name_what_the_way_back_sees() {
        let (old, new) = (
            QualifiedName::new("s", "pets"),
            QualifiedName::new("s", "animals"),
        );
        let names = NameMap::new(
            [(old.clone(), new.clone())],
            [(old.clone(), "kind".into(), "species".into())],
        );
        let alter = Change::Alter {
            from: Object::Column {
                table: new.clone(),
                column: column("species"),
            },
            to: Object::Column {
                table: new.clone(),
                column: Column {
                    not_null: true,
                    ..column("species")
                },
            },
        };
        let Change::Alter {
            from: Object::Column { table, column: c },
            to: Object::Column { column: back, .. },
        } = names.inverse(&alter)
        else {
            panic!("an alter of a column");
        };
        assert_eq!(
            (table, c.name.as_str(), c.not_null),
            (old.clone(), "kind", true)
        );
        assert_eq!((back.name.as_str(), back.not_null), ("kind", false));
        // A column rename is undone on the table's old name: the table's rename comes first.
        let rename = Change::Rename {
            from: Object::Column {
                table: new.clone(),
                column: column("kind"),
            },
            to: Object::Column {
                table: new.clone(),
                column: column("species"),
            },
        };
        let Change::Rename {
            from: Object::Column { table, column: f },
            to: Object::Column { column: t, .. },
        } = names.inverse(&rename)
        else {
            panic!("a rename of a column");
        };
        assert_eq!(
            (table, f.name.as_str(), t.name.as_str()),
            (old, "species", "kind")
        );
    }
}
