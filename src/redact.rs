//! Secrets out of every message: the one place where passwords in URLs (`scheme://user:pw@`,
//! `?password=`) and connection strings (`password=...`) are replaced by `***` before text
//! reaches a terminal or a log. The command line passes every error, warning and log line
//! through [`redact`], whatever produced it (a TOML parser echoing a source line, a URL with a
//! mistyped scheme, a server's message), so no code path has to remember to.

use std::borrow::Cow;

/// What replaces a secret.
pub const MASK: &str = "***";

/// `text` with every password it holds replaced by [`MASK`].
pub fn redact(text: &str) -> Cow<'_, str> {
    if !text.contains("://") && !contains_ignore_case(text, "password=") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let url = rest.find("://");
        let key = find_ignore_case(rest, "password=");
        match (url, key) {
            (Some(u), k) if k.is_none_or(|k| u < k) => {
                let authority = u + 3;
                out.push_str(&rest[..authority]);
                rest = &rest[authority..];
                let end = rest
                    .find(|c: char| "/?#".contains(c) || ends_token(c))
                    .unwrap_or(rest.len());
                match rest[..end].rfind('@') {
                    Some(at) => {
                        let userinfo = &rest[..at];
                        match userinfo.find(':') {
                            Some(colon) => {
                                out.push_str(&userinfo[..=colon]);
                                out.push_str(MASK);
                            }
                            None => out.push_str(userinfo),
                        }
                        out.push_str(&rest[at..end]);
                    }
                    None => out.push_str(&rest[..end]),
                }
                rest = &rest[end..];
            }
            (_, Some(k)) => {
                let value = k + "password=".len();
                out.push_str(&rest[..value]);
                rest = &rest[value..];
                let end = match rest.chars().next() {
                    Some(q @ ('\'' | '"')) => rest[1..].find(q).map_or(rest.len(), |e| e + 2),
                    _ => rest
                        .find(|c: char| c == '&' || c == '#' || ends_token(c))
                        .unwrap_or(rest.len()),
                };
                if end > 0 {
                    out.push_str(MASK);
                }
                rest = &rest[end..];
            }
            _ => {
                out.push_str(rest);
                rest = "";
            }
        }
    }
    Cow::Owned(out)
}

/// Characters that end a URL or a value inside a message.
fn ends_token(c: char) -> bool {
    c.is_whitespace() || "\"'`<>()[]{},;".contains(c)
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    find_ignore_case(haystack, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn hides_passwords_in_urls_and_connection_strings() {
        for (text, want) in [
            ("postgres://u:pw@h/db", "postgres://u:***@h/db"),
            (
                "postgress://u:pw@h:5/db: no such file",
                "postgress://u:***@h:5/db: no such file",
            ),
            (
                "url = \"mongodb://a:b@c/d\" x",
                "url = \"mongodb://a:***@c/d\" x",
            ),
            (
                "postgres://u:p%40ss@h/db?sslmode=require&password=zz",
                "postgres://u:***@h/db?sslmode=require&password=***",
            ),
            (
                "host=h password=secret user=u",
                "host=h password=*** user=u",
            ),
            ("host=h PASSWORD='a b' user=u", "host=h PASSWORD=*** user=u"),
            ("postgres://u:pw@h/${OOPS", "postgres://u:***@h/${OOPS"),
            (
                "two: postgres://a:1@h/x and postgres://b:2@h/y",
                "two: postgres://a:***@h/x and postgres://b:***@h/y",
            ),
        ] {
            assert_eq!(redact(text), want, "{text}");
        }
    }

    #[test]
    fn leaves_text_without_secrets_alone() {
        for text in [
            "postgres://u@h/db",
            "see https://example.com/a@b for more",
            "no url here",
            "password= (empty)",
        ] {
            assert_eq!(redact(text), text);
        }
    }
}
