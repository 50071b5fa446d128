//! Introspection: reads a live database into the schema model.
//!
//! [`catalog`](super::catalog) holds the queries, one per kind of object, each returning
//! catalog rows keyed by object id; the functions below join them into the model without
//! touching the server, except for the rare definitions `deparse` leaves
//! to the server, which one more query per kind fetches.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Executor, Row};

use super::catalog;
use super::deparse::{self, ColumnNames, IndexRow, KeyRow, Quoter};
use crate::diff::model::*;
use crate::engine::error::{Error, Result};

/// Catalog ids of the system catalogs that comments and extension memberships point into
/// (fixed in every PostgreSQL release).
const PG_CLASS: i64 = 1259;
const PG_TYPE: i64 = 1247;
const PG_PROC: i64 = 1255;
const PG_NAMESPACE: i64 = 2615;
const PG_CONSTRAINT: i64 = 2606;
const PG_TRIGGER: i64 = 2620;
const PG_POLICY: i64 = 3256;

/// `server_version_num` of the first release whose definitions the client does not write.
const FIRST_UNKNOWN_RELEASE: u32 = 180000;

/// Reads the schemas named in `schemas` (all non-system schemas when empty).
pub async fn inspect(conn: &mut PgConnection, schemas: &[String]) -> Result<Database> {
    conn.execute("SELECT pg_catalog.set_config('search_path', '', false)")
        .await
        .map_err(|e| Error::query("setting search_path for introspection", e))?;
    let started = std::time::Instant::now();
    let read = read(conn, schemas).await;
    let _ = conn.execute("RESET search_path").await;
    let db = assemble(&read?);
    tracing::info!(
        "inspected {} tables, {} views, {} functions in {:.1} ms",
        db.tables.len(),
        db.views.len(),
        db.functions.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(db)
}

/// The rows of every catalog query, plus the definitions of keys and indexes.
struct Rows {
    by_query: BTreeMap<&'static str, Vec<PgRow>>,
    /// Index and constraint definitions by object id.
    definitions: HashMap<i64, String>,
    columns: ColumnNames,
}

impl std::ops::Index<&str> for Rows {
    type Output = Vec<PgRow>;
    fn index(&self, query: &str) -> &Vec<PgRow> {
        &self.by_query[query]
    }
}

async fn read(conn: &mut PgConnection, schemas: &[String]) -> Result<Rows> {
    let filter: Option<Vec<String>> = (!schemas.is_empty()).then(|| schemas.to_vec());
    let mut by_query = BTreeMap::new();
    for (name, sql) in catalog::ALL {
        let mut query = sqlx::query(sql);
        if sql.contains("$1") {
            query = query.bind(&filter);
        }
        let fetched = query
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::query(format!("reading {name}"), e))?;
        by_query.insert(name, fetched);
    }
    let mut rows = Rows {
        by_query,
        definitions: HashMap::new(),
        columns: ColumnNames::default(),
    };
    for r in &rows.by_query["columns"] {
        rows.columns
            .insert(get(r, 0), get(r, 1), get(r, 2), get(r, 10));
    }
    // The client writes definitions in the text of the releases it knows; a later release
    // may add clauses (PostgreSQL 18 has NOT ENFORCED and PERIOD), so its server writes them.
    let known_release = conn
        .server_version_num()
        .is_some_and(|v| v < FIRST_UNKNOWN_RELEASE);
    let (indexes, constraints) = write_definitions(&mut rows, known_release);
    for (oids, sql, what) in [
        (
            indexes,
            catalog::SERVER_INDEX_DEFINITIONS,
            "index definitions",
        ),
        (
            constraints,
            catalog::SERVER_CONSTRAINT_DEFINITIONS,
            "constraint definitions",
        ),
    ] {
        if oids.is_empty() {
            continue;
        }
        let fetched = sqlx::query(sql)
            .bind(&oids)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::query(format!("reading {what}"), e))?;
        for r in &fetched {
            rows.definitions.insert(get(r, 0), get(r, 1));
        }
    }
    Ok(rows)
}

/// Writes the definitions of keys, foreign keys and plain indexes into `rows`; returns the
/// ids of the indexes and constraints the server has to deparse.
fn write_definitions(rows: &mut Rows, client_writes: bool) -> (Vec<i64>, Vec<i64>) {
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

/// A row value, or its type's default when the row holds NULL.
///
/// The catalog queries cast every column to the type read here, so the value is decoded
/// without sqlx's per-value type check, which cost more than the decoding itself.
fn get<'r, T>(row: &'r PgRow, idx: usize) -> T
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Default,
{
    opt(row, idx).unwrap_or_default()
}

