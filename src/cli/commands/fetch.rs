//! `dbridge fetch`: rows with their related rows, as nested JSON.

use super::target_engine;
use super::ExitStatus;
use crate::cli::args::GlobalOptions;
use crate::cli::render::{output, Timer};
use crate::engine::backend::DataBackend;
use std::io::Write;

use crate::engine::data::fetch::{list_relations, FetchRequest, JsonStream, Layout, Obj};
use crate::engine::data::filter::{parse_order_by, Filter};
use crate::engine::data::DataError;
use crate::project::Project;

/// Output formats of `fetch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FetchFormat {
    Json,
    Ndjson,
}

/// Arguments of `dbridge fetch`.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// The table (`schema.table`, or a table name found in `public` first).
    pub table: String,
    /// A condition on a column: col=value, col!=value, col<value, col<=value, col>value,
    /// col>=value, col~pattern (LIKE), col=null (repeatable; all must hold).
    #[arg(long = "filter", value_name = "EXPR")]
    pub filters: Vec<String>,
    /// Relations to load, nested with dots: `comments.author,tags` (repeatable); a relation
    /// whose name holds a dot goes in double quotes: `'"audit.log".author'`.
    #[arg(long = "with", value_name = "PATH,...")]
    pub with: Vec<String>,
    /// Sort by a column, `:desc` for descending (repeatable; ties by primary key).
    #[arg(long = "order-by", value_name = "COL[:desc]")]
    pub order_by: Vec<String>,
    /// Return at most this many root rows (relations are loaded for each of them).
    #[arg(long, value_name = "N")]
    pub limit: Option<i64>,
    /// Skip this many root rows first (in --order-by order, then by primary key).
    #[arg(long, value_name = "N")]
    pub offset: Option<i64>,
    /// Output format: a JSON array, or one root row a line.
    #[arg(long, value_enum, default_value = "json")]
    pub format: FetchFormat,
    /// List the table's relations instead of fetching rows.
    #[arg(long)]
    pub relations: bool,
    /// On MongoDB: relaxed Extended JSON (numbers plain, dates as ISO text) instead of the
    /// driver's Extended JSON.
    #[arg(long)]
    pub relaxed: bool,
}

pub async fn run(
    global: &GlobalOptions,
    project: &Project,
    args: FetchArgs,
) -> anyhow::Result<ExitStatus> {
    #[cfg(feature = "mongodb")]
    if let Some(url) = super::mongo_target(global, project) {
        return super::mongo_fetch::run(project, &url, &args).await;
    }
    if args.relaxed {
        anyhow::bail!("--relaxed is for MongoDB documents; PostgreSQL rows are plain JSON already");
    }
    // Timestamps with time zone come out in UTC, whatever the server's setting.
    let timer = Timer::new();
    let engine = target_engine(global, project, &[("TimeZone", "UTC")]).await?;
    timer.lap("connect");
    let catalog = engine.catalog().await?;
    timer.lap("read the catalog");
    if args.relations {
        let mut text = String::new();
        for r in list_relations(&catalog, &args.table)? {
            let through = r
                .through
                .as_ref()
                .map(|t| format!(" through {}.{}", t.schema, t.table))
                .unwrap_or_default();
            text.push_str(&format!(
                "{}\t{}\t{}.{} ({} -> {}){through}\n",
                r.name,
                serde_json::to_value(r.kind)?.as_str().unwrap_or_default(),
                r.target_schema,
                r.target_table,
                r.source_columns.join(", "),
                r.target_columns.join(", "),
            ));
        }
        if global.json {
            text = format!(
                "{}\n",
                serde_json::to_string_pretty(&list_relations(&catalog, &args.table)?)?
            );
        }
        output::emit(&text, None)?;
        return Ok(ExitStatus::Success);
    }
    let request = FetchRequest {
        table: args.table,
        filters: args
            .filters
            .iter()
            .map(|f| Filter::parse(f))
            .collect::<Result<_, _>>()?,
        with: args.with,
        order_by: args.order_by.iter().map(|o| parse_order_by(o)).collect(),
        limit: args.limit,
        offset: args.offset,
        ..FetchRequest::default()
    };
    // Streamed: each batch of root rows is written as soon as its relations are loaded.
    let ndjson = args.format == FetchFormat::Ndjson;
    let mut stream = JsonStream::new(ndjson);
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout());
    let mut text = String::new();
    let mut failed: Option<std::io::Error> = None;
    let mut sink = |layout: &Layout, batch: Vec<Obj<String>>| {
        text.clear();
        stream.rows(layout, &batch, &mut text);
        if let Err(e) = out.write_all(text.as_bytes()) {
            failed.get_or_insert(e);
            return Err(DataError::Invalid("the output was closed".into()));
        }
        Ok(())
    };
    let fetched = engine
        .fetch_json_batches(&catalog, &request, &mut sink)
        .await;
    if let Some(e) = failed {
        return Err(e.into());
    }
    let rows = fetched?;
    text.clear();
    stream.finish(&mut text);
    out.write_all(text.as_bytes())?;
    out.flush()?;
    timer.lap(&format!("fetch and write {rows} rows"));
    Ok(ExitStatus::Success)
}
