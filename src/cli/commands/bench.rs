//! `dbridge bench`: the engine's benchmarks, each next to a reference from the same run.

use std::io::IsTerminal;

use super::target_pool;
use super::ExitStatus;
use crate::cli::args::GlobalOptions;
use crate::cli::render::output;
use crate::engine::bench::{run as run_bench, BenchOptions, Figure, Suite};
use crate::project::Project;

use crate::cli::args::choice;

choice!(SuiteArg => Suite { Schema, Insert, Upsert, Fetch, All });

/// Arguments of `dbridge bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Which suite to run.
    #[arg(long, value_enum, default_value = "all")]
    pub suite: SuiteArg,
    /// Rows for the upsert suite.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    /// Table counts for the schema suite (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "100,1000")]
    pub tables: Vec<usize>,
}

pub async fn run(
    global: &GlobalOptions,
    project: &Project,
    args: BenchArgs,
) -> anyhow::Result<ExitStatus> {
    if args.rows < 2 {
        anyhow::bail!("--rows must be at least 2");
    }
    let options = BenchOptions {
        suite: args.suite.into(),
        rows: args.rows,
        tables: args.tables,
    };
    let chatty = !global.quiet && (std::io::stderr().is_terminal() || global.verbose);
    let progress = |what: &str| {
        if chatty {
            eprintln!("running {what}...");
        }
    };
    #[cfg(feature = "mongodb")]
    let mongo = super::mongo_target(global, project);
    #[cfg(not(feature = "mongodb"))]
    let mongo: Option<String> = None;
    let figures = match mongo {
        #[cfg(feature = "mongodb")]
        Some(url) => {
            let target = crate::engine::mongo::connect(&url).await?;
            crate::engine::bench::mongo::run(&target, &options, &progress).await?
        }
        _ => {
            let pool = target_pool(global, project, &[]).await?;
            let mut conn = pool.acquire().await?;
            run_bench(&mut conn, &options, &progress).await?
        }
    };
    let text = if global.json {
        format!("{}\n", serde_json::to_string_pretty(&figures)?)
    } else {
        table(&figures)
    };
    output::emit(&text, None)?;
    Ok(ExitStatus::Success)
}

fn value(v: f64, unit: &str) -> String {
    match unit {
        "rows/s" => format!("{v:.0} rows/s"),
        "us" => format!("{v:.0} us"),
        _ => format!("{v:.1} {unit}"),
    }
}

/// The figures as a table.
fn table(figures: &[Figure]) -> String {
    let rows: Vec<[String; 5]> = figures
        .iter()
        .map(|f| {
            [
                serde_json::to_value(f.suite)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                f.measurement.clone(),
                value(f.value, f.unit),
                format!("{} ({})", f.reference, value(f.reference_value, f.unit)),
                format!("{:.2}x", f.ratio),
            ]
        })
        .collect();
    let mut out = crate::cli::render::table::table(
        &["suite", "measurement", "dbridge", "reference", "ratio"],
        rows.into_iter().map(Vec::from),
    );
    out.push_str(
        "ratio = dbridge / reference (for ms and us lower is better, for rows/s higher)\n",
    );
    out
}
