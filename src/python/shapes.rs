//! Server types whose binary forms are their own: ranges (to `db.Range`), money (to
//! `Decimal`), tsvector and the geometric types (to their text forms, as the server
//! writes them).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use sqlx::postgres::PgTypeInfo;

use super::params::{encode as encode_param, Param};
use super::rows::{binary, Cell, Reader};
use super::temporal::Temporal;

/// A range's bounds, as decoded or as bound.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bounds<T> {
    pub lower: Option<T>,
    pub upper: Option<T>,
    pub lower_inc: bool,
    pub upper_inc: bool,
    pub empty: bool,
}

const EMPTY: u8 = 0x01;
const LB_INC: u8 = 0x02;
const UB_INC: u8 = 0x04;
const LB_INF: u8 = 0x08;
const UB_INF: u8 = 0x10;

/// The element type of a built-in range type.
pub(super) fn range_element(oid: u32) -> Option<u32> {
    Some(match oid {
        3904 => 23,   // int4range
        3926 => 20,   // int8range
        3906 => 1700, // numrange
        3908 => 1114, // tsrange
        3910 => 1184, // tstzrange
        3912 => 1082, // daterange
        _ => return None,
    })
}

/// The value of a type of this module from its binary form, if it is one.
pub(super) fn decode(oid: u32, b: &[u8]) -> Option<Result<Cell, String>> {
    if let Some(elem) = range_element(oid) {
        return Some(range(elem, b));
    }
    Some(match oid {
        // money: an int8 of cents (a currency with 2 decimal places, as lc_monetary C).
        790 => b
            .try_into()
            .map(|x: [u8; 8]| Cell::Numeric(cents(i64::from_be_bytes(x))))
            .map_err(|_| "money is 8 bytes".to_string()),
        3614 => tsvector(b).map(Cell::Text),
        600 | 601 | 602 | 603 | 604 | 628 | 718 => geometric(oid, b).map(Cell::Text),
        _ => return None,
    })
}

/// A `db.Range` taken apart; None for any other object.
pub(super) fn range_of(v: &Bound<'_, PyAny>) -> PyResult<Option<Bounds<Param>>> {
    static RANGE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = v.py();
    let class = RANGE.get_or_try_init(py, || -> PyResult<_> {
        Ok(py.import("data_bridge._range")?.getattr("Range")?.unbind())
    })?;
    if !v.is_instance(class.bind(py))? {
        return Ok(None);
    }
    let bound = |name: &str| -> PyResult<Option<Param>> {
        let b = v.getattr(name)?;
        Ok(if b.is_none() {
            None
        } else {
            Some(Param::from_python(&b)?)
        })
    };
    Ok(Some(Bounds {
        lower: bound("lower")?,
        upper: bound("upper")?,
        lower_inc: v.getattr("lower_inc")?.extract()?,
        upper_inc: v.getattr("upper_inc")?.extract()?,
        empty: v.getattr("empty")?.extract()?,
    }))
}

/// The binary form of `p` for the types of this module (a range, money), if `oid` is one.
pub(super) fn encode(p: &Param, oid: u32) -> Option<Result<Vec<u8>, String>> {
    if let (Some(elem), Param::Range(bounds)) = (range_element(oid), p) {
        let side = |b: &Option<Param>| b.as_ref().map(|p| encode_param(p, elem)).transpose();
        return Some((|| {
            Ok(range_binary(&Bounds {
                lower: side(&bounds.lower)?,
                upper: side(&bounds.upper)?,
                lower_inc: bounds.lower_inc,
                upper_inc: bounds.upper_inc,
                empty: bounds.empty,
            }))
        })());
    }
    if oid != 790 {
        return None;
    }
    Some(match p {
        Param::Int(s) | Param::Decimal(s) | Param::Str(s) => money_cents(s),
        Param::Float(f) => money_cents(&format!("{f:.2}")),
        other => Err(format!("a {} does not fit a money value", other.kind())),
    })
}

/// A decimal amount as money's int8 of cents (more than 2 decimal places is an error).
fn money_cents(s: &str) -> Result<Vec<u8>, String> {
    let t = s.trim();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let frac = frac.trim_end_matches('0');
    if frac.len() > 2 || whole.is_empty() && frac.is_empty() {
        return Err(format!(
            "{s} is not an amount of money with at most 2 decimal places"
        ));
    }
    let digits = format!("{whole}{frac:0<2}");
    let cents: i64 = digits
        .parse()
        .map_err(|_| format!("{s} is not an amount of money"))?;
    Ok((if negative { -cents } else { cents })
        .to_be_bytes()
        .to_vec())
}

/// The range type a `db.Range` binds as when the server is not asked: by its bounds.
pub(super) fn guessed_range(bounds: &Bounds<Param>) -> PgTypeInfo {
    let oid = match bounds.lower.as_ref().or(bounds.upper.as_ref()) {
        Some(Param::Int(_)) => 3926,
        Some(Param::Temporal(Temporal::Date(_))) => 3912,
        Some(Param::Temporal(Temporal::Timestamp(_))) => 3908,
        Some(Param::Temporal(Temporal::TimestampTz(_))) => 3910,
        _ => 3906,
    };
    PgTypeInfo::with_oid(sqlx::postgres::types::Oid(oid))
}

