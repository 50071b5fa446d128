//! Documents to upsert, read from CSV, NDJSON or a JSON array. JSON is read as Extended JSON
//! (`{"$oid": ...}`, `{"$date": ...}`, `{"$numberDecimal": ...}`) with each document's fields
//! in their order; a CSV row is a document of its header's fields, as strings (an empty cell
//! leaves the field out). Errors name the input and the row and line.

use std::io::Read;

use mongodb::bson::{Bson, Document};

use crate::engine::data::input::Format;
use crate::engine::data::{DataError, RowError};

/// One input document, with where it came from.
#[derive(Debug)]
pub struct InputDocument {
    /// The 1-based row.
    pub row: u64,
    /// The 1-based line where it starts (0 in a JSON array, whose rows are not lines).
    pub line: u64,
    pub doc: Document,
}

/// Reads every document of `source`.
pub fn read(
    name: &str,
    format: Format,
    mut source: impl Read,
) -> Result<Vec<InputDocument>, DataError> {
    let mut text = String::new();
    source
        .read_to_string(&mut text)
        .map_err(|e| DataError::Input {
            path: name.to_string(),
            message: e.to_string(),
        })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let bad = |row: u64, line: u64, message: String| DataError::Row {
        input: name.to_string(),
        error: RowError {
            row,
            line,
            column: None,
            message,
        },
        committed: None,
    };
    match format {
        Format::Ndjson => {
            let mut out = Vec::new();
            for (i, line) in text.lines().enumerate() {
                let line = line.trim_end_matches('\r');
                if line.trim().is_empty() {
                    continue;
                }
                let row = out.len() as u64 + 1;
                let doc: Document = serde_json::from_str(line)
                    .map_err(|e| bad(row, i as u64 + 1, format!("not a JSON document: {e}")))?;
                out.push(InputDocument {
                    row,
                    line: i as u64 + 1,
                    doc,
                });
            }
            Ok(out)
        }
        Format::Json => {
            let items: Vec<Bson> = serde_json::from_str(text).map_err(|e| DataError::Input {
                path: name.to_string(),
                message: format!("line {}: not a JSON array of documents: {e}", e.line()),
            })?;
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Bson::Document(doc) => Ok(InputDocument {
                        row: i as u64 + 1,
                        line: 0,
                        doc,
                    }),
                    other => Err(bad(i as u64 + 1, 0, format!("{other} is not a document"))),
                })
                .collect()
        }
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
            let headers = reader
                .headers()
                .map_err(|e| DataError::Input {
                    path: name.to_string(),
                    message: format!("line 1: {e}"),
                })?
                .clone();
            let mut out = Vec::new();
            for (i, record) in reader.records().enumerate() {
                let row = i as u64 + 1;
                let record = record.map_err(|e| {
                    let line = e.position().map_or(0, |p| p.line());
                    bad(row, line, e.to_string())
                })?;
                let line = record.position().map_or(0, |p| p.line());
                let doc: Document = headers
                    .iter()
                    .zip(record.iter())
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| (k.to_string(), Bson::String(v.to_string())))
                    .collect();
                out.push(InputDocument { row, line, doc });
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_reads_documents_with_their_rows_and_lines() {
        let ndjson = "\u{feff}{\"_id\": {\"$oid\": \"65a1b2c3d4e5f60718293a4b\"}, \"z\": 1, \"a\": {\"$numberDecimal\": \"1.50\"}}\r\n\n{\"k\": 2}\n";
        let docs = read("in.ndjson", Format::Ndjson, ndjson.as_bytes()).unwrap();
        assert_eq!((docs[1].row, docs[1].line), (2, 3));
        assert!(matches!(docs[0].doc.get("_id"), Some(Bson::ObjectId(_))));
        assert!(matches!(docs[0].doc.get("a"), Some(Bson::Decimal128(_))));
        assert_eq!(docs[0].doc.keys().collect::<Vec<_>>(), ["_id", "z", "a"]);
        let csv = "sku,name\na,A\nb,\n";
        let docs = read("in.csv", Format::Csv, csv.as_bytes()).unwrap();
        assert_eq!(docs[1].doc, mongodb::bson::doc! {"sku": "b"});
        assert_eq!(docs[1].line, 3);
        let e = read("in.ndjson", Format::Ndjson, "{}\nnope\n".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("in.ndjson: row 2 (line 2)"), "{e}");
        assert!(read("in.json", Format::Json, "[]".as_bytes())
            .unwrap()
            .is_empty());
    }
}

