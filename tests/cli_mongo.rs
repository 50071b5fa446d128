//! `dbridge` on MongoDB databases: introspection into snapshots.

#![cfg(feature = "mongodb")]

mod common;

use common::mongo::TestMongo;
use common::{assert_run, dbridge};
use data_bridge::diff::mongo::snapshot;
use data_bridge::diff::snapshot::Format;
use mongodb::bson::{doc, Document};
use mongodb::IndexModel;

/// Collections with each option, a validator, views and each index kind SecantusDB builds
/// (it refuses text and hashed indexes).
async fn sample(db: &mongodb::Database) {
    let create = |name: &str, options: Document| {
        let mut command = doc! {"create": name};
        command.extend(options);
        db.run_command(command)
    };
    create(
        "users",
        doc! {
            "validator": {"$jsonSchema": {"bsonType": "object", "required": ["email"],
                          "properties": {"email": {"bsonType": "string"}}}},
            "validationLevel": "moderate",
            "validationAction": "warn",
        },
    )
    .await
    .unwrap();
    create(
        "logs",
        doc! {"capped": true, "size": 1_048_576, "max": 1000},
    )
    .await
    .unwrap();
    create(
        "metrics",
        doc! {"timeseries": {"timeField": "ts", "metaField": "m", "granularity": "minutes"},
        "expireAfterSeconds": 3600},
    )
    .await
    .unwrap();
    create(
        "events",
        doc! {"clusteredIndex": {"key": {"_id": 1}, "unique": true},
        "changeStreamPreAndPostImages": {"enabled": true}},
    )
    .await
    .unwrap();
    create("tags", doc! {"collation": {"locale": "en", "strength": 2}})
        .await
        .unwrap();
    create(
        "active_users",
        doc! {"viewOn": "users", "pipeline": [{"$match": {"active": true}}, {"$sort": {"z": 1, "a": -1}}]},
    )
    .await
    .unwrap();
    create("_dbridge_migrations", doc! {}).await.unwrap();
    let users = db.collection::<Document>("users");
    let index = |keys: Document, options: Document| {
        IndexModel::builder()
            .keys(keys)
            .options(Some(mongodb::bson::from_document(options).unwrap()))
            .build()
    };
    for model in [
        index(doc! {"email": 1}, doc! {"unique": true, "name": "email_1"}),
        index(
            doc! {"b": -1, "a": 1},
            doc! {"sparse": true, "partialFilterExpression": {"a": {"$gt": 5}}},
        ),
        index(doc! {"loc": "2dsphere"}, doc! {}),
        index(doc! {"created": 1}, doc! {"expireAfterSeconds": 60}),
        index(doc! {"$**": 1}, doc! {"wildcardProjection": {"secret": 0}}),
        index(doc! {"h": 1}, doc! {"hidden": true}),
        index(doc! {"name": 1}, doc! {"collation": {"locale": "fr"}}),
    ] {
        users.create_index(model).await.unwrap();
    }
}

#[tokio::test]
async fn inspect_writes_every_option_and_index_and_reads_back_the_same() {
    let m = TestMongo::new("inspect").await;
    sample(&m.db()).await;
    let dir = tempfile::tempdir().unwrap();
    let url = m.url();
    let json = dbridge(dir.path(), &["inspect", "--url", &url, "--format", "json"]);
    assert_run("mongo_inspect_json", &json, &[]);
    let toml = dbridge(dir.path(), &["inspect", "--url", &url, "--format", "toml"]);
    assert_eq!(toml.code, 0, "{}", toml.stderr);
    // Both files read back as the live database reads.
    let live = data_bridge::engine::mongo::inspect(&m.db()).await.unwrap();
    assert_eq!(
        snapshot::read(&json.stdout, Format::Json, "s.json").unwrap(),
        live
    );
    assert_eq!(
        snapshot::read(&toml.stdout, Format::Toml, "s.toml").unwrap(),
        live
    );
    // The runner's history and the server's own collections are not part of a schema.
    assert!(live.collection("_dbridge_migrations").is_none());
    assert!(!json.stdout.contains("system."));
    // --json is the JSON snapshot; there is no SQL form.
    let flagged = dbridge(dir.path(), &["--json", "inspect", "--url", &url]);
    assert_eq!(flagged.stdout, json.stdout);
    let sql = dbridge(dir.path(), &["inspect", "--url", &url, "--format", "sql"]);
    assert_run("mongo_inspect_sql", &sql, &[]);
    m.drop_db().await;
}

#[tokio::test]
async fn a_url_without_a_database_is_refused_without_its_password() {
    let m = TestMongo::new("nodb").await;
    let dir = tempfile::tempdir().unwrap();
    let base = m.url().rsplit_once('/').unwrap().0.to_string();
    let with_password = base.replace("mongodb://", "mongodb://user:hunter2@");
    let run = dbridge(dir.path(), &["inspect", "--url", &with_password]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("names no database"), "{}", run.stderr);
    assert!(!run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"));
}

#[tokio::test]
async fn diff_prints_the_commands_that_turn_a_database_into_a_schema_file() {
    let m = TestMongo::new("diff").await;
    let db = m.db();
    db.run_command(doc! {"create": "users"}).await.unwrap();
    db.run_command(doc! {"create": "old_logs"}).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let desired = dir.path().join("schema.toml");
    std::fs::write(
        &desired,
        r#"format = 2
engine = "mongodb"

[[collections]]
name = "users"
validator = { rule = { "$jsonSchema" = { required = ["email"] } } }
indexes = [{ name = "email_1", keys = [{ field = "email", order = 1 }], unique = true }]

[[views]]
name = "with_email"
viewOn = "users"
pipeline = [{ "$match" = { email = { "$exists" = true } } }]
"#,
    )
    .unwrap();
    let (url, to) = (m.url(), desired.display().to_string());
    let up = dbridge(dir.path(), &["diff", "--from", &url, "--to", &to]);
    assert_run("mongo_diff_up", &up, &[]);
    let steps = dbridge(
        dir.path(),
        &["diff", "--from", &url, "--to", &to, "--format", "json"],
    );
    assert_run("mongo_diff_steps", &steps, &[]);
    let down = dbridge(dir.path(), &["diff", "--from", &url, "--to", &to, "--down"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    // Running the printed commands in order reaches the file; then nothing differs.
    let commands: Vec<Document> = serde_json::from_str(&up.stdout).unwrap();
    for command in commands {
        db.run_command(command).await.unwrap();
    }
    let again = dbridge(
        dir.path(),
        &["diff", "--from", &url, "--to", &to, "--exit-code"],
    );
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, "[]\n"),
        "{}",
        again.stderr
    );
    // And the way back returns to the start.
    let back: Vec<Document> = serde_json::from_str(&down.stdout).unwrap();
    for command in back {
        db.run_command(command).await.unwrap();
    }
    let live = data_bridge::engine::mongo::inspect(&db).await.unwrap();
    let names: Vec<&str> = live.collections.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["old_logs", "users"]);
    assert!(live.views.is_empty() && live.collections[1].indexes.is_empty());
    // Differences make --exit-code exit 2; the two engines do not mix.
    let differs = dbridge(
        dir.path(),
        &["diff", "--from", &url, "--to", &to, "--exit-code"],
    );
    assert_eq!(differs.code, 2);
    let mixed = dbridge(
        dir.path(),
        &["diff", "--from", "postgres://u:pw@h/db", "--to", &to],
    );
    assert_run("mongo_diff_mixed", &mixed, &[]);
    m.drop_db().await;
}
