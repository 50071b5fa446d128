//! Parameters of types the encoder has no binary form for: a domain's value is written as
//! its base type's, and a str for a type whose binary form is not its text (a composite, a
//! custom range, tsquery, a date...) is read by the server with the type's own text input,
//! as a literal in the SQL would be: one statement per such type in a call.

use std::collections::HashMap;

use sqlx::postgres::types::Oid;
use sqlx::postgres::PgTypeInfo;
use sqlx::{Row as _, TypeInfo as _};

use super::conns::Lease;
use super::param_arrays::array_binary_as;
use super::params::{encode, Param};
use super::session::count_statements;
use super::type_kinds::{Kind, Known, TypeKinds};

/// Binary values made by the server, by parameter index.
pub(super) type Given = HashMap<usize, Vec<u8>>;

/// A failure, with the index of the parameter it concerns.
pub(super) type Failed = (usize, String);

/// Replaces the domains among `types` by their base types, writes lists for arrays of
/// domains and enums, and has the server read the str parameters (and lists of str) that
/// only it can read.
pub(super) async fn prepare(
    lease: &mut Lease,
    kinds: &TypeKinds,
    params: &[Param],
    types: &mut [PgTypeInfo],
) -> Result<Given, Failed> {
    let n = params.len().min(types.len());
    let user = |i: usize, t: &PgTypeInfo| {
        oid(t) >= 16384 && t.name() != "hstore" && !matches!(params[i], Param::Null)
    };
    let mut candidates: Vec<usize> = (0..n).filter(|&i| user(i, &types[i])).collect();
    let mut known = learn(lease, kinds, candidates.iter().map(|&i| oid(&types[i]))).await?;
    // Domains over domains: a few levels in practice; a cycle cannot exist.
    for _ in 0..16 {
        let mut deeper = false;
        candidates.retain(|&i| match known.get(&oid(&types[i])).map(|k| k.kind) {
            Some(Kind::Domain(base)) => {
                types[i] = PgTypeInfo::with_oid(Oid(base));
                deeper |= base >= 16384;
                base >= 16384
            }
            _ => false,
        });
        if !deeper {
            break;
        }
        known = learn(lease, kinds, candidates.iter().map(|&i| oid(&types[i]))).await?;
    }
    let mut given = Given::new();
    let mut by_type: HashMap<u32, Vec<(usize, &Param)>> = HashMap::new();
    for i in 0..n {
        let t = oid(&types[i]);
        match &params[i] {
            Param::List(items) if t >= 16384 => {
                let Some(Kind::Array(elem)) = known.get(&t).map(|k| k.kind) else {
                    continue;
                };
                let (base, kind) = base_of(lease, kinds, elem).await?;
                match kind {
                    Some(Kind::Text) => {
                        given.insert(i, array_binary_as(elem, 25, items).map_err(|e| (i, e))?);
                    }
                    None => {
                        given.insert(i, array_binary_as(elem, base, items).map_err(|e| (i, e))?);
                    }
                    Some(_) => by_type.entry(t).or_default().push((i, &params[i])),
                }
            }
            Param::Str(_) if t != 0 && (t >= 16384 || encode(&params[i], t).is_err()) => {
                by_type.entry(t).or_default().push((i, &params[i]));
            }
            _ => {}
        }
    }
    if by_type.is_empty() {
        return Ok(given);
    }
    let known = learn(lease, kinds, by_type.keys().copied()).await?;
    for (t, values) in by_type {
        let first = values[0].0;
        let Some(k) = known.get(&t) else {
            return Err((first, format!("type {t} is not in the catalog")));
        };
        if k.kind == Kind::Text {
            continue;
        }
        let read = read(lease, k, &values).await;
        lease.idle_again();
        given.extend(read?);
    }
    Ok(given)
}

fn oid(t: &PgTypeInfo) -> u32 {
    t.oid().map_or(0, |o| o.0)
}

/// The type `elem`'s values are written as, through its domains: a built-in type (with no
/// kind), or a user type and its kind.
async fn base_of(
    lease: &mut Lease,
    kinds: &TypeKinds,
    mut elem: u32,
) -> Result<(u32, Option<Kind>), Failed> {
    for _ in 0..16 {
        if elem < 16384 {
            return Ok((elem, None));
        }
        match learn(lease, kinds, std::iter::once(elem)).await?.get(&elem) {
            Some(Known {
                kind: Kind::Domain(base),
                ..
            }) => elem = *base,
            Some(k) => return Ok((elem, Some(k.kind))),
            None => return Err((0, format!("type {elem} is not in the catalog"))),
        }
    }
    Err((0, format!("type {elem} is a domain too deep")))
}

