//! Round trips of the MongoDB plans in `fixtures/mongo/<case>/` on a real server: create FROM
//! from nothing, introspect it, plan to TO, apply up, introspect (equal to TO, and a second
//! plan is empty), apply down, introspect (equal to FROM). The commands both ways are pinned
//! in `snapshots/mongo/<case>.snap`.

#![cfg(feature = "mongodb")]

mod common;

use common::mongo::TestMongo;
use data_bridge::diff::mongo::snapshot;
use data_bridge::diff::mongo::{plan, plan_with, rename_hints, MongoSchema};
use data_bridge::diff::snapshot::Format;
use mongodb::bson::Document;

fn schema(case: &str, side: &str) -> MongoSchema {
    let path = format!(
        "{}/fixtures/mongo/{case}/{side}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    snapshot::read(&text, Format::Toml, &path).unwrap()
}

async fn apply(db: &mongodb::Database, what: &str, commands: &[Document]) {
    for (i, command) in commands.iter().enumerate() {
        if let Err(e) = data_bridge::engine::mongo::run_checked(db, command.clone()).await {
            panic!("{what}: command {i} ({command}) failed: {e}");
        }
    }
}

async fn inspect(db: &mongodb::Database) -> MongoSchema {
    data_bridge::engine::mongo::inspect(db).await.unwrap()
}

/// The same schema: no step either way (index names aside, which are not an index's identity).
fn assert_same(what: &str, live: &MongoSchema, expected: &MongoSchema) {
    let there = plan(live, expected);
    let back = plan(expected, live);
    assert!(
        there.is_empty() && back.is_empty(),
        "{what}: the database differs from the fixture:\n{}",
        serde_json::to_string_pretty(&there).unwrap()
    );
}

fn json(commands: &[Document]) -> String {
    serde_json::to_string_pretty(commands).unwrap()
}

async fn round_trip(case: &str) {
    let (from, to) = (schema(case, "from"), schema(case, "to"));
    let m = TestMongo::new(case).await;
    let db = m.db();
    apply(
        &db,
        "creating FROM",
        &plan(&MongoSchema::default(), &from).up(),
    )
    .await;
    let start = inspect(&db).await;
    assert_same("FROM", &start, &from);
    // Rename hints of the case, one `db.old=new` a line.
    let hints: Vec<String> = std::fs::read_to_string(format!(
        "{}/fixtures/mongo/{case}/renames.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .map(|t| t.lines().map(str::to_string).collect())
    .unwrap_or_default();
    let renames = rename_hints(&hints, &start, &to).unwrap();
    let step = plan_with(&start, &to, &renames);
    assert!(!step.is_empty(), "{case}: FROM and TO are the same");
    let up = step.up();
    let down = step
        .down()
        .expect("every step of these fixtures can be undone");
    apply(&db, "up", &up).await;
    let after = inspect(&db).await;
    assert_same("after up", &after, &to);
    assert!(
        plan(&after, &to).is_empty(),
        "{case}: a second plan is not empty"
    );
    apply(&db, "down", &down).await;
    assert_same("after down", &inspect(&db).await, &from);
    let steps: Vec<String> = step
        .steps
        .iter()
        .map(|s| {
            let hazards: Vec<&str> = s.hazards.iter().map(|h| h.id()).collect();
            format!(
                "{} {} [{}]{}",
                s.kind,
                s.object,
                hazards.join(", "),
                s.note
                    .as_ref()
                    .map(|n| format!(" -- {n}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    insta::with_settings!({
        snapshot_path => "../snapshots/mongo",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(
            case,
            format!("-- steps\n{}\n-- up\n{}\n-- down\n{}\n", steps.join("\n"), json(&up), json(&down))
        );
    });
    m.drop_db().await;
}

macro_rules! cases {
    ($($case:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $case() {
            round_trip(stringify!($case)).await;
        }
    )*};
}

cases!(
    created,
    dropped,
    indexes_changed,
    validators,
    views_changed,
    options_recreated,
    renamed
);
