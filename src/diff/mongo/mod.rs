//! MongoDB's side of the schema model: collections with their options, validators and
//! indexes, views, and the declared references between collections that eager fetch follows.
//! Documents inside it (validators, pipelines, filters, collations) are BSON, in their order.

pub mod commands;
mod hints;
mod indexes;
pub mod model;
pub mod plan;

pub use hints::{note_staged, rename_hints, stage_validators};
pub use indexes::same_index;
pub use model::{
    Capped, ClusteredIndex, Collection, CollectionOptions, Index, IndexKey, KeyOrder, MongoSchema,
    Reference, Timeseries, Validator, View,
};
pub use plan::{plan, plan_with, MongoHazard, MongoPlan, MongoStep};
pub mod snapshot;
