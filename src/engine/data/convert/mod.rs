//! Input values to PostgreSQL's COPY text format, checked against the column's type.
//!
//! Integers, floats, numerics, booleans, uuids, bytea (base64) and json are checked and
//! normalized here, in parallel, so that most bad values are reported with their row before
//! anything reaches the server. Dates, times, intervals, enums and network types are passed
//! as text for the server to parse; an error there is mapped back to its row too.

use std::borrow::Cow;

use base64::Engine as _;
use serde_json::value::RawValue;

use super::catalog::Kind;

mod typed;

/// One input value: a JSON value (NDJSON and JSON input), a CSV field, or a typed value.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    Json(&'a RawValue),
    /// A CSV field; empty means NULL.
    Text(&'a str),
    Typed(&'a crate::engine::data::value::Value),
}

/// A JSON value decoded just enough to convert it.
enum Value<'a> {
    Null,
    Bool(bool),
    /// The number exactly as written (no float rounding).
    Number(&'a str),
    Str(Cow<'a, str>),
    /// An array's elements.
    Array(Vec<&'a RawValue>),
    /// An object.
    Object,
}

#[derive(serde::Deserialize)]
struct Borrowed<'a>(#[serde(borrow)] Cow<'a, str>);

fn decode(raw: &RawValue) -> Result<Value<'_>, String> {
    let text = raw.get();
    Ok(match text.as_bytes().first() {
        Some(b'n') => Value::Null,
        Some(b't') => Value::Bool(true),
        Some(b'f') => Value::Bool(false),
        // A string without escapes is its text between the quotes (the common case).
        Some(b'"') if !text.contains('\\') => Value::Str(Cow::Borrowed(&text[1..text.len() - 1])),
        Some(b'"') => Value::Str(
            serde_json::from_str::<Borrowed>(text)
                .map_err(|e| e.to_string())?
                .0,
        ),
        Some(b'[') => Value::Array(serde_json::from_str(text).map_err(|e| e.to_string())?),
        Some(b'{') => Value::Object,
        _ => Value::Number(text),
    })
}

/// Appends `field` converted for a column of `kind`, COPY-escaped, to `out`.
pub fn write_field(kind: &Kind, field: Field<'_>, out: &mut Vec<u8>) -> Result<(), String> {
    if let (Kind::Json | Kind::Jsonb, Field::Json(raw)) = (kind, field) {
        // JSON input for a json column: the value itself, whatever its JSON type.
        match raw.get() {
            "null" => out.extend_from_slice(b"\\N"),
            text => escape_copy(text, out),
        }
        return Ok(());
    }
    let value = match field {
        Field::Typed(typed) => return typed::write_typed(kind, typed, out),
        Field::Json(raw) => decode(raw)?,
        Field::Text("") => Value::Null,
        Field::Text(text) => match kind {
            Kind::Array(_) if text.starts_with('[') => decode(
                serde_json::from_str::<&RawValue>(text)
                    .map_err(|e| format!("invalid JSON array: {e}"))?,
            )?,
            _ => Value::Str(Cow::Borrowed(text)),
        },
    };
    write_value(kind, value, out)
}

/// Appends a decoded value converted for a column of `kind`, COPY-escaped, to `out`.
fn write_value(kind: &Kind, value: Value<'_>, out: &mut Vec<u8>) -> Result<(), String> {
    if matches!(value, Value::Null) {
        out.extend_from_slice(b"\\N");
        return Ok(());
    }
    let mut text = String::new();
    let plain = scalar(kind, value, &mut text)?;
    escape_copy(plain.unwrap_or(&text), out);
    Ok(())
}

/// The value as PostgreSQL input text: either borrowed from the input (`Some`) or written
/// into `buf` (`None`).
fn scalar<'v>(kind: &Kind, value: Value<'v>, buf: &mut String) -> Result<Option<&'v str>, String> {
    match (kind, value) {
        (_, Value::Null) => unreachable!("NULL is handled by the caller"),
        (Kind::Int2, v) => integer(v, i16::MIN as i64, i16::MAX as i64, "smallint", buf),
        (Kind::Int4, v) => integer(v, i32::MIN as i64, i32::MAX as i64, "integer", buf),
        (Kind::Int8, v) => integer(v, i64::MIN, i64::MAX, "bigint", buf),
        (Kind::Numeric, Value::Number(n)) => Ok(Some(n)),
        (Kind::Numeric, Value::Str(s)) => {
            let t = s.trim();
            if is_numeric(t) {
                own(s, buf)
            } else {
                Err(format!("{t:?} is not a number"))
            }
        }
        (Kind::Float4 | Kind::Float8, Value::Number(n)) => Ok(Some(n)),
        (Kind::Float4 | Kind::Float8, Value::Str(s)) => {
            let t = s.trim();
            let special = [
                "nan",
                "infinity",
                "+infinity",
                "-infinity",
                "inf",
                "-inf",
                "+inf",
            ];
            if t.parse::<f64>().is_ok() || special.contains(&t.to_ascii_lowercase().as_str()) {
                own(s, buf)
            } else {
                Err(format!("{t:?} is not a number"))
            }
        }
        (Kind::Bool, Value::Bool(b)) => Ok(Some(if b { "t" } else { "f" })),
        (Kind::Bool, Value::Number(n)) => match n {
            "1" => Ok(Some("t")),
            "0" => Ok(Some("f")),
            _ => Err(format!("{n} is not a boolean (true/false, 1/0)")),
        },
        (Kind::Bool, Value::Str(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "t" | "true" | "y" | "yes" | "on" | "1" => Ok(Some("t")),
            "f" | "false" | "n" | "no" | "off" | "0" => Ok(Some("f")),
            _ => Err(format!(
                "{:?} is not a boolean (true/false, t/f, yes/no, 1/0)",
                s.trim()
            )),
        },
        (Kind::Bytea, Value::Str(s)) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s.trim())
                .map_err(|e| format!("invalid base64: {e}"))?;
            push_hex(&bytes, buf);
            Ok(None)
        }
        (Kind::Json | Kind::Jsonb, Value::Str(s)) => {
            // From CSV a json column holds JSON text; check it parses.
            serde_json::from_str::<serde::de::IgnoredAny>(&s)
                .map_err(|e| format!("invalid JSON: {e}"))?;
            own(s, buf)
        }
        (Kind::Uuid, Value::Str(s)) => {
            let t = s.trim();
            let hex: String = t
                .trim_start_matches('{')
                .trim_end_matches('}')
                .chars()
                .filter(|c| *c != '-')
                .collect();
            if hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                own(s, buf)
            } else {
                Err(format!("{t:?} is not a uuid"))
            }
        }
        (Kind::Array(elem), Value::Array(items)) => {
            array_literal(elem, &items, buf)?;
            Ok(None)
        }
        (Kind::Array(_), Value::Str(s)) => own(s, buf),
        (Kind::Text | Kind::Other, Value::Str(s)) => own(s, buf),
        (Kind::Text | Kind::Other | Kind::Uuid, Value::Number(n)) => Ok(Some(n)),
        (Kind::Text | Kind::Other, Value::Bool(b)) => Ok(Some(if b { "true" } else { "false" })),
        (k, v) => Err(format!("expected {}, got {}", expected(k), got(&v))),
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `\x0001ff`: bytea's hex input form.
fn push_hex(bytes: &[u8], buf: &mut String) {
    buf.reserve(2 + bytes.len() * 2);
    buf.push_str("\\x");
    for b in bytes {
        buf.push(HEX[(b >> 4) as usize] as char);
        buf.push(HEX[(b & 15) as usize] as char);
    }
}

