//! Writing an expression's node tree as the server's `pg_get_expr` does (`ruleutils.c`,
//! without pretty-printing: every operator and boolean expression in parentheses).
//!
//! Only the nodes below are known; for anything else, and for any case where the server's
//! text depends on something not read here, the answer is `None` and the server writes it.

use super::datum::{self, oid};
use super::parse::{Node, Value};
use super::{Catalog, Operator};

/// `CoercionForm` as node trees write it: a cast the user wrote, one the parser added.
const EXPLICIT_CAST: i32 = 1;
const IMPLICIT_CAST: i32 = 2;

impl Catalog<'_> {
    /// The text of expression `n`; `show_implicit` says whether an implicit cast is written
    /// (inside an operator's arguments) or left out (at the top, in `AND`/`OR`/`NOT`).
    pub(super) fn expr(
        &self,
        n: &Node<'_>,
        table: Option<i64>,
        show_implicit: bool,
        out: &mut String,
    ) -> Option<()> {
        match n.tag {
            "VAR" => self.var(n, table, out),
            "CONST" => self.constant(n, out),
            "OPEXPR" => self.operator(n, table, out),
            "BOOLEXPR" => self.boolean(n, table, out),
            "NULLTEST" => self.null_test(n, table, out),
            "FUNCEXPR" => self.cast(n, table, show_implicit, out),
            "RELABELTYPE" => self.relabel(n, table, show_implicit, out),
            "SCALARARRAYOPEXPR" => self.any_of(n, table, out),
            _ => None,
        }
    }

    /// `exprType`: the type an expression yields.
    fn type_of(&self, n: &Node<'_>) -> Option<u32> {
        match n.tag {
            "VAR" => n.number("vartype"),
            "CONST" => n.number("consttype"),
            "OPEXPR" => n.number("opresulttype"),
            "FUNCEXPR" => n.number("funcresulttype"),
            "RELABELTYPE" => n.number("resulttype"),
            "BOOLEXPR" | "NULLTEST" => Some(oid::BOOL),
            _ => None,
        }
    }

    /// `format_type(t, -1)` and whether `t` is collatable, for the types known here.
    fn type_name(&self, t: u32) -> Option<(&str, bool)> {
        datum::builtin(t).or_else(|| self.enums.get(&t).map(|name| (name.as_str(), false)))
    }

    /// A column of the table the expression belongs to, by name.
    fn var(&self, n: &Node<'_>, table: Option<i64>, out: &mut String) -> Option<()> {
        let (varno, level): (i64, i64) = (n.number("varno")?, n.number("varlevelsup")?);
        let number: i16 = n.number("varattno")?;
        if varno != 1 || level != 0 || number <= 0 {
            return None;
        }
        let (name, _) = self.columns.get(table?, number)?;
        out.push_str(&self.quoter.ident(name));
        Some(())
    }

    /// `get_const_expr` with `showtype` 0: the literal, and `::type` unless the parser
    /// would read the literal as that type anyway.
    fn constant(&self, n: &Node<'_>, out: &mut String) -> Option<()> {
        let t: u32 = n.number("consttype")?;
        let collation: u32 = n.number("constcollid")?;
        if n.number::<i32>("consttypmod")? != -1 {
            return None;
        }
        let (name, collatable) = self.type_name(t)?;
        if collation != 0 && !(collatable && collation == datum::DEFAULT_COLLATION) {
            return None;
        }
        if n.flag("constisnull")? {
            out.push_str("NULL::");
            out.push_str(name);
            return Some(());
        }
        let Value::Datum(bytes) = n.field("constvalue")? else {
            return None;
        };
        let byval = n.flag("constbyval")?;
        let literal = match t {
            oid::BOOL => {
                out.push_str(if datum::word(bytes)? != 0 {
                    "true"
                } else {
                    "false"
                });
                return Some(());
            }
            oid::INT4 => {
                let value = datum::word(bytes)? as i32;
                if value >= 0 {
                    out.push_str(&value.to_string());
                    return Some(());
                }
                format!("'{value}'")
            }
            oid::INT2 => format!("'{}'", datum::word(bytes)? as i16),
            oid::INT8 if byval => format!("'{}'", datum::word(bytes)?),
            oid::TEXT | oid::VARCHAR | oid::BPCHAR => {
                let data = datum::varlena(bytes)?;
                let text = std::str::from_utf8(data).ok()?;
                if !self.utf8 && !text.is_ascii() {
                    return None;
                }
                datum::quote_literal(text)?
            }
            _ if self.enums.contains_key(&t) => {
                let label = u32::try_from(datum::word(bytes)?).ok()?;
                match self.labels.get(&label) {
                    Some((of, text)) if *of == t => datum::quote_literal(text)?,
                    _ => return None,
                }
            }
            _ => return None,
        };
        out.push_str(&literal);
        out.push_str("::");
        out.push_str(name);
        Some(())
    }

    /// `(a op b)` or `(op a)`, for a built-in operator that the parser would choose again
    /// for these argument types (so the server writes it without `OPERATOR(schema.op)`).
    fn operator(&self, n: &Node<'_>, table: Option<i64>, out: &mut String) -> Option<()> {
        let op = self.operators.get(&n.number("opno")?)?;
        let args = n.nodes("args")?;
        out.push('(');
        match args.as_slice() {
            [a, b] if op.kind == 'b' => {
                if !self.chosen_for(op, self.type_of(a)?, self.type_of(b)?) {
                    return None;
                }
                self.expr(a, table, true, out)?;
                out.push(' ');
                out.push_str(&op.name);
                out.push(' ');
                self.expr(b, table, true, out)?;
            }
            [a] if op.kind == 'l' && op.right == self.type_of(a)? => {
                out.push_str(&op.name);
                out.push(' ');
                self.expr(a, table, true, out)?;
            }
            _ => return None,
        }
        out.push(')');
        Some(())
    }

    /// Whether the parser picks built-in operator `op` again for arguments of types `a`
    /// and `b`: its declared types exactly, or the enum operators for two of one enum.
    fn chosen_for(&self, op: &Operator, a: u32, b: u32) -> bool {
        let exact = op.left == a && op.right == b;
        let enums = op.left == oid::ANYENUM
            && op.right == oid::ANYENUM
            && a == b
            && self.enums.contains_key(&a);
        exact || enums
    }

    /// `(a op ANY (ARRAY[b, c]))` (what `a IN (b, c)` becomes), `ALL` likewise, for an
    /// array written out element by element (and possibly coerced as a whole).
    fn any_of(&self, n: &Node<'_>, table: Option<i64>, out: &mut String) -> Option<()> {
        let op = self.operators.get(&n.number("opno")?)?;
        let [a, array] = n.nodes("args")?[..] else {
            return None;
        };
        let quantifier = if n.flag("useOr")? { "ANY" } else { "ALL" };
        // The array, or a binary-compatible coercion of it (`varchar` elements compared as
        // `text`), written `(ARRAY[...])::text[]` as it is shown inside an operator.
        let (literal, cast) = match array.tag {
            "ARRAYEXPR" => (array, None),
            "ARRAYCOERCEEXPR" => {
                let relabel = array.node("elemexpr")?;
                let binary = relabel.tag == "RELABELTYPE"
                    && relabel.node("arg")?.tag == "CASETESTEXPR"
                    && relabel.number::<i32>("resulttypmod")? == -1;
                let result: u32 = array.number("resulttype")?;
                if !binary || array.number::<i32>("resulttypmod")? != -1 {
                    return None;
                }
                let inner = array.node("arg")?;
                if inner.tag != "ARRAYEXPR"
                    || datum::element_of(result)? != relabel.number::<u32>("resulttype")?
                {
                    return None;
                }
                (inner, Some(result))
            }
            _ => return None,
        };
        let elements = literal.nodes("elements")?;
        if elements.is_empty() || literal.flag("multidims")? {
            return None;
        }
        let written: u32 = literal.number("element_typeid")?;
        let element = match cast {
            Some(result) => datum::element_of(result)?,
            None => written,
        };
        if op.kind != 'b' || !self.chosen_for(op, self.type_of(a)?, element) {
            return None;
        }
        out.push('(');
        self.expr(a, table, true, out)?;
        out.push(' ');
        out.push_str(&op.name);
        out.push(' ');
        out.push_str(quantifier);
        out.push_str(" (");
        if cast.is_some() {
            out.push('(');
        }
        out.push_str("ARRAY[");
        for (i, e) in elements.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if self.type_of(e)? != written {
                return None;
            }
            self.expr(e, table, true, out)?;
        }
        out.push(']');
        if let Some(result) = cast {
            out.push_str(")::");
            out.push_str(self.type_name(result)?.0);
        }
        out.push_str("))");
        Some(())
    }

    /// `(a AND b ...)`, `(a OR b ...)`, `(NOT a)`.
    fn boolean(&self, n: &Node<'_>, table: Option<i64>, out: &mut String) -> Option<()> {
        let args = n.nodes("args")?;
        let joiner = match n.token("boolop")? {
            "and" => " AND ",
            "or" => " OR ",
            "not" if args.len() == 1 => {
                out.push_str("(NOT ");
                self.expr(args[0], table, false, out)?;
                out.push(')');
                return Some(());
            }
            _ => return None,
        };
        if args.is_empty() {
            return None;
        }
        out.push('(');
        for (i, arg) in args.iter().enumerate() {
            if i > 0 {
                out.push_str(joiner);
            }
            self.expr(arg, table, false, out)?;
        }
        out.push(')');
        Some(())
    }

    /// `(a IS NULL)`, `(a IS NOT NULL)` of a scalar (a row would be written otherwise).
    fn null_test(&self, n: &Node<'_>, table: Option<i64>, out: &mut String) -> Option<()> {
        let arg = n.node("arg")?;
        let test = match n.number::<i32>("nulltesttype")? {
            0 => " IS NULL)",
            1 => " IS NOT NULL)",
            _ => return None,
        };
        if n.flag("argisrow")? {
            return None;
        }
        self.type_name(self.type_of(arg)?)?;
        out.push('(');
        self.expr(arg, table, true, out)?;
        out.push_str(test);
        Some(())
    }

    /// A cast through a function: left out when implicit and not shown, else `(a)::type`
    /// (for a function of one argument: not a length coercion, whose type has a modifier).
    fn cast(
        &self,
        n: &Node<'_>,
        table: Option<i64>,
        show_implicit: bool,
        out: &mut String,
    ) -> Option<()> {
        let format: i32 = n.number("funcformat")?;
        let args = n.nodes("args")?;
        if format == IMPLICIT_CAST && !show_implicit {
            // Also a length coercion (a second argument, the type modifier).
            return self.expr(args.first()?, table, false, out);
        }
        let [arg] = args[..] else {
            return None;
        };
        match format {
            EXPLICIT_CAST | IMPLICIT_CAST => {
                self.coercion(arg, n.number("funcresulttype")?, table, out)
            }
            _ => None,
        }
    }

    /// A binary-compatible cast (`varchar` to `text`): left out when implicit and not
    /// shown, else `(a)::type`.
    fn relabel(
        &self,
        n: &Node<'_>,
        table: Option<i64>,
        show_implicit: bool,
        out: &mut String,
    ) -> Option<()> {
        let arg = n.node("arg")?;
        if n.number::<i32>("relabelformat")? == IMPLICIT_CAST && !show_implicit {
            return self.expr(arg, table, false, out);
        }
        if n.number::<i32>("resulttypmod")? != -1 || arg.tag == "CONST" {
            return None;
        }
        self.coercion(arg, n.number("resulttype")?, table, out)
    }

    /// `get_coercion_expr` without a type modifier: `(a)::type`. A constant of the result
    /// type itself (written without its label) is left to the server.
    fn coercion(
        &self,
        arg: &Node<'_>,
        result: u32,
        table: Option<i64>,
        out: &mut String,
    ) -> Option<()> {
        let (name, _) = self.type_name(result)?;
        if arg.tag == "CONST" && self.type_of(arg)? == result {
            return None;
        }
        out.push('(');
        self.expr(arg, table, false, out)?;
        out.push_str(")::");
        out.push_str(name);
        Some(())
    }
}
