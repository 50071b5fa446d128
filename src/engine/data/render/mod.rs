//! Column values to JSON text, the same way for `fetch` and for `INSERT ... RETURNING`.
//!
//! Common types travel in PostgreSQL's binary format and are written as JSON here (integers,
//! floats, booleans, text, bytea as base64, uuid, date and timestamps in RFC 3339, json);
//! numeric comes as text and is written as a string so that no digit is lost; anything else
//! (intervals, enums, network types, arrays...) is rendered by the server's `to_json`.

use std::fmt::Write as _;

use base64::Engine as _;
use sqlx::postgres::{PgRow, PgValueFormat};
use sqlx::{Row, ValueRef};

use super::catalog::{Column, Kind};

mod shape;
mod typed;

pub use self::shape::Shape;
pub use self::typed::value;
use super::error::{DataError, Result};
use crate::diff::quote::ident;

/// How one selected value becomes JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Render {
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Bool,
    /// Text written as a JSON string.
    Text,
    /// Numeric cast to text, written as a JSON string so that no digit is lost.
    Numeric,
    Bytea,
    Uuid,
    Date,
    Timestamp,
    Timestamptz,
    /// JSON text as is (json; jsonb after its version byte; `to_json(...)::text`).
    Json,
    Jsonb,
}

/// The SQL that selects `column` of `alias`, and how to render what comes back.
pub fn select(column: &Column, alias: &str) -> (String, Render) {
    let c = format!("{alias}.{}", ident(&column.name));
    let server = |expr: String| (format!("to_json({expr})::text"), Render::Json);
    match &column.kind {
        Kind::Int2 => (c, Render::Int2),
        Kind::Int4 => (c, Render::Int4),
        Kind::Int8 => (c, Render::Int8),
        Kind::Float4 => (c, Render::Float4),
        Kind::Float8 => (c, Render::Float8),
        Kind::Bool => (c, Render::Bool),
        // No cast: text's binary format is its bytes, and char(n) keeps its padding.
        Kind::Text => (c, Render::Text),
        Kind::Numeric => (format!("{c}::text"), Render::Numeric),
        Kind::Bytea => (c, Render::Bytea),
        Kind::Uuid => (c, Render::Uuid),
        Kind::Json => (c, Render::Json),
        Kind::Jsonb => (c, Render::Jsonb),
        Kind::Array(e) if **e == Kind::Numeric => server(format!("{c}::text[]")),
        Kind::Array(_) => server(c),
        Kind::Other => match column.base_type.as_str() {
            "date" => (c, Render::Date),
            "timestamp" => (c, Render::Timestamp),
            "timestamptz" => (c, Render::Timestamptz),
            _ => server(c),
        },
    }
}

/// Whether the value at `index` is NULL.
pub fn is_null(row: &PgRow, index: usize) -> Result<bool> {
    Ok(row.try_get_raw(index).map_err(decode_error)?.is_null())
}

fn decode_error(e: sqlx::Error) -> DataError {
    DataError::query("decoding a row", e)
}

fn bad(what: &str) -> DataError {
    DataError::Invalid(format!("unexpected binary value for {what}"))
}

fn fixed<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N]> {
    bytes.try_into().map_err(|_| bad(what))
}

/// Appends the JSON for the value at `index`.
pub fn write(row: &PgRow, index: usize, render: Render, out: &mut String) -> Result<()> {
    let raw = row.try_get_raw(index).map_err(decode_error)?;
    if raw.is_null() {
        out.push_str("null");
        return Ok(());
    }
    let binary = raw.format() == PgValueFormat::Binary;
    let bytes = raw
        .as_bytes()
        .map_err(|e| DataError::Invalid(format!("reading a value: {e}")))?;
    let text = || std::str::from_utf8(bytes).map_err(|_| bad("text"));
    if !binary {
        // Text format (not used by prepared statements): every renderer took text.
        match render {
            Render::Json | Render::Jsonb => push_compact(text()?, out),
            Render::Int2 | Render::Int4 | Render::Int8 | Render::Float4 | Render::Float8 => {
                out.push_str(text()?)
            }
            Render::Bool => out.push_str(if bytes == b"t" { "true" } else { "false" }),
            _ => push_string(text()?, out),
        }
        return Ok(());
    }
    match render {
        Render::Int2 => {
            out.push_str(itoa::Buffer::new().format(i16::from_be_bytes(fixed(bytes, "int2")?)))
        }
        Render::Int4 => {
            out.push_str(itoa::Buffer::new().format(i32::from_be_bytes(fixed(bytes, "int4")?)))
        }
        Render::Int8 => {
            out.push_str(itoa::Buffer::new().format(i64::from_be_bytes(fixed(bytes, "int8")?)))
        }
        Render::Float4 => float(
            f32::from_be_bytes(fixed(bytes, "float4")?) as f64,
            true,
            out,
        ),
        Render::Float8 => float(f64::from_be_bytes(fixed(bytes, "float8")?), false, out),
        Render::Bool => out.push_str(if bytes == [1] { "true" } else { "false" }),
        Render::Text | Render::Numeric => push_string(text()?, out),
        Render::Bytea => {
            out.push('"');
            base64::engine::general_purpose::STANDARD.encode_string(bytes, out);
            out.push('"');
        }
        Render::Uuid => {
            let b: [u8; 16] = fixed(bytes, "uuid")?;
            out.push('"');
            for (i, byte) in b.iter().enumerate() {
                if matches!(i, 4 | 6 | 8 | 10) {
                    out.push('-');
                }
                let _ = write!(out, "{byte:02x}");
            }
            out.push('"');
        }
        Render::Date => {
            let days = i32::from_be_bytes(fixed(bytes, "date")?);
            out.push('"');
            match days {
                i32::MAX => out.push_str("infinity"),
                i32::MIN => out.push_str("-infinity"),
                d => push_date(d as i64, out),
            }
            out.push('"');
        }
        Render::Timestamp | Render::Timestamptz => {
            let micros = i64::from_be_bytes(fixed(bytes, "timestamp")?);
            out.push('"');
            match micros {
                i64::MAX => out.push_str("infinity"),
                i64::MIN => out.push_str("-infinity"),
                m => push_timestamp(m, render == Render::Timestamptz, out),
            }
            out.push('"');
        }
        Render::Json => push_compact(text()?, out),
        Render::Jsonb => match bytes.split_first() {
            Some((1, rest)) => {
                push_compact(std::str::from_utf8(rest).map_err(|_| bad("jsonb"))?, out)
            }
            _ => return Err(bad("jsonb")),
        },
    }
    Ok(())
}

