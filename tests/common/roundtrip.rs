//! The round trip that proves a plan on a real server: apply `from` to A and `to` to B,
//! plan A→B, apply up to A and compare with B, then apply down and compare with `from`.

use data_bridge::diff::model::Database;
use data_bridge::diff::snapshot::{self, Format};
use data_bridge::diff::{Plan, Renames};
use data_bridge::engine::postgres::script::{run_script, Atomicity};
use data_bridge::engine::source::apply_schema;

use super::TestDb;

/// One case: SQL for both sides, plus what both databases need first.
pub struct Case<'a> {
    pub name: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    /// Run in both databases before anything else.
    pub setup: Option<&'a str>,
    /// Database-level settings (`search_path` and the like) for both databases.
    pub settings: Vec<(String, String)>,
    pub renames: Renames,
}

/// How far a case got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The case's own SQL does not apply (not our SQL's fault, but a failure all the same).
    Input(String),
    /// Introspecting the same database twice gave different models.
    Unstable(String),
    /// The up script failed or did not reach `to`.
    Up(String),
    /// The down script failed or did not return to `from`.
    Down(String),
}

/// The outcome: the plan when the case ran that far, and the first failure if any.
pub struct Outcome {
    pub plan: Option<Plan>,
    pub failure: Option<Failure>,
}

async fn prepare(db: &TestDb, case: &Case<'_>, sql: &str, label: &str) -> Result<(), Failure> {
    let mut conn = db.connect().await;
    for (key, value) in &case.settings {
        let stmt = format!("ALTER DATABASE \"{}\" SET {key} = {value}", db.name);
        run_script(&mut conn, "settings", &stmt, Atomicity::Autocommit)
            .await
            .map_err(|e| Failure::Input(e.to_string()))?;
    }
    drop(conn);
    let mut scripts = Vec::new();
    if let Some(setup) = case.setup {
        scripts.push(("setup.sql".to_string(), setup.to_string()));
    }
    scripts.push((label.to_string(), sql.to_string()));
    let mut conn = db.connect().await;
    apply_schema(&mut conn, &scripts)
        .await
        .map_err(|e| Failure::Input(e.to_string()))
}

fn compare(what: &str, got: &Database, want: &Database) -> Result<(), String> {
    let got = got.without_column_order();
    let want = want.without_column_order();
    if got == want {
        return Ok(());
    }
    let a = serde_json::to_string_pretty(&got).unwrap();
    let b = serde_json::to_string_pretty(&want).unwrap();
    let diff = similar::TextDiff::from_lines(&b, &a)
        .unified_diff()
        .context_radius(3)
        .header("expected", "got")
        .to_string();
    Err(format!("{what}:\n{diff}"))
}

/// Index definitions that introspection assembles from the catalog must read exactly as
/// `pg_get_indexdef` writes them.
async fn index_definitions_agree(db: &TestDb) -> Result<(), Failure> {
    use sqlx::{Executor, Row};
    let mut conn = db.connect().await;
    conn.execute("SET search_path = ''").await.unwrap();
    let sql = concat!(
        "SELECT ",
        data_bridge::index_definition!(),
        ", pg_catalog.pg_get_indexdef(i.indexrelid) \
         FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
         JOIN pg_catalog.pg_class c ON c.oid = i.indrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg\\_toast%'"
    );
    let rows = sqlx::query(sql).fetch_all(&mut conn).await.unwrap();
    let differ: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let (ours, theirs): (Option<String>, Option<String>) = (r.get(0), r.get(1));
            (ours != theirs).then(|| format!("assembled: {ours:?}\npg_get_indexdef: {theirs:?}"))
        })
        .collect();
    if differ.is_empty() {
        Ok(())
    } else {
        Err(Failure::Unstable(differ.join("\n")))
    }
}

/// Runs the round trip on two fresh databases, dropping them afterwards.
pub async fn run(case: &Case<'_>) -> Outcome {
    let a = TestDb::new(case.name).await;
    let b = TestDb::new(case.name).await;
    let outcome = run_on(case, &a, &b).await;
    a.drop_db().await;
    b.drop_db().await;
    outcome
}

async fn run_on(case: &Case<'_>, a: &TestDb, b: &TestDb) -> Outcome {
    let fail = |f| Outcome {
        plan: None,
        failure: Some(f),
    };
    if let Err(f) = prepare(a, case, case.from, "current.sql").await {
        return fail(f);
    }
    if let Err(f) = prepare(b, case, case.to, "desired.sql").await {
        return fail(f);
    }
    for db in [a, b] {
        if let Err(f) = index_definitions_agree(db).await {
            return fail(f);
        }
    }
    let from = a.inspect().await;
    let to = b.inspect().await;
    if from != a.inspect().await {
        return fail(Failure::Unstable("introspecting A twice differs".into()));
    }
    for (format, name) in [(Format::Json, "JSON"), (Format::Toml, "TOML")] {
        let text = snapshot::write(&to, format);
        match snapshot::read(&text, format, "snapshot") {
            Ok(back) if back == to => {}
            Ok(_) => {
                return fail(Failure::Unstable(format!(
                    "the {name} snapshot reads back different"
                )))
            }
            Err(e) => {
                return fail(Failure::Unstable(format!(
                    "the {name} snapshot does not read back: {e}"
                )))
            }
        }
    }
    let plan = match Plan::new(&from, &to, &case.renames) {
        Ok(p) => p,
        Err(e) => return fail(Failure::Up(e.to_string())),
    };
    if !Plan::new(&from, &from, &Renames::default())
        .unwrap()
        .is_empty()
    {
        return fail(Failure::Unstable("diff(from, from) is not empty".into()));
    }
    let failure = check(a, &plan, &from, &to).await.err();
    Outcome {
        plan: Some(plan),
        failure,
    }
}

async fn check(a: &TestDb, plan: &Plan, from: &Database, to: &Database) -> Result<(), Failure> {
    a.run("up.sql", &plan.up_sql())
        .await
        .map_err(|e| Failure::Up(e.to_string()))?;
    let after_up = a.inspect().await;
    compare("after up", &after_up, to).map_err(Failure::Up)?;
    let again =
        Plan::new(&after_up, to, &Renames::default()).map_err(|e| Failure::Up(e.to_string()))?;
    if !again.is_empty() {
        return Err(Failure::Up(format!(
            "a second diff is not empty:\n{}",
            again.up_sql()
        )));
    }
    a.run("down.sql", &plan.down_sql())
        .await
        .map_err(|e| Failure::Down(e.to_string()))?;
    let after_down = a.inspect().await;
    compare("after down", &after_down, from).map_err(Failure::Down)
}
