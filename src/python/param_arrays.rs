//! Lists bound as arrays: their binary form, a nested list being several dimensions.

use super::params::{encode, Param};

/// A one-dimensional array's binary form (the elements' type must be one this module
/// encodes; a nested list is several dimensions).
pub(super) fn array_binary(elem: u32, items: &[Param]) -> Result<Vec<u8>, String> {
    array_binary_as(elem, elem, items)
}

/// [`array_binary`] for an array whose element type is `header` (a domain, an enum) and
/// whose elements are written as values of `elem` (its base type, text).
pub(super) fn array_binary_as(header: u32, elem: u32, items: &[Param]) -> Result<Vec<u8>, String> {
    let mut dims = Vec::new();
    let mut flat = Vec::new();
    flatten(items, 0, &mut dims, &mut flat)?;
    let mut b = Vec::new();
    b.extend_from_slice(&(dims.len() as i32).to_be_bytes());
    let has_nulls = flat.iter().any(|p| matches!(p, Param::Null));
    b.extend_from_slice(&i32::from(has_nulls).to_be_bytes());
    b.extend_from_slice(&header.to_be_bytes());
    for d in &dims {
        b.extend_from_slice(&(*d as i32).to_be_bytes());
        b.extend_from_slice(&1i32.to_be_bytes());
    }
    for p in flat {
        match p {
            Param::Null => b.extend_from_slice(&(-1i32).to_be_bytes()),
            p => {
                let e = encode(p, elem)?;
                b.extend_from_slice(&(e.len() as i32).to_be_bytes());
                b.extend_from_slice(&e);
            }
        }
    }
    Ok(b)
}

fn flatten<'a>(
    items: &'a [Param],
    depth: usize,
    dims: &mut Vec<usize>,
    flat: &mut Vec<&'a Param>,
) -> Result<(), String> {
    match dims.get(depth) {
        Some(&n) if n != items.len() => {
            return Err(
                "the sub-lists of a multidimensional array must have the same length".into(),
            )
        }
        Some(_) => {}
        None if items.is_empty() && depth > 0 => {
            return Err("an array cannot hold empty sub-lists".into())
        }
        None => dims.push(items.len()),
    }
    for p in items {
        match p {
            Param::List(inner) => flatten(inner, depth + 1, dims, flat)?,
            p if dims.len() > depth + 1 => {
                return Err(format!("a {} where the array has a sub-list", p.kind()))
            }
            p => flat.push(p),
        }
    }
    Ok(())
}
