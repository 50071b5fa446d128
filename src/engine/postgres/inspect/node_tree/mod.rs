//! Expressions written in the client from their stored node trees (`pg_node_tree`), as the
//! server's `pg_get_expr` would write them.
//!
//! `pg_get_expr` of a table's check constraint or index predicate makes the server open the
//! table (its relation cache entry: columns, checks, triggers) to name the columns; on a
//! fresh connection to a schema of 1,000 tables that is a fifth of the whole introspection.
//! The common expressions (comparisons, `AND`/`OR`/`NOT`, `IS [NOT] NULL`, casts, literals of
//! the usual types and of enums) are written here instead, from the rows already read; for
//! any other node, and wherever the server's text could depend on something not read, the
//! deparser answers `None` and the server writes that expression.

mod datum;
mod deparse;
mod parse;

use std::collections::HashMap;

use super::names::{ColumnNames, Quoter};

/// A built-in operator (one in `pg_catalog`).
pub(crate) struct Operator {
    pub name: String,
    /// `b` (infix) or `l` (prefix).
    pub kind: char,
    pub left: u32,
    pub right: u32,
}

/// What the deparser looks names up in.
pub(crate) struct Catalog<'a> {
    pub quoter: &'a Quoter,
    pub columns: &'a ColumnNames,
    /// The operators of `pg_catalog`, by id.
    pub operators: &'a HashMap<u32, Operator>,
    /// Enum types read, by id: the name as `format_type` writes it (schema-qualified).
    pub enums: &'a HashMap<u32, String>,
    /// Enum labels by their `pg_enum` id: the type and the label.
    pub labels: &'a HashMap<u32, (u32, String)>,
    /// Whether the server's encoding is UTF-8 (else only ASCII text is read).
    pub utf8: bool,
}

impl Catalog<'_> {
    /// The text `pg_get_expr(tree, table)` returns (`table` is `None` for a column default,
    /// which names no column), or `None` when the server has to write it.
    pub(crate) fn deparse(&self, tree: &str, table: Option<i64>) -> Option<String> {
        let node = parse::parse(tree)?;
        let mut out = String::new();
        self.expr(&node, table, false, &mut out)?;
        Some(out)
    }
}

