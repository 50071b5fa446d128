//! Tables as the command line draws them (comfy-table): Markdown-style ASCII, which reads the
//! same in a terminal, a CI log and an issue it is pasted into.

use comfy_table::{presets, Table};

/// `rows` under `header`, one line each, ending with a newline.
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut t = Table::new();
    t.load_style(presets::ASCII_MARKDOWN)
        .set_header(header.iter().copied())
        .add_rows(rows);
    let mut text: String = t
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    text
}
