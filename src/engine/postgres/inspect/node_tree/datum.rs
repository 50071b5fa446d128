//! The built-in types node trees are written with here: their names as `format_type` prints
//! them, their collations, and the decoding of their datums' bytes.

/// Type ids of the built-in types the deparser knows (`pg_type.oid`, fixed in every release).
pub(crate) mod oid {
    pub const BOOL: u32 = 16;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    /// The pseudo-type of the operators every enum shares (`=`, `<>`, `<` ...).
    pub const ANYENUM: u32 = 3500;
}

/// The collation the default collation's id stands for (`pg_collation.oid`).
pub(crate) const DEFAULT_COLLATION: u32 = 100;

/// `format_type(t, -1)` of a built-in scalar type, and whether the type is collatable
/// (its `typcollation` is the default collation). `None` for any other type.
pub(crate) fn builtin(t: u32) -> Option<(&'static str, bool)> {
    Some(match t {
        16 => ("boolean", false),
        17 => ("bytea", false),
        20 => ("bigint", false),
        21 => ("smallint", false),
        23 => ("integer", false),
        25 => ("text", true),
        26 => ("oid", false),
        114 => ("json", false),
        650 => ("cidr", false),
        700 => ("real", false),
        701 => ("double precision", false),
        829 => ("macaddr", false),
        869 => ("inet", false),
        1042 => ("bpchar", true),
        1043 => ("character varying", true),
        1082 => ("date", false),
        1083 => ("time without time zone", false),
        1114 => ("timestamp without time zone", false),
        1184 => ("timestamp with time zone", false),
        1186 => ("interval", false),
        1266 => ("time with time zone", false),
        1700 => ("numeric", false),
        2950 => ("uuid", false),
        3802 => ("jsonb", false),
        1000 => ("boolean[]", false),
        1005 => ("smallint[]", false),
        1007 => ("integer[]", false),
        1009 => ("text[]", true),
        1014 => ("bpchar[]", true),
        1015 => ("character varying[]", true),
        1016 => ("bigint[]", false),
        _ => return None,
    })
}

/// The element type of a built-in array type [`builtin`] knows.
pub(crate) fn element_of(array: u32) -> Option<u32> {
    Some(match array {
        1000 => 16,
        1005 => 21,
        1007 => 23,
        1009 => 25,
        1014 => 1042,
        1015 => 1043,
        1016 => 20,
        _ => return None,
    })
}

/// The value of a pass-by-value datum: the server writes all 8 bytes of its `Datum` word, in
/// its own byte order (only little-endian servers are read here).
pub(crate) fn word(bytes: &[u8]) -> Option<i64> {
    Some(i64::from_le_bytes(bytes.try_into().ok()?))
}

/// The data of a varlena datum with an uncompressed, inline header of 1 or 4 bytes
/// (little-endian layout), checked against the length written.
pub(crate) fn varlena(bytes: &[u8]) -> Option<&[u8]> {
    let first = *bytes.first()?;
    let (header, size) = if first & 0x01 == 0x01 {
        // 1-byte header: 0x01 alone is a TOAST pointer, never inline data.
        if first == 0x01 {
            return None;
        }
        (1, usize::from(first >> 1))
    } else if first & 0x03 == 0x00 {
        let head: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
        (4, (u32::from_le_bytes(head) >> 2) as usize)
    } else {
        // Compressed inline: never in a stored expression, and not readable here.
        return None;
    };
    (size == bytes.len() && size >= header).then(|| &bytes[header..])
}

/// `simple_quote_literal`: the text between single quotes, quotes doubled. `None` for text
/// with a backslash, whose quoting depends on `standard_conforming_strings`.
pub(crate) fn quote_literal(text: &str) -> Option<String> {
    if text.contains('\\') {
        return None;
    }
    Some(format!("'{}'", text.replace('\'', "''")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_words_and_varlenas() {
        assert_eq!(word(&[5, 0, 0, 0, 0, 0, 0, 0]), Some(5));
        assert_eq!(word(&[253, 255, 255, 255, 255, 255, 255, 255]), Some(-3));
        assert_eq!(word(&[1, 0, 0, 0]), None);
        assert_eq!(
            varlena(&[32, 0, 0, 0, b'i', b't', b'\'', b's']),
            Some(&b"it's"[..])
        );
        assert_eq!(varlena(&[16, 0, 0, 0]), Some(&b""[..]));
        assert_eq!(varlena(&[7, b'a', b'b']), Some(&b"ab"[..]));
        // A length that does not match the bytes, a compressed or external header.
        assert_eq!(varlena(&[36, 0, 0, 0, b'a']), None);
        assert_eq!(varlena(&[2, 0, 0, 0]), None);
        assert_eq!(varlena(&[1, 0, 0, 0]), None);
        assert_eq!(varlena(&[]), None);
    }

    #[test]
    fn quotes_literals_like_the_server() {
        assert_eq!(quote_literal("it's").as_deref(), Some("'it''s'"));
        assert_eq!(quote_literal("").as_deref(), Some("''"));
        assert_eq!(quote_literal("a\\b"), None);
    }
}
