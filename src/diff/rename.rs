//! Renames: hints that turn a drop and an add into a rename, and the candidates reported
//! when a drop and an add look like one.

use serde::Serialize;

use super::change::{Change, ChangeId, Object};
use super::error::Error;
use super::model::*;
use super::quote;
use super::reverse::NameMap;
use crate::diff::quote::SqlName;

/// Renames the user asked for with `--rename`.
#[derive(Debug, Clone, Default)]
pub struct Renames {
    tables: Vec<(QualifiedName, String)>,
    columns: Vec<(QualifiedName, String, String)>,
    hints: Vec<String>,
}

/// A dropped and an added object that may be the same one renamed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenameCandidate {
    /// `table` or `column`.
    pub kind: &'static str,
    /// The table of a column candidate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<QualifiedName>,
    pub from: String,
    pub to: String,
    /// The drop this candidate would turn into a rename.
    #[serde(skip)]
    pub dropped: ChangeId,
}

impl RenameCandidate {
    /// The `--rename` argument that accepts this candidate.
    pub fn hint(&self) -> String {
        match &self.table {
            Some(t) => format!(
                "{t}.{}={}",
                quote::ident(&self.from),
                quote::ident(&self.to),
                t = t.sql()
            ),
            None => self.from.clone() + "=" + &self.to,
        }
    }
}

/// Splits a dotted name on dots outside double quotes, unquoting each part.
fn split_name(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                parts.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(String::new()),
            c => parts.last_mut().unwrap().push(c),
        }
    }
    parts
}

/// Finds the `=` of a hint that is outside double quotes.
fn split_hint(hint: &str) -> Option<(&str, &str)> {
    let mut quoted = false;
    for (i, c) in hint.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '=' if !quoted => return Some((&hint[..i], &hint[i + 1..])),
            _ => {}
        }
    }
    None
}

impl Renames {
    /// The hints among `hints` that apply from `from` to `to`: the old table (or column)
    /// is in `from` and the new one in `to`. A schema source's own hints (a model's
    /// `renamed_from`) stay in it after the rename is applied, and then say nothing.
    pub fn applicable(
        hints: &[String],
        from: &Database,
        to: &Database,
    ) -> Result<Vec<String>, Error> {
        let mut kept = Vec::new();
        for hint in hints {
            let one = Renames::parse(std::slice::from_ref(hint))?;
            let tables = one.tables.iter().all(|(old, new)| {
                let new = QualifiedName::new(old.schema.clone(), new.clone());
                from.table(old).is_some() && to.table(&new).is_some()
            });
            let columns = one.columns.iter().all(|(table, old, new)| {
                from.table(table).is_some_and(|t| t.column(old).is_some())
                    && to.table(table).is_some_and(|t| t.column(new).is_some())
            });
            if tables && columns {
                kept.push(hint.clone());
            }
        }
        Ok(kept)
    }

    /// Parses `--rename` hints.
    pub fn parse<S: AsRef<str>>(hints: &[S]) -> Result<Self, Error> {
        let mut renames = Renames::default();
        for hint in hints {
            let hint = hint.as_ref();
            renames.hints.push(hint.to_string());
            let bad = |reason: &str| Error::RenameHint {
                hint: hint.to_string(),
                reason: reason.to_string(),
            };
            let (old, new) = split_hint(hint).ok_or_else(|| bad("no `=`"))?;
            let old = split_name(old.trim());
            let new = split_name(new.trim());
            if new.len() != 1 || new[0].is_empty() || old.iter().any(String::is_empty) {
                return Err(bad("the new name must be a single name"));
            }
            let new = new.into_iter().next().unwrap();
            match old.as_slice() {
                [schema, table] => renames
                    .tables
                    .push((QualifiedName::new(schema.clone(), table.clone()), new)),
                [schema, table, column] => renames.columns.push((
                    QualifiedName::new(schema.clone(), table.clone()),
                    column.clone(),
                    new,
                )),
                _ => return Err(bad("the old name must have two or three parts")),
            }
        }
        Ok(renames)
    }

    /// The hints as given, e.g. `public.users.name=full_name`.
    pub fn hints(&self) -> &[String] {
        &self.hints
    }

    /// The same hints, undone: for planning the way back.
    pub fn inverse(&self) -> Renames {
        let table_new = |t: &QualifiedName| {
            self.tables
                .iter()
                .find(|(old, _)| old == t)
                .map_or(t.clone(), |(old, new)| {
                    QualifiedName::new(old.schema.clone(), new.clone())
                })
        };
        Renames {
            tables: self
                .tables
                .iter()
                .map(|(old, new)| {
                    (
                        QualifiedName::new(old.schema.clone(), new.clone()),
                        old.name.clone(),
                    )
                })
                .collect(),
            columns: self
                .columns
                .iter()
                .map(|(t, old, new)| (table_new(t), new.clone(), old.clone()))
                .collect(),
            hints: Vec::new(),
        }
    }

