//! Values of types this module has no decoder of its own for (extension types, composites,
//! custom ranges, multiranges, tsquery, the reg* types...) come back as their text form.
//!
//! The server sends every column in binary, and the binary form of such a type means nothing
//! without its receive function. So the catalog says what each such type is
//! ([`TypeKinds`]): enums and other types whose binary form is their text are read as it,
//! arrays and ranges are taken apart (their elements may be known types), and the rest are
//! turned into text by the server on the same connection: one statement per type in a
//! result, which sends the values back in an array of their type and reads `v::text`.

use std::collections::HashMap;

use sqlx::postgres::PgConnection;
use sqlx::Row as _;

use super::conns::Lease;
use super::params::raw_argument;
use super::raw_row::RawRow;
use super::rows::{array, Cell};
use super::session::count_statements;
use super::type_kinds::{Kind, TypeKinds};
use crate::engine::data::fetch::{Obj, Rel};

/// A value for the server to write as text: where it goes and its binary form.
type Sent<'a> = (&'a mut Cell, Vec<u8>);

/// The elements' texts in order (an array's element-wise cast; `unnest` would take the
/// fields of a composite apart).
const TEXT_OF_ARRAY_SQL: &str = "SELECT $1::text[]";

/// Turns every [`Cell::Foreign`] among `cells` (and inside their arrays and ranges) into
/// the value's text, or its decoded array or range.
pub(super) async fn resolve(
    lease: &mut Lease,
    kinds: &TypeKinds,
    cells: Vec<&mut Cell>,
) -> Result<(), String> {
    let mut pending = cells;
    while !pending.is_empty() {
        let oids = pending.iter().filter_map(|c| match &**c {
            Cell::Foreign(oid, _) => Some(*oid),
            _ => None,
        });
        let known = kinds.learn(lease, oids).await?;
        let mut next = Vec::new();
        let mut by_server: HashMap<u32, (u32, Vec<Sent<'_>>)> = HashMap::new();
        for cell in pending {
            let (oid, bytes) = match cell {
                Cell::Foreign(oid, bytes) => (*oid, std::mem::take(bytes)),
                _ => continue,
            };
            let Some(type_known) = known.get(&oid) else {
                return Err(format!("type {oid} is not in the catalog"));
            };
            match type_known.kind {
                Kind::Text => *cell = Cell::Text(String::from_utf8_lossy(&bytes).into()),
                Kind::Array(elem) => {
                    *cell = array(elem, &bytes)?;
                    foreign_in(std::iter::once(cell), &mut next);
                }
                Kind::Range(subtype) => {
                    *cell = super::shapes::range(subtype, &bytes)?;
                    foreign_in(std::iter::once(cell), &mut next);
                }
                Kind::Domain(base) => {
                    *cell = super::rows::binary(base, &bytes)?;
                    foreign_in(std::iter::once(cell), &mut next);
                }
                Kind::Server => by_server
                    .entry(oid)
                    .or_insert((type_known.array, vec![]))
                    .1
                    .push((cell, bytes)),
            }
        }
        for (oid, (array, cells)) in by_server {
            as_server_text(lease.start(), oid, array, cells).await?;
            lease.idle_again();
        }
        pending = next;
    }
    Ok(())
}

/// Has the server write the values of `cells`, all of type `oid`, as text.
async fn as_server_text(
    conn: &mut PgConnection,
    oid: u32,
    array_oid: u32,
    cells: Vec<Sent<'_>>,
) -> Result<(), String> {
    let (cells, values): (Vec<&mut Cell>, Vec<Vec<u8>>) = cells.into_iter().unzip();
    let failed = |e: sqlx::Error| format!("cannot read a value of type {oid} as text: {e}");
    let texts: Vec<String> = if array_oid == 0 {
        let mut texts = Vec::with_capacity(values.len());
        for v in values {
            count_statements(1);
            let args = raw_argument(oid, v)?;
            let row = sqlx::query_with("SELECT $1::text", args)
                .persistent(false)
                .fetch_one(&mut *conn)
                .await
                .map_err(failed)?;
            texts.push(row.try_get(0).map_err(|e| e.to_string())?);
        }
        texts
    } else {
        count_statements(1);
        let args = raw_argument(array_oid, array_binary(oid, &values))?;
        let row = sqlx::query_with(TEXT_OF_ARRAY_SQL, args)
            .persistent(false)
            .fetch_one(&mut *conn)
            .await
            .map_err(failed)?;
        let texts: Vec<Option<String>> = row.try_get(0).map_err(|e| e.to_string())?;
        texts.into_iter().map(Option::unwrap_or_default).collect()
    };
    if texts.len() != cells.len() {
        return Err(format!(
            "the server wrote {} of {} values of type {oid}",
            texts.len(),
            cells.len()
        ));
    }
    for (cell, text) in cells.into_iter().zip(texts) {
        *cell = Cell::Text(text);
    }
    Ok(())
}

/// A one-dimensional array's binary form from its elements' binary forms.
fn array_binary(elem: u32, values: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(20 + values.iter().map(|v| v.len() + 4).sum::<usize>());
    let len = i32::try_from(values.len()).unwrap_or(i32::MAX);
    for word in [1, 0, elem as i32, len, 1] {
        out.extend_from_slice(&word.to_be_bytes());
    }
    for v in values {
        out.extend_from_slice(&(v.len() as i32).to_be_bytes());
        out.extend_from_slice(v);
    }
    out
}

/// Collects the [`Cell::Foreign`] values among `cells`, looking into arrays and ranges.
pub(super) fn foreign_in<'a>(
    cells: impl Iterator<Item = &'a mut Cell>,
    out: &mut Vec<&'a mut Cell>,
) {
    for cell in cells {
        match cell {
            Cell::Foreign(..) => out.push(cell),
            Cell::Array(items) => foreign_in(items.iter_mut(), out),
            Cell::Range(bounds) => {
                let b = &mut **bounds;
                foreign_in(b.lower.iter_mut().chain(b.upper.iter_mut()), out);
            }
            _ => {}
        }
    }
}

