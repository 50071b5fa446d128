//! Errors of the schema side: bad hints and unreadable snapshots.

/// Everything that can go wrong without a database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("invalid rename hint `{hint}`: {reason}; write `schema.table.old_column=new_column` or `schema.old_table=new_table`")]
    RenameHint { hint: String, reason: String },

    /// A MongoDB `--rename` hint that does not apply.
    #[error("invalid rename hint `{hint}`: {reason}; write `db.old_collection=new_collection`")]
    CollectionRenameHint { hint: String, reason: String },

    #[error("{path}: not a valid {format} schema snapshot: {reason}")]
    Snapshot {
        path: String,
        format: &'static str,
        reason: String,
    },
}
