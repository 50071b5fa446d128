//! Indexes from their `pg_index` rows, with the server's word for what the rows cannot
//! tell: the text of key expressions, and which operator classes and collations
//! `pg_get_indexdef` shows (it leaves out the ones that are the default for the value).

use pg_query::protobuf::node::Node as N;
use pg_query::protobuf::Node;

#[allow(unused_imports)]
use super::*;

/// What the server says about an index that is not `simple`.
pub(super) struct ServerIndex {
    pub definition: String,
    /// Each key part as `pg_get_indexdef(index, part, false)` writes it.
    pub parts: Vec<String>,
}

/// Whether an index row needs [`ServerIndex`]: expressions, operator classes that are not
/// the default, or a collation other than its column's.
pub(super) fn needs_server(columns: &ColumnNames, r: &PgRow) -> bool {
    if !get::<bool>(r, 3) {
        return true;
    }
    let table: i64 = get(r, 1);
    let key_count = get::<i16>(r, 6).max(0) as usize;
    let (numbers, collations): (Vec<i16>, Vec<i64>) = (get(r, 7), get(r, 9));
    numbers
        .iter()
        .zip(&collations)
        .take(key_count)
        .any(|(n, c)| *c != 0 && columns.get(table, *n).is_none_or(|(_, own)| own != c))
}

/// The parts' shown collation, operator class and its options, read from the definition.
struct Shown {
    collation: Vec<String>,
    opclass: Vec<String>,
    opclass_options: Vec<(String, String)>,
}

fn names(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match &n.node {
            Some(N::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

fn option_value(node: Option<&Node>) -> String {
    match node.and_then(|n| n.node.as_ref()) {
        Some(N::String(s)) => s.sval.clone(),
        Some(N::Integer(i)) => i.ival.to_string(),
        Some(N::Float(f)) => f.fval.clone(),
        Some(N::Boolean(b)) => b.boolval.to_string(),
        _ => String::new(),
    }
}

fn shown_parts(definition: &str) -> Option<Vec<Shown>> {
    let parsed = pg_query::parse(definition).ok()?;
    let stmt = parsed.protobuf.stmts.first()?.stmt.as_ref()?;
    let Some(N::IndexStmt(ix)) = &stmt.node else {
        return None;
    };
    ix.index_params
        .iter()
        .map(|p| match &p.node {
            Some(N::IndexElem(e)) => Some(Shown {
                collation: names(&e.collation),
                opclass: names(&e.opclass),
                opclass_options: e
                    .opclassopts
                    .iter()
                    .filter_map(|o| match &o.node {
                        Some(N::DefElem(d)) => {
                            Some((d.defname.clone(), option_value(d.arg.as_deref())))
                        }
                        _ => None,
                    })
                    .collect(),
            }),
            _ => None,
        })
        .collect()
}

/// `name=value` storage parameters as `pg_class.reloptions` holds them.
pub(super) fn storage_parameters(options: &[String]) -> Vec<(String, String)> {
    options
        .iter()
        .map(|o| match o.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => (o.clone(), String::new()),
        })
        .collect()
}

/// The index of one row of the `indexes` query.
pub(super) fn index(
    columns: &ColumnNames,
    r: &PgRow,
    server: Option<&ServerIndex>,
    comment: Option<String>,
) -> Result<Index> {
    let table: i64 = get(r, 1);
    let name: String = get(r, 2);
    let fail = |reason: &str| Error::Catalog {
        object: format!("index {name}"),
        reason: reason.to_string(),
    };
    let key_count = get::<i16>(r, 6).max(0) as usize;
    let (numbers, options): (Vec<i16>, Vec<i16>) = (get(r, 7), get(r, 8));
    let shown = match server {
        Some(s) => Some(
            shown_parts(&s.definition)
                .filter(|p| p.len() == key_count && s.parts.len() == key_count)
                .ok_or_else(|| fail(&format!("unexpected definition {}", s.definition)))?,
        ),
        None => None,
    };
    let column = |n: i16| {
        columns
            .get(table, n)
            .map(|(c, _)| c.clone())
            .ok_or_else(|| fail("it names a column that was not read"))
    };
    let mut key = Vec::with_capacity(key_count);
    for (k, &number) in numbers.iter().enumerate().take(key_count) {
        let target = if number != 0 {
            IndexTarget::Column(column(number)?)
        } else {
            let text = server.map(|s| s.parts[k].clone());
            IndexTarget::Expression(Expr::new(text.ok_or_else(|| fail("no expression text"))?))
        };
        let option = options.get(k).copied().unwrap_or(0);
        let mut part = IndexPart {
            target,
            descending: option & 1 != 0,
            nulls_first: option & 2 != 0,
            opclass: Vec::new(),
            collation: Vec::new(),
            attrs: Vec::new(),
        };
        if let Some(s) = shown.as_ref().map(|s| &s[k]) {
            part.collation = s.collation.clone();
            part.opclass = s.opclass.clone();
            if !s.opclass_options.is_empty() {
                let o = PgAttr::OperatorClassOptions(s.opclass_options.clone());
                part.attrs.push(Attr::Pg(o));
            }
        }
        key.push(part);
    }
    let include = numbers[key_count.min(numbers.len())..]
        .iter()
        .map(|n| column(*n))
        .collect::<Result<Vec<_>>>()?;
    let mut attrs = Vec::new();
    let storage: Vec<String> = opt(r, 13).unwrap_or_default();
    if !storage.is_empty() {
        attrs.push(Attr::Pg(PgAttr::StorageParameters(storage_parameters(
            &storage,
        ))));
    }
    Ok(Index {
        name,
        unique: get(r, 4),
        method: get(r, 11),
        key,
        include,
        nulls_distinct: !get::<bool>(r, 5),
        predicate: opt::<String>(r, 10).map(Expr::new),
        valid: get(r, 12),
        attrs,
        comment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_shown_operator_classes_and_collations() {
        let parts = shown_parts(
            "CREATE INDEX i ON public.t USING gist (a COLLATE \"C\" public.my_ops (siglen='32'), (lower(b)))",
        )
        .unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].collation, ["C"]);
        assert_eq!(parts[0].opclass, ["public", "my_ops"]);
        assert_eq!(parts[0].opclass_options, [("siglen".into(), "32".into())]);
        assert!(parts[1].opclass.is_empty() && parts[1].collation.is_empty());
    }

    #[test]
    fn splits_storage_parameters() {
        let got = storage_parameters(&["fillfactor=70".into(), "a=b=c".into()]);
        assert_eq!(
            got,
            [
                ("fillfactor".into(), "70".into()),
                ("a".into(), "b=c".into())
            ]
        );
    }
}
