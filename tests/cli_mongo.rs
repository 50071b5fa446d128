//! `dbridge` on MongoDB databases: introspection into snapshots.

#![cfg(feature = "mongodb")]

mod common;

use common::mongo::TestMongo;
use common::{assert_run, assert_run_matching, dbridge, CLOCK};
use data_bridge::diff::mongo::snapshot;
use data_bridge::diff::snapshot::Format;
use mongodb::bson::{doc, Document};
use mongodb::IndexModel;

/// The clock's versions and times, and durations in milliseconds.
const CLOCK_AND_MS: &[(&str, &str)] = &[(CLOCK[1].0, CLOCK[1].1), (r"\(\d+ ms\)", "([MS])")];

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
    // Existing documents: counted in the steps' notes (one of them fails the new validator).
    db.collection::<Document>("users")
        .insert_many([doc! {"email": "a@x"}, doc! {"name": "no email"}])
        .await
        .unwrap();
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

/// A project whose target is `url` and whose schema source is `schema.toml`.
fn configure(dir: &std::path::Path, url: &str) {
    let config = format!("[database]\nurl = \"{url}\"\n\n[schema]\nsource = \"schema.toml\"\n");
    std::fs::write(dir.join("dbridge.toml"), config).unwrap();
}

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// A migrations directory of three MongoDB migrations, hashed.
fn migrations(dir: &std::path::Path) {
    let m = dir.join("migrations");
    std::fs::create_dir_all(&m).unwrap();
    write(
        &m,
        "20260101000001_users.up.json",
        r#"[{"comment": "the users"},
            {"create": "users", "validator": {"$jsonSchema": {"required": ["email"]}}},
            {"createIndexes": "users", "indexes": [{"key": {"email": 1}, "name": "email_1", "unique": true}]}]"#,
    );
    write(
        &m,
        "20260101000001_users.down.json",
        r#"[{"drop": "users"}]"#,
    );
    write(
        &m,
        "20260101000002_events.up.json",
        r#"[{"create": "events"}, {"insert": "events", "documents": [{"n": 1}]}]"#,
    );
    write(
        &m,
        "20260101000002_events.down.json",
        r#"[{"drop": "events"}]"#,
    );
    let hashed = dbridge(dir, &["migrate", "hash"]);
    assert_eq!(hashed.code, 0, "{}", hashed.stderr);
}

