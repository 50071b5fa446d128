//! Partition keys from `pg_get_partkeydef`: the strategy, and each element as the server
//! writes it, cut at the commas of its list.

use crate::diff::model::{Expr, PartitionKey, PartitionPart, PartitionStrategy};
use crate::engine::postgres::words::{lexed, list_items, unquote, TokenKind};

/// The key of `definition` (`RANGE (created_at)`), or `None` if it does not read as one.
pub(super) fn partition_key(definition: &str) -> Option<PartitionKey> {
    let strategy = match definition.split_once(' ')?.0 {
        "RANGE" => PartitionStrategy::Range,
        "LIST" => PartitionStrategy::List,
        "HASH" => PartitionStrategy::Hash,
        _ => return None,
    };
    let tokens = lexed(definition);
    let open = tokens
        .iter()
        .position(|(k, _)| *k == TokenKind::OpenParen)?;
    let parts = list_items(&tokens, open)?
        .into_iter()
        .map(|item| match &tokens[item] {
            [(TokenKind::Ident, name)] => {
                Some(PartitionPart::Column(definition[name.clone()].into()))
            }
            [(TokenKind::QuotedIdent { .. }, name)] => {
                Some(PartitionPart::Column(unquote(&definition[name.clone()])))
            }
            [(_, first), .., (_, last)] | [(_, first @ last)] => Some(PartitionPart::Expression(
                Expr::new(&definition[first.start..last.end]),
            )),
            [] => None,
        })
        .collect::<Option<Vec<_>>>()?;
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