fn cents(c: i64) -> String {
    let sign = if c < 0 { "-" } else { "" };
    let a = c.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// A range's binary form, its bounds decoded as `elem` values.
pub(super) fn range(elem: u32, b: &[u8]) -> Result<Cell, String> {
    let mut r = Reader(b);
    let flags = r.take(1)?[0];
    let mut bound = |present: bool| -> Result<Option<Cell>, String> {
        if !present {
            return Ok(None);
        }
        let len = usize::try_from(r.i32()?).map_err(|_| "a range bound has no length")?;
        binary(elem, r.take(len)?).map(Some)
    };
    let empty = flags & EMPTY != 0;
    let lower = bound(!empty && flags & LB_INF == 0)?;
    let upper = bound(!empty && flags & UB_INF == 0)?;
    Ok(Cell::Range(Box::new(Bounds {
        lower,
        upper,
        lower_inc: flags & LB_INC != 0,
        upper_inc: flags & UB_INC != 0,
        empty,
    })))
}

/// A range's binary form from its bounds, already encoded for the element type.
pub(super) fn range_binary(bounds: &Bounds<Vec<u8>>) -> Vec<u8> {
    if bounds.empty {
        return vec![EMPTY];
    }
    let mut flags = 0;
    if bounds.lower.is_none() {
        flags |= LB_INF;
    } else if bounds.lower_inc {
        flags |= LB_INC;
    }
    if bounds.upper.is_none() {
        flags |= UB_INF;
    } else if bounds.upper_inc {
        flags |= UB_INC;
    }
    let mut out = vec![flags];
    for b in [&bounds.lower, &bounds.upper].into_iter().flatten() {
        out.extend_from_slice(&(b.len() as i32).to_be_bytes());
        out.extend_from_slice(b);
    }
    out
}

/// A range's input text from its bounds' texts (`[1,5)`, `empty`).
pub(super) fn range_text(bounds: &Bounds<String>) -> String {
    if bounds.empty {
        return "empty".into();
    }
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    format!(
        "{}{},{}{}",
        if bounds.lower_inc && bounds.lower.is_some() {
            '['
        } else {
            '('
        },
        bounds.lower.as_deref().map(quote).unwrap_or_default(),
        bounds.upper.as_deref().map(quote).unwrap_or_default(),
        if bounds.upper_inc && bounds.upper.is_some() {
            ']'
        } else {
            ')'
        },
    )
}

/// A tsvector's text form: `'a' 'b':1A,3`.
fn tsvector(b: &[u8]) -> Result<String, String> {
    let mut r = Reader(b);
    let count = r.i32()?;
    let mut out = Vec::new();
    for _ in 0..count.max(0) {
        let end =
            r.0.iter()
                .position(|&c| c == 0)
                .ok_or("a lexeme is not ended")?;
        let word = std::str::from_utf8(r.take(end)?).map_err(|e| e.to_string())?;
        r.take(1)?;
        let mut lexeme = format!("'{}'", word.replace('\\', "\\\\").replace('\'', "''"));
        let positions = r.i16()?;
        for i in 0..positions.max(0) {
            let p = r.i16()? as u16;
            lexeme.push(if i == 0 { ':' } else { ',' });
            lexeme.push_str(&(p & 0x3fff).to_string());
            match p >> 14 {
                3 => lexeme.push('A'),
                2 => lexeme.push('B'),
                1 => lexeme.push('C'),
                _ => {}
            }
        }
        out.push(lexeme);
    }
    Ok(out.join(" "))
}

/// A geometric value's text form, as the server writes it.
fn geometric(oid: u32, b: &[u8]) -> Result<String, String> {
    let ends = || "value ends early".to_string();
    let f = |at: usize| -> Result<String, String> {
        b.get(at..at + 8)
            .and_then(|s| s.try_into().ok())
            .map(|x| f64::from_be_bytes(x).to_string())
            .ok_or_else(ends)
    };
    let p = |at: usize| -> Result<String, String> { Ok(format!("({},{})", f(at)?, f(at + 8)?)) };
    Ok(match oid {
        600 => p(0)?,
        601 => format!("[{},{}]", p(0)?, p(16)?),
        603 => format!("{},{}", p(0)?, p(16)?),
        718 => format!("<{},{}>", p(0)?, f(16)?),
        628 => format!("{{{},{},{}}}", f(0)?, f(8)?, f(16)?),
        // A polygon is its points; a path has a closed flag first.
        _ => {
            let (closed, at) = match oid {
                604 => (true, 0),
                _ => (*b.first().ok_or_else(ends)? != 0, 1),
            };
            let n: [u8; 4] = b
                .get(at..at + 4)
                .and_then(|s| s.try_into().ok())
                .ok_or_else(ends)?;
            let points = (0..i32::from_be_bytes(n).max(0) as usize)
                .map(|i| p(at + 4 + 16 * i))
                .collect::<Result<Vec<_>, _>>()?;
            let (open, close) = if closed { ('(', ')') } else { ('[', ']') };
            format!("{open}{}{close}", points.join(","))
        }
    })
}
