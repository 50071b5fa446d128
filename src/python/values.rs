//! Python values for bulk writes (`insert_many`, `upsert_many`): taken apart like query
//! parameters ([`Param`]), then turned into the engine's typed values for the column they
//! go to, which the engine converts to COPY text and checks against the column's type.

use super::params::{json_text, Param};
use super::shapes::{range_text, Bounds};
use crate::engine::data::catalog::{Column, Kind};
use crate::engine::data::value::Value;

/// `p` as a value for `column`; the error says what does not fit.
pub(super) fn to_value(p: &Param, column: &Column) -> Result<Value, String> {
    if matches!(p, Param::Null) {
        return Ok(Value::Null);
    }
    match &column.kind {
        Kind::Json | Kind::Jsonb => return json_text(p).map(Value::Json),
        Kind::Array(elem) => {
            if let Param::List(items) = p {
                return items
                    .iter()
                    .map(|i| element(i, elem))
                    .collect::<Result<_, _>>()
                    .map(Value::Array);
            }
        }
        _ => {}
    }
    if column.base_type == "hstore" {
        if let Param::Dict(_, Some(pairs)) = p {
            return Ok(Value::Text(hstore_text(pairs)));
        }
    }
    scalar(p)
}

fn element(p: &Param, kind: &Kind) -> Result<Value, String> {
    match (p, kind) {
        (Param::Null, _) => Ok(Value::Null),
        (Param::List(items), _) => items
            .iter()
            .map(|i| element(i, kind))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        (p, Kind::Json | Kind::Jsonb) => json_text(p).map(Value::Json),
        (p, _) => scalar(p),
    }
}

fn scalar(p: &Param) -> Result<Value, String> {
    Ok(match p {
        Param::Null => Value::Null,
        Param::Bool(b) => Value::Bool(*b),
        Param::Int(s) => match s.parse::<i64>() {
            Ok(i) => Value::Int(i),
            // Beyond 64 bits: only a numeric column takes it, exactly.
            Err(_) => Value::Decimal(s.clone()),
        },
        Param::Float(f) => Value::Float(*f),
        Param::Decimal(s) => Value::Decimal(s.clone()),
        Param::Str(s) => Value::Text(s.clone()),
        Param::Bytes(b) => Value::Bytes(b.clone()),
        Param::Uuid(b) => Value::Text(uuid_text(b)),
        Param::Dict(json, _) => Value::Json(json.clone()),
        Param::Temporal(t) => Value::Text(t.text()),
        Param::List(items) => Value::Array(items.iter().map(scalar).collect::<Result<_, _>>()?),
        Param::Range(bounds) => {
            let text = |b: &Option<Param>| -> Result<Option<String>, String> {
                b.as_ref().map(bound_text).transpose()
            };
            Value::Text(range_text(&Bounds {
                lower: text(&bounds.lower)?,
                upper: text(&bounds.upper)?,
                lower_inc: bounds.lower_inc,
                upper_inc: bounds.upper_inc,
                empty: bounds.empty,
            }))
        }
    })
}

/// A range bound's input text.
fn bound_text(p: &Param) -> Result<String, String> {
    match scalar(p)? {
        Value::Int(i) => Ok(i.to_string()),
        Value::Float(f) => Ok(f.to_string()),
        Value::Decimal(s) | Value::Text(s) => Ok(s),
        _ => Err(format!("a {} cannot be a range bound", p.kind())),
    }
}

fn uuid_text(b: &[u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// An hstore's input text: `"k"=>"v", "k2"=>NULL`, with quotes and backslashes escaped.
fn hstore_text(pairs: &[(String, Option<String>)]) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    pairs
        .iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{}=>{}", quote(k), quote(v)),
            None => format!("{}=>NULL", quote(k)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms() {
        let b: Vec<u8> = (0u8..16).collect();
        assert_eq!(
            uuid_text(&b.try_into().unwrap()),
            "00010203-0405-0607-0809-0a0b0c0d0e0f"
        );
        assert_eq!(
            hstore_text(&[("a\"b".into(), Some("c\\".into())), ("n".into(), None)]),
            r#""a\"b"=>"c\\", "n"=>NULL"#
        );
        assert_eq!(
            scalar(&Param::Int("99999999999999999999".into())).unwrap(),
            Value::Decimal("99999999999999999999".into())
        );
    }
}