async fn learn(
    lease: &mut Lease,
    kinds: &TypeKinds,
    oids: impl Iterator<Item = u32>,
) -> Result<HashMap<u32, Known>, Failed> {
    kinds.learn(lease, oids).await.map_err(|e| (0, e))
}

/// The binary forms of `values` (str, or lists of str for an array type), read by the
/// server as values of `known`: in one statement through its array type, or one at a time.
async fn read(
    lease: &mut Lease,
    known: &Known,
    values: &[(usize, &Param)],
) -> Result<Vec<(usize, Vec<u8>)>, Failed> {
    let failed = |i: usize| {
        move |e: sqlx::Error| {
            let e = match e {
                sqlx::Error::Database(d) => d.message().to_string(),
                other => other.to_string(),
            };
            (i, e)
        }
    };
    let conn = lease.start();
    if known.array == 0 {
        let mut out = Vec::with_capacity(values.len());
        for &(i, v) in values {
            count_statements(1);
            let (one, many) = (
                format!("SELECT $1::text::{}", known.name),
                format!("SELECT $1::text[]::{}", known.name),
            );
            let query = match v {
                Param::Str(s) => sqlx::query(&one).bind(s),
                Param::List(items) => {
                    let texts = texts_of(items).map_err(|e| (i, e))?;
                    sqlx::query(&many).bind(texts)
                }
                other => return Err((i, format!("a {} needs no reading", other.kind()))),
            };
            let row = query
                .persistent(false)
                .fetch_one(&mut *conn)
                .await
                .map_err(failed(i))?;
            out.push((i, raw(&row).map_err(|e| (i, e))?));
        }
        return Ok(out);
    }
    count_statements(1);
    let texts: Vec<&str> = values
        .iter()
        .filter_map(|(_, v)| match v {
            Param::Str(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    let first = values[0].0;
    let row = sqlx::query(&format!("SELECT $1::text[]::{}[]", known.name))
        .bind(texts)
        .persistent(false)
        .fetch_one(&mut *conn)
        .await
        .map_err(failed(first))?;
    let elements = elements(&raw(&row).map_err(|e| (first, e))?).map_err(|e| (first, e))?;
    if elements.len() != values.len() {
        return Err((first, "the server read a different number of values".into()));
    }
    Ok(values.iter().map(|(i, _)| *i).zip(elements).collect())
}

/// A flat list's items as text, for the server to read.
fn texts_of(items: &[Param]) -> Result<Vec<Option<&str>>, String> {
    items
        .iter()
        .map(|p| match p {
            Param::Str(s) => Ok(Some(s.as_str())),
            Param::Null => Ok(None),
            other => Err(format!(
                "a {} does not fit this array; give its elements as str",
                other.kind()
            )),
        })
        .collect()
}

fn raw(row: &sqlx::postgres::PgRow) -> Result<Vec<u8>, String> {
    let value = row.try_get_raw(0).map_err(|e| e.to_string())?;
    Ok(value.as_bytes().map_err(|e| e.to_string())?.to_vec())
}

/// The elements' binary forms of a one-dimensional array without NULLs.
fn elements(b: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut r = super::rows::Reader(b);
    let ndim = r.i32()?;
    let _flags = r.i32()?;
    let _elem = r.i32()?;
    if ndim == 0 {
        return Ok(Vec::new());
    }
    let len = usize::try_from(r.i32()?).map_err(|e| e.to_string())?;
    let _lower = r.i32()?;
    (0..len)
        .map(|_| {
            let n = usize::try_from(r.i32()?).map_err(|_| "a NULL element".to_string())?;
            Ok(r.take(n)?.to_vec())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_elements_of_an_array_are_cut_at_their_lengths() {
        let mut b = Vec::new();
        for word in [1i32, 0, 25, 2, 1, 1] {
            b.extend_from_slice(&word.to_be_bytes());
        }
        b.push(b'a');
        b.extend_from_slice(&0i32.to_be_bytes());
        assert_eq!(elements(&b).unwrap(), vec![b"a".to_vec(), Vec::new()]);
        assert!(elements(&b[..b.len() - 5]).is_err());
    }
}
