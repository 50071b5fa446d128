//! Typed values (what a program hands in) converted like the JSON value of the same type,
//! except bytes, written as they are.

use std::borrow::Cow;

use serde_json::value::RawValue;

use super::{array_literal, escape_copy, expected, push_hex, write_value, Kind, Value};
use crate::engine::data::value::Value as Typed;

/// Appends `typed` converted for a column of `kind`, COPY-escaped, to `out`.
pub(super) fn write_typed(kind: &Kind, typed: &Typed, out: &mut Vec<u8>) -> Result<(), String> {
    let number;
    let value = match (kind, typed) {
        (_, Typed::Null) => Value::Null,
        (_, Typed::Bool(b)) => Value::Bool(*b),
        (_, Typed::Int(i)) => {
            number = i.to_string();
            Value::Number(&number)
        }
        (_, Typed::Float(f)) if f.is_finite() => {
            number = f.to_string();
            Value::Number(&number)
        }
        (_, Typed::Float(f)) => Value::Str(Cow::Owned(f.to_string())),
        (_, Typed::Decimal(s) | Typed::Text(s)) => Value::Str(Cow::Borrowed(s)),
        // Checked and kept as written, like JSON text from CSV.
        (Kind::Json | Kind::Jsonb, Typed::Json(doc)) => Value::Str(Cow::Borrowed(doc)),
        (Kind::Bytea, Typed::Bytes(bytes)) => {
            let mut text = String::new();
            push_hex(bytes, &mut text);
            escape_copy(&text, out);
            return Ok(());
        }
        (Kind::Array(elem), Typed::Array(items)) => {
            let json: Vec<Box<RawValue>> = items
                .iter()
                .map(|i| serde_json::value::to_raw_value(&i.to_json()))
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            let refs: Vec<&RawValue> = json.iter().map(|r| r.as_ref()).collect();
            let mut text = String::new();
            array_literal(elem, &refs, &mut text)?;
            escape_copy(&text, out);
            return Ok(());
        }
        (k, Typed::Bytes(_)) => return Err(format!("expected {}, got bytes", expected(k))),
        (k, Typed::Json(_)) => {
            return Err(format!("expected {}, got a JSON document", expected(k)))
        }
        (k, Typed::Array(_)) => return Err(format!("expected {}, got an array", expected(k))),
    };
    write_value(kind, value, out)
}
