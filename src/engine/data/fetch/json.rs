//! Writing fetched rows as JSON: an array or one object a line.

use super::{Layout, Obj, Rel};
use crate::engine::data::render::push_string;

impl Layout {
    /// Writes rows fetched with this layout as JSON: an array (`ndjson` false) or one object
    /// a line.
    pub fn write_json(&self, objs: &[Obj], ndjson: bool, out: &mut String) {
        out.reserve(objs.iter().map(|o| o.fields.len() + 64).sum());
        if !ndjson {
            out.push('[');
        }
        for (i, obj) in objs.iter().enumerate() {
            if ndjson {
                write_obj(obj, self, out);
                out.push('\n');
            } else {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                write_obj(obj, self, out);
            }
        }
        if !ndjson {
            out.push_str(if objs.is_empty() { "]\n" } else { "\n]\n" });
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
