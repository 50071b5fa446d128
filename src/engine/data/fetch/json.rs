//! Writing fetched rows as JSON: an array or one object a line.

use super::{Layout, Obj, Rel};
use crate::engine::data::render::push_string;

impl Layout {
    /// Writes rows fetched with this layout as JSON: an array (`ndjson` false) or one object
    /// a line.
    pub fn write_json(&self, objs: &[Obj], ndjson: bool, out: &mut String) {
        let mut stream = JsonStream::new(ndjson);
        stream.rows(self, objs, out);
        stream.finish(out);
    }
}

/// JSON output written batch by batch: `[`, the rows separated by commas, `]` (or one
/// object a line), the same text as [`Layout::write_json`] of all the rows at once.
pub struct JsonStream {
    ndjson: bool,
    written: u64,
}

impl JsonStream {
    pub fn new(ndjson: bool) -> Self {
        JsonStream { ndjson, written: 0 }
    }

    /// Appends `objs` to `out`.
    pub fn rows(&mut self, layout: &Layout, objs: &[Obj], out: &mut String) {
        out.reserve(objs.iter().map(|o| o.fields.len() + 64).sum());
        for obj in objs {
            if self.ndjson {
                write_obj(obj, layout, out);
                out.push('\n');
            } else {
                out.push_str(match self.written {
                    0 => "[\n",
                    _ => ",\n",
                });
                write_obj(obj, layout, out);
            }
            self.written += 1;
        }
    }

    /// Ends the output.
    pub fn finish(&self, out: &mut String) {
        if !self.ndjson {
            out.push_str(if self.written == 0 { "[]\n" } else { "\n]\n" });
        }
    }
}

fn write_obj(obj: &Obj, layout: &Layout, out: &mut String) {
    out.push('{');
    out.push_str(&obj.fields);
    for (i, ((name, _, child), value)) in layout.relations.iter().zip(&obj.rels).enumerate() {
        if i > 0 || !obj.fields.is_empty() {
            out.push(',');
        }
        push_string(name, out);
        out.push(':');
        match value {
            Rel::One(Some(one)) => write_obj(one, child, out),
            Rel::One(None) => out.push_str("null"),
            Rel::Many(children) => {
                out.push('[');
                for (j, one) in children.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    write_obj(one, child, out);
                }
                out.push(']');
            }
        }
    }
    out.push('}');
}