fn opt<'r, T>(row: &'r PgRow, idx: usize) -> Option<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get_unchecked::<Option<T>, _>(idx).ok().flatten()
}

fn qname(row: &PgRow, schema: usize, name: usize) -> QualifiedName {
    QualifiedName::new(get::<String>(row, schema), get::<String>(row, name))
}

/// Comments and extension memberships, by catalog and object id.
struct Annotations {
    members: HashSet<(i64, i64)>,
    comments: HashMap<(i64, i64, i32), String>,
}

impl Annotations {
    fn new(rows: &Rows) -> Annotations {
        Annotations {
            members: rows["extension members"]
                .iter()
                .map(|r| (get(r, 0), get(r, 1)))
                .collect(),
            comments: rows["comments"]
                .iter()
                .map(|r| ((get(r, 0), get(r, 1), get(r, 2)), get(r, 3)))
                .collect(),
        }
    }

    /// The object belongs to an extension, and so is not part of the schema.
    fn extension_member(&self, catalog: i64, oid: i64) -> bool {
        self.members.contains(&(catalog, oid))
    }

    fn comment(&self, catalog: i64, oid: i64) -> Option<String> {
        self.comments.get(&(catalog, oid, 0)).cloned()
    }

    fn column_comment(&self, relation: i64, number: i16) -> Option<String> {
        self.comments
            .get(&(PG_CLASS, relation, i32::from(number)))
            .cloned()
    }
}

/// Where a relation's rows go: a table or a view, by position.
#[derive(Clone, Copy)]
enum Relation {
    Table(usize),
    View(usize),
}

/// Builds the model from the rows of every catalog query.
fn assemble(rows: &Rows) -> Database {
    let notes = Annotations::new(rows);
    let mut db = Database::default();
    for r in &rows["schemas"] {
        if !notes.extension_member(PG_NAMESPACE, get(r, 0)) {
            db.schemas.push(Schema {
                name: get(r, 1),
                comment: opt(r, 2),
            });
        }
    }
    for r in &rows["extensions"] {
        db.extensions.push(Extension {
            name: get(r, 0),
            schema: get(r, 1),
        });
    }
    let composites = types(rows, &notes, &mut db);
    let identities = sequences(rows, &notes, &mut db);
    for r in &rows["functions"] {
        let oid: i64 = get(r, 0);
        if notes.extension_member(PG_PROC, oid) {
            continue;
        }
        db.functions.push(Function {
            name: qname(r, 1, 2),
            arguments: get(r, 3),
            kind: if get::<String>(r, 4) == "p" {
                "procedure"
            } else {
                "function"
            }
            .into(),
            result: get(r, 5),
            definition: get(r, 6),
            comment: notes.comment(PG_PROC, oid),
        });
    }
    let mut parents: HashMap<i64, Vec<QualifiedName>> = HashMap::new();
    for r in &rows["inheritance"] {
        parents.entry(get(r, 0)).or_default().push(qname(r, 1, 2));
    }
    let (mut tables, mut views) = (Vec::new(), Vec::new());
    let mut relations = HashMap::new();
    for r in &rows["relations"] {
        let oid: i64 = get(r, 0);
        if notes.extension_member(PG_CLASS, oid) {
            continue;
        }
        let relation = relation_from_row(r, &notes, &mut parents, &mut tables, &mut views);
        relations.insert(oid, relation);
    }
    columns(
        rows,
        &notes,
        &identities,
        &relations,
        &composites,
        &mut tables,
        &mut views,
        &mut db,
    );
    let table = |oid: i64| match relations.get(&oid) {
        Some(&Relation::Table(i)) => Some(i),
        _ => None,
    };
    for r in &rows["constraints"] {
        let oid: i64 = get(r, 0);
        let Some(t) = table(get(r, 1)).map(|i| &mut tables[i]) else {
            continue;
        };
        let kind = match get::<String>(r, 3).as_str() {
            "p" => ConstraintKind::PrimaryKey,
            "u" => ConstraintKind::Unique,
            "c" => ConstraintKind::Check,
            "x" => ConstraintKind::Exclusion,
            _ => ConstraintKind::ForeignKey,
        };
        let references = opt::<String>(r, 6).map(|t| QualifiedName::new(get::<String>(r, 5), t));
        t.constraints.push(Constraint {
            name: get(r, 2),
            kind,
            definition: rows.definitions.get(&oid).cloned().unwrap_or_default(),
            references,
            comment: notes.comment(PG_CONSTRAINT, oid),
        });
    }
    for r in &rows["indexes"] {
        let oid: i64 = get(r, 0);
        if notes.extension_member(PG_CLASS, oid) {
            continue;
        }
        let index = Index {
            name: get(r, 2),
            definition: rows.definitions.get(&oid).cloned().unwrap_or_default(),
            comment: notes.comment(PG_CLASS, oid),
        };
        match relations.get(&get(r, 1)) {
            Some(&Relation::Table(i)) => tables[i].indexes.push(index),
            Some(&Relation::View(i)) => views[i].indexes.push(index),
            None => {}
        }
    }
    for r in &rows["triggers"] {
        if let Some(i) = table(get(r, 1)) {
            tables[i].triggers.push(Trigger {
                name: get(r, 2),
                definition: get(r, 3),
                enabled: get(r, 4),
                comment: notes.comment(PG_TRIGGER, get(r, 0)),
            });
        }
    }
    for r in &rows["policies"] {
        if let Some(i) = table(get(r, 1)) {
            tables[i].policies.push(Policy {
                name: get(r, 2),
                permissive: get(r, 3),
                command: get(r, 4),
                roles: get(r, 5),
                using: opt(r, 6),
                with_check: opt(r, 7),
                comment: notes.comment(PG_POLICY, get(r, 0)),
            });
        }
    }
    for r in &rows["view dependencies"] {
        if let Some(&Relation::View(i)) = relations.get(&get(r, 0)) {
            views[i].depends_on.push(qname(r, 1, 2));
        }
    }
    db.tables = tables;
    db.views = views;
    db.normalize();
    db
}

