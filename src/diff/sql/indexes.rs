//! Indexes that back no constraint: created plainly, concurrently under `--safe`, and on a
//! partitioned table so that every partition gets its index.

use super::parts::Q;
use super::{Context, Mode, Phase, Steps};
use crate::diff::model::*;
use crate::diff::postgres::definitions::{self, IndexForm};
use crate::diff::quote::SqlName;

/// The qualified name of an index, which lives in its table's schema.
pub(crate) fn index_name(table: &QualifiedName, index: &Index) -> QualifiedName {
    QualifiedName::new(table.schema.clone(), index.name.clone())
}

/// `CREATE INDEX` for an index of `table`.
///
/// On a partitioned table a plain `CREATE INDEX` also creates (or attaches) each partition's
/// index; `ON ONLY` would create the parent's alone, invalid, and a unique index would then
/// not be enforced. `ON ONLY` is written only to reproduce an index that is invalid, on the
/// way back from a plan that repaired it. Under `--safe`, an existing partitioned table gets
/// its index as PostgreSQL documents: `ON ONLY` on the parent, each partition's index built
/// concurrently, then attached, which makes the parent's index valid.
///
/// An index that is invalid is written with a comment that says so (in `inspect`'s SQL and
/// on the way back from its repair).
pub(crate) fn create(
    out: &mut Steps,
    phase: Phase,
    table: &QualifiedName,
    ix: &Index,
    ctx: &Context,
) {
    let on_view = ctx.is_view_after(table);
    if !ix.valid {
        let form = if ctx.is_partitioned_after(table) {
            IndexForm::OnlyParent
        } else {
            IndexForm::Plain
        };
        let sql = format!(
            "-- INVALID on the server it was read from: not used, and rebuilt by the next plan\n{}",
            definitions::index(Q, table, ix, form)
        );
        out.push(phase, 0, sql);
    } else if ctx.is_partitioned_after(table) {
        if ctx.safe && ctx.keeps_existing(table) {
            create_on_partitions(out, phase, table, ix, &ix.name, ctx);
        } else {
            out.push(phase, 0, definitions::index(Q, table, ix, IndexForm::Plain));
        }
    } else if ctx.safe && !on_view && ctx.keeps_existing(table) {
        let sql = definitions::index(Q, table, ix, IndexForm::Concurrently);
        out.push_mode(phase, 0, sql, Mode::NoTransaction);
    } else {
        out.push(phase, 0, definitions::index(Q, table, ix, IndexForm::Plain));
    }
}

/// `ON ONLY` on `table`, then for each partition its own index (concurrently on a plain
/// partition, recursively on a partitioned one) attached to it. Partitions' indexes are
/// named after the partition and `root`, the index the plan creates.
fn create_on_partitions(
    out: &mut Steps,
    phase: Phase,
    table: &QualifiedName,
    ix: &Index,
    root: &str,
    ctx: &Context,
) {
    out.push(
        phase,
        0,
        definitions::index(Q, table, ix, IndexForm::OnlyParent),
    );
    for partition in ctx.partitions_after(table) {
        let child = Index {
            name: partition_index_name(&partition.name.name, root),
            comment: None,
            ..ix.clone()
        };
        if partition.partition_by.is_some() {
            create_on_partitions(out, phase, &partition.name, &child, root, ctx);
        } else {
            let sql = definitions::index(Q, &partition.name, &child, IndexForm::Concurrently);
            out.push_mode(phase, 0, sql, Mode::NoTransaction);
        }
        let attach = format!(
            "ALTER INDEX {parent} ATTACH PARTITION {child}",
            parent = index_name(table, ix).sql(),
            child = index_name(&partition.name, &child).sql()
        );
        out.push(phase, 0, attach);
    }
}

/// The name of a partition's index built for the parent's index `index`: `<partition>_<index>`,
/// cut to the 63 bytes PostgreSQL keeps.
fn partition_index_name(partition: &str, index: &str) -> String {
    crate::diff::quote::truncated(&format!("{partition}_{index}")).to_string()
}

/// `DROP INDEX`, concurrently under `--safe` where PostgreSQL can (not on a partitioned
/// table, whose index takes its partitions' indexes along).
pub(crate) fn drop(out: &mut Steps, table: &QualifiedName, ix: &Index, ctx: &Context) {
    let name = index_name(table, ix);
    let concurrently = ctx.safe
        && !ctx.is_view_after(table)
        && !ctx.was_partitioned(table)
        && ctx.keeps_existing(table);
    if concurrently {
        let sql = format!("DROP INDEX CONCURRENTLY {name}", name = name.sql());
        out.push_mode(Phase::DropConstraintIndex, 0, sql, Mode::NoTransaction);
    } else {
        let sql = format!("DROP INDEX {name}", name = name.sql());
        out.push(Phase::DropConstraintIndex, 0, sql);
    }
}

#[cfg(test)]
mod tests {
    use super::partition_index_name;

    #[test]
    fn partition_index_names_fit_in_63_bytes() {
        assert_eq!(
            partition_index_name("events_2024", "events_kind"),
            "events_2024_events_kind"
        );
        let long = partition_index_name(&"p".repeat(40), &"é".repeat(20));
        assert!(long.len() <= 63, "{long}");
        assert!(long.starts_with(&"p".repeat(40)));
    }
}