/// The value at `index` as text (for keys, which are selected as `::text`).
pub fn text(row: &PgRow, index: usize) -> Result<Option<String>> {
    row.try_get::<Option<String>, _>(index)
        .map_err(decode_error)
}

/// JSON for a float the way PostgreSQL's `to_json` writes it: non-finite values as strings.
fn float(v: f64, single: bool, out: &mut String) {
    if v.is_nan() {
        out.push_str("\"NaN\"");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 {
            "\"Infinity\""
        } else {
            "\"-Infinity\""
        });
    } else if v != 0.0 && !(1e-4..1e15).contains(&v.abs()) {
        // Exponent notation for very large and small magnitudes, as PostgreSQL writes them.
        if single {
            let _ = write!(out, "{:e}", v as f32);
        } else {
            let _ = write!(out, "{v:e}");
        }
    } else if single {
        let _ = write!(out, "{}", v as f32);
    } else {
        let _ = write!(out, "{v}");
    }
}

/// PostgreSQL's epoch (2000-01-01) in days since 1970-01-01.
const PG_EPOCH_DAYS: i64 = 10_957;

/// Appends `YYYY-MM-DD` (or `YYYY-MM-DD BC`) for days since 2000-01-01.
fn push_date(days: i64, out: &mut String) {
    let (y, m, d) = crate::civil::from_days(days + PG_EPOCH_DAYS);
    push_ymd(if y > 0 { y } else { 1 - y }, m, d, out);
    if y <= 0 {
        out.push_str(" BC");
    }
}

/// Appends `n` with at least `width` digits.
fn push_padded(n: i64, width: usize, out: &mut String) {
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(n);
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(digits);
}

fn push_ymd(y: i64, m: u32, d: u32, out: &mut String) {
    push_padded(y, 4, out);
    out.push('-');
    push_padded(m as i64, 2, out);
    out.push('-');
    push_padded(d as i64, 2, out);
}

/// Appends an RFC 3339 timestamp for microseconds since 2000-01-01 (UTC when `utc`).
fn push_timestamp(micros: i64, utc: bool, out: &mut String) {
    let days = micros.div_euclid(86_400_000_000);
    let rest = micros.rem_euclid(86_400_000_000);
    let (y, m, d) = crate::civil::from_days(days + PG_EPOCH_DAYS);
    let secs = rest / 1_000_000;
    let frac = rest % 1_000_000;
    push_ymd(if y > 0 { y } else { 1 - y }, m, d, out);
    out.push('T');
    push_padded(secs / 3600, 2, out);
    out.push(':');
    push_padded(secs / 60 % 60, 2, out);
    out.push(':');
    push_padded(secs % 60, 2, out);
    if frac > 0 {
        let (mut frac, mut width) = (frac, 6);
        while frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        out.push('.');
        push_padded(frac, width, out);
    }
    if utc {
        out.push_str("+00:00");
    }
    if y <= 0 {
        out.push_str(" BC");
    }
}

/// Appends `s` as a JSON string.
pub fn push_string(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escaped.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escaped);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends JSON text without the line breaks a `json` value may carry (NDJSON is a line a row).
pub fn push_compact(json: &str, out: &mut String) {
    if !json.contains(['\n', '\r']) {
        out.push_str(json);
        return;
    }
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            in_string = c != '"' || escaped;
            escaped = c == '\\' && !escaped;
        } else if c == '"' {
            in_string = true;
        } else if c.is_whitespace() {
            continue;
        }
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates_and_timestamps() {
        let mut out = String::new();
        push_date(0, &mut out);
        out.push(' ');
        push_date(-1, &mut out);
        out.push(' ');
        push_date(8825, &mut out);
        assert_eq!(out, "2000-01-01 1999-12-31 2024-02-29");
        let mut out = String::new();
        push_timestamp(757_479_845_123_456, true, &mut out);
        assert_eq!(out, "2024-01-02T03:04:05.123456+00:00");
        let mut out = String::new();
        push_timestamp(757_479_845_100_000, false, &mut out);
        assert_eq!(out, "2024-01-02T03:04:05.1");
        let mut out = String::new();
        push_date(-730_485 - 366, &mut out);
        assert!(out.ends_with(" BC"), "{out}");
    }

    #[test]
    fn escapes_strings() {
        let mut out = String::new();
        push_string("a\"b\\c\n\u{1}é", &mut out);
        assert_eq!(out, "\"a\\\"b\\\\c\\n\\u0001é\"");
        let mut out = String::new();
        push_compact("{\n  \"a\": \"x\\\" y\"\n}", &mut out);
        assert_eq!(out, "{\"a\":\"x\\\" y\"}");
    }
}
