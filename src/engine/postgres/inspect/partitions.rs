//! Partition keys from `pg_get_partkeydef`: the strategy, and each element as the server
//! writes it, cut at the element positions PostgreSQL's parser reports.

use pg_query::protobuf::node::Node as N;

use crate::diff::model::{Expr, PartitionKey, PartitionPart, PartitionStrategy};

const PREFIX: &str = "CREATE TABLE t () PARTITION BY ";

/// The key of `definition` (`RANGE (created_at)`), or `None` if it does not read as one.
pub(super) fn partition_key(definition: &str) -> Option<PartitionKey> {
    let strategy = match definition.split_once(' ')?.0 {
        "RANGE" => PartitionStrategy::Range,
        "LIST" => PartitionStrategy::List,
        "HASH" => PartitionStrategy::Hash,
        _ => return None,
    };
    let sql = format!("{PREFIX}{definition}");
    let parsed = pg_query::parse(&sql).ok()?;
    let stmt = parsed.protobuf.stmts.first()?.stmt.as_ref()?;
    let Some(N::CreateStmt(create)) = &stmt.node else {
        return None;
    };
    let elements: Vec<_> = create
        .partspec
        .as_ref()?
        .part_params
        .iter()
        .map(|p| match &p.node {
            Some(N::PartitionElem(e)) => Some(e),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let close = sql.rfind(')')?;
    let mut parts = Vec::with_capacity(elements.len());
    for (i, e) in elements.iter().enumerate() {
        let start = usize::try_from(e.location).ok()?;
        let end = match elements.get(i + 1) {
            Some(next) => usize::try_from(next.location).ok()?,
            None => close,
        };
        let text = sql.get(start..end)?.trim_end().trim_end_matches(',');
        let plain = !e.name.is_empty() && e.collation.is_empty() && e.opclass.is_empty();
        parts.push(if plain {
            PartitionPart::Column(e.name.clone())
        } else {
            PartitionPart::Expression(Expr::new(text))
        });
    }
    Some(PartitionKey { strategy, parts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_columns_and_expressions() {
        let key =
            partition_key("RANGE (created_at, (a + b), lower(\"Name\") COLLATE \"C\")").unwrap();
        assert_eq!(key.strategy, PartitionStrategy::Range);
        assert_eq!(
            key.parts,
            [
                PartitionPart::Column("created_at".into()),
                PartitionPart::Expression(Expr::new("(a + b)")),
                PartitionPart::Expression(Expr::new("lower(\"Name\") COLLATE \"C\"")),
            ]
        );
        let key = partition_key("HASH (\"Id\")").unwrap();
        assert_eq!(key.parts, [PartitionPart::Column("Id".into())]);
    }
}
