//! The `Digest` auth-param list shared by `Authorization`, `Proxy-Authorization`,
//! `WWW-Authenticate` and `Proxy-Authenticate` (RFC 3261 §25.1 `digest-response` and
//! `digest-cln`, RFC 7616 §3.3–§3.4): a scheme token, then `name=value` pairs separated by commas,
//! each value a token or a quoted string with backslash escapes.
//!
//! Names are case-insensitive and may come in any order; a repeated name is refused, because two
//! different values for the same directive leave the meaning to whichever copy a reader picks.

use std::fmt;

use crate::Error;

/// The parsed list: the names lowercased, the values unquoted and unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DigestParams {
    params: Vec<(String, String)>,
}

impl DigestParams {
    /// Parses `Digest name=value, ...`. Any other scheme is [`Error::AuthSchemeNotDigest`].
    pub(crate) fn parse(value: &str) -> Result<DigestParams, Error> {
        let mut cur = Cursor {
            s: value.as_bytes(),
            pos: 0,
        };
        cur.skip_lws();
        let scheme = cur.token();
        if !scheme.eq_ignore_ascii_case("digest") {
            return Err(Error::AuthSchemeNotDigest);
        }
        let mut params: Vec<(String, String)> = Vec::new();
        loop {
            cur.skip_lws();
            // Empty list elements (`a=1, , b=2`) are allowed by the list rules of RFC 7230 §7.
            while cur.eat(b',') {
                cur.skip_lws();
            }
            if cur.at_end() {
                break;
            }
            let name = cur.token().to_ascii_lowercase();
            if name.is_empty() {
                return Err(Error::DigestSyntax { offset: cur.pos });
            }
            cur.skip_lws();
            if !cur.eat(b'=') {
                return Err(Error::DigestSyntax { offset: cur.pos });
            }
            cur.skip_lws();
            let value = if cur.peek() == Some(b'"') {
                cur.quoted_string()?
            } else {
                // Lenient: some clients send `uri=sip:x` unquoted, so take everything up to the
                // next separator rather than a strict token.
                cur.bare_value().to_owned()
            };
            if params.iter().any(|(n, _)| *n == name) {
                return Err(Error::DigestDuplicateParam(name));
            }
            params.push((name, value));
            cur.skip_lws();
            if !cur.at_end() && !cur.eat(b',') {
                return Err(Error::DigestSyntax { offset: cur.pos });
            }
        }
        Ok(DigestParams { params })
    }

    /// The value of `name` (lowercase).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of a directive that must be present.
    pub(crate) fn required(&self, name: &'static str) -> Result<&str, Error> {
        self.get(name).ok_or(Error::DigestMissingParam(name))
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Spaces, tabs and (already unfolded or not) line breaks.
    fn skip_lws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    fn slice(&self, start: usize) -> &'a str {
        // Cursor positions only ever stop on ASCII bytes, so these are char boundaries; the
        // fallback keeps a bug from becoming a panic.
        self.s
            .get(start..self.pos)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// An RFC 3261 `token`.
    fn token(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b) {
                self.pos += 1;
            } else {
                break;
            }
        }
        self.slice(start)
    }

    /// An unquoted value: everything up to a comma or whitespace.
    fn bare_value(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b == b',' || b.is_ascii_whitespace() || b == b'"' {
                break;
            }
            self.pos += 1;
        }
        self.slice(start)
    }

    /// A quoted string; `\x` stands for `x` (RFC 3261 §25.1 `quoted-pair`).
    fn quoted_string(&mut self) -> Result<String, Error> {
        let open = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(Error::DigestSyntax { offset: open }),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(b) => out.push(b),
                        None => return Err(Error::DigestSyntax { offset: open }),
                    }
                    self.pos += 1;
                }
                Some(b) => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| Error::DigestSyntax { offset: open })
    }
}

/// Writes `value` as a quoted string, escaping `"` and `\`.
pub(crate) struct Quoted<'a>(pub(crate) &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.0.chars() {
            if c == '"' || c == '\\' {
                f.write_str("\\")?;
            }
            write!(f, "{c}")?;
        }
        f.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_are_case_insensitive_and_values_unquoted() {
        let p = DigestParams::parse(
            "digest USERNAME=\"bob\",Realm=\"a\\\"b\\\\c\" ,  nc=00000001,algorithm=SHA-256",
        )
        .expect("parses");
        assert_eq!(p.get("username"), Some("bob"));
        assert_eq!(p.get("realm"), Some("a\"b\\c"));
        assert_eq!(p.get("nc"), Some("00000001"));
        assert_eq!(p.get("algorithm"), Some("SHA-256"));
    }

    #[test]
    fn folded_lines_and_empty_elements_are_tolerated() {
        let p = DigestParams::parse("Digest a=1,\r\n  b=\"x, y\", , c=3").expect("parses");
        assert_eq!(
            (p.get("a"), p.get("b"), p.get("c")),
            (Some("1"), Some("x, y"), Some("3"))
        );
    }

    #[test]
    fn other_schemes_and_broken_lists_are_refused() {
        assert_eq!(
            DigestParams::parse("Basic YWxhZGRpbjpvcGVu"),
            Err(Error::AuthSchemeNotDigest)
        );
        assert!(matches!(
            DigestParams::parse("Digest realm=\"open"),
            Err(Error::DigestSyntax { .. })
        ));
        assert!(matches!(
            DigestParams::parse("Digest realm"),
            Err(Error::DigestSyntax { .. })
        ));
        assert!(matches!(
            DigestParams::parse("Digest a=1 b=2"),
            Err(Error::DigestSyntax { .. })
        ));
        assert_eq!(
            DigestParams::parse("Digest nonce=a, Nonce=b"),
            Err(Error::DigestDuplicateParam("nonce".into()))
        );
        assert!(DigestParams::parse("Digest realm=\"x\\").is_err());
    }

    proptest! {
        #[test]
        fn quoting_round_trips(value in "[ -~]{0,40}") {
            let header = format!("Digest realm={}", Quoted(&value));
            let p = DigestParams::parse(&header).expect("quoted value parses");
            prop_assert_eq!(p.get("realm"), Some(value.as_str()));
        }

        #[test]
        fn arbitrary_input_never_panics(input in "\\PC{0,80}") {
            let _ = DigestParams::parse(&input);
        }
    }
}