/// Enums, domains and composites; returns each composite's position by its relation id.
fn types(rows: &Rows, notes: &Annotations, db: &mut Database) -> HashMap<i64, usize> {
    let mut composites = HashMap::new();
    for r in &rows["types"] {
        let oid: i64 = get(r, 0);
        if notes.extension_member(PG_TYPE, oid) {
            continue;
        }
        let name = qname(r, 1, 2);
        let comment = notes.comment(PG_TYPE, oid);
        match get::<String>(r, 3).as_str() {
            "e" => db.enums.push(Enum {
                name,
                values: get(r, 5),
                comment,
            }),
            "d" => db.domains.push(Domain {
                name,
                data_type: get(r, 6),
                not_null: get(r, 7),
                default: opt(r, 8),
                collation: opt(r, 9),
                checks: Vec::new(),
                comment,
            }),
            _ => {
                composites.insert(get(r, 4), db.composites.len());
                db.composites.push(Composite {
                    name,
                    attributes: Vec::new(),
                    comment,
                });
            }
        }
    }
    let domains: HashMap<QualifiedName, usize> = db
        .domains
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.clone(), i))
        .collect();
    for r in &rows["domain checks"] {
        if let Some(&i) = domains.get(&qname(r, 0, 1)) {
            db.domains[i].checks.push(NamedDefinition {
                name: get(r, 2),
                definition: get(r, 3),
            });
        }
    }
    composites
}

/// Sequences; returns the options of identity columns' sequences by (table id, column number).
fn sequences(
    rows: &Rows,
    notes: &Annotations,
    db: &mut Database,
) -> HashMap<(i64, i16), SequenceOptions> {
    let mut identities = HashMap::new();
    let mut seen = HashSet::new();
    for r in &rows["sequences"] {
        let oid: i64 = get(r, 0);
        if notes.extension_member(PG_CLASS, oid) || !seen.insert(oid) {
            continue;
        }
        let options = SequenceOptions {
            data_type: get(r, 3),
            start: get(r, 4),
            increment: get(r, 5),
            min_value: get(r, 6),
            max_value: get(r, 7),
            cache: get(r, 8),
            cycle: get(r, 9),
        };
        let owner: String = get(r, 10);
        if owner == "i" {
            identities.insert((get(r, 11), get::<i32>(r, 12) as i16), options);
            continue;
        }
        let owned_by =
            opt::<String>(r, 14).map(|t| (QualifiedName::new(get::<String>(r, 13), t), get(r, 15)));
        db.sequences.push(Sequence {
            name: qname(r, 1, 2),
            options,
            owned_by,
            comment: notes.comment(PG_CLASS, oid),
        });
    }
    identities
}

