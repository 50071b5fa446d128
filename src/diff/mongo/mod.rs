//! MongoDB's side of the schema model: collections with their options, validators and
//! indexes, views, and the declared references between collections that eager fetch follows.
//! Documents inside it (validators, pipelines, filters, collations) are BSON, in their order.

pub mod commands;
mod indexes;
pub mod model;
pub mod plan;

pub use indexes::same_index;
pub use model::{
    Capped, ClusteredIndex, Collection, CollectionOptions, Index, IndexKey, KeyOrder, MongoSchema,
    Reference, Timeseries, Validator, View,
};
pub use plan::{
    note_staged, plan, plan_with, rename_hints, stage_validators, MongoHazard, MongoPlan, MongoStep,
};
pub mod snapshot;
