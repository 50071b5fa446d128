//! The round trip that proves a plan on a real server: apply `from` to A and `to` to B,
//! plan A→B, apply up to A and compare with B, then apply down and compare with `from`.

use data_bridge::diff::model::Database;
use data_bridge::diff::plan::PlanOptions;
use data_bridge::diff::snapshot::{self, Format};
use data_bridge::diff::{Plan, Renames};
use data_bridge::engine::postgres::script::{run_script, Atomicity};
use data_bridge::engine::source::apply_schema;

use super::TestDb;
use data_bridge::diff::quote::SqlName;

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
    /// How the plan is rendered (`--safe`).
    pub options: PlanOptions,
}

/// How far a case got: the stage that failed, with what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The case's own SQL does not apply (not our SQL's fault, but a failure all the same).
    Input(String),
    /// Introspecting the same database twice gave different models.
    Unstable(String),
    /// The up script failed or did not reach `to`.
    Up(String),
    /// After up, a second diff against `to` was not empty.
    SecondDiff(String),
    /// The down script failed or did not return to `from`.
    Down(String),
}

impl Failure {
    /// The stage's name, as the expected-failures list writes it.
    pub fn stage(&self) -> &'static str {
        match self {
            Failure::Input(_) => "input",
            Failure::Unstable(_) => "unstable",
            Failure::Up(_) => "up",
            Failure::SecondDiff(_) => "second-diff",
            Failure::Down(_) => "down",
        }
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        match self {
            Failure::Input(m)
            | Failure::Unstable(m)
            | Failure::Up(m)
            | Failure::SecondDiff(m)
            | Failure::Down(m) => m,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.stage(), self.message())
    }
}