fn own<'v>(s: Cow<'v, str>, buf: &mut String) -> Result<Option<&'v str>, String> {
    match s {
        Cow::Borrowed(b) => Ok(Some(b)),
        Cow::Owned(o) => {
            *buf = o;
            Ok(None)
        }
    }
}

fn integer<'v>(
    value: Value<'v>,
    min: i64,
    max: i64,
    name: &str,
    buf: &mut String,
) -> Result<Option<&'v str>, String> {
    let text = match &value {
        Value::Number(n) => *n,
        Value::Str(s) => s.trim(),
        other => return Err(format!("expected an integer, got {}", got(other))),
    };
    let n: i64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not an integer"))?;
    if n < min || n > max {
        return Err(format!("{n} is out of range for type {name}"));
    }
    let _ = write!(buf, "{n}");
    Ok(None)
}

use std::fmt::Write as _;

fn is_numeric(t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    if ["nan", "infinity", "+infinity", "-infinity"].contains(&lower.as_str()) {
        return true;
    }
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - digits_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac;
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp {
            return false;
        }
    }
    i == b.len()
}

/// Writes a PostgreSQL array literal (`{1,2,NULL}`, `{"a b","c\"d"}`) for JSON elements.
fn array_literal(elem: &Kind, items: &[&RawValue], buf: &mut String) -> Result<(), String> {
    buf.push('{');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        match decode(item)? {
            Value::Null => buf.push_str("NULL"),
            Value::Array(inner) if !matches!(elem, Kind::Json | Kind::Jsonb) => {
                array_literal(elem, &inner, buf)?
            }
            value => {
                let mut tmp = String::new();
                let plain = if matches!(elem, Kind::Json | Kind::Jsonb) {
                    Some(item.get())
                } else {
                    scalar(elem, value, &mut tmp).map_err(|e| format!("element {}: {e}", i + 1))?
                };
                buf.push('"');
                for c in plain.unwrap_or(&tmp).chars() {
                    if c == '"' || c == '\\' {
                        buf.push('\\');
                    }
                    buf.push(c);
                }
                buf.push('"');
            }
        }
    }
    buf.push('}');
    Ok(())
}

/// Escapes text for COPY's text format: backslash, tab, newline and carriage return.
pub fn escape_copy(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escaped: &[u8] = match b {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escaped);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

fn expected(kind: &Kind) -> &'static str {
    match kind {
        Kind::Int2 | Kind::Int4 | Kind::Int8 => "an integer",
        Kind::Numeric | Kind::Float4 | Kind::Float8 => "a number",
        Kind::Bool => "a boolean",
        Kind::Bytea => "a base64 string",
        Kind::Uuid => "a uuid string",
        Kind::Array(_) => "an array",
        Kind::Json | Kind::Jsonb => "JSON",
        Kind::Text | Kind::Other => "a string",
    }
}

fn got(value: &Value<'_>) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::Str(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object => "an object".into(),
    }
}

#[cfg(test)]
mod tests;
