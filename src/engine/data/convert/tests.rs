//! Conversion of every kind from JSON, CSV and typed input.

use super::*;

fn json(kind: Kind, text: &str) -> Result<String, String> {
    let raw: &RawValue = serde_json::from_str(text).unwrap();
    let mut out = Vec::new();
    write_field(&kind, Field::Json(raw), &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

fn csv(kind: Kind, text: &str) -> Result<String, String> {
    let mut out = Vec::new();
    write_field(&kind, Field::Text(text), &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

#[test]
fn converts_scalars() {
    assert_eq!(json(Kind::Int4, "42").unwrap(), "42");
    assert_eq!(csv(Kind::Int4, " 42 ").unwrap(), "42");
    assert!(json(Kind::Int2, "40000")
        .unwrap_err()
        .contains("out of range"));
    assert!(json(Kind::Int8, "1.5")
        .unwrap_err()
        .contains("not an integer"));
    assert_eq!(
        json(Kind::Numeric, "12345678901234567890.123456789").unwrap(),
        "12345678901234567890.123456789"
    );
    assert!(csv(Kind::Numeric, "1.2.3").is_err());
    assert_eq!(csv(Kind::Bool, "Yes").unwrap(), "t");
    assert_eq!(json(Kind::Bool, "false").unwrap(), "f");
    assert_eq!(json(Kind::Bytea, "\"AAH/\"").unwrap(), "\\\\x0001ff");
    assert_eq!(json(Kind::Text, "\"a\\tb\\\\\"").unwrap(), "a\\tb\\\\");
    assert_eq!(json(Kind::Jsonb, "{\"a\": [1]}").unwrap(), "{\"a\": [1]}");
    assert_eq!(csv(Kind::Text, "").unwrap(), "\\N");
    assert!(json(Kind::Uuid, "\"nope\"").is_err());
    assert!(json(Kind::Int4, "{\"a\":1}")
        .unwrap_err()
        .contains("an object"));
}

#[test]
fn builds_array_literals() {
    let int_array = Kind::Array(Box::new(Kind::Int4));
    assert_eq!(
        json(int_array.clone(), "[1,null,3]").unwrap(),
        "{\"1\",NULL,\"3\"}"
    );
    assert_eq!(
        json(int_array.clone(), "[[1,2],[3,4]]").unwrap(),
        "{{\"1\",\"2\"},{\"3\",\"4\"}}"
    );
    assert_eq!(csv(int_array, "{1,2}").unwrap(), "{1,2}");
    let text_array = Kind::Array(Box::new(Kind::Text));
    assert_eq!(
        json(text_array, r#"["a\"b","c\\d"]"#).unwrap(),
        r#"{"a\\"b","c\\\\d"}"#
    );
}

fn typed(kind: Kind, value: crate::engine::data::value::Value) -> Result<String, String> {
    let mut out = Vec::new();
    write_field(&kind, Field::Typed(&value), &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

#[test]
fn converts_typed_values_like_json_ones() {
    use crate::engine::data::value::Value as V;
    assert_eq!(typed(Kind::Int2, V::Int(7)).unwrap(), "7");
    assert!(typed(Kind::Int2, V::Int(70_000)).is_err());
    assert_eq!(typed(Kind::Float8, V::Float(f64::NAN)).unwrap(), "NaN");
    assert_eq!(
        typed(Kind::Bytea, V::Bytes(vec![0, 255])).unwrap(),
        "\\\\x00ff"
    );
    assert_eq!(
        typed(Kind::Jsonb, V::Json("{\"a\":1}".into())).unwrap(),
        "{\"a\":1}"
    );
    assert!(typed(Kind::Jsonb, V::Json("{".into())).is_err());
    assert!(typed(Kind::Int4, V::Bytes(vec![1])).is_err());
    let array = V::Array(vec![V::Int(1), V::Null]);
    assert_eq!(
        typed(Kind::Array(Box::new(Kind::Int4)), array).unwrap(),
        "{\"1\",NULL}"
    );
    assert_eq!(typed(Kind::Text, V::Null).unwrap(), "\\N");
}
