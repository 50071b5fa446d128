//! Typed values that a program hands to the data commands, rather than text they read
//! from a file: what the Python module converts its objects into.

/// One typed value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A decimal number, exactly as written (`"12.50"`): for numeric columns without
    /// float rounding.
    Decimal(String),
    /// Text, and everything the server parses from text (dates, times, uuids, enums...).
    Text(String),
    Bytes(Vec<u8>),
    /// A JSON document as text, for json and jsonb columns (a json column keeps the text,
    /// key order included).
    Json(String),
    /// The elements of an array column.
    Array(Vec<Value>),
}

impl Value {
    /// The value as JSON, the form array elements are converted from (bytes as base64,
    /// as JSON input gives them).
    pub fn to_json(&self) -> serde_json::Value {
        use base64::Engine;
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => {
                serde_json::Number::from_f64(*f).map_or_else(|| J::String(f.to_string()), J::Number)
            }
            // As a string: a JSON number would round what does not fit a float.
            Value::Decimal(d) => J::String(d.clone()),
            Value::Text(s) => J::String(s.clone()),
            Value::Bytes(b) => J::String(base64::engine::general_purpose::STANDARD.encode(b)),
            Value::Json(j) => serde_json::from_str(j).unwrap_or_else(|_| J::String(j.clone())),
            Value::Array(items) => J::Array(items.iter().map(Value::to_json).collect()),
        }
    }
}
