//! Selected values decoded into typed values rather than written as JSON.

use base64::Engine as _;
use sqlx::postgres::{PgRow, PgValueFormat};
use sqlx::{Row, ValueRef};

use super::{bad, decode_error, fixed, write, Render};
use crate::engine::data::error::{DataError, Result};
use crate::engine::data::value::Value;

/// The value at `index` as a typed value: numbers, booleans, text, bytes and JSON as
/// themselves; numeric as its exact decimal text; uuid, dates and timestamps as the text the
/// JSON form holds; what the server renders (`to_json`) as JSON.
pub fn value(row: &PgRow, index: usize, render: Render) -> Result<Value> {
    let raw = row.try_get_raw(index).map_err(decode_error)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    if raw.format() == PgValueFormat::Binary {
        let bytes = raw
            .as_bytes()
            .map_err(|e| DataError::Invalid(format!("reading a value: {e}")))?;
        match render {
            Render::Int2 => {
                return Ok(Value::Int(i16::from_be_bytes(fixed(bytes, "int2")?) as i64))
            }
            Render::Int4 => {
                return Ok(Value::Int(i32::from_be_bytes(fixed(bytes, "int4")?) as i64))
            }
            Render::Int8 => return Ok(Value::Int(i64::from_be_bytes(fixed(bytes, "int8")?))),
            Render::Float4 => {
                return Ok(Value::Float(
                    f32::from_be_bytes(fixed(bytes, "float4")?) as f64
                ))
            }
            Render::Float8 => return Ok(Value::Float(f64::from_be_bytes(fixed(bytes, "float8")?))),
            Render::Bool => return Ok(Value::Bool(bytes == [1])),
            Render::Bytea => return Ok(Value::Bytes(bytes.to_vec())),
            _ => {}
        }
    }
    let mut json = String::new();
    write(row, index, render, &mut json)?;
    let string = || serde_json::from_str::<String>(&json).map_err(|_| bad("text"));
    Ok(match render {
        Render::Json | Render::Jsonb => Value::Json(json),
        Render::Numeric => Value::Decimal(string()?),
        Render::Bytea => Value::Bytes(
            base64::engine::general_purpose::STANDARD
                .decode(string()?)
                .map_err(|_| bad("bytea"))?,
        ),
        Render::Bool => Value::Bool(json == "true"),
        Render::Int2 | Render::Int4 | Render::Int8 => {
            Value::Int(json.parse().map_err(|_| bad("integer"))?)
        }
        Render::Float4 | Render::Float8 => match json.parse() {
            Ok(f) => Value::Float(f),
            Err(_) => Value::Float(string()?.parse().map_err(|_| bad("float"))?),
        },
        Render::Text | Render::Uuid | Render::Date | Render::Timestamp | Render::Timestamptz => {
            Value::Text(string()?)
        }
    })
}
