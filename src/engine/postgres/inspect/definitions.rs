//! The kinds kept as their statements, from the rows of [`definition_queries`](super::definition_queries).

#[allow(unused_imports)]
use super::*;

/// The definitions of every kind, leaving out extensions' own objects.
pub(super) fn definitions(rows: &Rows, notes: &Annotations) -> Vec<Definition> {
    let mut out = Vec::new();
    for r in &rows.definitions {
        let index = usize::try_from(get::<i32>(r, 0)).unwrap_or(usize::MAX);
        let Some(&(kind, _)) = super::definition_queries::ALL.get(index) else {
            continue;
        };
        let (catalog, oid): (i64, i64) = (get(r, 1), get(r, 2));
        if notes.extension_member(catalog, oid) {
            continue;
        }
        let table = opt::<String>(r, 7).map(|name| QualifiedName::new(get::<String>(r, 6), name));
        out.push(Definition {
            kind,
            name: get(r, 4),
            schema: opt(r, 3),
            table,
            statements: get(r, 5),
            comment: notes.comment(catalog, oid),
        });
    }
    out
}