    /// Applies the renames to `from`, returning the renamed model and the rename changes.
    ///
    /// Column hints name the table by its old name.
    /// Without hints there is nothing to rename and no copy is made (`None`).
    pub fn apply(
        &self,
        from: &Database,
        to: &Database,
    ) -> Result<(Option<Database>, Vec<Change>), Error> {
        if self.tables.is_empty() && self.columns.is_empty() {
            return Ok((None, Vec::new()));
        }
        let mut db = from.clone();
        let mut changes = Vec::new();
        for (old, new) in &self.tables {
            let new_name = QualifiedName::new(old.schema.clone(), new.clone());
            let Some(table) = db.tables.iter_mut().find(|t| &t.name == old) else {
                return Err(self.unknown(
                    format!("{old}={}", quote::ident(new), old = old.sql()),
                    "no such table in the source schema",
                ));
            };
            if to.table(&new_name).is_none() {
                return Err(self.unknown(
                    format!("{old}={}", quote::ident(new), old = old.sql()),
                    "no such table in the target schema",
                ));
            }
            let before = table.shell();
            table.name = new_name.clone();
            changes.push(Change::Rename {
                from: Object::Table(before),
                to: Object::Table(table.shell()),
            });
            retarget_references(&mut db, old, &new_name);
        }
        for (table_name, old, new) in &self.columns {
            let hint = format!(
                "{table_name}.{}={}",
                quote::ident(old),
                quote::ident(new),
                table_name = table_name.sql()
            );
            let current = self
                .tables
                .iter()
                .find(|(t, _)| t == table_name)
                .map_or(table_name.clone(), |(t, n)| {
                    QualifiedName::new(t.schema.clone(), n.clone())
                });
            let Some(table) = db.tables.iter_mut().find(|t| t.name == current) else {
                return Err(self.unknown(hint, "no such table in the source schema"));
            };
            let Some(column) = table.columns.iter_mut().find(|c| &c.name == old) else {
                return Err(self.unknown(hint, "no such column in the source schema"));
            };
            if to.table(&current).and_then(|t| t.column(new)).is_none() {
                return Err(self.unknown(hint, "no such column in the target schema"));
            }
            let before = column.clone();
            column.name = new.clone();
            changes.push(Change::Rename {
                from: Object::Column {
                    table: current.clone(),
                    column: before,
                },
                to: Object::Column {
                    table: current.clone(),
                    column: column.clone(),
                },
            });
        }
        db.normalize();
        Ok((Some(db), changes))
    }

    /// The new names back to the old ones, for the inverses of a plan's changes.
    pub fn name_map(&self) -> NameMap {
        let tables = self.tables.iter().map(|(old, new)| {
            let new = QualifiedName::new(old.schema.clone(), new.clone());
            (old.clone(), new)
        });
        NameMap::new(tables, self.columns.iter().cloned())
    }

    fn unknown(&self, hint: String, reason: &str) -> Error {
        Error::RenameHint {
            hint,
            reason: reason.to_string(),
        }
    }
}

/// Points foreign keys, owned sequences and view dependencies at a renamed table.
fn retarget_references(db: &mut Database, old: &QualifiedName, new: &QualifiedName) {
    for t in &mut db.tables {
        for c in &mut t.constraints {
            if let ConstraintBody::ForeignKey(fk) = &mut c.body {
                if &fk.references == old {
                    fk.references = new.clone();
                }
            }
        }
    }
    for s in &mut db.sequences {
        if let Some((t, _)) = &mut s.owned_by {
            if t == old {
                *t = new.clone();
            }
        }
    }
    for v in &mut db.views {
        for d in &mut v.depends_on {
            if d == old {
                *d = new.clone();
            }
        }
    }
}

/// Dropped and added tables with the same columns (names and types).
pub(crate) fn table_candidates(dropped: &[&Table], added: &[&Table]) -> Vec<RenameCandidate> {
    let shape = |t: &Table| {
        let mut cols: Vec<(String, String)> = t
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.data_type.clone()))
            .collect();
        cols.sort();
        cols
    };
    let mut out = Vec::new();
    for d in dropped {
        for a in added {
            if d.name.schema == a.name.schema && !d.columns.is_empty() && shape(d) == shape(a) {
                out.push(RenameCandidate {
                    kind: "table",
                    table: None,
                    from: d.name.sql().to_string(),
                    to: quote::ident(&a.name.name),
                    dropped: ChangeId::drop(
                        "table",
                        vec![d.name.schema.clone(), d.name.name.clone()],
                    ),
                });
            }
        }
    }
    out
}

/// Whether two names look like one renamed: a word in common (`name` -> `full_name`), or
/// close spellings (`adress` -> `address`).
fn similar_names(a: &str, b: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() >= 2)
            .map(str::to_string)
            .collect()
    };
    let (wa, wb) = (words(a), words(b));
    wa.iter().any(|w| wb.contains(w))
        || strsim::jaro_winkler(&a.to_lowercase(), &b.to_lowercase()) >= 0.85
}

/// Dropped and added columns of one table that may be one column renamed: the same type,
/// and evidence beyond it, a similar name or the same place in the table.
pub(crate) fn column_candidates(
    from: &Table,
    to: &Table,
    dropped: &[&Column],
    added: &[&Column],
) -> Vec<RenameCandidate> {
    let table = &to.name;
    let position = |t: &Table, c: &Column| t.columns.iter().position(|x| x.name == c.name);
    let mut out = Vec::new();
    for d in dropped {
        let evidence =
            |a: &&&Column| similar_names(&d.name, &a.name) || position(from, d) == position(to, a);
        for a in added
            .iter()
            .filter(|a| a.data_type == d.data_type)
            .filter(evidence)
        {
            out.push(RenameCandidate {
                kind: "column",
                table: Some(table.clone()),
                from: d.name.clone(),
                to: a.name.clone(),
                dropped: ChangeId::drop(
                    "column",
                    vec![table.schema.clone(), table.name.clone(), d.name.clone()],
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
