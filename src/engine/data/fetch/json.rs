//! Writing fetched rows as JSON: an array or one object a line.

use super::{FetchPlan, Node, Obj, Rel, RelPlan};
use crate::engine::data::render::push_string;

impl FetchPlan {
    /// Writes rows as JSON: an array (`ndjson` false) or one object a line.
    pub fn write_json(&self, objs: &[Obj], ndjson: bool, out: &mut String) {
        out.reserve(objs.iter().map(|o| o.fields.len() + 64).sum());
        if !ndjson {
            out.push('[');
        }
        for (i, obj) in objs.iter().enumerate() {
            if ndjson {
                write_obj(obj, &self.query.root, out);
                out.push('\n');
            } else {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                write_obj(obj, &self.query.root, out);
            }
        }
        if !ndjson {
            out.push_str(if objs.is_empty() { "]\n" } else { "\n]\n" });
        }
    }
}

pub(super) fn write_obj(obj: &Obj, node: &Node, out: &mut String) {
    out.push('{');
    out.push_str(&obj.fields);
    for (i, (rel, value)) in node.rels.iter().zip(&obj.rels).enumerate() {
        if i > 0 || !obj.fields.is_empty() {
            out.push(',');
        }
        push_string(rel.name(), out);
        out.push(':');
        match (rel, value) {
            (RelPlan::One { node, .. }, Rel::One(Some(child))) => write_obj(child, node, out),
            (_, Rel::One(None)) => out.push_str("null"),
            (RelPlan::Many { query, .. }, Rel::Many(children)) => {
                out.push('[');
                for (j, child) in children.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    write_obj(child, &query.root, out);
                }
                out.push(']');
            }
            _ => unreachable!("relations decode into their planned shape"),
        }
    }
    out.push('}');
}