/// The BSON types a `$jsonSchema` validator gives the top-level fields of its documents
/// (`properties.<field>.bsonType`, the first when it lists several).
pub fn field_types(validator: &Document) -> Vec<(String, String)> {
    let Ok(properties) = validator
        .get_document("$jsonSchema")
        .and_then(|s| s.get_document("properties"))
    else {
        return Vec::new();
    };
    properties
        .iter()
        .filter_map(|(field, spec)| {
            let kind = match spec.as_document()?.get("bsonType")? {
                Bson::String(k) => k.clone(),
                Bson::Array(ks) => ks.iter().find_map(|k| k.as_str().map(str::to_string))?,
                _ => return None,
            };
            Some((field.clone(), kind))
        })
        .collect()
}

/// Types the string fields of CSV documents as the collection's validator says (`int`,
/// `long`, `double`, `decimal`, `bool`, `date`, `objectId`); a value that does not read as
/// its type is an error naming its row and column. Other fields stay strings.
pub fn type_csv_fields(
    docs: &mut [InputDocument],
    types: &[(String, String)],
    input: &str,
) -> Result<(), DataError> {
    use mongodb::bson::{oid::ObjectId, DateTime, Decimal128};
    for d in docs.iter_mut() {
        for (field, kind) in types {
            let Some(Bson::String(text)) = d.doc.get(field) else {
                continue;
            };
            let text = text.clone();
            let typed = match kind.as_str() {
                "int" => text.parse::<i32>().ok().map(Bson::Int32),
                "long" => text.parse::<i64>().ok().map(Bson::Int64),
                "double" => text.parse::<f64>().ok().map(Bson::Double),
                "decimal" => text.parse::<Decimal128>().ok().map(Bson::Decimal128),
                "bool" => match text.as_str() {
                    "true" => Some(Bson::Boolean(true)),
                    "false" => Some(Bson::Boolean(false)),
                    _ => None,
                },
                "date" => DateTime::parse_rfc3339_str(&text).ok().map(Bson::DateTime),
                "objectId" => ObjectId::parse_str(&text).ok().map(Bson::ObjectId),
                _ => continue,
            };
            match typed {
                Some(v) => {
                    d.doc.insert(field.clone(), v);
                }
                None => {
                    return Err(DataError::Row {
                        input: input.to_string(),
                        error: RowError {
                            row: d.row,
                            line: d.line,
                            column: Some(field.clone()),
                            message: format!(
                                "{text:?} is not a {kind}, the type the validator gives {field}"
                            ),
                        },
                        committed: None,
                    })
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod typing_tests {
    use super::*;
    use mongodb::bson::doc;

    #[test]
    fn csv_fields_take_the_validators_types() {
        let types = field_types(&doc! {"$jsonSchema": {"properties": {
        "qty": {"bsonType": "int"}, "price": {"bsonType": ["decimal", "null"]}, "name": {"bsonType": "string"}}}});
        let mut docs = vec![InputDocument {
            row: 1,
            line: 2,
            doc: doc! {"qty": "3", "price": "1.50", "name": "x"},
        }];
        type_csv_fields(&mut docs, &types, "in.csv").unwrap();
        assert_eq!(docs[0].doc.get("qty"), Some(&Bson::Int32(3)));
        assert!(matches!(
            docs[0].doc.get("price"),
            Some(Bson::Decimal128(_))
        ));
        assert_eq!(docs[0].doc.get_str("name").unwrap(), "x");
        let mut bad = vec![InputDocument {
            row: 4,
            line: 5,
            doc: doc! {"qty": "many"},
        }];
        let e = type_csv_fields(&mut bad, &types, "in.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("in.csv: row 4 (line 5), column qty") && e.contains("not a int"),
            "{e}"
        );
    }
}
