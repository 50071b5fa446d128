//! The type arguments are cast to: a column's type without its modifier.

/// A type as `format_type` spells it, without its modifiers (`character varying(3)` →
/// `character varying`, `timestamp(3) with time zone` → `timestamp with time zone`), so that a
/// cast to it never shortens or rounds a value: the column's own check applies on writing.
/// `character` and `bit` without a length mean a length of 1, so they become `bpchar` and
/// `varbit`.
pub fn cast_type(sql_type: &str) -> String {
    let mut out = String::with_capacity(sql_type.len());
    let mut quoted = false;
    let mut chars = sql_type.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '"' {
            quoted = !quoted;
        }
        if ch == '(' && !quoted {
            let mut modifier = String::new();
            for inner in chars.by_ref() {
                if inner == ')' {
                    break;
                }
                modifier.push(inner);
            }
            if modifier
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == ' ')
            {
                continue;
            }
            out.push('(');
            out.push_str(&modifier);
            out.push(')');
            continue;
        }
        out.push(ch);
    }
    let (base, dims) = match out.find("[]") {
        Some(i) => out.split_at(i),
        None => (out.as_str(), ""),
    };
    let base = match base {
        "character" => "bpchar",
        "bit" => "varbit",
        other => other,
    };
    format!("{base}{dims}")
}

#[cfg(test)]
mod tests {
    use super::cast_type;

    #[test]
    fn casts_drop_modifiers_and_keep_lengthless_types_unlimited() {
        for (given, cast) in [
            ("character varying(3)", "character varying"),
            ("character varying(3)[]", "character varying[]"),
            ("numeric(10,2)", "numeric"),
            ("timestamp(3) with time zone", "timestamp with time zone"),
            ("character(3)", "bpchar"),
            ("character(3)[][]", "bpchar[][]"),
            ("bit(8)", "varbit"),
            ("bit varying(8)", "bit varying"),
            ("integer", "integer"),
            ("public.\"odd(1)\"", "public.\"odd(1)\""),
            ("public.mood[]", "public.mood[]"),
        ] {
            assert_eq!(cast_type(given), cast, "{given}");
        }
    }
}
