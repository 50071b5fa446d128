//! Reading the text form of `pg_node_tree` (the server's `outfuncs.c`) into a tree.
//!
//! The format: a node is `{TAG :field value :field value ...}`; a value is a token, a node,
//! a list `( ... )` of values, `<>` for a null pointer, or a datum `N [ b b ... ]` (a length
//! and that many signed bytes). Tokens are separated by whitespace, the characters `(){}` are
//! tokens of their own, and a backslash makes the next character part of a token.

use std::borrow::Cow;

/// One value of a node's field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    /// A token as written (numbers, names, `true`/`false`), backslashes removed.
    Token(Cow<'a, str>),
    Node(Node<'a>),
    List(Vec<Value<'a>>),
    /// A datum's bytes: as many as its length says.
    Datum(Vec<u8>),
    /// `<>`: a null pointer.
    Null,
}

/// A node: its tag and its fields in the order written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node<'a> {
    pub tag: &'a str,
    pub fields: Vec<(&'a str, Value<'a>)>,
}

impl<'a> Node<'a> {
    /// The value of field `name`.
    pub(crate) fn field(&self, name: &str) -> Option<&Value<'a>> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The field `name` as a token.
    pub(crate) fn token(&self, name: &str) -> Option<&str> {
        match self.field(name)? {
            Value::Token(t) => Some(t),
            _ => None,
        }
    }

    /// The field `name` as a number.
    pub(crate) fn number<T: std::str::FromStr>(&self, name: &str) -> Option<T> {
        self.token(name)?.parse().ok()
    }

    /// The field `name` as a boolean.
    pub(crate) fn flag(&self, name: &str) -> Option<bool> {
        match self.token(name)? {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// The field `name` as a node.
    pub(crate) fn node(&self, name: &str) -> Option<&Node<'a>> {
        match self.field(name)? {
            Value::Node(n) => Some(n),
            _ => None,
        }
    }

    /// The field `name` as a list of nodes (`None` when an element is not a node).
    pub(crate) fn nodes(&self, name: &str) -> Option<Vec<&Node<'a>>> {
        match self.field(name)? {
            Value::List(items) => items
                .iter()
                .map(|v| match v {
                    Value::Node(n) => Some(n),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }
}

/// Splits node text into tokens as the server's `pg_strtok` does.
struct Tokens<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Tokens<'a> {
    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        while self.at < bytes.len() && matches!(bytes[self.at], b' ' | b'\n' | b'\t') {
            self.at += 1;
        }
        if self.at >= bytes.len() {
            return None;
        }
        let start = self.at;
        if matches!(bytes[start], b'(' | b')' | b'{' | b'}') {
            self.at += 1;
            return Some(&self.text[start..self.at]);
        }
        while self.at < bytes.len()
            && !matches!(
                bytes[self.at],
                b' ' | b'\n' | b'\t' | b'(' | b')' | b'{' | b'}'
            )
        {
            if bytes[self.at] == b'\\' && self.at + 1 < bytes.len() {
                self.at += 1;
            }
            self.at += 1;
        }
        // A backslash before a multi-byte character: stay on a character boundary.
        while !self.text.is_char_boundary(self.at) {
            self.at += 1;
        }
        Some(&self.text[start..self.at])
    }

    fn peek(&self) -> Option<&'a str> {
        let mut ahead = Tokens {
            text: self.text,
            at: self.at,
        };
        ahead.next()
    }
}

/// Parses the text of one node (`None` when it is not well formed).
pub(crate) fn parse(text: &str) -> Option<Node<'_>> {
    let mut tokens = Tokens { text, at: 0 };
    if tokens.next()? != "{" {
        return None;
    }
    let node = node(&mut tokens)?;
    tokens.next().is_none().then_some(node)
}

