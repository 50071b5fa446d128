//! Indexes from their `pg_index` rows, with the server's word for what the rows cannot
//! tell: the text of key expressions, and which operator classes and collations
//! `pg_get_indexdef` shows (it leaves out the ones that are the default for the value).

use std::ops::Range;

use crate::engine::postgres::words::{lexed, list_items, unquote, TokenKind};

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

type Lexed = [(TokenKind, Range<usize>)];

/// A possibly qualified name from token `i` on (`pg_catalog."default"`), and the token after.
fn qualified_name(text: &str, t: &Lexed, mut i: usize) -> (Vec<String>, usize) {
    let mut name = Vec::new();
    while let Some((kind, range)) = t.get(i) {
        match kind {
            TokenKind::Ident => name.push(text[range.clone()].to_string()),
            TokenKind::QuotedIdent { .. } => name.push(unquote(&text[range.clone()])),
            _ => break,
        }
        i += 1;
        if !matches!(t.get(i), Some((TokenKind::Dot, _))) {
            break;
        }
        i += 1;
    }
    (name, i)
}

/// An operator class option's value as written: a string constant unquoted, anything else
/// as its text (`siglen='32'` and `siglen=32` are both `32`).
fn option_value(text: &str, tokens: &Lexed) -> String {
    match tokens {
        [(TokenKind::Literal { .. }, r)] if text[r.clone()].starts_with('\'') => {
            let quoted = &text[r.start + 1..r.end - 1];
            quoted.replace("''", "'")
        }
        [(_, first), .., (_, last)] | [(_, first @ last)] => text[first.start..last.end].into(),
        [] => String::new(),
    }
}

/// What follows a key part in `definition`: `[COLLATE name] [opclass [(options)]] [ASC|DESC]
/// [NULLS FIRST|LAST]`, where `parts` are the key parts as the server writes them alone.
fn shown_parts(definition: &str, parts: &[String]) -> Option<Vec<Shown>> {
    let t = lexed(definition);
    let word = |i: usize, w: &str| matches!(t.get(i), Some((TokenKind::Ident, r)) if definition[r.clone()].eq_ignore_ascii_case(w));
    let open = (0..t.len())
        .find(|&i| word(i, "USING") && matches!(t.get(i + 2), Some((TokenKind::OpenParen, _))))?
        + 2;
    let items = list_items(&t, open)?;
    items
        .into_iter()
        .zip(parts)
        .map(|(item, part)| {
            let begin = t.get(item.start)?.1.start;
            let end_of_part = begin + part.len();
            if definition.get(begin..end_of_part)? != part {
                return None;
            }
            let mut i = (item.start..item.end).find(|&i| t[i].1.end == end_of_part)? + 1;
            let mut shown = Shown {
                collation: Vec::new(),
                opclass: Vec::new(),
                opclass_options: Vec::new(),
            };
            if word(i, "COLLATE") {
                (shown.collation, i) = qualified_name(definition, &t, i + 1);
            }
            let order = ["ASC", "DESC", "NULLS"];
            if i < item.end && !order.iter().any(|w| word(i, w)) {
                (shown.opclass, i) = qualified_name(definition, &t, i);
                if i < item.end && matches!(t[i].0, TokenKind::OpenParen) {
                    for option in list_items(&t[..item.end], i)? {
                        let (name, eq) = qualified_name(definition, &t, option.start);
                        let value = if matches!(t.get(eq), Some((TokenKind::Eq, _))) {
                            option_value(definition, &t[eq + 1..option.end])
                        } else {
                            String::new()
                        };
                        shown.opclass_options.push((name.join("."), value));
                    }
                }
            }
            Some(shown)
        })
        .collect::<Option<Vec<_>>>()
        .filter(|shown| shown.len() == parts.len())
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
    predicate: Option<String>,
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
            shown_parts(&s.definition, &s.parts)
                .filter(|p| p.len() == key_count)
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
        predicate: predicate.map(Expr::new),
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
            &["a".into(), "(lower(b))".into()],
        )
        .unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].collation, ["C"]);
        assert_eq!(parts[0].opclass, ["public", "my_ops"]);
        assert_eq!(parts[0].opclass_options, [("siglen".into(), "32".into())]);
        assert!(parts[1].opclass.is_empty() && parts[1].collation.is_empty());
        let parts = shown_parts(
            "CREATE INDEX ti1 ON public.ti USING btree (a COLLATE \"C\" text_pattern_ops DESC NULLS LAST, ((b + c)), lower(a), ((a || 'x'::text)) COLLATE pg_catalog.\"default\" DESC)",
            &["a".into(), "((b + c))".into(), "lower(a)".into(), "((a || 'x'::text))".into()],
        )
        .unwrap();
        assert_eq!(parts[0].opclass, ["text_pattern_ops"]);
        assert!(parts[1].collation.is_empty() && parts[2].opclass.is_empty());
        assert_eq!(parts[3].collation, ["pg_catalog", "default"]);
        assert!(parts[3].opclass.is_empty());
        let wrong = shown_parts("CREATE INDEX i ON t USING btree (a)", &["b".into()]);
        assert!(wrong.is_none());
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