/// The outcome: the plan when the case ran that far, and the first failure if any.
pub struct Outcome {
    pub plan: Option<Plan>,
    /// The introspected models of both sides, when the case got that far.
    pub models: Option<(Database, Database)>,
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

/// The typed keys, foreign keys, checks, indexes, triggers, partition keys and column defaults
/// introspection reads must write exactly the text `pg_get_constraintdef`, `pg_get_indexdef`,
/// `pg_get_triggerdef`, `pg_get_partkeydef` and `pg_get_expr` return (quoted with the
/// server's keywords).
async fn definitions_agree(db: &TestDb, model: &Database) -> Result<(), Failure> {
    use data_bridge::diff::postgres::definitions as sql;
    use sqlx::Row;
    let mut conn = db.connect().await;
    let by_name = "SELECT n.nspname::text, c.relname::text, ic.relname::text, \
                      pg_catalog.pg_get_indexdef(i.indexrelid) \
               FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
               JOIN pg_catalog.pg_class c ON c.oid = i.indrelid \
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
               UNION ALL \
               SELECT n.nspname::text, c.relname::text, con.conname::text, \
                      pg_catalog.pg_get_constraintdef(con.oid) \
               FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
               UNION ALL \
               SELECT n.nspname::text, c.relname::text, 'trigger ' || t.tgname::text, \
                      pg_catalog.pg_get_triggerdef(t.oid) \
               FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid \
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal \
               UNION ALL \
               SELECT n.nspname::text, t.typname::text, 'domain check ' || con.conname::text, \
                      pg_catalog.pg_get_constraintdef(con.oid) \
               FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_type t ON t.oid = con.contypid \
               JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
               UNION ALL \
               SELECT n.nspname::text, c.relname::text, 'partition key', \
                      pg_catalog.pg_get_partkeydef(c.oid) \
               FROM pg_catalog.pg_partitioned_table p JOIN pg_catalog.pg_class c ON c.oid = p.partrelid \
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
               UNION ALL \
               SELECT n.nspname::text, c.relname::text, 'default ' || a.attname::text, \
                      pg_catalog.pg_get_expr(ad.adbin, CASE WHEN a.attgenerated = '' THEN 0 \
                                                            ELSE c.oid END) \
               FROM pg_catalog.pg_attrdef ad JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid \
               JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum \
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace";
    sqlx::query("SET search_path = ''")
        .execute(&mut conn)
        .await
        .unwrap();
    let server: std::collections::HashMap<(String, String, String), String> = sqlx::query(by_name)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| ((r.get(0), r.get(1), r.get(2)), r.get(3)))
        .collect();
    let keywords: std::collections::HashSet<String> = sqlx::query_scalar(
        "SELECT word::text FROM pg_catalog.pg_get_keywords() WHERE catcode <> 'U'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .collect();
    let quoter = data_bridge::engine::postgres::inspect::Quoter::new(keywords);
    let q = |name: &str| quoter.ident(name).into_owned();
    let mut ours: Vec<(&data_bridge::diff::model::QualifiedName, String, String)> = Vec::new();
    for t in &model.tables {
        for c in &t.constraints {
            ours.push((&t.name, c.name.clone(), sql::constraint(&q, c)));
        }
        // pg_get_indexdef writes a partitioned table's indexes with ON ONLY.
        let form = if t.partition_by.is_some() {
            sql::IndexForm::OnlyParent
        } else {
            sql::IndexForm::Plain
        };
        for i in &t.indexes {
            ours.push((&t.name, i.name.clone(), sql::index(&q, &t.name, i, form)));
        }
        for tr in &t.triggers {
            let name = format!("trigger {}", tr.name);
            ours.push((&t.name, name, sql::trigger(&q, &t.name, tr)));
        }
        if let Some(key) = &t.partition_by {
            let text = sql::partition_key(&q, key);
            ours.push((&t.name, "partition key".into(), text));
        }
        for c in &t.columns {
            if let Some(expr) = c.default.as_ref().or(c.generated.as_ref()) {
                ours.push((&t.name, format!("default {}", c.name), expr.clone()));
            }
        }
    }
    for d in &model.domains {
        for c in &d.checks {
            let name = format!("domain check {}", c.name);
            ours.push((&d.name, name, sql::domain_check(c)));
        }
    }
    for v in &model.views {
        for c in &v.columns {
            if let Some(expr) = &c.default {
                let name = format!("default {}", c.name);
                ours.push((&v.name, name, expr.as_str().to_string()));
            }
        }
        for i in &v.indexes {
            ours.push((
                &v.name,
                i.name.clone(),
                sql::index(&q, &v.name, i, sql::IndexForm::Plain),
            ));
        }
    }
    let differ: Vec<String> = ours
        .into_iter()
        .filter_map(|(table, name, definition)| {
            let key = (table.schema.clone(), table.name.clone(), name.clone());
            let theirs = server.get(&key);
            (theirs != Some(&definition)).then(|| {
                format!(
                    "{table} {name}:\n  ours:   {definition}\n  server: {theirs:?}",
                    table = table.sql()
                )
            })
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
        models: None,
        failure: Some(f),
    };
    if let Err(f) = prepare(a, case, case.from, "current.sql").await {
        return fail(f);
    }
    if let Err(f) = prepare(b, case, case.to, "desired.sql").await {
        return fail(f);
    }
    let from = a.inspect().await;
    let to = b.inspect().await;
    for (db, model) in [(a, &from), (b, &to)] {
        if let Err(f) = definitions_agree(db, model).await {
            return fail(f);
        }
    }
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
    let plan = match Plan::with_options(&from, &to, &case.renames, case.options) {
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
        models: Some((from, to)),
        failure,
    }
}

async fn check(a: &TestDb, plan: &Plan, from: &Database, to: &Database) -> Result<(), Failure> {
    a.run_plan("up.sql", &plan.up, &plan.up_modes)
        .await
        .map_err(|e| Failure::Up(e.to_string()))?;
    let after_up = a.inspect().await;
    compare("after up", &after_up, to).map_err(Failure::Up)?;
    let again =
        Plan::new(&after_up, to, &Renames::default()).map_err(|e| Failure::Up(e.to_string()))?;
    if !again.is_empty() {
        return Err(Failure::SecondDiff(again.up_sql()));
    }
    a.run_plan("down.sql", &plan.down, &plan.down_modes)
        .await
        .map_err(|e| Failure::Down(e.to_string()))?;
    let after_down = a.inspect().await;
    compare("after down", &after_down, from).map_err(Failure::Down)
}