fn relation_from_row(
    r: &PgRow,
    notes: &Annotations,
    parents: &mut HashMap<i64, Vec<QualifiedName>>,
    tables: &mut Vec<Table>,
    views: &mut Vec<View>,
) -> Relation {
    let oid: i64 = get(r, 0);
    let name = qname(r, 1, 2);
    let kind: String = get(r, 3);
    let comment = notes.comment(PG_CLASS, oid);
    if kind == "v" || kind == "m" {
        views.push(View {
            name,
            materialized: kind == "m",
            definition: get(r, 9),
            options: get(r, 10),
            columns: Vec::new(),
            indexes: Vec::new(),
            depends_on: Vec::new(),
            comment,
        });
        return Relation::View(views.len() - 1);
    }
    let parents = parents.remove(&oid).unwrap_or_default();
    let bound: Option<String> = opt(r, 8);
    let (partition_of, inherits) = match bound {
        Some(b) => (parents.first().cloned().map(|p| (p, b)), Vec::new()),
        None => (None, parents),
    };
    tables.push(Table {
        name,
        columns: Vec::new(),
        constraints: Vec::new(),
        indexes: Vec::new(),
        triggers: Vec::new(),
        policies: Vec::new(),
        persistence: if get::<String>(r, 4) == "u" {
            Persistence::Unlogged
        } else {
            Persistence::Permanent
        },
        partition_by: opt(r, 7),
        partition_of,
        inherits,
        row_security: get(r, 5),
        force_row_security: get(r, 6),
        comment,
    });
    Relation::Table(tables.len() - 1)
}

/// Puts every column into its table, view or composite type, in column-number order.
#[allow(clippy::too_many_arguments)]
fn columns(
    rows: &Rows,
    notes: &Annotations,
    identities: &HashMap<(i64, i16), SequenceOptions>,
    relations: &HashMap<i64, Relation>,
    composites: &HashMap<i64, usize>,
    tables: &mut [Table],
    views: &mut [View],
    db: &mut Database,
) {
    let type_collations: HashMap<i64, i64> = rows["type collations"]
        .iter()
        .map(|r| (get(r, 0), get(r, 1)))
        .collect();
    let collation = |r: &PgRow| column_collation(r, &type_collations);
    let mut ordered: Vec<(i64, i16, &PgRow)> = rows["columns"]
        .iter()
        .map(|r| (get(r, 0), get(r, 1), r))
        .collect();
    ordered.sort_unstable_by_key(|&(relation, number, _)| (relation, number));
    for group in ordered.chunk_by(|a, b| a.0 == b.0) {
        match relations.get(&group[0].0) {
            Some(&Relation::Table(i)) => tables[i].columns.reserve_exact(group.len()),
            Some(&Relation::View(i)) => views[i].columns.reserve_exact(group.len()),
            None => {}
        }
    }
    for (relation, number, r) in ordered {
        match relations.get(&relation) {
            Some(&Relation::Table(i)) => {
                let t = &mut tables[i];
                // A partition's columns all come from its parent, yet are part of its shape
                // (and become its own when it is detached); an inheritance child's are not.
                if get::<bool>(r, 9) || t.partition_of.is_some() {
                    let comment = notes.column_comment(relation, number);
                    let mut column =
                        column_from_row(r, identities.get(&(relation, number)), comment);
                    column.collation = collation(r);
                    t.columns.push(column);
                }
            }
            Some(&Relation::View(i)) => views[i].columns.push(ViewColumn {
                name: get(r, 2),
                comment: notes.column_comment(relation, number),
            }),
            None => {
                if let Some(&i) = composites.get(&relation) {
                    db.composites[i].attributes.push(Attribute {
                        name: get(r, 2),
                        data_type: get(r, 3),
                        collation: collation(r),
                    });
                }
            }
        }
    }
}

fn column_from_row(
    r: &PgRow,
    sequence: Option<&SequenceOptions>,
    comment: Option<String>,
) -> Column {
    let identity: String = get(r, 6);
    let generated: String = get(r, 7);
    let expr: Option<String> = opt(r, 5);
    Column {
        name: get(r, 2),
        data_type: get(r, 3),
        not_null: get(r, 4),
        default: if generated.is_empty() {
            expr.clone()
        } else {
            None
        },
        identity: (!identity.is_empty()).then(|| Identity {
            always: identity == "a",
            options: sequence.cloned().unwrap_or_else(|| SequenceOptions {
                data_type: String::new(),
                start: 0,
                increment: 0,
                min_value: 0,
                max_value: 0,
                cache: 0,
                cycle: false,
            }),
        }),
        generated: if generated.is_empty() { None } else { expr },
        collation: None,
        comment,
    }
}

/// The collation of a column when it is not its type's: `pg_catalog."default"` for the
/// database default (over a type that has another), else the name the query read.
fn column_collation(r: &PgRow, type_collations: &HashMap<i64, i64>) -> Option<String> {
    const DEFAULT_COLLATION: i64 = 100;
    let own: i64 = get(r, 10);
    let of_type = type_collations.get(&get(r, 11)).copied().unwrap_or(0);
    if own == of_type {
        None
    } else if own == DEFAULT_COLLATION {
        Some("pg_catalog.\"default\"".to_string())
    } else {
        opt(r, 8)
    }
}
