//! What the command line adds to a MongoDB plan: `--rename` hints, and `--safe`'s staging of
//! validators.

use super::model::MongoSchema;
use super::plan::MongoPlan;

/// `--safe` for validators: `to` with each new or changed validator of an existing
/// collection set to `validationAction: warn` where `to` says `error`, so that existing
/// documents that fail it are logged rather than block writes; the next plan then switches
/// it to `error` in a migration of its own. Returns the staged schema and the collections
/// it staged.
pub fn stage_validators(from: &MongoSchema, to: &MongoSchema) -> (MongoSchema, Vec<String>) {
    let mut staged = to.clone();
    let mut names = Vec::new();
    for c in &mut staged.collections {
        let Some(old) = from.collection(&c.name) else {
            continue;
        };
        let Some(v) = &mut c.validator else { continue };
        let rule_changed = old.validator.as_ref().is_none_or(|o| o.rule != v.rule);
        if rule_changed && v.action == "error" && v.level != "off" {
            v.action = "warn".into();
            names.push(c.name.clone());
        }
    }
    (staged, names)
}

/// Notes the staging of [`stage_validators`] on the steps that change those validators.
pub fn note_staged(plan: &mut MongoPlan, staged: &[String]) {
    for step in &mut plan.steps {
        if step.kind == "alter validator" && staged.contains(&step.object) {
            step.note = Some(
                "staged by --safe: validationAction warn, so writes that fail the new rule are logged, not refused; the next plan switches it to error in a migration of its own".into(),
            );
        }
    }
}

/// Parses `--rename` hints for MongoDB: `old=new` or `db.old=new` (the database is left
/// out; collection names may hold dots after it). Each must apply from `from` to `to`.
pub fn rename_hints(
    hints: &[String],
    from: &MongoSchema,
    to: &MongoSchema,
) -> Result<Vec<(String, String)>, crate::diff::Error> {
    hints
        .iter()
        .map(|hint| {
            let bad = |reason: String| crate::diff::Error::CollectionRenameHint {
                hint: hint.clone(),
                reason,
            };
            let (old, new) = hint.split_once('=').ok_or_else(|| bad("no `=`".into()))?;
            let old = match old.split_once('.') {
                Some((_, collection)) if from.collection(old).is_none() => collection,
                _ => old,
            };
            if from.collection(old).is_none() {
                return Err(bad(format!("no collection {old} in the source schema")));
            }
            if to.collection(new).is_none() {
                return Err(bad(format!("no collection {new} in the target schema")));
            }
            Ok((old.to_string(), new.to_string()))
        })
        .collect()
}
