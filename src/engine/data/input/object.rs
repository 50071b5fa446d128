//! JSON objects read without building a map: their keys in order, and their fields as raw
//! JSON text by a precomputed index of column positions.

use serde::de::{DeserializeSeed, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The keys of a JSON object, in order.
pub(super) fn object_keys(text: &str) -> std::result::Result<Vec<String>, String> {
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut keys: Vec<String> = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<serde::de::IgnoredAny>()?;
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            Ok(keys)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    serde::Deserializer::deserialize_map(&mut de, Keys)
        .map_err(|e| format!("not a JSON object: {e}"))
}

/// One JSON object's values, by field position.
pub struct ObjectFields<'a> {
    pub values: Vec<Option<&'a RawValue>>,
    /// A key that is not one of the fields.
    pub unknown: Option<String>,
}

/// Field names by position, looked up in the order that rows usually list them (cheaper
/// than hashing every key of every row).
#[derive(Debug, Clone)]
pub struct FieldIndex {
    names: Vec<String>,
}

impl FieldIndex {
    /// The index of `names`.
    pub fn new(names: &[String]) -> FieldIndex {
        FieldIndex {
            names: names.to_vec(),
        }
    }

    /// How many fields.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The position of `key`, trying `hint` (where the previous key's successor is) first.
    fn find(&self, key: &str, hint: usize) -> Option<usize> {
        match self.names.get(hint) {
            Some(name) if name == key => Some(hint),
            _ => self.names.iter().position(|n| n == key),
        }
    }
}

/// Parses a JSON object into values by field position.
pub fn parse_object<'a>(
    text: &'a str,
    index: &FieldIndex,
) -> std::result::Result<ObjectFields<'a>, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let fields = ObjectSeed { index }
        .deserialize(&mut de)
        .map_err(|e| format!("invalid JSON object: {e}"))?;
    de.end().map_err(|e| format!("invalid JSON object: {e}"))?;
    Ok(fields)
}

struct ObjectSeed<'i> {
    index: &'i FieldIndex,
}

#[derive(serde::Deserialize)]
struct Key<'a>(#[serde(borrow)] std::borrow::Cow<'a, str>);

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = ObjectFields<'de>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_> {
    type Value = ObjectFields<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut out = ObjectFields {
            values: vec![None; self.index.len()],
            unknown: None,
        };
        let mut hint = 0;
        while let Some(Key(key)) = map.next_key()? {
            let value: &'de RawValue = map.next_value()?;
            match self.index.find(key.as_ref(), hint) {
                Some(i) => {
                    out.values[i] = Some(value);
                    hint = i + 1;
                }
                None => {
                    if out.unknown.is_none() {
                        out.unknown = Some(key.into_owned());
                    }
                }
            }
        }
        Ok(out)
    }
}
