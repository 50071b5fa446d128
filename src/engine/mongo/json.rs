//! Documents as relaxed Extended JSON (<https://www.mongodb.com/docs/manual/reference/mongodb-extended-json/>):
//! numbers as JSON numbers, dates as `{"$date": "ISO 8601"}`, and the other BSON types in
//! their `$` forms, with every document's fields in their order.

use mongodb::bson::{Bson, Document};

/// `doc` as relaxed Extended JSON text on one line.
pub fn relaxed(doc: &Document) -> String {
    let mut out = String::new();
    document(doc, &mut out);
    out
}

fn document(doc: &Document, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in doc.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::Value::from(k.as_str()).to_string());
        out.push(':');
        value(v, out);
    }
    out.push('}');
}

fn value(v: &Bson, out: &mut String) {
    match v {
        Bson::Document(d) => document(d, out),
        Bson::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                value(item, out);
            }
            out.push(']');
        }
        Bson::Double(f) if f.is_finite() => out.push_str(&serde_json::Value::from(*f).to_string()),
        Bson::Int32(n) => out.push_str(&n.to_string()),
        Bson::Int64(n) => out.push_str(&n.to_string()),
        Bson::DateTime(d) => match d.try_to_rfc3339_string() {
            Ok(iso) if (1970..=9999).contains(&year_of(d)) => {
                out.push_str(&format!("{{\"$date\":{}}}", serde_json::Value::from(iso)))
            }
            _ => out.push_str(&format!(
                "{{\"$date\":{{\"$numberLong\":\"{}\"}}}}",
                d.timestamp_millis()
            )),
        },
        // The driver's Extended JSON for everything else (strings, booleans, null,
        // ObjectIds, decimals, binaries, non-finite doubles...).
        other => out.push_str(&other.clone().into_relaxed_extjson().to_string()),
    }
}

/// The year of a date, from its milliseconds since 1970 (a year of 365.2425 days is close
/// enough to tell 1970-9999 from outside it).
fn year_of(d: &mongodb::bson::DateTime) -> i64 {
    1970 + d.timestamp_millis().div_euclid(31_556_952_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::{doc, oid::ObjectId, DateTime};

    #[test]
    fn relaxed_json_keeps_field_order_and_writes_dates_as_iso_text() {
        let id = ObjectId::parse_str("65a1b2c3d4e5f60718293a4b").unwrap();
        let d = doc! {"z": 1_i64, "_id": id, "at": DateTime::from_millis(0), "x": [1.5, "s"]};
        assert_eq!(
            relaxed(&d),
            r#"{"z":1,"_id":{"$oid":"65a1b2c3d4e5f60718293a4b"},"at":{"$date":"1970-01-01T00:00:00Z"},"x":[1.5,"s"]}"#
        );
    }
}
