//! Key, foreign-key and index definitions written from catalog rows, and the ones left
//! to the server.

#[allow(unused_imports)]
use super::*;

/// Writes the definitions of keys, foreign keys and plain indexes into `rows`; returns the
/// ids of the indexes and constraints the server has to deparse.
pub(super) fn write_definitions(rows: &mut Rows, client_writes: bool) -> (Vec<i64>, Vec<i64>) {
    let quoter = Quoter::new(rows["keywords"].iter().map(|r| get::<String>(r, 0)));
    let mut tables: HashMap<i64, (String, String, bool)> = HashMap::new();
    for r in &rows["relations"] {
        let kind: String = get(r, 3);
        tables.insert(
            get(r, 0),
            (get(r, 1), get(r, 2), kind == "r" || kind == "m"),
        );
    }
    let (mut server_indexes, mut server_constraints) = (Vec::new(), Vec::new());
    let mut definitions = HashMap::new();
    for r in &rows["indexes"] {
        let oid: i64 = get(r, 0);
        let table: i64 = get(r, 1);
        let Some((schema, name, plain_table)) = tables.get(&table) else {
            continue;
        };
        let (columns, options, collations): (Vec<i16>, Vec<i16>, Vec<i64>) =
            (get(r, 7), get(r, 8), get(r, 9));
        let predicate: Option<String> = opt(r, 10);
        let row = IndexRow {
            name: get::<&str>(r, 2),
            table,
            table_schema: schema,
            table_name: name,
            plain_table: *plain_table,
            simple: get(r, 3),
            unique: get(r, 4),
            nulls_not_distinct: get(r, 5),
            key_columns: get::<i16>(r, 6).max(0) as usize,
            columns: &columns,
            options: &options,
            collations: &collations,
            predicate: predicate.as_deref(),
        };
        match deparse::index(&quoter, &rows.columns, &row).filter(|_| client_writes) {
            Some(d) => {
                definitions.insert(oid, d);
            }
            None => server_indexes.push(oid),
        }
    }
    for r in &rows["constraints"] {
        let oid: i64 = get(r, 0);
        if let Some(d) = opt::<String>(r, 4) {
            definitions.insert(oid, d);
            continue;
        }
        let kind: String = get(r, 3);
        let (columns, referenced_columns, index_columns): (Vec<i16>, Vec<i16>, Vec<i16>) =
            (get(r, 8), get(r, 9), get(r, 18));
        let on_delete_columns: Option<Vec<i16>> = opt(r, 10);
        let referenced_name: Option<String> = opt(r, 6);
        let referenced_schema: String = get(r, 5);
        let (match_type, on_update, on_delete): (String, String, String) =
            (get(r, 11), get(r, 12), get(r, 13));
        let row = KeyRow {
            kind: &kind,
            table: get(r, 1),
            columns: &columns,
            deferrable: get(r, 14),
            deferred: get(r, 15),
            validated: get(r, 16),
            nulls_not_distinct: get(r, 17),
            index_columns: &index_columns,
            index_key_columns: get::<i16>(r, 19).max(0) as usize,
            referenced: referenced_name
                .as_deref()
                .map(|n| (get::<i64>(r, 7), referenced_schema.as_str(), n)),
            referenced_columns: &referenced_columns,
            match_type: &match_type,
            on_update: &on_update,
            on_delete: &on_delete,
            on_delete_columns: on_delete_columns.as_deref(),
        };
        match deparse::key(&quoter, &rows.columns, &row).filter(|_| client_writes) {
            Some(d) => {
                definitions.insert(oid, d);
            }
            None => server_constraints.push(oid),
        }
    }
    rows.definitions = definitions;
    (server_indexes, server_constraints)
}
