//! Ordered `;name[=value]` parameter lists of URIs and headers (RFC 3261 §19.1.1, §20).
//!
//! Names compare case-insensitively (RFC 3261 §7.3.1). Values are kept exactly as received,
//! quoted values with their quotes (`+sip.instance="<urn:uuid:...>"`), so printing gives back
//! the same text.

use std::fmt;

use super::chars::{is_param_name_char, is_param_value_char};
use super::split::{find_byte, split_semicolons, trim_lws};

/// An ordered list of parameters; see the module docs.
///
/// Stored as its normalised text (`;a=1;b`, no whitespace), which is what gets printed; lookups
/// scan it. Lists are short (a handful of parameters), so one string beats a vector of pairs:
/// parsing a header costs one allocation per list instead of two per parameter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params(String);

impl Params {
    /// An empty list.
    pub fn new() -> Params {
        Params(String::new())
    }

    /// `None` if absent, `Some(None)` for a flag parameter (`;lr`), `Some(Some(v))` otherwise.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The value of a parameter that has one.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).flatten()
    }

    /// Whether the parameter is present, with or without a value.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Replaces the value of the first occurrence in place, or appends the parameter.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let mut out = String::with_capacity(self.0.len() + name.len() + 16);
        let mut done = false;
        for (n, v) in self.iter() {
            if !done && n.eq_ignore_ascii_case(name) {
                push_param(&mut out, n, value);
                done = true;
            } else {
                push_param(&mut out, n, v);
            }
        }
        if !done {
            push_param(&mut out, name, value);
        }
        self.0 = out;
    }

    /// Removes every occurrence of the parameter.
    pub fn remove(&mut self, name: &str) {
        let mut out = String::with_capacity(self.0.len());
        for (n, v) in self.iter().filter(|(n, _)| !n.eq_ignore_ascii_case(name)) {
            push_param(&mut out, n, v);
        }
        self.0 = out;
    }

    /// The parameters in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        let body = self.0.get(1..).unwrap_or("");
        split_semicolons(body)
            .filter(|_| !body.is_empty())
            .map(|piece| match find_byte(piece, b'=') {
                Some(eq) => (
                    piece.get(..eq).unwrap_or(""),
                    Some(piece.get(eq + 1..).unwrap_or("")),
                ),
                None => (piece, None),
            })
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses `;a=1;b` (the text after the element the parameters belong to). Whitespace around
    /// `;` and `=` is allowed (RFC 3261 §25.1 SEMI and EQUAL) and dropped. Returns `None` on a
    /// malformed list.
    pub fn parse_list(s: &str) -> Option<Params> {
        ParamsRef::parse(s).map(ParamsRef::into_params)
    }
}

/// A checked parameter list still borrowing the received text (validation without allocating).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParamsRef<'a> {
    /// The trimmed list, starting with `;` (or empty).
    text: &'a str,
    /// Whether optional whitespace must be dropped when taking ownership.
    has_space: bool,
}

impl<'a> ParamsRef<'a> {
    /// Checks a `;a=1;b` list; see [`Params::parse_list`]. One pass over the bytes: this runs
    /// on every Via, From and To of every message.
    pub(crate) fn parse(s: &'a str) -> Option<ParamsRef<'a>> {
        let s = trim_lws(s);
        let bytes = s.as_bytes();
        let at = |i: usize| bytes.get(i).copied();
        let mut has_space = false;
        let mut skip_lws = |i: &mut usize| {
            while at(*i).is_some_and(|b| b == b' ' || b == b'\t') {
                *i += 1;
                has_space = true;
            }
        };
        let mut i = 0;
        while i < bytes.len() {
            if at(i) != Some(b';') {
                return None;
            }
            i += 1;
            skip_lws(&mut i);
            let name_start = i;
            while at(i).is_some_and(is_param_name_char) {
                i += 1;
            }
            if i == name_start {
                return None;
            }
            skip_lws(&mut i);
            if at(i) == Some(b'=') {
                i += 1;
                skip_lws(&mut i);
                if at(i) == Some(b'"') {
                    i = close_quote(bytes, i + 1)?;
                } else {
                    while at(i).is_some_and(is_param_value_char) {
                        i += 1;
                    }
                }
                skip_lws(&mut i);
            }
        }
        Some(ParamsRef { text: s, has_space })
    }

    /// The owned list.
    pub(crate) fn into_params(self) -> Params {
        if !self.has_space {
            return Params(self.text.to_owned());
        }
        // Rare: rebuild without the optional whitespace.
        let rest = self.text.get(1..).unwrap_or("");
        let mut out = String::with_capacity(self.text.len());
        for piece in split_semicolons(rest) {
            let (name, value) = match find_byte(piece, b'=') {
                Some(eq) => (
                    piece.get(..eq).unwrap_or(""),
                    Some(piece.get(eq + 1..).unwrap_or("")),
                ),
                None => (piece, None),
            };
            push_param(&mut out, trim_lws(name), value.map(trim_lws));
        }
        Params(out)
    }
}

fn push_param(out: &mut String, name: &str, value: Option<&str>) {
    out.push(';');
    out.push_str(name);
    if let Some(v) = value {
        out.push('=');
        out.push_str(v);
    }
}

/// The index after the closing quote of a quoted string whose text starts at `from`, or
/// `None` if it never closes.
fn close_quote(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_flags_have_no_value() {
        let p = Params::parse_list(";Branch=z9hG4bK1 ; rport ;lr").unwrap_or_default();
        assert_eq!(p.value("branch"), Some("z9hG4bK1"));
        assert_eq!(p.get("RPORT"), Some(None));
        assert!(p.contains("lr"));
        assert_eq!(p.get("maddr"), None);
    }

    #[test]
    fn quoted_values_keep_their_quotes() {
        let p = Params::parse_list(r#";+sip.instance="<urn:uuid:1;2>";expires=60"#);
        let p = p.unwrap_or_default();
        assert_eq!(p.value("+sip.instance"), Some(r#""<urn:uuid:1;2>""#));
        assert_eq!(
            p.to_string(),
            r#";+sip.instance="<urn:uuid:1;2>";expires=60"#
        );
    }

    #[test]
    fn set_replaces_in_place_and_remove_drops() {
        let mut p = Params::parse_list(";a=1;b=2").unwrap_or_default();
        p.set("A", Some("3"));
        p.set("c", None);
        assert_eq!(p.to_string(), ";a=3;b=2;c");
        p.remove("b");
        assert_eq!(p.to_string(), ";a=3;c");
    }

    #[test]
    fn optional_whitespace_is_dropped() {
        let p = Params::parse_list(" ; branch = z9hG4bK1 ;rport").unwrap_or_default();
        assert_eq!(p.to_string(), ";branch=z9hG4bK1;rport");
        assert_eq!(p.iter().count(), 2);
        assert_eq!(Params::new().iter().count(), 0);
    }

    #[test]
    fn malformed_lists_are_rejected() {
        assert!(Params::parse_list("a=1").is_none());
        assert!(Params::parse_list(";=1").is_none());
        assert!(Params::parse_list(";a=\"open").is_none());
        assert!(Params::parse_list(";a b=1").is_none());
    }
}