/// Whether the server lays out its data little-endian, from its `version()` text (the
/// platform it was built for): only then are its datums read here.
pub(crate) fn little_endian(version: &str) -> bool {
    let Some((_, platform)) = version.split_once(" on ") else {
        return false;
    };
    let arch = platform.split(['-', ',', ' ']).next().unwrap_or("");
    matches!(
        arch,
        "x86_64"
            | "amd64"
            | "aarch64"
            | "arm64"
            | "i386"
            | "i486"
            | "i586"
            | "i686"
            | "riscv64"
            | "powerpc64le"
            | "ppc64le"
            | "loongarch64"
            | "mipsel"
            | "mips64el"
    ) || arch.starts_with("armv")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table 1 (`id` bigint, `"Status"` mood, `note` text) and an enum `public.mood`.
    fn with_catalog(check: impl FnOnce(&Catalog<'_>)) {
        let quoter = Quoter::new(["user".to_string()]);
        let mut columns = ColumnNames::default();
        columns.insert(1, 1, "id".into(), 0);
        columns.insert(1, 2, "Status".into(), 0);
        columns.insert(1, 3, "note".into(), 100);
        let op = |name: &str, kind, left, right| Operator {
            name: name.into(),
            kind,
            left,
            right,
        };
        let operators = HashMap::from([
            (419, op(">", 'b', 20, 23)),
            (413, op(">", 'b', 20, 20)),
            (3517, op("<>", 'b', 3500, 3500)),
            (531, op("<>", 'b', 25, 25)),
            (484, op("-", 'l', 0, 20)),
            (1757, op(">=", 'b', 1700, 1700)),
        ]);
        let enums = HashMap::from([(50_000, "public.mood".to_string())]);
        let labels = HashMap::from([(50_001, (50_000, "it's ok".to_string()))]);
        check(&Catalog {
            quoter: &quoter,
            columns: &columns,
            operators: &operators,
            enums: &enums,
            labels: &labels,
            utf8: true,
        });
    }

    fn var(n: u8, t: u32) -> String {
        format!("{{VAR :varno 1 :varattno {n} :vartype {t} :vartypmod -1 :varcollid 0 :varlevelsup 0 :varnosyn 1 :varattnosyn {n} :location 1}}")
    }

    fn int4(bytes: &str) -> String {
        format!("{{CONST :consttype 23 :consttypmod -1 :constcollid 0 :constlen 4 :constbyval true :constisnull false :location 5 :constvalue 4 [ {bytes} ]}}")
    }

    fn op(opno: u32, result: u32, args: &[String]) -> String {
        format!(
            "{{OPEXPR :opno {opno} :opfuncid 1 :opresulttype {result} :opretset false :opcollid 0 :inputcollid 0 :args ({}) :location 3}}",
            args.join(" ")
        )
    }

    const LABEL: &str = "{CONST :consttype 50000 :consttypmod -1 :constcollid 0 :constlen 4 :constbyval true :constisnull false :location 9 :constvalue 4 [ 81 -61 0 0 0 0 0 0 ]}";
    const TEXT: &str = "{CONST :consttype 25 :consttypmod -1 :constcollid 100 :constlen -1 :constbyval false :constisnull false :location 9 :constvalue 6 [ 24 0 0 0 104 105 ]}";

    #[test]
    fn writes_comparisons_and_literals_as_the_server_does() {
        with_catalog(|c| {
            let check = op(419, 16, &[var(1, 20), int4("5 0 0 0 0 0 0 0")]);
            assert_eq!(c.deparse(&check, Some(1)).as_deref(), Some("(id > 5)"));
            let negative = op(419, 16, &[var(1, 20), int4("-3 -1 -1 -1 -1 -1 -1 -1")]);
            assert_eq!(
                c.deparse(&negative, Some(1)).as_deref(),
                Some("(id > '-3'::integer)")
            );
            let enum_check = op(3517, 16, &[var(2, 50_000), LABEL.to_string()]);
            assert_eq!(
                c.deparse(&enum_check, Some(1)).as_deref(),
                Some("(\"Status\" <> 'it''s ok'::public.mood)")
            );
            assert_eq!(
                c.deparse(LABEL, None).as_deref(),
                Some("'it''s ok'::public.mood")
            );
            assert_eq!(c.deparse(TEXT, None).as_deref(), Some("'hi'::text"));
            let prefix = op(484, 20, &[var(1, 20)]);
            assert_eq!(c.deparse(&prefix, Some(1)).as_deref(), Some("(- id)"));
        });
    }

    #[test]
    fn writes_boolean_expressions_null_tests_and_casts() {
        with_catalog(|c| {
            let not_empty = op(531, 16, &[var(3, 25), TEXT.to_string()]);
            let null_test = format!(
                "{{NULLTEST :arg {} :nulltesttype 1 :argisrow false :location 2}}",
                var(3, 25)
            );
            let both =
                format!("{{BOOLEXPR :boolop and :args ({not_empty} {null_test}) :location 1}}");
            assert_eq!(
                c.deparse(&both, Some(1)).as_deref(),
                Some("((note <> 'hi'::text) AND (note IS NOT NULL))")
            );
            let not = format!("{{BOOLEXPR :boolop not :args ({null_test}) :location 1}}");
            assert_eq!(
                c.deparse(&not, Some(1)).as_deref(),
                Some("(NOT (note IS NOT NULL))")
            );
            let cast = format!(
                "{{FUNCEXPR :funcid 1740 :funcresulttype 1700 :funcretset false :funcvariadic false :funcformat 2 :funccollid 0 :inputcollid 0 :args ({}) :location -1}}",
                int4("0 0 0 0 0 0 0 0")
            );
            let numeric = "{VAR :varno 1 :varattno 1 :vartype 1700 :vartypmod 655366 :varcollid 0 :varlevelsup 0 :location 1}".to_string();
            let compare = op(1757, 16, &[numeric, cast.clone()]);
            assert_eq!(
                c.deparse(&compare, Some(1)).as_deref(),
                Some("(id >= (0)::numeric)")
            );
            // At the top an implicit cast is left out.
            assert_eq!(c.deparse(&cast, None).as_deref(), Some("0"));
        });
    }

    #[test]
    fn writes_in_lists_and_binary_compatible_casts() {
        with_catalog(|c| {
            let array = format!(
                "{{ARRAYEXPR :array_typeid 1009 :array_collid 100 :element_typeid 25 :elements ({TEXT} {TEXT}) :multidims false :location -1}}"
            );
            let any = format!(
                "{{SCALARARRAYOPEXPR :opno 98 :opfuncid 67 :hashfuncid 0 :negfuncid 0 :useOr true :inputcollid 100 :args ({} {array}) :location 4}}",
                var(3, 25)
            );
            let text_eq = HashMap::from([(
                98,
                Operator {
                    name: "=".into(),
                    kind: 'b',
                    left: 25,
                    right: 25,
                },
            )]);
            let c = Catalog {
                operators: &text_eq,
                ..*c
            };
            assert_eq!(
                c.deparse(&any, Some(1)).as_deref(),
                Some("(note = ANY (ARRAY['hi'::text, 'hi'::text]))")
            );
            let all = any.replace(":useOr true", ":useOr false");
            assert_eq!(
                c.deparse(&all, Some(1)).as_deref(),
                Some("(note = ALL (ARRAY['hi'::text, 'hi'::text]))")
            );
            let relabel = format!(
                "{{RELABELTYPE :arg {} :resulttype 25 :resulttypmod -1 :resultcollid 100 :relabelformat 2 :location -1}}",
                var(3, 1043)
            );
            let compare = format!(
                "{{OPEXPR :opno 98 :opfuncid 67 :opresulttype 16 :opretset false :opcollid 0 :inputcollid 100 :args ({relabel} {TEXT}) :location 3}}"
            );
            assert_eq!(
                c.deparse(&compare, Some(1)).as_deref(),
                Some("((note)::text = 'hi'::text)")
            );
            assert_eq!(c.deparse(&relabel, Some(1)).as_deref(), Some("note"));
            // A varchar column's IN list: the array coerced to text[] as a whole.
            let varchar = |v: &str| {
                let bytes: Vec<String> = v.bytes().map(|b| b.to_string()).collect();
                format!(
                    "{{CONST :consttype 1043 :consttypmod -1 :constcollid 100 :constlen -1 :constbyval false :constisnull false :location 1 :constvalue {} [ {} 0 0 0 {} ]}}",
                    v.len() + 4,
                    (v.len() + 4) << 2,
                    bytes.join(" ")
                )
            };
            let coerced = format!(
                "{{SCALARARRAYOPEXPR :opno 98 :opfuncid 67 :hashfuncid 0 :negfuncid 0 :useOr true :inputcollid 100 :args ({relabel} {{ARRAYCOERCEEXPR :arg {{ARRAYEXPR :array_typeid 1015 :array_collid 100 :element_typeid 1043 :elements ({} {}) :multidims false :location -1}} :elemexpr {{RELABELTYPE :arg {{CASETESTEXPR :typeId 1043 :typeMod -1 :collation 0}} :resulttype 25 :resulttypmod -1 :resultcollid 100 :relabelformat 2 :location -1}} :resulttype 1009 :resulttypmod -1 :resultcollid 100 :coerceformat 2 :location -1}}) :location 94}}",
                varchar("a"),
                varchar("it's")
            );
            assert_eq!(
                c.deparse(&coerced, Some(1)).as_deref(),
                Some("((note)::text = ANY ((ARRAY['a'::character varying, 'it''s'::character varying])::text[]))")
            );
            // A coercion of each element that is not binary-compatible.
            let computed = coerced.replace("{CASETESTEXPR :typeId 1043 :typeMod -1 :collation 0}", "{VAR :varno 1 :varattno 3 :vartype 1043 :vartypmod -1 :varcollid 100 :varlevelsup 0 :location 1}");
            assert_eq!(c.deparse(&computed, Some(1)), None);
            // An empty array, or elements of another type than the operator's.
            let empty = any.replace(&format!("({TEXT} {TEXT})"), "<>");
            assert_eq!(c.deparse(&empty, Some(1)), None);
            let other = any.replace(":element_typeid 25", ":element_typeid 1043");
            assert_eq!(c.deparse(&other, Some(1)), None);
        });
    }

    #[test]
    fn leaves_the_rest_to_the_server() {
        with_catalog(|c| {
            // A column of a default, an unknown column, an operator the parser would not
            // choose for these types, an unknown operator, an unknown node, a collation.
            let check = op(419, 16, &[var(1, 20), int4("5 0 0 0 0 0 0 0")]);
            assert_eq!(c.deparse(&check, None), None);
            assert_eq!(c.deparse(&check, Some(2)), None);
            let mismatch = op(413, 16, &[var(1, 20), int4("5 0 0 0 0 0 0 0")]);
            assert_eq!(c.deparse(&mismatch, Some(1)), None);
            assert_eq!(
                c.deparse(&op(9, 16, &[var(1, 20), var(1, 20)]), Some(1)),
                None
            );
            assert_eq!(
                c.deparse("{CASETESTEXPR :typeId 23 :typeMod -1 :collation 0}", None),
                None
            );
            let collated = TEXT.replace(":constcollid 100", ":constcollid 950");
            assert_eq!(c.deparse(&collated, None), None);
            let backslash = TEXT.replace("[ 24 0 0 0 104 105 ]", "[ 24 0 0 0 92 105 ]");
            assert_eq!(c.deparse(&backslash, None), None);
            assert_eq!(c.deparse("not a tree", None), None);
        });
    }

    #[test]
    fn reads_the_byte_order_from_the_version() {
        let v = |platform: &str| format!("PostgreSQL 15.18 on {platform}, compiled by gcc");
        assert!(little_endian(&v("x86_64-pc-linux-gnu")));
        assert!(little_endian(&v("aarch64-apple-darwin23.0.0")));
        assert!(!little_endian(&v("s390x-ibm-linux-gnu")));
        assert!(!little_endian(&v("powerpc64-unknown-linux-gnu")));
        assert!(!little_endian(
            "PostgreSQL 15.3, compiled by Visual C++ build 1914, 64-bit"
        ));
    }
}
