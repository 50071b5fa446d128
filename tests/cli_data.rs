//! `dbridge upsert` and `dbridge fetch` through the binary, against a real server.

mod common;

use common::{assert_run_matching, dbridge, dbridge_stdin, Run, TestDb};
use serde_json::{json, Value};
use sqlx::Row;

const TYPES: &str = "
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE everything (
    id int PRIMARY KEY,
    small smallint, big bigint, exact numeric, ratio real, dbl double precision,
    flag boolean, label text, code varchar(5),
    day date, clock time, stamp timestamp, stamptz timestamptz, span interval,
    uid uuid, doc json, docb jsonb, nums int[], words text[], feeling mood, raw bytea, addr inet
);
CREATE TABLE everything_copy (LIKE everything INCLUDING ALL);";

/// One row of every supported type, as NDJSON input.
const ROW: &str = r#"{"id":1,"small":32767,"big":9007199254740993,"exact":12345678901234567890.123456789,"ratio":1.5,"dbl":0.1,"flag":true,"label":"tab\there \"quoted\" \\ back","code":"abc","day":"2024-02-29","clock":"13:45:00","stamp":"2024-01-02T03:04:05.123456","stamptz":"2024-01-02T03:04:05+02:00","span":"1 day 2 hours","uid":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","doc":{"b":1,"a":[true,null]},"docb":{"k":"v"},"nums":[1,null,3],"words":["a b","c\"d",null],"feeling":"sad","raw":"AAH/","addr":"192.168.0.1"}
{"id":2,"small":null,"big":null,"exact":null,"ratio":null,"dbl":null,"flag":null,"label":null,"code":null,"day":null,"clock":null,"stamp":null,"stamptz":null,"span":null,"uid":null,"doc":null,"docb":null,"nums":null,"words":null,"feeling":null,"raw":null,"addr":null}
"#;

/// What fetch prints for ROW (timestamps with time zone in UTC).
fn expected() -> Value {
    json!([
        {"id":1,"small":32767,"big":9007199254740993u64,"exact":"12345678901234567890.123456789",
         "ratio":1.5,"dbl":0.1,"flag":true,"label":"tab\there \"quoted\" \\ back","code":"abc",
         "day":"2024-02-29","clock":"13:45:00","stamp":"2024-01-02T03:04:05.123456",
         "stamptz":"2024-01-02T01:04:05+00:00","span":"1 day 02:00:00",
         "uid":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","doc":{"b":1,"a":[true,null]},"docb":{"k":"v"},
         "nums":[1,null,3],"words":["a b","c\"d",null],"feeling":"sad","raw":"AAH/","addr":"192.168.0.1"},
        {"id":2,"small":null,"big":null,"exact":null,"ratio":null,"dbl":null,"flag":null,"label":null,
         "code":null,"day":null,"clock":null,"stamp":null,"stamptz":null,"span":null,"uid":null,
         "doc":null,"docb":null,"nums":null,"words":null,"feeling":null,"raw":null,"addr":null}
    ])
}

fn ok(run: &Run) {
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
}

/// Pins a run in `snapshots/cli/<name>.snap`, with the test's folders, the server's address
/// and the upsert summary's timing filtered out.
fn snap(name: &str, run: &Run, dir: &std::path::Path) {
    let dir = dir.display().to_string();
    let temp = tmp().display().to_string();
    let filters = [(dir.as_str(), "[DIR]"), (temp.as_str(), "[TMP]")];
    let patterns = [(
        r"in \d+\.\d+ s \(\d+ rows/s\)",
        "in [SECONDS] s ([RATE] rows/s)",
    )];
    assert_run_matching(name, run, &filters, &patterns);
}