/// Collects the [`Cell::Foreign`] values of fetched rows and their relations.
pub(super) fn foreign_in_objs<'a>(objs: &'a mut [Obj<RawRow>], out: &mut Vec<&'a mut Cell>) {
    for obj in objs {
        foreign_in(obj.fields.cells_mut(), out);
        for rel in &mut obj.rels {
            match rel {
                Rel::One(Some(child)) => foreign_in_objs(std::slice::from_mut(&mut **child), out),
                Rel::One(None) => {}
                Rel::Many(children) => foreign_in_objs(children, out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_of_values_are_written_in_the_servers_binary_form() {
        let b = array_binary(25, &[b"ab".to_vec(), Vec::new()]);
        assert_eq!(
            &b[..20],
            &[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 2, 0, 0, 0, 1]
        );
        assert_eq!(&b[20..], &[0, 0, 0, 2, b'a', b'b', 0, 0, 0, 0]);
    }

    #[test]
    fn foreign_values_are_found_inside_arrays_and_ranges() {
        let mut cells = [
            Cell::Int(1),
            Cell::Array(vec![Cell::Foreign(7, vec![1]), Cell::Null]),
            Cell::Range(Box::new(super::super::shapes::Bounds {
                lower: Some(Cell::Foreign(8, vec![])),
                upper: None,
                lower_inc: true,
                upper_inc: false,
                empty: false,
            })),
        ];
        let mut out = Vec::new();
        foreign_in(cells.iter_mut(), &mut out);
        let oids: Vec<u32> = out
            .iter()
            .map(|c| match &**c {
                Cell::Foreign(oid, _) => *oid,
                _ => 0,
            })
            .collect();
        assert_eq!(oids, vec![7, 8]);
    }
}
