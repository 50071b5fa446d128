//! `dbridge fetch` on a MongoDB target: documents with the related documents of `--with`,
//! following the `references` declared in the project's MongoDB schema file.

use super::fetch::{FetchArgs, FetchFormat};
use super::ExitStatus;
use crate::cli::render::output;
use crate::diff::mongo::{snapshot, Reference};
use crate::diff::snapshot::Format;
use crate::engine::data::filter::{parse_order_by, Filter};
use crate::engine::mongo::fetch::{fetch, relations, MongoFetch};
use crate::engine::mongo::json::relaxed;
use crate::project::Project;

/// The declared references: those of the project's schema source when it is a MongoDB
/// schema file, else none.
fn references(project: &Project) -> anyhow::Result<Vec<Reference>> {
    let source = project.schema_source();
    if !super::mongo_diff::is_mongo_source(&source) || crate::engine::mongo::is_url(&source) {
        return Ok(Vec::new());
    }
    let path = std::path::Path::new(&source);
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
    let format = Format::from_path(path).unwrap_or(Format::Toml);
    Ok(snapshot::read(&text, format, &source)?.references)
}

pub async fn run(project: &Project, url: &str, args: &FetchArgs) -> anyhow::Result<ExitStatus> {
    let references = references(project)?;
    if args.relations {
        let mut text = String::new();
        for r in relations(&args.table, &references) {
            let kind = if r.many { "many" } else { "one" };
            text.push_str(&format!(
                "{}\t{kind}\t{} ({} -> {})\n",
                r.name, r.to, r.local_field, r.foreign_field
            ));
        }
        output::emit(&text, None)?;
        return Ok(ExitStatus::Success);
    }
    let filters = args
        .filters
        .iter()
        .map(|f| Filter::parse(f))
        .collect::<Result<Vec<_>, _>>()?;
    let mut with = Vec::new();
    for value in &args.with {
        for path in value.split(',') {
            let names: Vec<String> = path.split('.').map(|n| n.trim().to_string()).collect();
            if names.iter().any(String::is_empty) {
                anyhow::bail!("--with {value:?}: a path has an empty relation name");
            }
            with.push(names);
        }
    }
    let request = MongoFetch {
        collection: &args.table,
        with,
        filters: &filters,
        order_by: args.order_by.iter().map(|o| parse_order_by(o)).collect(),
        limit: args.limit,
        offset: args.offset,
    };
    let target = crate::engine::mongo::connect(url).await?;
    let docs = fetch(&target, &request, &references).await?;
    let text = match args.format {
        FetchFormat::Json if args.relaxed => {
            let items: Vec<String> = docs.iter().map(relaxed).collect();
            format!("[\n{}\n]\n", items.join(",\n"))
        }
        FetchFormat::Ndjson if args.relaxed => docs.iter().map(|d| relaxed(d) + "\n").collect(),
        FetchFormat::Json => serde_json::to_string_pretty(&docs)? + "\n",
        FetchFormat::Ndjson => docs
            .iter()
            .map(|d| serde_json::to_string(d).map(|l| l + "\n"))
            .collect::<Result<String, _>>()?,
    };
    output::emit(&text, None)?;
    Ok(ExitStatus::Success)
}
