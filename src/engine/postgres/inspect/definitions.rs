//! The kinds kept as their statements, from the rows of [`definition_queries`](super::definition_queries).

#[allow(unused_imports)]
use super::*;

/// The definitions of every kind, leaving out extensions' own objects.
pub(super) fn definitions(rows: &Rows, notes: &Annotations) -> Vec<Definition> {
    let mut out = Vec::new();
    for (kind, _) in super::definition_queries::ALL {
        for r in &rows.definitions[&kind] {
            let (catalog, oid): (i64, i64) = (get(r, 0), get(r, 1));
            if notes.extension_member(catalog, oid) {
                continue;
            }
            let table =
                opt::<String>(r, 6).map(|name| QualifiedName::new(get::<String>(r, 5), name));
            out.push(Definition {
                kind,
                name: get(r, 3),
                schema: opt(r, 2),
                table,
                statements: get(r, 4),
                comment: notes.comment(catalog, oid),
            });
        }
    }
    out
}
