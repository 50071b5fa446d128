//! How a case under `fixtures/diff/` is planned: `renames.txt` (one `--rename` hint per
//! line) and `options.txt` (one plan option per line; `safe` plans as `--safe` does).

use std::path::Path;

use data_bridge::diff::plan::PlanOptions;
use data_bridge::diff::Renames;

/// The rename hints and plan options of the case in `dir`.
pub fn plan_inputs(dir: &Path) -> Result<(Renames, PlanOptions), String> {
    let lines = |file: &str| -> Vec<String> {
        std::fs::read_to_string(dir.join(file))
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    let renames = Renames::parse(&lines("renames.txt")).map_err(|e| format!("renames.txt: {e}"))?;
    let mut options = PlanOptions::default();
    for option in lines("options.txt") {
        match option.as_str() {
            "safe" => options.safe = true,
            other => {
                return Err(format!(
                    "options.txt: unknown option {other:?} (known: safe)"
                ))
            }
        }
    }
    Ok((renames, options))
}