#[tokio::test]
async fn migrations_of_commands_go_up_and_down_with_history_and_status() {
    let m = TestMongo::new("migrate").await;
    let dir = tempfile::tempdir().unwrap();
    migrations(dir.path());
    let url = m.url();
    let up = dbridge(dir.path(), &["--url", &url, "migrate", "up"]);
    assert_run_matching("mongo_migrate_up", &up, &[], CLOCK_AND_MS);
    let status = dbridge(dir.path(), &["--url", &url, "migrate", "status"]);
    assert_run_matching("mongo_migrate_status", &status, &[], CLOCK_AND_MS);
    let live = data_bridge::engine::mongo::inspect(&m.db()).await.unwrap();
    assert!(live
        .collection("users")
        .is_some_and(|c| c.indexes.len() == 1));
    assert!(live.collection("_dbridge_migrations").is_none());
    // Up again: nothing to do; the data command ran once.
    let again = dbridge(dir.path(), &["--url", &url, "migrate", "up"]);
    assert_eq!(
        (again.code, again.stdout.trim()),
        (0, "up to date"),
        "{}",
        again.stderr
    );
    let events = m.db().collection::<Document>("events");
    assert_eq!(events.count_documents(doc! {}).await.unwrap(), 1);
    let down = dbridge(dir.path(), &["--url", &url, "migrate", "down"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    let live = data_bridge::engine::mongo::inspect(&m.db()).await.unwrap();
    assert!(live.collection("events").is_none() && live.collection("users").is_some());
    let verify = dbridge(dir.path(), &["--url", &url, "migrate", "verify"]);
    assert_eq!(verify.code, 0, "{}", verify.stderr);
    m.drop_db().await;
}

#[tokio::test]
async fn concurrent_runners_apply_each_migration_once_and_a_stale_lock_is_taken_over() {
    let m = TestMongo::new("concurrent").await;
    let dir = tempfile::tempdir().unwrap();
    migrations(dir.path());
    // A lock left by a runner that was killed: expired, so the next runner takes it.
    let lock = m.db().collection::<Document>("_dbridge_migrations_lock");
    let past = mongodb::bson::DateTime::from_millis(0);
    lock.insert_one(doc! {"_id": "lock", "owner": "killed", "expires": past})
        .await
        .unwrap();
    let url = m.url();
    let runners: Vec<_> = (0..8)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"))
                .args(["--url", &url, "migrate", "up"])
                .current_dir(dir.path())
                .env_remove("DATABASE_URL")
                .output()
        })
        .collect();
    for out in runners {
        let out = out.unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let events = m.db().collection::<Document>("events");
    assert_eq!(events.count_documents(doc! {}).await.unwrap(), 1);
    let history = m.db().collection::<Document>("_dbridge_migrations");
    assert_eq!(history.count_documents(doc! {}).await.unwrap(), 2);
    assert_eq!(lock.count_documents(doc! {}).await.unwrap(), 0);
    m.drop_db().await;
}

#[tokio::test]
async fn a_failing_command_names_its_file_and_position_and_blocks_the_next_run() {
    let m = TestMongo::new("failing").await;
    let dir = tempfile::tempdir().unwrap();
    let mig = dir.path().join("migrations");
    std::fs::create_dir_all(&mig).unwrap();
    write(
        &mig,
        "20260101000001_bad.up.json",
        r#"[{"create": "a"}, {"collMod": "no_such_collection", "validator": {}}, {"create": "b"}]"#,
    );
    write(&mig, "20260101000002_broken.up.json", r#"{"create": "c"}"#);
    assert_eq!(dbridge(dir.path(), &["migrate", "hash"]).code, 0);
    let url = m.url();
    // A file that is not an array of commands is refused before anything runs.
    let refused = dbridge(dir.path(), &["--url", &url, "migrate", "up"]);
    assert_run_matching("mongo_migrate_not_an_array", &refused, &[], CLOCK_AND_MS);
    let names = m.db().list_collection_names().await.unwrap();
    assert!(names.iter().all(|n| n.starts_with("_dbridge")), "{names:?}");
    std::fs::remove_file(mig.join("20260101000002_broken.up.json")).unwrap();
    assert_eq!(dbridge(dir.path(), &["migrate", "hash"]).code, 0);
    let failed = dbridge(dir.path(), &["--url", &url, "migrate", "up"]);
    assert_eq!(failed.code, 1);
    assert!(
        failed
            .stderr
            .contains("20260101000001_bad.up.json: command 1 (collMod) failed"),
        "{}",
        failed.stderr
    );
    let blocked = dbridge(dir.path(), &["--url", &url, "migrate", "up"]);
    assert_run_matching("mongo_migrate_blocked", &blocked, &[], CLOCK_AND_MS);
    m.drop_db().await;
}

#[tokio::test]
async fn autogenerate_writes_proven_migrations_that_migrate_up_runs() {
    let m = TestMongo::new("autogen").await;
    let dir = tempfile::tempdir().unwrap();
    let url = m.url();
    configure(dir.path(), &url);
    let schema = |extra: &str| {
        format!(
            r#"format = 2
engine = "mongodb"

[[collections]]
name = "users"
validator = {{ rule = {{ "$jsonSchema" = {{ required = ["email"] }} }} }}
indexes = [{{ name = "email_1", keys = [{{ field = "email", order = 1 }}], unique = true }}]
{extra}"#
        )
    };
    std::fs::write(dir.path().join("schema.toml"), schema("")).unwrap();
    let first = dbridge(dir.path(), &["autogenerate", "-m", "users"]);
    assert_run_matching(
        "mongo_autogenerate_first",
        &first,
        &[],
        &[(r"\d{14}", "[VERSION]")],
    );
    let files: Vec<String> = std::fs::read_dir(dir.path().join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    let up = dbridge(dir.path(), &["migrate", "up"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let again = dbridge(dir.path(), &["autogenerate", "-m", "again"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.starts_with("no changes"), "{}", again.stdout);
    // A dropped collection loses data: refused unless asked for.
    std::fs::write(
        dir.path().join("schema.toml"),
        "format = 2\nengine = \"mongodb\"\n",
    )
    .unwrap();
    let refused = dbridge(dir.path(), &["autogenerate", "-m", "drop_users"]);
    assert_run("mongo_autogenerate_refused", &refused, &[]);
    let check = dbridge(dir.path(), &["autogenerate", "--check"]);
    assert_eq!(check.code, 2, "{}", check.stderr);
    let dropped = dbridge(
        dir.path(),
        &["autogenerate", "-m", "drop_users", "--allow-destructive"],
    );
    assert_eq!(dropped.code, 0, "{}", dropped.stderr);
    let down = dbridge(dir.path(), &["migrate", "up"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert!(m
        .db()
        .list_collection_names()
        .await
        .unwrap()
        .iter()
        .all(|n| n.starts_with("_dbridge")));
    // No scratch database is left behind.
    let names = m.client.list_database_names().await.unwrap();
    assert!(
        !names.iter().any(|n| n.starts_with("dbridge_scratch_")),
        "{names:?}"
    );
    m.drop_db().await;
}

/// `dbridge review -m NAME` in a pseudo-terminal: each step is answered with what
/// `answers(step)` says (to "Include this change?", then to the data-loss question). Returns
/// the steps asked about, and the session to read the rest of the output from.
fn review(
    dir: &std::path::Path,
    name: &str,
    answers: impl Fn(&str) -> &'static [&'static str],
) -> (Vec<String>, expectrl::Session) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"));
    cmd.args(["review", "-m", name])
        .current_dir(dir)
        .env_remove("DATABASE_URL");
    let mut s = expectrl::Session::spawn(cmd).expect("spawn dbridge in a pty");
    s.set_expect_timeout(Some(std::time::Duration::from_secs(60)));
    let mut seen = Vec::new();
    loop {
        let found = s
            .expect(expectrl::Regex(r"\[(\d)/(\d)\] ([^\r\n]+)"))
            .expect("a step");
        let text = |i: usize| String::from_utf8_lossy(found.get(i).unwrap()).into_owned();
        let (at, total, step) = (text(1), text(2), text(3));
        let prompts = ["Include this change?", "loses data. Include it anyway?"];
        for (prompt, answer) in prompts.iter().zip(answers(&step)) {
            s.expect(*prompt).unwrap();
            s.send(answer).unwrap();
        }
        seen.push(step);
        if at == total {
            return (seen, s);
        }
    }
}

/// `dbridge review` of a MongoDB schema, through a pseudo-terminal: a step kept, a step
/// skipped, a step that loses data declined on the second question; the kept step is proven
/// and written, the others stay pending.
#[tokio::test]
async fn review_asks_about_each_step_of_a_mongodb_plan() {
    let m = TestMongo::new("review").await;
    let dir = tempfile::tempdir().unwrap();
    let url = m.url();
    configure(dir.path(), &url);
    let users = r#"[[collections]]
name = "users"
"#;
    let index = r#"indexes = [{ name = "email_1", keys = [{ field = "email", order = 1 }] }]
"#;
    let schema = |text: String| {
        let full = format!("format = 2\nengine = \"mongodb\"\n\n{text}");
        std::fs::write(dir.path().join("schema.toml"), full).unwrap();
    };
    schema(format!(
        "{users}{index}\n[[collections]]\nname = \"logs\"\n"
    ));
    let init = dbridge(dir.path(), &["autogenerate", "-m", "init"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let up = dbridge(dir.path(), &["migrate", "up"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    // Then: the index dropped, logs dropped, posts created.
    schema(format!("{users}\n[[collections]]\nname = \"posts\"\n"));
    // posts kept; the index skipped; logs kept, then declined when asked about its data.
    let (mut seen, mut s) = review(dir.path(), "reviewed", |step| {
        match (step.contains("posts"), step.contains("logs")) {
            (true, _) => &["y"],
            (_, true) => &["y", "n"],
            _ => &["n"],
        }
    });
    seen.sort();
    assert_eq!(
        seen,
        [
            "create collection posts",
            "drop collection logs",
            "drop index users.email_1"
        ]
    );
    s.expect("_reviewed.up.json")
        .expect("the migration is written");
    s.expect(expectrl::Eof).unwrap();
    let up = dbridge(dir.path(), &["migrate", "up"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let names = m.db().list_collection_names().await.unwrap();
    assert!(
        names.contains(&"posts".to_string()) && names.contains(&"logs".to_string()),
        "{names:?}"
    );
    let indexes = m
        .db()
        .collection::<Document>("users")
        .list_index_names()
        .await
        .unwrap();
    assert!(indexes.contains(&"email_1".to_string()), "{indexes:?}");
    // What was left out is still pending.
    let check = dbridge(dir.path(), &["autogenerate", "--check"]);
    assert_eq!(check.code, 2, "{}", check.stderr);
    assert!(
        check.stdout.contains("email_1") && check.stdout.contains("logs"),
        "{}",
        check.stdout
    );
    assert!(!check.stdout.contains("posts"), "{}", check.stdout);
    // A kept step that needs one left out (an index on a collection not created) fails its
    // proof, and nothing is written.
    schema(format!(
        "{users}\n[[collections]]\nname = \"posts\"\n\n[[collections]]\nname = \"tags\"\n\
         indexes = [{{ name = \"name_1\", keys = [{{ field = \"name\", order = 1 }}] }}]\n"
    ));
    let before = std::fs::read_dir(dir.path().join("migrations"))
        .unwrap()
        .count();
    let (_, mut s) = review(dir.path(), "partial", |step| {
        match step.contains("name_1") {
            true => &["y"],
            false => &["n"],
        }
    });
    s.expect("but for the steps left out")
        .expect("the proof fails");
    s.expect("instead of the steps left out:")
        .expect("the proof says what differs");
    s.expect("create collection tags").unwrap();
    s.expect(expectrl::Eof).unwrap();
    let after = std::fs::read_dir(dir.path().join("migrations"))
        .unwrap()
        .count();
    assert_eq!(after, before, "no migration is written");
    // Without a terminal, review never prompts.
    let r = dbridge(dir.path(), &["review", "-m", "x"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("stdin is not a terminal"), "{}", r.stderr);
    m.drop_db().await;
}

/// A collection `items` whose validator wants `qty` to be an int.
async fn items_with_an_int_qty(db: &mongodb::Database) -> mongodb::Collection<Document> {
    db.run_command(doc! {"create": "items", "validator": {"$jsonSchema": {"properties": {"qty": {"bsonType": "int"}}}}})
        .await
        .unwrap();
    db.collection::<Document>("items")
}

#[tokio::test]
async fn upsert_inserts_updates_and_leaves_unchanged_documents_all_or_nothing() {
    let m = TestMongo::new("upsert").await;
    let items = items_with_an_int_qty(&m.db()).await;
    items
        .insert_many([doc! {"sku": "a", "qty": 1}, doc! {"sku": "b", "qty": 5}])
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "in.ndjson",
        "{\"sku\": \"a\", \"qty\": 2}\n{\"sku\": \"b\", \"qty\": 5}\n{\"sku\": \"c\", \"qty\": 1, \"at\": {\"$date\": \"2024-01-02T03:04:05Z\"}}\n{\"sku\": \"c\", \"qty\": 3}\n",
    );
    let url = m.url();
    let run = dbridge(
        dir.path(),
        &[
            "--url",
            &url,
            "upsert",
            "items",
            "--input",
            "in.ndjson",
            "--on",
            "sku",
        ],
    );
    assert_run_matching(
        "mongo_upsert",
        &run,
        &[],
        &[(r"in \d+\.\d+ s \(\d+ rows/s\)", "in [TIME]")],
    );
    let c = items.find_one(doc! {"sku": "c"}).await.unwrap().unwrap();
    assert_eq!(c.get_i32("qty").unwrap(), 3);
    // A document the validator rejects in the middle: nothing is written, the row is named.
    write(
        dir.path(),
        "bad.json",
        r#"[{"sku": "d", "qty": 1}, {"sku": "e", "qty": "many"}]"#,
    );
    let bad = dbridge(
        dir.path(),
        &[
            "--url", &url, "upsert", "items", "--input", "bad.json", "--on", "sku",
        ],
    );
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("bad.json: row 2") && bad.stderr.contains("validator rejects"),
        "{}",
        bad.stderr
    );
    assert!(bad.stderr.contains("nothing was written"), "{}", bad.stderr);
    assert_eq!(items.count_documents(doc! {"sku": "d"}).await.unwrap(), 0);
    // CSV, with --do-nothing: existing documents are left alone.
    write(dir.path(), "in.csv", "sku,name,qty\na,renamed,9\nz,new,7\n");
    let csv = dbridge(
        dir.path(),
        &[
            "--url",
            &url,
            "--json",
            "upsert",
            "items",
            "--input",
            "in.csv",
            "--on",
            "sku",
            "--do-nothing",
        ],
    );
    let summary: serde_json::Value = serde_json::from_str(&csv.stdout).unwrap();
    assert_eq!(
        (summary["inserted"].as_u64(), summary["unchanged"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(items
        .find_one(doc! {"sku": "a"})
        .await
        .unwrap()
        .unwrap()
        .get("name")
        .is_none());
    // CSV values take the types the validator gives their fields.
    let z = items.find_one(doc! {"sku": "z"}).await.unwrap().unwrap();
    assert_eq!(z.get("qty"), Some(&mongodb::bson::Bson::Int32(7)));
    m.drop_db().await;
}

#[tokio::test]
async fn fetch_loads_declared_references_with_one_lookup_per_level() {
    let m = TestMongo::new("fetch").await;
    let db = m.db();
    let users = db.collection::<Document>("users");
    users
        .insert_many([
            doc! {"_id": 1, "name": "Ann"},
            doc! {"_id": 2, "name": "Bob"},
        ])
        .await
        .unwrap();
    db.collection::<Document>("posts")
        .insert_many([
            doc! {"_id": 10, "author_id": 1, "title": "a"},
            doc! {"_id": 11, "author_id": 1, "title": "b"},
            doc! {"_id": 12, "author_id": 9, "title": "orphan"},
        ])
        .await
        .unwrap();
    db.collection::<Document>("comments")
        .insert_many([doc! {"_id": 100, "post_id": 10, "body": "hi"}])
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("schema.toml"),
        r#"format = 2
engine = "mongodb"
references = [
  { from = "posts", field = "author_id", to = "users" },
  { from = "comments", field = "post_id", to = "posts" },
]
"#,
    )
    .unwrap();
    let url = m.url();
    configure(dir.path(), &url);
    let posts = dbridge(dir.path(), &["fetch", "posts", "--with", "author,comments"]);
    assert_run("mongo_fetch_posts", &posts, &[]);
    let nested = dbridge(
        dir.path(),
        &[
            "fetch",
            "users",
            "--with",
            "posts.comments",
            "--filter",
            "name=Ann",
        ],
    );
    let nested: serde_json::Value = serde_json::from_str(&nested.stdout).unwrap();
    assert_eq!(nested[0]["posts"][0]["comments"][0]["body"], "hi");
    assert_eq!(nested.as_array().unwrap().len(), 1);
    // Relaxed Extended JSON: one document a line, dates as ISO text.
    db.collection::<Document>("users")
        .update_one(
            doc! {"_id": 1},
            doc! {"$set": {"joined": mongodb::bson::DateTime::from_millis(86_400_000)}},
        )
        .await
        .unwrap();
    let relaxed = dbridge(
        dir.path(),
        &[
            "fetch",
            "users",
            "--filter",
            "_id=1",
            "--relaxed",
            "--format",
            "ndjson",
        ],
    );
    assert_eq!(
        relaxed.stdout,
        "{\"_id\":1,\"name\":\"Ann\",\"joined\":{\"$date\":\"1970-01-02T00:00:00Z\"}}\n",
        "{}",
        relaxed.stderr
    );
    let relations = dbridge(dir.path(), &["fetch", "posts", "--relations"]);
    assert_run("mongo_fetch_relations", &relations, &[]);
    let unknown = dbridge(dir.path(), &["fetch", "posts", "--with", "editor"]);
    assert_run("mongo_fetch_unknown_relation", &unknown, &[]);
    m.drop_db().await;
}

#[tokio::test]
async fn a_command_the_server_accepts_without_effect_is_never_recorded_as_applied() {
    let m = TestMongo::new("noeffect").await;
    let dir = tempfile::tempdir().unwrap();
    let mig = dir.path().join("migrations");
    std::fs::create_dir_all(&mig).unwrap();
    write(
        &mig,
        "20260101000001_hide.up.json",
        r#"[{"createIndexes": "u", "indexes": [{"key": {"h": 1}, "name": "h_1"}]},
            {"collMod": "u", "index": {"name": "h_1", "hidden": true}}]"#,
    );
    assert_eq!(dbridge(dir.path(), &["migrate", "hash"]).code, 0);
    let url = m.url();
    let run = dbridge(dir.path(), &["--url", &url, "migrate", "up"]);
    let indexes: Vec<Document> = {
        use futures_util::TryStreamExt;
        let cursor = m
            .db()
            .collection::<Document>("u")
            .list_indexes()
            .await
            .unwrap();
        cursor
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .into_iter()
            .map(|i| mongodb::bson::to_document(&i).unwrap())
            .collect()
    };
    let hidden = indexes
        .iter()
        .any(|i| i.get_str("name") == Ok("h_1") && i.get_bool("hidden") == Ok(true));
    // Either the server hid the index and the migration is applied, or it did not and the
    // run fails saying so (SecantusDB accepts the collMod and changes nothing).
    if hidden {
        assert_eq!(run.code, 0, "{}", run.stderr);
    } else {
        assert_eq!(run.code, 1);
        assert!(run.stderr.contains("command 1 (collMod) failed: the server accepted it but it did not take effect (index h_1: hidden is not set"), "{}", run.stderr);
        let status = dbridge(dir.path(), &["--url", &url, "migrate", "status"]);
        assert!(status.stdout.contains("FAILED"), "{}", status.stdout);
    }
    m.drop_db().await;
}

#[tokio::test]
async fn a_migration_that_can_run_in_a_transaction_is_all_or_nothing() {
    let m = TestMongo::new("txn").await;
    let dir = tempfile::tempdir().unwrap();
    let mig = dir.path().join("migrations");
    std::fs::create_dir_all(&mig).unwrap();
    write(
        &mig,
        "20260101000001_seed.up.json",
        r#"[{"create": "t"}, {"insert": "t", "documents": [{"_id": 1}, {"_id": 1}]}]"#,
    );
    assert_eq!(dbridge(dir.path(), &["migrate", "hash"]).code, 0);
    let url = m.url();
    let failed = dbridge(dir.path(), &["--url", &url, "migrate", "up"]);
    assert_eq!(failed.code, 1);
    assert!(
        failed
            .stderr
            .contains("command 1 (insert) failed: 1 of its writes failed"),
        "{}",
        failed.stderr
    );
    // Nothing of it is left, not even a record: the next run simply tries again.
    let names = m.db().list_collection_names().await.unwrap();
    assert!(!names.contains(&"t".to_string()), "{names:?}");
    let status = dbridge(dir.path(), &["--url", &url, "migrate", "status"]);
    assert!(status.stdout.contains("pending"), "{}", status.stdout);
    m.drop_db().await;
}

#[tokio::test]
async fn safe_stages_a_new_validator_as_warn_then_error_in_a_later_migration() {
    let m = TestMongo::new("safe").await;
    let dir = tempfile::tempdir().unwrap();
    let url = m.url();
    configure(dir.path(), &url);
    let write_schema = |validator: &str| {
        std::fs::write(
            dir.path().join("schema.toml"),
            format!("format = 2\nengine = \"mongodb\"\n\n[[collections]]\nname = \"people\"\n{validator}"),
        )
        .unwrap()
    };
    write_schema("");
    assert_eq!(
        dbridge(dir.path(), &["autogenerate", "-m", "people"]).code,
        0
    );
    assert_eq!(dbridge(dir.path(), &["migrate", "up"]).code, 0);
    write_schema("validator = { rule = { age = { \"$gte\" = 0 } } }\n");
    let staged = dbridge(dir.path(), &["--json", "autogenerate", "--check", "--safe"]);
    assert_eq!(staged.code, 2, "{}", staged.stderr);
    let plan: serde_json::Value = serde_json::from_str(&staged.stdout).unwrap();
    assert_eq!(plan["steps"][0]["up"][0]["validationAction"], "warn");
    assert!(plan["steps"][0]["note"]
        .as_str()
        .unwrap()
        .contains("staged by --safe"));
    assert_eq!(
        dbridge(dir.path(), &["autogenerate", "-m", "age_warn", "--safe"]).code,
        0
    );
    assert_eq!(dbridge(dir.path(), &["migrate", "up"]).code, 0);
    // The next migration switches it to error.
    let next = dbridge(dir.path(), &["--json", "autogenerate", "--check", "--safe"]);
    let plan: serde_json::Value = serde_json::from_str(&next.stdout).unwrap();
    assert_eq!(plan["steps"][0]["up"][0]["validationAction"], "error");
    m.drop_db().await;
}

#[tokio::test]
async fn lint_reports_the_hazards_of_command_files_at_their_commands() {
    let m = TestMongo::new("lint").await;
    let dir = tempfile::tempdir().unwrap();
    let mig = dir.path().join("migrations");
    std::fs::create_dir_all(&mig).unwrap();
    write(
        &mig,
        "20260101000001_safe.up.json",
        r#"[{"create": "a"}, {"createIndexes": "a", "indexes": [{"key": {"x": 1}, "name": "x_1"}]}]"#,
    );
    write(
        &mig,
        "20260101000002_risky.up.json",
        "[\n  {\"createIndexes\": \"users\", \"indexes\": [{\"key\": {\"email\": 1}, \"name\": \"email_1\", \"unique\": true}]},\n  {\"collMod\": \"users\", \"validator\": {\"email\": {\"$exists\": true}}},\n  {\"drop\": \"old\"}\n]\n",
    );
    assert_eq!(dbridge(dir.path(), &["migrate", "hash"]).code, 0);
    let url = m.url();
    let files = dbridge(
        dir.path(),
        &[
            "lint",
            "migrations/20260101000001_safe.up.json",
            "migrations/20260101000002_risky.up.json",
        ],
    );
    assert_run("mongo_lint", &files, &[]);
    // Without files: the migrations not applied yet (here, after the first is applied).
    std::fs::remove_file(mig.join("20260101000002_risky.up.json")).unwrap();
    assert_eq!(dbridge(dir.path(), &["migrate", "hash"]).code, 0);
    assert_eq!(
        dbridge(dir.path(), &["--url", &url, "migrate", "up"]).code,
        0
    );
    let none = dbridge(dir.path(), &["--url", &url, "lint"]);
    assert_eq!(
        (none.code, none.stderr.trim()),
        (0, "0 file(s) checked, 0 finding(s), 0 at or above warning")
    );
    m.drop_db().await;
}

/// A server without transactions: an upsert needs `--commit-every`, then writes each chunk's
/// batches several at once, and a rejected document names its row and where to resume.
#[tokio::test]
async fn upsert_without_transactions_commits_chunks_of_concurrent_batches() {
    let m = TestMongo::standalone("upsert_standalone").await;
    let items = items_with_an_int_qty(&m.db()).await;
    // An index on the key, or each upsert scans the collection.
    items
        .create_index(mongodb::IndexModel::builder().keys(doc! {"sku": 1}).build())
        .await
        .unwrap();
    items
        .insert_many((0..1_500).map(|i| doc! {"sku": i, "qty": 0}))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // 4,500 rows: 1,500 existing (500 of them unchanged), 3,000 new; five batches of 1,000 at
    // most in each chunk of 2,500.
    let lines: String = (0..4_500)
        .map(|i| {
            format!(
                "{{\"sku\": {i}, \"qty\": {}}}\n",
                if i < 500 { 0 } else { i }
            )
        })
        .collect();
    write(dir.path(), "in.ndjson", &lines);
    let url = m.url();
    let upsert = |file: &str, extra: &[&str]| {
        let mut args = vec!["--url", &url, "--json", "upsert", "items", "--input", file];
        args.extend(["--on", "sku"]);
        args.extend(extra);
        dbridge(dir.path(), &args)
    };
    let refused = upsert("in.ndjson", &[]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("does not support transactions")
            && refused.stderr.contains("--commit-every"),
        "{}",
        refused.stderr
    );
    assert_eq!(items.count_documents(doc! {}).await.unwrap(), 1_500);
    let run = upsert("in.ndjson", &["--commit-every", "2500"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (
            summary["inserted"].as_u64(),
            summary["updated"].as_u64(),
            summary["unchanged"].as_u64()
        ),
        (Some(3_000), Some(1_000), Some(500)),
        "{summary}"
    );
    assert_eq!(items.count_documents(doc! {}).await.unwrap(), 4_500);
    let last = items.find_one(doc! {"sku": 4_499}).await.unwrap().unwrap();
    assert_eq!(last.get_i32("qty").unwrap(), 4_499);
    // Rows 3,200 and 4,800 are refused (in different batches of the second chunk): the first
    // chunk is committed, the earliest refused row is named.
    let lines: String = (0..5_000)
        .map(|i| match i {
            3_199 | 4_799 => format!("{{\"sku\": {i}, \"qty\": \"many\"}}\n"),
            _ => format!("{{\"sku\": {i}, \"qty\": 1}}\n"),
        })
        .collect();
    write(dir.path(), "bad.ndjson", &lines);
    let bad = upsert("bad.ndjson", &["--commit-every", "2500"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("bad.ndjson: row 3200")
            && bad.stderr.contains("validator rejects")
            && bad.stderr.contains("--skip 2500"),
        "{}",
        bad.stderr
    );
    assert_eq!(
        items.count_documents(doc! {"qty": 1}).await.unwrap(),
        2_500 + 2_500 - 2,
        "every other document of both chunks is written"
    );
    m.drop_db().await;
}

#[tokio::test]
async fn upsert_shows_its_progress_on_a_terminal() {
    let m = TestMongo::new("progress").await;
    let dir = tempfile::tempdir().unwrap();
    let docs: String = (1..=3_000)
        .map(|i| format!("{{\"sku\":\"k{i}\",\"n\":{i}}}\n"))
        .collect();
    write(dir.path(), "big.ndjson", &docs);
    // An index on the key, or each upsert scans the collection.
    let index = IndexModel::builder().keys(doc! {"sku": 1}).build();
    m.db()
        .collection::<Document>("items")
        .create_index(index)
        .await
        .unwrap();
    let url = m.url();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"));
    cmd.args([
        "--url",
        &url,
        "upsert",
        "items",
        "--input",
        "big.ndjson",
        "--on",
        "sku",
    ])
    .current_dir(dir.path())
    .env_remove("DATABASE_URL");
    let mut s = expectrl::Session::spawn(cmd).expect("spawn dbridge in a pty");
    s.set_expect_timeout(Some(std::time::Duration::from_secs(120)));
    s.expect(expectrl::Regex(r"\d+ documents, \d+ documents/s"))
        .expect("a progress bar with documents and documents/s");
    s.expect("items: 3000 rows: 3000 inserted")
        .expect("the summary");
    s.expect(expectrl::Eof).unwrap();
    m.drop_db().await;
}

#[tokio::test]
async fn the_readme_schema_file_example_reads_and_creates_on_a_server() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("```toml\nformat = 2\nengine = \"mongodb\"")
        .expect("the example")
        + 8;
    let end = start + readme[start..].find("```").unwrap();
    let schema = snapshot::read(&readme[start..end], Format::Toml, "README.md").unwrap();
    assert_eq!(schema.references.len(), 1);
    let m = TestMongo::new("readme").await;
    for command in data_bridge::diff::mongo::plan(&Default::default(), &schema).up() {
        data_bridge::engine::mongo::run_checked(&m.db(), command)
            .await
            .unwrap();
    }
    let live = data_bridge::engine::mongo::inspect(&m.db()).await.unwrap();
    assert!(data_bridge::diff::mongo::plan(&live, &schema).is_empty());
    m.drop_db().await;
}

#[tokio::test]
async fn an_edited_applied_migration_is_refused_and_baseline_redo_work() {
    let m = TestMongo::new("edited").await;
    let dir = tempfile::tempdir().unwrap();
    migrations(dir.path());
    let url = m.url();
    // baseline marks the first as applied without running it; redo runs the last down and up.
    let baseline = dbridge(
        dir.path(),
        &["--url", &url, "migrate", "baseline", "20260101000001"],
    );
    assert_eq!(baseline.code, 0, "{}", baseline.stderr);
    assert!(m
        .db()
        .list_collection_names()
        .await
        .unwrap()
        .iter()
        .all(|n| n != "users"));
    assert_eq!(
        dbridge(dir.path(), &["--url", &url, "migrate", "up"]).code,
        0
    );
    let redo = dbridge(dir.path(), &["--url", &url, "migrate", "redo"]);
    assert_eq!(redo.code, 0, "{}", redo.stderr);
    let events = m.db().collection::<Document>("events");
    assert_eq!(events.count_documents(doc! {}).await.unwrap(), 1);
    // An applied file edited (and re-hashed): refused before anything runs.
    let file = dir.path().join("migrations/20260101000002_events.up.json");
    std::fs::write(
        &file,
        r#"[{"create": "events"}, {"insert": "events", "documents": [{"n": 2}]}]"#,
    )
    .unwrap();
    assert_eq!(dbridge(dir.path(), &["migrate", "hash"]).code, 0);
    let refused = dbridge(dir.path(), &["--url", &url, "migrate", "up"]);
    assert_run("mongo_migrate_edited", &refused, &[]);
    m.drop_db().await;
}

#[tokio::test]
async fn bench_runs_the_upsert_and_fetch_suites_next_to_their_references() {
    let m = TestMongo::new("bench").await;
    let dir = tempfile::tempdir().unwrap();
    let url = m.url();
    let run = dbridge(
        dir.path(),
        &["--url", &url, "--json", "bench", "--rows", "400"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let figures: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let suites: Vec<&str> = figures
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["suite"].as_str().unwrap())
        .collect();
    assert_eq!(suites, ["upsert", "fetch"]);
    for f in figures.as_array().unwrap() {
        assert!(f["value"].as_f64().unwrap() > 0.0 && f["reference_value"].as_f64().unwrap() > 0.0);
    }
    // The scratch collections are gone.
    let names = m.db().list_collection_names().await.unwrap();
    assert!(
        names.iter().all(|n| !n.starts_with("dbridge_bench_")),
        "{names:?}"
    );
    let schema = dbridge(dir.path(), &["--url", &url, "bench", "--suite", "schema"]);
    assert_eq!(schema.code, 1);
    m.drop_db().await;
}

#[tokio::test]
async fn a_killed_runner_leaves_a_record_that_blocks_the_rerun_once_its_lock_expires() {
    let m = TestMongo::new("killed").await;
    let dir = tempfile::tempdir().unwrap();
    let mig = dir.path().join("migrations");
    std::fs::create_dir_all(&mig).unwrap();
    // Outside a transaction (a collMod at the end), and long: one insert per command.
    let mut commands = vec![r#"{"create": "slow"}"#.to_string()];
    commands.extend(
        (0..3_000).map(|i| format!(r#"{{"insert": "slow", "documents": [{{"n": {i}}}]}}"#)),
    );
    commands.push(r#"{"collMod": "slow", "validator": {"n": {"$gte": 0}}}"#.into());
    write(
        &mig,
        "20260101000001_slow.up.json",
        &format!("[{}]", commands.join(",\n")),
    );
    assert_eq!(dbridge(dir.path(), &["migrate", "hash"]).code, 0);
    let url = m.url();
    let mut runner = std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"))
        .args(["--url", &url, "migrate", "up"])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .spawn()
        .unwrap();
    let slow = m.db().collection::<Document>("slow");
    let started = std::time::Instant::now();
    while slow.count_documents(doc! {}).await.unwrap_or(0) < 10 {
        assert!(
            started.elapsed().as_secs() < 60,
            "the migration did not start"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    runner.kill().unwrap(); // SIGKILL
    runner.wait().unwrap();
    // The server may still finish the insert it was sent just before the kill: wait until
    // the count holds still.
    let mut written = slow.count_documents(doc! {}).await.unwrap();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let now = slow.count_documents(doc! {}).await.unwrap();
        if now == written {
            break;
        }
        written = now;
    }
    assert!(written < 3_000, "the runner finished before it was killed");
    // The rerun waits for the killed runner's lock to expire, then refuses to run the
    // commands a second time.
    let rerun = dbridge(dir.path(), &["--url", &url, "migrate", "up"]);
    assert_eq!(rerun.code, 1);
    assert!(rerun.stderr.contains("was interrupted"), "{}", rerun.stderr);
    assert_eq!(slow.count_documents(doc! {}).await.unwrap(), written);
    let status = dbridge(dir.path(), &["--url", &url, "migrate", "status"]);
    assert!(status.stdout.contains("INTERRUPTED"), "{}", status.stdout);
    m.drop_db().await;
}
