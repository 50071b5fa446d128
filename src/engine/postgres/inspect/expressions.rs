//! The text of check constraints, index predicates and column defaults: written in the client
//! from their node trees where [`node_tree`](super::node_tree) knows every node, by the
//! server (`pg_get_expr`, one more query for all of them) for the rest.

use super::node_tree::{self, Catalog, Operator};
#[allow(unused_imports)]
use super::*;

/// Expressions by the id of what holds them, and how many were written where.
#[derive(Default)]
pub(super) struct Expressions {
    /// Check constraints, by constraint id.
    checks: HashMap<i64, String>,
    /// Index predicates, by index id.
    predicates: HashMap<i64, String>,
    /// Column defaults and generation expressions, by `pg_attrdef` id.
    defaults: HashMap<i64, String>,
    /// How many were written from their node trees, and how many by the server.
    pub(super) written_here: usize,
    pub(super) by_server: usize,
}

impl Expressions {
    /// The expression of the check constraint `id` (read with every check).
    pub(super) fn check(&self, id: i64) -> String {
        self.checks.get(&id).cloned().unwrap_or_default()
    }

    /// The predicate of index `id`, if it is partial.
    pub(super) fn predicate(&self, id: i64) -> Option<String> {
        self.predicates.get(&id).cloned()
    }

    /// The default or generation expression `pg_attrdef` row `id` holds.
    pub(super) fn column_default(&self, id: Option<i64>) -> Option<String> {
        self.defaults.get(&id?).cloned()
    }
}

/// Which map an expression goes to, as the server's answers name it.
#[derive(Clone, Copy)]
enum Kind {
    Check,
    Predicate,
    Default,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Kind::Check => "c",
            Kind::Predicate => "i",
            Kind::Default => "d",
        }
    }
}

/// The expressions of the `constraints`, `indexes` and `columns` rows.
pub(super) async fn read(conn: &mut PgConnection, rows: &Rows) -> Result<Expressions> {
    let mut operators = HashMap::new();
    let (mut version, mut encoding) = (String::new(), String::new());
    if let Some(r) = rows["server"].first() {
        (version, encoding) = (get(r, 0), get(r, 1));
        let ids: Vec<i64> = get(r, 3);
        let names: Vec<String> = get(r, 4);
        let kinds: Vec<String> = get(r, 5);
        let lefts: Vec<i64> = get(r, 6);
        let rights: Vec<i64> = get(r, 7);
        for (i, name) in names.into_iter().enumerate() {
            let (Some(id), Some(kind), Some(left), Some(right)) =
                (ids.get(i), kinds.get(i), lefts.get(i), rights.get(i))
            else {
                break;
            };
            let op = Operator {
                name,
                kind: kind.chars().next().unwrap_or(' '),
                left: *left as u32,
                right: *right as u32,
            };
            operators.insert(*id as u32, op);
        }
    }
    let mut enums = HashMap::new();
    let mut labels = HashMap::new();
    for r in rows["types"].iter().filter(|r| get::<String>(r, 3) == "e") {
        let id = get::<i64>(r, 0) as u32;
        let name = format!(
            "{}.{}",
            rows.quoter.ident(&get::<String>(r, 1)),
            rows.quoter.ident(&get::<String>(r, 2))
        );
        enums.insert(id, name);
        let texts: Vec<String> = get(r, 5);
        let ids: Vec<i64> = get(r, 10);
        for (label, text) in ids.into_iter().zip(texts) {
            labels.insert(label as u32, (id, text));
        }
    }
    let readable = node_tree::little_endian(&version);
    let catalog = Catalog {
        quoter: &rows.quoter,
        columns: &rows.columns,
        operators: &operators,
        enums: &enums,
        labels: &labels,
        utf8: encoding == "UTF8",
    };

    let mut found = Expressions::default();
    let mut missing: HashMap<&'static str, Vec<i64>> = HashMap::new();
    let mut write = |kind: Kind, id: i64, tree: &str, table: Option<i64>| match readable
        .then(|| catalog.deparse(tree, table))
        .flatten()
    {
        Some(text) => {
            found.written_here += 1;
            found.map_of(kind).insert(id, text);
        }
        None => missing.entry(kind.code()).or_default().push(id),
    };
    for r in &rows["constraints"] {
        if get::<String>(r, 3) == "c" {
            write(Kind::Check, get(r, 0), get::<&str>(r, 4), Some(get(r, 1)));
        }
    }
    for r in &rows["indexes"] {
        if let Some(tree) = opt::<&str>(r, 10) {
            write(Kind::Predicate, get(r, 0), tree, Some(get(r, 1)));
        }
    }
    for r in &rows["columns"] {
        if let Some(tree) = opt::<&str>(r, 5) {
            // A default names no column; a generation expression names the table's.
            let generated = !get::<String>(r, 7).is_empty();
            write(
                Kind::Default,
                get(r, 12),
                tree,
                generated.then(|| get(r, 0)),
            );
        }
    }
    decode_failure()?;
    let wanted: usize = missing.values().map(Vec::len).sum();
    if wanted == 0 {
        return Ok(found);
    }
    let ids = |kind: Kind| missing.get(kind.code()).cloned().unwrap_or_default();
    let answers = sqlx::query(super::expression_queries::EXPRESSIONS_BY_SERVER)
        .bind(ids(Kind::Check))
        .bind(ids(Kind::Predicate))
        .bind(ids(Kind::Default))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::query("reading expressions", e))?;
    for r in &answers {
        let kind = match get::<String>(r, 0).as_str() {
            "c" => Kind::Check,
            "i" => Kind::Predicate,
            _ => Kind::Default,
        };
        if let Some(text) = opt::<String>(r, 2) {
            found.map_of(kind).insert(get(r, 1), text);
            found.by_server += 1;
        }
    }
    decode_failure()?;
    if found.by_server != wanted {
        return Err(Error::Catalog {
            object: "the schema".into(),
            reason: format!(
                "{} of {wanted} expressions were dropped while it was read; run again",
                wanted - found.by_server
            ),
        });
    }
    Ok(found)
}

impl Expressions {
    fn map_of(&mut self, kind: Kind) -> &mut HashMap<i64, String> {
        match kind {
            Kind::Check => &mut self.checks,
            Kind::Predicate => &mut self.predicates,
            Kind::Default => &mut self.defaults,
        }
    }
}