fn fetch(db: &TestDb, args: &[&str]) -> Value {
    let url = db.url();
    let mut all = vec!["fetch", "--url", &url];
    all.extend_from_slice(args);
    let run = dbridge(&tmp(), &all);
    ok(&run);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn upsert(db: &TestDb, dir: &std::path::Path, args: &[&str]) -> Run {
    let url = db.url();
    let mut all = vec!["upsert", "--url", &url, "--quiet"];
    all.extend_from_slice(args);
    dbridge(dir, &all)
}

fn summary(run: &Run) -> Value {
    ok(run);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// The summary's counts named by `keys`.
fn counts(summary: &Value, keys: &[&str]) -> Vec<Option<u64>> {
    keys.iter().map(|k| summary[*k].as_u64()).collect()
}

fn tmp() -> std::path::PathBuf {
    std::env::temp_dir()
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    let mut conn = db.connect().await;
    sqlx::query(&format!("SELECT ({sql})::int8"))
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_converts_in_both_directions_and_every_format_reads() {
    let db = TestDb::new("types").await;
    db.run("schema", TYPES).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "rows.ndjson", ROW);
    let s = summary(&upsert(
        &db,
        dir.path(),
        &["everything", "--input", &input, "--on", "id", "--json"],
    ));
    assert_eq!(counts(&s, &["inserted", "updated"]), [Some(2), Some(0)]);
    let fetched = fetch(&db, &["everything"]);
    assert_eq!(fetched, expected());
    // Exact text for the values a float would spoil.
    let url = db.url();
    let raw = dbridge(
        dir.path(),
        &["fetch", "everything", "--url", &url, "--format", "ndjson"],
    );
    snap("fetch_every_type_as_ndjson", &raw, dir.path());

    // Fetch output is valid upsert input (stdin, NDJSON): the copy reads back the same.
    let run = dbridge_stdin(
        dir.path(),
        &[
            "upsert",
            "everything_copy",
            "--url",
            &url,
            "--input",
            "-",
            "--on",
            "id",
        ],
        &raw.stdout,
    );
    snap("upsert_from_stdin", &run, dir.path());
    assert_eq!(fetch(&db, &["everything_copy"]), expected());

    // The same row as CSV (arrays as literals or JSON, bytea as base64, empty = NULL) and as
    // a JSON array, each into an emptied copy.
    let csv = "id,small,big,exact,ratio,dbl,flag,label,code,day,clock,stamp,stamptz,span,uid,doc,docb,nums,words,feeling,raw,addr\n\
        1,32767,9007199254740993,12345678901234567890.123456789,1.5,0.1,t,\"tab\there \"\"quoted\"\" \\ back\",abc,2024-02-29,13:45:00,2024-01-02 03:04:05.123456,2024-01-02T03:04:05+02:00,1 day 2 hours,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,\"{\"\"b\"\":1,\"\"a\"\":[true,null]}\",\"{\"\"k\"\": \"\"v\"\"}\",\"{1,NULL,3}\",\"[\"\"a b\"\",\"\"c\\\"\"d\"\",null]\",sad,AAH/,192.168.0.1\n\
        2,,,,,,,,,,,,,,,,,,,,,\n";
    let array = format!("[\n{}]\n", ROW.trim_end().replace('\n', ",\n"));
    for (name, text) in [("rows.csv", csv.to_string()), ("rows.json", array)] {
        db.run("empty", "DELETE FROM everything_copy")
            .await
            .unwrap();
        let input = write(dir.path(), name, &text);
        let run = upsert(
            &db,
            dir.path(),
            &["everything_copy", "--input", &input, "--on", "id"],
        );
        ok(&run);
        assert_eq!(fetch(&db, &["everything_copy"]), expected(), "{name}");
    }
    // --format overrides the extension.
    let odd = write(dir.path(), "rows.txt", ROW);
    let run = upsert(
        &db,
        dir.path(),
        &["everything_copy", "--input", &odd, "--on", "id"],
    );
    snap("upsert_unknown_extension", &run, dir.path());
    ok(&upsert(
        &db,
        dir.path(),
        &[
            "everything_copy",
            "--input",
            &odd,
            "--on",
            "id",
            "--format",
            "ndjson",
        ],
    ));
    db.drop_db().await;
}

const SHOP: &str = "
CREATE TABLE items (sku text PRIMARY KEY, name text NOT NULL, price numeric(10,2) CHECK (price >= 0), stock int NOT NULL DEFAULT 0, note text);
CREATE UNIQUE INDEX items_name ON items (name);
INSERT INTO items VALUES ('a', 'Apple', 1.00, 10, 'old'), ('b', 'Bread', 2.00, 5, 'old');";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_update_every_column_some_columns_or_nothing() {
    let db = TestDb::new("conflicts").await;
    db.run("schema", SHOP).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rows =
        "sku,name,price,stock,note\na,Apple,1.50,11,new\nb,Bread,2.00,5,old\nc,Cheese,3.00,1,new\n";
    let input = write(dir.path(), "items.csv", rows);

    // --do-nothing: only the new row goes in.
    let s = summary(&upsert(
        &db,
        dir.path(),
        &[
            "items",
            "--input",
            &input,
            "--on",
            "sku",
            "--do-nothing",
            "--json",
        ],
    ));
    assert_eq!(
        counts(&s, &["inserted", "updated", "unchanged"]),
        [Some(1), Some(0), Some(2)]
    );
    assert_eq!(
        count(&db, "SELECT (price * 100)::int FROM items WHERE sku = 'a'").await,
        100
    );

    // --update price: price changes, note stays; the identical row is unchanged.
    let s = summary(&upsert(
        &db,
        dir.path(),
        &[
            "items", "--input", &input, "--on", "sku", "--update", "price", "--json",
        ],
    ));
    assert_eq!(
        counts(&s, &["inserted", "updated", "unchanged"]),
        [Some(0), Some(1), Some(2)]
    );
    assert_eq!(
        count(&db, "SELECT (price * 100)::int FROM items WHERE sku = 'a'").await,
        150
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM items WHERE note = 'old' AND sku = 'a'"
        )
        .await,
        1
    );

    // Default: every non-key column.
    let s = summary(&upsert(
        &db,
        dir.path(),
        &["items", "--input", &input, "--on", "sku", "--json"],
    ));
    assert_eq!(
        counts(&s, &["inserted", "updated", "unchanged"]),
        [Some(0), Some(1), Some(2)]
    );
    assert_eq!(
        count(&db, "SELECT stock FROM items WHERE sku = 'a'").await,
        11
    );

    // A unique index works as the conflict target too; omitted columns keep their default.
    let by_name = write(dir.path(), "n.ndjson", "{\"name\":\"Apple\",\"sku\":\"a\",\"price\":9}\n{\"name\":\"Dates\",\"sku\":\"d\",\"price\":4}\n");
    let s = summary(&upsert(
        &db,
        dir.path(),
        &["items", "--input", &by_name, "--on", "name", "--json"],
    ));
    assert_eq!(counts(&s, &["inserted", "updated"]), [Some(1), Some(1)]);
    assert_eq!(
        count(&db, "SELECT stock FROM items WHERE sku = 'd'").await,
        0
    );

    // --on that matches no unique key lists the candidates; nothing is read.
    let run = upsert(
        &db,
        dir.path(),
        &["items", "--input", &input, "--on", "price"],
    );
    snap("upsert_on_no_unique_key", &run, dir.path());
    // --update and --do-nothing exclude each other.
    let run = upsert(
        &db,
        dir.path(),
        &[
            "items",
            "--input",
            &input,
            "--on",
            "sku",
            "--update",
            "price",
            "--do-nothing",
        ],
    );
    assert_eq!(run.code, 1);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_keys_in_the_input_keep_the_last_row() {
    let db = TestDb::new("duplicates").await;
    db.run("schema", SHOP).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // `01`-style keys equal as values but not as text are caught by the server's check too.
    let input = write(
        dir.path(),
        "d.ndjson",
        "{\"sku\":\"x\",\"name\":\"X1\",\"price\":1}\n{\"sku\":\"a\",\"name\":\"A2\",\"price\":2}\n{\"sku\":\"x\",\"name\":\"X3\",\"price\":3}\n{\"sku\":\"x\",\"name\":\"X4\",\"price\":4}\n",
    );
    let s = summary(&upsert(
        &db,
        dir.path(),
        &["items", "--input", &input, "--on", "sku", "--json"],
    ));
    assert_eq!(
        counts(&s, &["inserted", "updated", "duplicates"]),
        [Some(1), Some(1), Some(2)]
    );
    let rows = fetch(&db, &["items", "--filter", "sku=x"]);
    assert_eq!(rows[0]["name"], "X4");
    assert_eq!(fetch(&db, &["items", "--filter", "sku=a"])[0]["name"], "A2");

    db.run("t", "CREATE TABLE counters (n int PRIMARY KEY, v int)")
        .await
        .unwrap();
    let input = write(dir.path(), "c.csv", "n,v\n1,1\n01,2\n+1,3\n");
    let s = summary(&upsert(
        &db,
        dir.path(),
        &["counters", "--input", &input, "--on", "n", "--json"],
    ));
    assert_eq!(counts(&s, &["inserted", "duplicates"]), [Some(1), Some(2)]);
    assert_eq!(count(&db, "SELECT v FROM counters WHERE n = 1").await, 3);
    // Text keys that the client sees as different but the server as equal.
    db.run("t", "CREATE TABLE dated (d date PRIMARY KEY, v int)")
        .await
        .unwrap();
    let input = write(dir.path(), "d.csv", "d,v\n2024-01-05,1\n2024-1-5,2\n");
    let s = summary(&upsert(
        &db,
        dir.path(),
        &["dated", "--input", &input, "--on", "d", "--json"],
    ));
    assert_eq!(counts(&s, &["inserted", "duplicates"]), [Some(1), Some(1)]);
    assert_eq!(count(&db, "SELECT v FROM dated").await, 2);
    // A filter value longer than its column never matches a shortened version of itself
    // (an explicit cast to varchar(2) or char(2) would cut it to "ab").
    db.run(
        "t",
        "CREATE TABLE codes (c varchar(2), f char(2)); INSERT INTO codes VALUES ('ab', 'ab')",
    )
    .await
    .unwrap();
    assert_eq!(fetch(&db, &["codes", "--filter", "c=abc"]), json!([]));
    assert_eq!(fetch(&db, &["codes", "--filter", "f=abc"]), json!([]));
    assert_eq!(
        fetch(&db, &["codes", "--filter", "c=ab"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_row_names_row_line_and_column_and_writes_nothing() {
    let db = TestDb::new("badrows").await;
    db.run("schema", SHOP).await.unwrap();
    db.run(
        "schema",
        "CREATE TABLE events (id int PRIMARY KEY, day date, item text REFERENCES items)",
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let before = fetch(&db, &["items"]);
    let many_good: String = (0..3000)
        .map(|i| format!("g{i},Good {i},1.00,1,\n"))
        .collect();
    let cases: Vec<(&str, String, &str)> = vec![
        // (file, contents, table): each error is pinned in snapshots/cli/upsert_error_<file>.snap
        (
            "client.csv",
            format!("sku,name,price,stock,note\n{many_good}z,Zed,abc,1,\n"),
            "items",
        ),
        (
            "notnull.ndjson",
            "{\"sku\":\"q\",\"name\":\"Q\"}\n{\"sku\":\"r\",\"name\":null}\n".into(),
            "items",
        ),
        (
            "check.csv",
            format!("sku,name,price,stock,note\n{many_good}neg,Negative,-1,1,\n{many_good}"),
            "items",
        ),
        (
            "unique.csv",
            "sku,name,price,stock,note\nu1,Apple,1,1,\n".into(),
            "items",
        ),
        (
            "range.ndjson",
            "{\"sku\":\"big\",\"name\":\"Big\",\"stock\":99999999999}\n".into(),
            "items",
        ),
        (
            "unknown.ndjson",
            "{\"sku\":\"q\",\"colour\":\"red\"}\n".into(),
            "items",
        ),
        (
            "date.json",
            "[{\"id\":1,\"day\":\"2024-01-01\"},\n {\"id\":2,\n  \"day\":\"2024-13-45\"}]".into(),
            "events",
        ),
        (
            "fk.ndjson",
            "{\"id\":1,\"item\":\"a\"}\n\n{\"id\":2,\"item\":\"nope\"}\n".into(),
            "events",
        ),
        ("ragged.csv", "sku,name\na,b,c\n".into(), "items"),
        (
            "broken.ndjson",
            "{\"sku\":\"q\",\"name\":\"Q\"}\n{\"sku\":\n".into(),
            "items",
        ),
    ];
    for (file, contents, table) in cases {
        let input = write(dir.path(), file, &contents);
        let run = upsert(
            &db,
            dir.path(),
            &[
                table,
                "--input",
                &input,
                "--on",
                if table == "items" { "sku" } else { "id" },
            ],
        );
        let name = format!("upsert_error_{}", file.replace('.', "_"));
        snap(&name, &run, dir.path());
        assert_eq!(fetch(&db, &["items"]), before, "{file} changed items");
        assert_eq!(
            count(&db, "SELECT count(*) FROM events").await,
            0,
            "{file} wrote events"
        );
    }
    let run = upsert(
        &db,
        dir.path(),
        &["nosuch", "--input", "x.csv", "--on", "id"],
    );
    snap("upsert_unknown_table", &run, dir.path());
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_every_reports_progress_made_and_skip_resumes() {
    let db = TestDb::new("resume").await;
    db.run(
        "schema",
        "CREATE TABLE n (id int PRIMARY KEY, sq int CHECK (sq < 3000))",
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rows: String = (1..=100)
        .map(|i| format!("{{\"id\":{i},\"sq\":{}}}\n", i * i))
        .collect();
    let input = write(dir.path(), "n.ndjson", &rows);
    // Row 55 (55^2 = 3025) violates the check: rows 1-50 are committed in chunks of 25.
    let run = upsert(
        &db,
        dir.path(),
        &["n", "--input", &input, "--on", "id", "--commit-every", "25"],
    );
    snap("upsert_commit_every_failure", &run, dir.path());
    assert_eq!(count(&db, "SELECT count(*) FROM n").await, 50);
    // Fix the data and resume where it stopped.
    db.run("relax", "ALTER TABLE n DROP CONSTRAINT n_sq_check")
        .await
        .unwrap();
    let s = summary(&upsert(
        &db,
        dir.path(),
        &[
            "n",
            "--input",
            &input,
            "--on",
            "id",
            "--commit-every",
            "25",
            "--skip",
            "50",
            "--json",
        ],
    ));
    assert_eq!(counts(&s, &["rows", "inserted"]), [Some(50), Some(50)]);
    assert_eq!(count(&db, "SELECT count(*) FROM n").await, 100);
    assert_eq!(count(&db, "SELECT sum(id) FROM n").await, 5050);
    db.drop_db().await;
}

const BLOG: &str = "
CREATE TABLE companies (id int PRIMARY KEY, name text);
CREATE TABLE users (id int PRIMARY KEY, name text, company_id int REFERENCES companies, manager_id int REFERENCES users);
CREATE TABLE posts (id int PRIMARY KEY, author_id int REFERENCES users, editor_id int REFERENCES users, title text);
CREATE TABLE comments (id int PRIMARY KEY, post_id int REFERENCES posts, author_id int REFERENCES users, body text);
CREATE TABLE tags (id int PRIMARY KEY, name text);
CREATE TABLE post_tags (post_id int REFERENCES posts, tag_id int REFERENCES tags, PRIMARY KEY (post_id, tag_id));
INSERT INTO companies VALUES (1, 'Acme');
INSERT INTO users VALUES (1, 'Ann', 1, NULL), (2, 'Bob', NULL, 1), (3, 'Cy', 1, 2);
INSERT INTO posts VALUES (10, 1, 2, 'first'), (11, NULL, NULL, 'orphan'), (12, 3, 1, 'third');
INSERT INTO comments VALUES (100, 10, 2, 'nice'), (101, 10, 3, 'agreed'), (102, 12, NULL, 'anon');
INSERT INTO tags VALUES (1, 'rust'), (2, 'sql');
INSERT INTO post_tags VALUES (10, 1), (10, 2), (12, 2);";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_loads_nested_relations() {
    let db = TestDb::new("fetch").await;
    db.run("schema", BLOG).await.unwrap();
    let rows = fetch(
        &db,
        &[
            "posts",
            "--with",
            "author.company,comments.author",
            "--with",
            "tags,editor.manager",
        ],
    );
    let expected = json!([
        {"id":10,"author_id":1,"editor_id":2,"title":"first",
         "author":{"id":1,"name":"Ann","company_id":1,"manager_id":null,"company":{"id":1,"name":"Acme"}},
         "comments":[
            {"id":100,"post_id":10,"author_id":2,"body":"nice","author":{"id":2,"name":"Bob","company_id":null,"manager_id":1}},
            {"id":101,"post_id":10,"author_id":3,"body":"agreed","author":{"id":3,"name":"Cy","company_id":1,"manager_id":2}}],
         "tags":[{"id":1,"name":"rust"},{"id":2,"name":"sql"}],
         "editor":{"id":2,"name":"Bob","company_id":null,"manager_id":1,"manager":{"id":1,"name":"Ann","company_id":1,"manager_id":null}}},
        {"id":11,"author_id":null,"editor_id":null,"title":"orphan","author":null,"comments":[],"tags":[],"editor":null},
        {"id":12,"author_id":3,"editor_id":1,"title":"third",
         "author":{"id":3,"name":"Cy","company_id":1,"manager_id":2,"company":{"id":1,"name":"Acme"}},
         "comments":[{"id":102,"post_id":12,"author_id":null,"body":"anon","author":null}],
         "tags":[{"id":2,"name":"sql"}],
         "editor":{"id":1,"name":"Ann","company_id":1,"manager_id":null,"manager":null}}
    ]);
    assert_eq!(rows, expected);

    // Self references both ways, a table referenced twice (posts_by_author / posts_by_editor),
    // and a to-many under a many-to-one under a to-many.
    let users = fetch(
        &db,
        &[
            "users",
            "--with",
            "manager,users,posts_by_author.comments.author.company",
            "--filter",
            "id<=2",
        ],
    );
    assert_eq!(
        users[0]["users"],
        json!([{"id":2,"name":"Bob","company_id":null,"manager_id":1}])
    );
    assert_eq!(users[1]["manager"]["name"], "Ann");
    assert_eq!(
        users[0]["posts_by_author"][0]["comments"][1]["author"]["company"]["name"],
        "Acme"
    );
    assert_eq!(users[1]["posts_by_author"], json!([]));

    // Filters, order, limit and offset.
    let names = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(fetch(&db, &["users", "--order-by", "name:desc"])),
        ["Cy", "Bob", "Ann"]
    );
    assert_eq!(
        names(fetch(
            &db,
            &[
                "users",
                "--order-by",
                "name",
                "--limit",
                "1",
                "--offset",
                "1"
            ]
        )),
        ["Bob"]
    );
    assert_eq!(
        names(fetch(&db, &["users", "--filter", "company_id=null"])),
        ["Bob"]
    );
    assert_eq!(
        names(fetch(
            &db,
            &[
                "users",
                "--filter",
                "company_id!=null",
                "--filter",
                "name~%n%"
            ]
        )),
        ["Ann"]
    );
    assert_eq!(
        names(fetch(
            &db,
            &["users", "--filter", "id>1", "--filter", "id<3"]
        )),
        ["Bob"]
    );
    assert_eq!(
        names(fetch(
            &db,
            &["users", "--filter", "id>=2", "--filter", "name!=Bob"]
        )),
        ["Cy"]
    );

    // --relations lists what can be loaded.
    let url = db.url();
    let run = dbridge(&tmp(), &["fetch", "posts", "--relations", "--url", &url]);
    snap("fetch_relations_of_posts", &run, &tmp());
    let run = dbridge(&tmp(), &["fetch", "users", "--relations", "--url", &url]);
    snap("fetch_relations_of_users", &run, &tmp());

    // Unknown names list what exists.
    let run = dbridge(
        &tmp(),
        &["fetch", "posts", "--with", "author.nope", "--url", &url],
    );
    snap("fetch_unknown_relation", &run, &tmp());
    let run = dbridge(
        &tmp(),
        &["fetch", "posts", "--filter", "nope=1", "--url", &url],
    );
    snap("fetch_unknown_filter_column", &run, &tmp());
    let run = dbridge(&tmp(), &["fetch", "nope", "--url", &url]);
    snap("fetch_unknown_table", &run, &tmp());
    let run = dbridge(
        &tmp(),
        &["fetch", "users", "--filter", "id=abc", "--url", &url],
    );
    snap("fetch_filter_value_of_the_wrong_type", &run, &tmp());
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_sends_one_statement_per_level_whatever_the_rows() {
    let db = TestDb::new("statements").await;
    db.run("schema", BLOG).await.unwrap();
    let proxy = common::proxy::CountingProxy::start(&db.url(), &db.options).await;
    let dir = tmp();
    let mut counts = Vec::new();
    for limit in ["1", "3"] {
        let before = proxy.statements();
        let url = proxy.url.clone();
        let run = tokio::task::spawn_blocking({
            let dir = dir.clone();
            move || {
                dbridge(
                    &dir,
                    &[
                        "fetch",
                        "posts",
                        "--url",
                        &url,
                        "--limit",
                        limit,
                        "--with",
                        "author.company,comments.author.posts_by_author,tags",
                    ],
                )
            }
        })
        .await
        .unwrap();
        ok(&run);
        counts.push(proxy.statements() - before);
    }
    // The catalog (search path set and reset around the server's keywords and operators,
    // types, relations, columns, constraints and indexes: 8; one more when an expression has
    // to be written by the server) + the root through a cursor (BEGIN, DECLARE joining author and company, FETCH,
    // COMMIT: 4) + comments (joining their author) + the authors' posts + tags: 15, with one
    // row or three (one batch: each 2,000 root rows are one more round).
    assert_eq!(counts, [15, 15]);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_and_values_stay_data() {
    let db = TestDb::new("injection").await;
    db.run(
        "schema",
        r#"CREATE SCHEMA "we ird";
        CREATE TABLE "we ird"."Ta""ble; DROP TABLE x" ("i d" int PRIMARY KEY, "va'l" text, "Select" text);
        CREATE TABLE x (id int);"#,
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "h.ndjson",
        "{\"i d\":1,\"va'l\":\"'); DROP TABLE x; --\",\"Select\":\"\\\\N\"}\n{\"i d\":2,\"va'l\":\"a\\tb\\nc\",\"Select\":null}\n",
    );
    let table = "we ird.Ta\"ble; DROP TABLE x";
    ok(&upsert(
        &db,
        dir.path(),
        &[table, "--input", &input, "--on", "i d"],
    ));
    let rows = fetch(&db, &[table, "--filter", "va'l='); DROP TABLE x; --"]);
    assert_eq!(
        rows,
        json!([{"i d":1,"va'l":"'); DROP TABLE x; --","Select":"\\N"}])
    );
    let rows = fetch(&db, &[table, "--filter", "va'l~%' OR 1=1 --"]);
    assert_eq!(rows, json!([]));
    let rows = fetch(&db, &[table, "--filter", "Select=null"]);
    assert_eq!(rows[0]["va'l"], "a\tb\nc");
    let run = dbridge(
        &tmp(),
        &[
            "fetch",
            table,
            "--filter",
            "i d=1 OR 1=1",
            "--url",
            &db.url(),
        ],
    );
    snap("fetch_filter_injection_is_a_value", &run, &tmp());
    assert_eq!(
        count(&db, "SELECT count(*) FROM x").await,
        0,
        "table x still exists"
    );
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_json_runs_every_suite_and_cleans_up() {
    let db = TestDb::new("bench").await;
    let url = db.url();
    let run = tokio::task::spawn_blocking(move || {
        dbridge(
            &tmp(),
            &[
                "bench", "--url", &url, "--json", "--rows", "2000", "--tables", "5,12",
            ],
        )
    })
    .await
    .unwrap();
    ok(&run);
    let figures: Value = serde_json::from_str(&run.stdout).unwrap();
    let figures = figures.as_array().unwrap();
    let suites: Vec<&str> = figures
        .iter()
        .map(|f| f["suite"].as_str().unwrap())
        .collect();
    for suite in ["schema", "insert", "upsert", "fetch"] {
        assert!(suites.contains(&suite), "{suite} missing from {suites:?}");
    }
    let measurements: Vec<&str> = figures
        .iter()
        .map(|f| f["measurement"].as_str().unwrap())
        .collect();
    for m in [
        "introspect 5 tables",
        "diff + render 12 tables",
        "INSERT ... RETURNING p99",
        "upsert 2000 NDJSON rows, half conflicting",
        "1,000 posts with their author (JSON)",
    ] {
        assert!(
            measurements.contains(&m),
            "{m:?} missing from {measurements:?}"
        );
    }
    for f in figures {
        let (value, reference, ratio) = (
            f["value"].as_f64().unwrap(),
            f["reference_value"].as_f64().unwrap(),
            f["ratio"].as_f64().unwrap(),
        );
        assert!(value > 0.0 && reference > 0.0, "{f}");
        assert!(
            (ratio - value / reference).abs() < 1e-6 * ratio.max(1.0),
            "{f}"
        );
    }
    // The scratch schemas are gone.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'dbridge_bench%'"
        )
        .await,
        0
    );
    let url = db.url();
    let run = dbridge(&tmp(), &["bench", "--url", &url, "--suite", "insert"]);
    ok(&run);
    assert!(
        run.stdout.starts_with("| suite ") && run.stdout.contains("| SELECT 1 round trip p50"),
        "{}",
        run.stdout
    );
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upsert_shows_progress_only_on_a_terminal() {
    let db = TestDb::new("progress").await;
    db.run("schema", "CREATE TABLE big (id int PRIMARY KEY, name text)")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rows: String = (1..=300_000)
        .map(|i| format!("{{\"id\":{i},\"name\":\"row {i}\"}}\n"))
        .collect();
    let input = write(dir.path(), "big.ndjson", &rows);
    let url = db.url();
    let spawn = |extra: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_dbridge"));
        cmd.args([
            "upsert", "big", "--url", &url, "--input", &input, "--on", "id",
        ])
        .args(extra)
        .env_remove("DATABASE_URL");
        let mut s = expectrl::Session::spawn(cmd).expect("spawn dbridge in a pty");
        s.set_expect_timeout(Some(std::time::Duration::from_secs(120)));
        s
    };
    let progress = expectrl::Regex(r"\d+ rows, \d+ rows/s \(ETA \d+s\)");
    let mut s = spawn(&[]);
    s.expect(progress)
        .expect("a progress bar with rows, rows/s and ETA");
    s.expect("300000 rows, ")
        .expect("the bar counts every row sent");
    s.expect("merging into the table")
        .expect("the bar shows the merge, the last part of the run");
    s.expect("300000 rows: 300000 inserted")
        .expect("the summary");
    s.expect(expectrl::Eof).unwrap();
    // --quiet: the summary only.
    let mut s = spawn(&["--quiet"]);
    let all = s.expect(expectrl::Eof).unwrap();
    let mut bytes = all.before().to_vec();
    for m in all.matches() {
        bytes.extend_from_slice(m);
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert!(
        text.contains("300000 rows: 0 inserted, 0 updated, 300000 unchanged"),
        "{text}"
    );
    assert!(!text.contains("rows, "), "no progress with --quiet: {text}");
    // No terminal: no progress either.
    let run = dbridge(
        dir.path(),
        &[
            "upsert", "big", "--url", &url, "--input", &input, "--on", "id",
        ],
    );
    ok(&run);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    db.drop_db().await;
}

/// Values rendered by dbridge (binary protocol, client-side JSON) read the same as the
/// server's own `to_json`, edge cases included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_renders_edge_values_like_the_server() {
    let db = TestDb::new("edges").await;
    db.run(
        "schema",
        r#"CREATE TABLE edge (
            id int PRIMARY KEY, c char(5), f4 real, f8 double precision, d date,
            ts timestamp, tstz timestamptz, b bytea, t text, u uuid, big bigint, small smallint);
        INSERT INTO edge VALUES
            (1, 'ab', 'NaN', 'Infinity', 'infinity', 'infinity', '-infinity', '', E'tab\t nl\n ctl\x01 "q" \\', '00000000-0000-0000-0000-000000000000', -9223372036854775808, -32768),
            (2, 'abcde', '-Infinity', 1e300, '0044-03-15 BC', '1999-12-31 23:59:59.999999', '2000-01-01 00:00:00+14', '\x00ff', 'é ✓ 😀', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 9223372036854775807, 32767),
            (3, NULL, 1.25, -0.0, '1970-01-01', '1900-02-28 12:00:00.5', '2262-04-11 23:47:16.854775+00', '\x', '', NULL, 0, 0),
            (4, ' ', 3.4028235e38, 5e-324, '9999-12-31', '0001-01-01 00:00:00 BC', '2024-02-29 12:34:56.000001-07:30', NULL, NULL, NULL, NULL, NULL);"#,
    )
    .await
    .unwrap();
    let ours = fetch(&db, &["edge"]);
    let mut conn = db.connect().await;
    sqlx::query("SET TIME ZONE 'UTC'")
        .execute(&mut conn)
        .await
        .unwrap();
    let theirs: String = sqlx::query_scalar(
        "SELECT json_agg(json_build_object('id', id, 'c', c, 'f4', f4, 'f8', f8, 'd', d, 'ts', ts,
            'tstz', tstz, 'b', translate(encode(b, 'base64'), E'\n', ''), 't', t, 'u', u,
            'big', big, 'small', small) ORDER BY id)::text FROM edge",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let theirs: Value = serde_json::from_str(&theirs).unwrap();
    assert_eq!(ours, theirs);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upsert_into_a_partitioned_table_counts_rows_in_its_partitions() {
    let db = TestDb::new("partitioned").await;
    db.run(
        "schema",
        "CREATE TABLE m (region text, id int, v int, PRIMARY KEY (region, id)) PARTITION BY LIST (region);
         CREATE TABLE m_eu PARTITION OF m FOR VALUES IN ('eu');
         CREATE TABLE m_us PARTITION OF m FOR VALUES IN ('us');
         INSERT INTO m VALUES ('eu', 1, 1), ('us', 1, 1);",
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "m.csv",
        "region,id,v\neu,1,2\nus,1,1\neu,2,1\nus,2,1\nus,3,1\n",
    );
    let s = summary(&upsert(
        &db,
        dir.path(),
        &["m", "--input", &input, "--on", "region,id", "--json"],
    ));
    assert_eq!(
        counts(&s, &["inserted", "updated", "unchanged"]),
        [Some(3), Some(1), Some(1)]
    );
    assert_eq!(count(&db, "SELECT count(*) FROM m_us").await, 3);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_rows_may_bring_fields_the_first_row_lacks() {
    let db = TestDb::new("newfields").await;
    db.run(
        "schema",
        "CREATE TABLE p (id int PRIMARY KEY, name text, born date, note text DEFAULT 'none')",
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let many: String = (3..=40_000)
        .map(|i| format!("{{\"id\":{i},\"name\":\"n{i}\"}}\n"))
        .collect();
    let input = write(
        dir.path(),
        "p.ndjson",
        &format!("{{\"id\":1,\"name\":\"a\"}}\n{{\"id\":2,\"born\":\"2001-02-03\",\"name\":\"b\"}}\n{many}{{\"id\":40001,\"note\":\"late\"}}\n"),
    );
    let s = summary(&upsert(
        &db,
        dir.path(),
        &["p", "--input", &input, "--on", "id", "--json"],
    ));
    assert_eq!(s["inserted"].as_u64(), Some(40_001));
    let rows = fetch(&db, &["p", "--filter", "id<=2"]);
    assert_eq!(
        rows,
        json!([
        {"id":1,"name":"a","born":null,"note":null},
        {"id":2,"name":"b","born":"2001-02-03","note":null}])
    );
    assert_eq!(
        fetch(&db, &["p", "--filter", "id=40001"])[0]["note"],
        "late"
    );

    // A later field that is not a column, and a bad value after the staging table grew:
    // both named by row and line.
    for (file, text) in [
        (
            "unknown.ndjson",
            "{\"id\":1}\n{\"id\":2,\"colour\":\"red\"}\n",
        ),
        (
            "baddate.ndjson",
            "{\"id\":1}\n{\"id\":2,\"born\":\"2001-01-01\"}\n{\"id\":3,\"born\":\"never\"}\n",
        ),
    ] {
        db.run("empty", "DELETE FROM p").await.unwrap();
        let input = write(dir.path(), file, text);
        let run = upsert(&db, dir.path(), &["p", "--input", &input, "--on", "id"]);
        let name = format!("upsert_late_field_error_{}", file.replace('.', "_"));
        snap(&name, &run, dir.path());
        assert_eq!(count(&db, "SELECT count(*) FROM p").await, 0);
    }
    db.drop_db().await;
}

/// Typed values (what the Python module hands in) go through the same plan, conversion and
/// merge as file input: the same row typed and as NDJSON lands the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_rows_upsert_like_file_rows() {
    use data_bridge::engine::backend::DataBackend;
    use data_bridge::engine::data::input::ValueRows;
    use data_bridge::engine::data::upsert::UpsertOptions;
    use data_bridge::engine::data::value::Value as V;

    let db = TestDb::new("typed_rows").await;
    db.run("schema", TYPES).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "rows.ndjson", ROW);
    ok(&upsert(
        &db,
        dir.path(),
        &["everything", "--input", &input, "--on", "id"],
    ));

    let fields = [
        "id", "small", "big", "exact", "ratio", "dbl", "flag", "label", "code", "day", "clock",
        "stamp", "stamptz", "span", "uid", "doc", "docb", "nums", "words", "feeling", "raw",
        "addr",
    ];
    let text = |s: &str| V::Text(s.to_string());
    let full = vec![
        V::Int(1),
        V::Int(32767),
        V::Int(9007199254740993),
        V::Decimal("12345678901234567890.123456789".into()),
        V::Float(1.5),
        V::Float(0.1),
        V::Bool(true),
        text("tab\there \"quoted\" \\ back"),
        text("abc"),
        text("2024-02-29"),
        text("13:45:00"),
        text("2024-01-02T03:04:05.123456"),
        text("2024-01-02T03:04:05+02:00"),
        text("1 day 2 hours"),
        text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        V::Json(r#"{"b":1,"a":[true,null]}"#.into()),
        V::Json(r#"{"k":"v"}"#.into()),
        V::Array(vec![V::Int(1), V::Null, V::Int(3)]),
        V::Array(vec![text("a b"), text("c\"d"), V::Null]),
        text("sad"),
        V::Bytes(vec![0, 1, 255]),
        text("192.168.0.1"),
    ];
    let mut empty = vec![V::Int(2)];
    empty.resize(fields.len(), V::Null);
    let names: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    let engine = engine(&db).await;
    let catalog = engine.catalog().await.unwrap();
    let options = UpsertOptions {
        on: vec!["id".into()],
        ..UpsertOptions::default()
    };
    let rows = ValueRows::new(names.clone(), vec![full, empty]).unwrap();
    let table = catalog.table("everything_copy").unwrap();
    let summary = engine
        .upsert(table, rows, "rows", &options, &|_| {})
        .await
        .unwrap();
    assert_eq!((summary.rows, summary.inserted), (2, 2));
    // Row by row as text (json has no equality operator), so the json column's text counts.
    let same = "SELECT count(*) FROM (SELECT e::text FROM everything e \
                EXCEPT SELECT c::text FROM everything_copy c) d";
    assert_eq!(count(&db, same).await, 0);
    assert_eq!(count(&db, "SELECT count(*) FROM everything_copy").await, 2);
    // Typed conversion checks values as file input does: the bad row is named, nothing lands.
    let mut bad = vec![V::Int(3), text("not a number")];
    bad.resize(fields.len(), V::Null);
    let rows = ValueRows::new(names.clone(), vec![bad]).unwrap();
    let err = engine
        .upsert(table, rows, "rows", &options, &|_| {})
        .await
        .unwrap_err()
        .to_string();
    common::assert_text("typed_rows_bad_value", &err, &[]);
    assert_eq!(count(&db, "SELECT count(*) FROM everything_copy").await, 2);
    // A row of the wrong width is refused before anything runs.
    assert!(ValueRows::new(names, vec![vec![V::Int(1)]]).is_err());
}

/// Fetched rows as a typed tree (what the Python module builds its objects from) hold what
/// the JSON output holds: turned into JSON by their layout, they equal it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_fetch_tree_matches_the_json_output() {
    use data_bridge::engine::backend::DataBackend;
    use data_bridge::engine::data::fetch::{FetchRequest, Layout, Obj, Rel};
    use data_bridge::engine::data::value::Value as V;

    fn to_json(obj: &Obj<Vec<V>>, layout: &Layout) -> Value {
        let mut map = serde_json::Map::new();
        for (name, value) in layout.columns.iter().zip(&obj.fields) {
            map.insert(name.clone(), value.to_json());
        }
        for ((name, _, inner), rel) in layout.relations.iter().zip(&obj.rels) {
            let value = match rel {
                Rel::One(None) => Value::Null,
                Rel::One(Some(child)) => to_json(child, inner),
                Rel::Many(children) => children.iter().map(|c| to_json(c, inner)).collect(),
            };
            map.insert(name.clone(), value);
        }
        Value::Object(map)
    }

    let db = TestDb::new("typed_fetch").await;
    db.run("schema", BLOG).await.unwrap();
    db.run("types", TYPES).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "rows.ndjson", ROW);
    ok(&upsert(
        &db,
        dir.path(),
        &["everything", "--input", &input, "--on", "id"],
    ));
    let engine = engine(&db).await;
    let catalog = engine.catalog().await.unwrap();
    for (table, with) in [
        (
            "posts",
            vec![
                "author.company",
                "comments.author",
                "tags",
                "editor.manager",
            ],
        ),
        ("everything", vec![]),
    ] {
        let request = FetchRequest {
            table: table.into(),
            with: with.iter().map(|w| w.to_string()).collect(),
            ..FetchRequest::default()
        };
        let typed = engine.fetch(&catalog, &request).await.unwrap();
        let got: Value = typed
            .rows
            .iter()
            .map(|o| to_json(o, &typed.layout))
            .collect();
        // The JSON rows the command line prints come through the same API.
        let json = engine.fetch_json(&catalog, &request).await.unwrap();
        let mut text = String::new();
        json.layout.write_json(&json.rows, false, &mut text);
        assert_eq!(
            got,
            serde_json::from_str::<Value>(&text).unwrap(),
            "{table}"
        );
        let mut args = vec![table.to_string()];
        if !with.is_empty() {
            args.extend(["--with".to_string(), with.join(",")]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(got, fetch(&db, &args), "{table}");
        assert!(!typed.rows.is_empty(), "{table}");
    }
    // Numbers, bytes and exact decimals arrive typed, not as text.
    let request = FetchRequest {
        table: "everything".into(),
        ..FetchRequest::default()
    };
    let fetched = engine.fetch(&catalog, &request).await.unwrap();
    let rows = &fetched.rows;
    let column = |name: &str| {
        fetched
            .layout
            .columns
            .iter()
            .position(|c| c == name)
            .unwrap()
    };
    assert_eq!(rows[0].fields[column("big")], V::Int(9007199254740993));
    assert_eq!(rows[0].fields[column("raw")], V::Bytes(vec![0, 1, 255]));
    assert_eq!(
        rows[0].fields[column("exact")],
        V::Decimal("12345678901234567890.123456789".into())
    );
    assert_eq!(rows[1].fields[column("label")], V::Null);
}

/// The engine API on the test database, as the Python module will hold it.
async fn engine(db: &TestDb) -> data_bridge::engine::postgres::Postgres {
    let config = data_bridge::engine::postgres::connect::PoolConfig {
        settings: vec![("TimeZone".into(), "UTC".into())],
        ..Default::default()
    };
    data_bridge::engine::postgres::Postgres::connect(&db.url(), &config)
        .await
        .expect("a pool on the test database")
}

/// The id a plain INSERT into `table` draws from its sequence.
async fn next_id(db: &TestDb, table: &str) -> i64 {
    let mut conn = db.connect().await;
    sqlx::query(&format!(
        "INSERT INTO {table} (v) VALUES ('next') RETURNING id::int8"
    ))
    .fetch_one(&mut conn)
    .await
    .unwrap()
    .get(0)
}

/// The text of one query's single value, for comparing what is stored.
async fn text(db: &TestDb, sql: &str) -> String {
    let mut conn = db.connect().await;
    sqlx::query(&format!("SELECT ({sql})::text"))
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_that_compare_equal_but_read_differently_are_written() {
    let db = TestDb::new("identical").await;
    db.run(
        "schema",
        "CREATE EXTENSION IF NOT EXISTS citext;
         CREATE TABLE m (k int PRIMARY KEY, n numeric, c citext, f float8, j jsonb, i interval, t text);
         INSERT INTO m VALUES (1, 1.0, 'HELLO', '-0', '{\"a\": 1.0}', '1 day', 'same'),
                              (2, 2, 'x', 1, '{}', '1 hour', 'same');",
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "m.ndjson",
        "{\"k\":1,\"n\":\"1.00\",\"c\":\"hello\",\"f\":0,\"j\":{\"a\":1.00},\"i\":\"24 hours\",\"t\":\"same\"}\n\
         {\"k\":2,\"n\":\"2\",\"c\":\"x\",\"f\":1,\"j\":{},\"i\":\"01:00:00\",\"t\":\"same\"}\n",
    );
    let s = summary(&upsert(
        &db,
        dir.path(),
        &["m", "--input", &input, "--on", "k", "--json"],
    ));
    assert_eq!(
        counts(&s, &["inserted", "updated", "unchanged"]),
        [Some(0), Some(1), Some(1)],
        "row 1 differs in every column's text, row 2 in none"
    );
    assert_eq!(
        text(
            &db,
            "SELECT concat_ws('|', n, c, f, j, i) FROM m WHERE k = 1"
        )
        .await,
        "1.00|hello|0|{\"a\": 1.00}|24:00:00"
    );
    // One column at a time: each alone makes the row change.
    for (column, old, new) in [
        ("n", "1.00", "1.0"),
        ("c", "hello", "HELLO"),
        ("f", "0", "-0"),
    ] {
        let input = write(dir.path(), "one.csv", &format!("k,{column}\n1,{new}\n"));
        let s = summary(&upsert(
            &db,
            dir.path(),
            &["m", "--input", &input, "--on", "k", "--json"],
        ));
        assert_eq!(
            counts(&s, &["updated"]),
            [Some(1)],
            "{column}: {old} -> {new}"
        );
        assert_eq!(
            text(&db, &format!("SELECT {column} FROM m WHERE k = 1")).await,
            new
        );
    }
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_ids_move_identity_and_serial_sequences_past_them() {
    let db = TestDb::new("sequences").await;
    db.run(
        "schema",
        "CREATE TABLE a (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v text);
         CREATE TABLE b (id serial PRIMARY KEY, v text);
         CREATE TABLE c (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);
         CREATE TABLE d (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v text);
         SELECT setval(pg_get_serial_sequence('d', 'id'), 500);",
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "ids.csv", "id,v\n7,x\n42,y\n3,z\n");
    for table in ["a", "b", "c"] {
        let url = db.url();
        let run = dbridge(
            dir.path(),
            &[
                "upsert", "--url", &url, "--quiet", table, "--input", &input, "--on", "id",
            ],
        );
        snap(
            &format!("upsert_advances_the_sequence_of_{table}"),
            &run,
            dir.path(),
        );
        assert_eq!(
            next_id(&db, table).await,
            43,
            "{table}: the next plain INSERT draws an id above the upserted ones"
        );
    }
    // A sequence already ahead of the ids is never moved back.
    let s = summary(&upsert(
        &db,
        dir.path(),
        &["d", "--input", &input, "--on", "id", "--json"],
    ));
    assert!(s.get("sequences_advanced").is_none(), "{s}");
    assert_eq!(next_id(&db, "d").await, 501);
    // Rows without the id column leave the sequence to the server.
    let plain = write(dir.path(), "plain.csv", "v\nw\n");
    let run = upsert(&db, dir.path(), &["a", "--input", &plain, "--on", "id"]);
    assert_eq!(run.code, 1, "--on id needs the id field: {}", run.stderr);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inputs_are_read_as_written_crlf_bom_empty_duplicates_and_long_names() {
    let db = TestDb::new("input_details").await;
    let long_table = "t".repeat(63);
    let long_column = "c".repeat(63);
    db.run(
        "schema",
        &format!(
            "CREATE TABLE items (sku text PRIMARY KEY, price numeric);
             CREATE TABLE \"{long_table}\" (\"{long_column}\" int PRIMARY KEY, v text);"
        ),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let up = |file: &str| upsert(&db, dir.path(), &["items", "--input", file, "--on", "sku"]);
    // CRLF lines, also inside a quoted field: the bad row is on line 5.
    let crlf = write(
        dir.path(),
        "crlf.csv",
        "sku,price\r\na,1\r\n\"b\r\nb\",2\r\nc,zz\r\n",
    );
    snap("upsert_crlf_line_numbers", &up(&crlf), dir.path());
    let ragged = write(dir.path(), "ragged.csv", "sku,price\r\na,1\r\nb,2,3\r\n");
    snap("upsert_crlf_ragged_line", &up(&ragged), dir.path());
    // A byte order mark starts NDJSON and JSON as it may start CSV.
    let bom = "\u{feff}";
    for (name, text) in [
        (
            "bom.ndjson",
            format!("{bom}{{\"sku\":\"n\",\"price\":1}}\n"),
        ),
        ("bom.json", format!("{bom}[{{\"sku\":\"j\",\"price\":1}}]")),
        ("bom.csv", format!("{bom}sku,price\nc,1\n")),
    ] {
        let input = write(dir.path(), name, &text);
        let run = up(&input);
        ok(&run);
    }
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM items WHERE sku IN ('n', 'j', 'c')"
        )
        .await,
        3
    );
    // Nothing to write is 0 rows, not an error.
    for (name, text) in [
        ("empty.json", "[]"),
        ("spaced.json", " [ ]\n"),
        ("empty.ndjson", ""),
    ] {
        let input = write(dir.path(), name, text);
        let s = summary(&upsert(
            &db,
            dir.path(),
            &["items", "--input", &input, "--on", "sku", "--json"],
        ));
        assert_eq!(
            counts(&s, &["rows", "inserted"]),
            [Some(0), Some(0)],
            "{name}"
        );
    }
    let twice = write(dir.path(), "twice.csv", "sku,price,sku\na,1,b\n");
    snap("upsert_duplicate_csv_header", &up(&twice), dir.path());
    // An input that cannot be read is not blamed on a row.
    std::fs::create_dir(dir.path().join("folder.csv")).unwrap();
    let folder = dir.path().join("folder.csv").display().to_string();
    snap("upsert_unreadable_input", &up(&folder), dir.path());
    // Names longer than 63 bytes are cut as PostgreSQL cuts them.
    let (table, column) = ("t".repeat(70), "c".repeat(70));
    let input = write(dir.path(), "long.csv", &format!("{column},v\n1,x\n"));
    let run = upsert(
        &db,
        dir.path(),
        &[&table, "--input", &input, "--on", &column],
    );
    ok(&run);
    assert_eq!(
        count(&db, &format!("SELECT count(*) FROM \"{long_table}\"")).await,
        1
    );
    let clash = write(
        dir.path(),
        "clash.csv",
        &format!("{column},{}\n1,2\n", "c".repeat(64)),
    );
    snap(
        "upsert_names_cut_to_one_column",
        &upsert(
            &db,
            dir.path(),
            &[&table, "--input", &clash, "--on", &column],
        ),
        dir.path(),
    );
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_paths_are_checked_and_quoted_names_reach_dotted_tables() {
    let db = TestDb::new("with_paths").await;
    db.run(
        "schema",
        "CREATE TABLE users (id int PRIMARY KEY, name text);
         CREATE TABLE \"audit.log\" (id int PRIMARY KEY, user_id int REFERENCES users, what text);
         INSERT INTO users VALUES (1, 'a');
         INSERT INTO \"audit.log\" VALUES (7, 1, 'login');",
    )
    .await
    .unwrap();
    let got = fetch(&db, &["users", "--with", "\"audit.log\""]);
    assert_eq!(
        got,
        json!([{"id": 1, "name": "a", "audit.log": [{"id": 7, "user_id": 1, "what": "login"}]}])
    );
    let url = db.url();
    for (name, with) in [
        ("fetch_with_empty", ""),
        ("fetch_with_dots_only", ".."),
        ("fetch_with_empty_part", "audit,,x"),
        ("fetch_with_open_quote", "\"audit.log"),
    ] {
        let run = dbridge(&tmp(), &["fetch", "--url", &url, "users", "--with", with]);
        snap(name, &run, &tmp());
    }
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_streams_batches_whose_relations_all_arrive() {
    let db = TestDb::new("streamed").await;
    // More root rows than one batch holds, each with its own children and a shared parent.
    db.run(
        "schema",
        "CREATE TABLE owners (id int PRIMARY KEY, name text);
         CREATE TABLE items (id int PRIMARY KEY, owner_id int REFERENCES owners, n int);
         CREATE TABLE parts (id int PRIMARY KEY, item_id int REFERENCES items, k int);
         INSERT INTO owners SELECT g, 'o' || g FROM generate_series(1, 7) g;
         INSERT INTO items SELECT g, 1 + g % 7, g FROM generate_series(1, 4500) g;
         INSERT INTO parts SELECT g, 1 + (g - 1) / 2, g FROM generate_series(1, 9000) g;",
    )
    .await
    .unwrap();
    let got = fetch(&db, &["items", "--with", "owner,parts", "--order-by", "n"]);
    let rows = got.as_array().expect("an array");
    assert_eq!(rows.len(), 4500);
    for (i, row) in rows.iter().enumerate() {
        let id = i as i64 + 1;
        assert_eq!(row["id"], id);
        assert_eq!(row["owner"]["id"], 1 + id % 7, "{row}");
        let parts: Vec<i64> = row["parts"]
            .as_array()
            .unwrap_or_else(|| panic!("{row}"))
            .iter()
            .map(|p| p["k"].as_i64().unwrap())
            .collect();
        assert_eq!(
            parts,
            [2 * id - 1, 2 * id],
            "item {id}: its parts, in every batch"
        );
    }
    // NDJSON streams the same rows.
    let url = db.url();
    let run = dbridge(
        &tmp(),
        &[
            "fetch",
            "--url",
            &url,
            "items",
            "--format",
            "ndjson",
            "--order-by",
            "n",
        ],
    );
    ok(&run);
    assert_eq!(run.stdout.lines().count(), 4500);
    db.drop_db().await;
}

/// `dbridge -v upsert TABLE --input INPUT --on ON --json`, with the statements it runs on stderr.
fn upsert_verbose(dir: &std::path::Path, url: &str, table: &str, input: &str, on: &str) -> Run {
    dbridge(
        dir,
        &[
            "-v", "upsert", table, "--url", url, "--quiet", "--input", input, "--on", on, "--json",
        ],
    )
}

/// Whether the test server has `MERGE` (PostgreSQL 15 and later).
async fn has_merge(db: &TestDb) -> bool {
    count(db, "current_setting('server_version_num')::int").await >= 150_000
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upsert_merges_with_merge_where_it_does_what_on_conflict_does() {
    let db = TestDb::new("merge").await;
    db.run(
        "schema",
        "CREATE TABLE people (id int PRIMARY KEY, email text NOT NULL, n int);
         INSERT INTO people VALUES (1, 'a@x', 1), (3, 'c@x', 3);",
    )
    .await
    .unwrap();
    let merge = has_merge(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let url = db.url();
    let run = |input: &str| upsert_verbose(dir.path(), &url, "people", input, "id");
    let input = write(
        dir.path(),
        "p.csv",
        "id,email,n\n1,B@X,2\n2,d@x,2\n3,c@x,3\n",
    );
    let r = run(&input);
    assert_eq!(
        counts(&summary(&r), &["inserted", "updated", "unchanged"]),
        [Some(1), Some(1), Some(1)]
    );
    assert_eq!(
        r.stderr.contains("MERGE INTO public.people"),
        merge,
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.contains("ON CONFLICT"), !merge, "{}", r.stderr);
    assert_eq!(
        text(&db, "SELECT email FROM people WHERE id = 1").await,
        "B@X"
    );

    // A BEFORE INSERT trigger also runs for the rows ON CONFLICT then updates, and its
    // changes reach EXCLUDED: MERGE would skip it for them, so ON CONFLICT is used.
    db.run(
        "trigger",
        "CREATE FUNCTION lower_email() RETURNS trigger LANGUAGE plpgsql AS
           $$BEGIN NEW.email := lower(NEW.email); RETURN NEW; END$$;
         CREATE TRIGGER lower_email BEFORE INSERT ON people
           FOR EACH ROW EXECUTE FUNCTION lower_email();",
    )
    .await
    .unwrap();
    let input = write(dir.path(), "q.csv", "id,email,n\n1,E@X,5\n4,F@X,5\n");
    let r = run(&input);
    assert_eq!(
        counts(&summary(&r), &["inserted", "updated"]),
        [Some(1), Some(1)]
    );
    assert!(!r.stderr.contains("MERGE INTO"), "{}", r.stderr);
    assert!(r.stderr.contains("ON CONFLICT"), "{}", r.stderr);
    assert_eq!(
        text(
            &db,
            "SELECT string_agg(email, ',' ORDER BY id) FROM people WHERE id IN (1, 4)"
        )
        .await,
        "e@x,f@x"
    );
    db.run("untrigger", "DROP TRIGGER lower_email ON people")
        .await
        .unwrap();

    // A key that another session inserts while the MERGE runs: the MERGE fails on it and
    // the ON CONFLICT merge that follows updates the row instead.
    let mut other = db.connect().await;
    sqlx::query("BEGIN").execute(&mut other).await.unwrap();
    sqlx::query("INSERT INTO people VALUES (9, 'other@x', 0)")
        .execute(&mut other)
        .await
        .unwrap();
    let input = write(dir.path(), "r.csv", "id,email,n\n9,mine@x,9\n10,g@x,9\n");
    let (args_dir, args_url) = (dir.path().to_path_buf(), url.clone());
    let upserting =
        std::thread::spawn(move || upsert_verbose(&args_dir, &args_url, "people", &input, "id"));
    // Wait until the upsert waits for the other session's row, then commit it.
    let mut waiting = 0;
    for _ in 0..600 {
        waiting = count(
            &db,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock' AND wait_event = 'transactionid'",
        )
        .await;
        if waiting > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(waiting, 1, "the upsert never waited for the other session");
    sqlx::query("COMMIT").execute(&mut other).await.unwrap();
    let r = upserting.join().unwrap();
    assert_eq!(
        counts(&summary(&r), &["inserted", "updated"]),
        [Some(1), Some(1)]
    );
    if merge {
        assert!(
            r.stderr.contains("the MERGE failed") && r.stderr.contains("ON CONFLICT"),
            "{}",
            r.stderr
        );
    }
    assert_eq!(
        text(&db, "SELECT email FROM people WHERE id = 9").await,
        "mine@x"
    );

    // NULLS NOT DISTINCT (PostgreSQL 15): ON CONFLICT sees (1, NULL) as the existing row,
    // the MERGE's join does not and its insert fails; the ON CONFLICT merge updates the row.
    if merge {
        db.run(
            "nulls",
            "CREATE TABLE slots (a int, b int, v int, UNIQUE NULLS NOT DISTINCT (a, b));
             INSERT INTO slots VALUES (1, NULL, 1);",
        )
        .await
        .unwrap();
        let input = write(dir.path(), "s.csv", "a,b,v\n1,,2\n2,,2\n");
        let r = upsert_verbose(dir.path(), &url, "slots", &input, "a,b");
        assert_eq!(
            counts(&summary(&r), &["inserted", "updated"]),
            [Some(1), Some(1)]
        );
        assert!(r.stderr.contains("the MERGE failed"), "{}", r.stderr);
        assert_eq!(
            text(
                &db,
                "SELECT string_agg(a || ':' || v, ',' ORDER BY a) FROM slots"
            )
            .await,
            "1:2,2:2"
        );
    }
    db.drop_db().await;
}