/// The rest of a node whose `{` was read.
fn node<'a>(tokens: &mut Tokens<'a>) -> Option<Node<'a>> {
    let tag = tokens.next()?;
    if !tag.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
        return None;
    }
    let mut fields = Vec::new();
    loop {
        let token = tokens.next()?;
        if token == "}" {
            return Some(Node { tag, fields });
        }
        let name = token.strip_prefix(':')?;
        fields.push((name, value(tokens)?));
    }
}

fn value<'a>(tokens: &mut Tokens<'a>) -> Option<Value<'a>> {
    let token = tokens.next()?;
    Some(match token {
        "{" => Value::Node(node(tokens)?),
        "(" => {
            let mut items = Vec::new();
            while tokens.peek()? != ")" {
                items.push(value(tokens)?);
            }
            tokens.next();
            Value::List(items)
        }
        "<>" => Value::Null,
        ")" | "}" => return None,
        _ if tokens.peek() == Some("[") => {
            let length: usize = token.parse().ok()?;
            tokens.next();
            let mut bytes = Vec::with_capacity(length.min(1 << 16));
            loop {
                let b = tokens.next()?;
                if b == "]" {
                    break;
                }
                // Written as C `char`s: signed on most platforms, unsigned on some.
                let n: i32 = b.parse().ok()?;
                bytes.push(
                    u8::try_from(n)
                        .or_else(|_| i8::try_from(n).map(|n| n as u8))
                        .ok()?,
                );
            }
            Value::Datum(bytes)
        }
        _ => Value::Token(debackslash(token)),
    })
}

fn debackslash(token: &str) -> Cow<'_, str> {
    if token == "\"\"" {
        return Cow::Borrowed("");
    }
    if !token.contains('\\') {
        return Cow::Borrowed(token);
    }
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHECK: &str = "{OPEXPR :opno 419 :opfuncid 477 :opresulttype 16 :opretset false \
        :opcollid 0 :inputcollid 0 :args ({VAR :varno 1 :varattno 1 :vartype 20 :vartypmod -1 \
        :varcollid 0 :varlevelsup 0 :varnosyn 1 :varattnosyn 1 :location 31} {CONST :consttype 23 \
        :consttypmod -1 :constcollid 0 :constlen 4 :constbyval true :constisnull false \
        :location 36 :constvalue 4 [ 5 0 0 0 0 0 0 0 ]}) :location 34}";

    #[test]
    fn reads_nodes_lists_and_datums() {
        let n = parse(CHECK).unwrap();
        assert_eq!(n.tag, "OPEXPR");
        assert_eq!(n.number::<u32>("opno"), Some(419));
        assert_eq!(n.flag("opretset"), Some(false));
        let args = n.nodes("args").unwrap();
        assert_eq!(args[0].tag, "VAR");
        assert_eq!(args[0].number::<i32>("vartypmod"), Some(-1));
        assert_eq!(
            args[1].field("constvalue"),
            Some(&Value::Datum(vec![5, 0, 0, 0, 0, 0, 0, 0]))
        );
    }

    #[test]
    fn reads_negative_bytes_nulls_and_escapes() {
        let n = parse(
            "{CONST :constvalue 4 [ -3 -1 -1 -1 -1 -1 -1 -1 ] :a <> :b a\\ b\\(c :c \"\" :d (i 1 2)}",
        )
        .unwrap();
        assert_eq!(
            n.field("constvalue"),
            Some(&Value::Datum(vec![253, 255, 255, 255, 255, 255, 255, 255]))
        );
        assert_eq!(n.field("a"), Some(&Value::Null));
        assert_eq!(n.token("b"), Some("a b(c"));
        assert_eq!(n.token("c"), Some(""));
        assert_eq!(
            n.field("d"),
            Some(&Value::List(vec![
                Value::Token("i".into()),
                Value::Token("1".into()),
                Value::Token("2".into())
            ]))
        );
    }

    #[test]
    fn refuses_what_is_not_one_node() {
        for text in [
            "",
            "(",
            "{OPEXPR :opno",
            "{OPEXPR} {VAR}",
            "{opexpr}",
            "{A :x )}",
            "{A x 1}",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
