//! What a plan's steps mean for the documents already there, when the plan starts from a
//! live database: how many documents an index build reads, and how many existing documents
//! a changed validator would reject (`{$nor: [rule]}`), added to the steps' notes.

use mongodb::bson::{doc, Document};
use mongodb::Database;

use crate::diff::mongo::{MongoHazard, MongoPlan};

/// Adds the document counts to the notes of the index builds and validator changes of
/// `plan`, read from `db` (the plan's starting point). Counts that cannot be read are left out.
pub async fn annotate(db: &Database, plan: &mut MongoPlan) {
    for step in &mut plan.steps {
        let collection = step
            .object
            .split('.')
            .next()
            .unwrap_or_default()
            .to_string();
        let mut notes = Vec::new();
        if step.hazards.contains(&MongoHazard::IndexBuild) {
            if let Ok(n) = db
                .collection::<Document>(&collection)
                .estimated_document_count()
                .await
            {
                notes.push(format!("the build reads {n} existing documents"));
            }
        }
        if step.hazards.contains(&MongoHazard::ValidatorChanged) {
            let rule = step
                .up
                .first()
                .and_then(|c| c.get_document("validator").ok())
                .cloned();
            if let Some(rule) = rule.filter(|r| !r.is_empty()) {
                let violators = db
                    .collection::<Document>(&collection)
                    .count_documents(doc! {"$nor": [rule]})
                    .await;
                if let Ok(n) = violators {
                    notes.push(format!(
                        "{n} existing documents do not pass the new validator"
                    ));
                }
            }
        }
        if !notes.is_empty() {
            let joined = notes.join("; ");
            step.note = Some(match step.note.take() {
                Some(note) => format!("{note}; {joined}"),
                None => joined,
            });
        }
    }
}
