//! Name-address headers: From, To, Contact, Route, Record-Route (RFC 3261 §20.10, §20.20,
//! §20.39, §25.1 `name-addr` / `addr-spec`).
//!
//! Accepted forms: `"Display Name" <uri>;params`, `Display Name <uri>;params`, `<uri>;params`
//! and a bare `uri;params`. In the bare form everything after the first `;` is a header
//! parameter, not a URI parameter (RFC 3261 §20). Printing always uses `<uri>` so URI
//! parameters can never be mistaken for header parameters.

use std::fmt;

use crate::Error;
use crate::message::params::{Params, ParamsRef};
use crate::message::split::{find_byte, trim_lws};
use crate::message::uri::{Uri, UriRef};

/// A name-address with its header parameters; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    /// The display name, unquoted and unescaped.
    pub display_name: Option<String>,
    pub uri: Uri,
    pub params: Params,
}

impl NameAddr {
    /// A name-address with no display name or parameters.
    pub fn new(uri: Uri) -> NameAddr {
        NameAddr {
            display_name: None,
            uri,
            params: Params::new(),
        }
    }

    /// The `tag` parameter (RFC 3261 §19.3).
    pub fn tag(&self) -> Option<&str> {
        self.params.value("tag")
    }

    /// Sets or replaces the `tag` parameter.
    pub fn set_tag(&mut self, tag: &str) {
        self.params.set("tag", Some(tag));
    }

    /// Parses one name-address value; see the module docs for the accepted forms.
    pub fn parse(s: &str) -> Result<NameAddr, Error> {
        let parts = NameAddrRef::parse(s)?;
        Ok(NameAddr {
            display_name: parts.display_name.map(|d| match d {
                DisplayRef::Quoted(inner) => unescape(inner),
                DisplayRef::Plain(text) => text.to_owned(),
            }),
            uri: parts.uri.into_uri(),
            params: parts.params.into_params(),
        })
    }

    /// Checks one name-address value without allocating.
    pub(crate) fn check(s: &str) -> Result<(), Error> {
        NameAddrRef::parse(s).map(|_| ())
    }
}

/// A display name as received.
#[derive(Debug, Clone, Copy)]
enum DisplayRef<'a> {
    /// The text between the quotes, escapes not yet removed.
    Quoted(&'a str),
    Plain(&'a str),
}

/// A checked name-address still borrowing the received text.
#[derive(Debug, Clone, Copy)]
struct NameAddrRef<'a> {
    display_name: Option<DisplayRef<'a>>,
    uri: UriRef<'a>,
    params: ParamsRef<'a>,
}

impl<'a> NameAddrRef<'a> {
    fn parse(s: &'a str) -> Result<NameAddrRef<'a>, Error> {
        let s = trim_lws(s);
        let (display_name, rest) = if let Some(quoted) = s.strip_prefix('"') {
            let Some((inner, after)) = split_quoted(quoted) else {
                return Err(Error::BadUri);
            };
            let after = trim_lws(after);
            if !after.starts_with('<') {
                return Err(Error::BadUri);
            }
            (Some(DisplayRef::Quoted(inner)), after)
        } else if let Some(lt) = find_byte(s, b'<') {
            let name = trim_lws(&s[..lt]);
            (
                (!name.is_empty()).then_some(DisplayRef::Plain(name)),
                &s[lt..],
            )
        } else {
            // Bare addr-spec: header parameters start at the first `;`.
            let (uri, params) = match find_byte(s, b';') {
                Some(i) => (&s[..i], &s[i..]),
                None => (s, ""),
            };
            // LWS may precede the `;` (`sip:a@b ;tag=1`, RFC 4475 wsinv).
            let uri = UriRef::parse(trim_lws(uri))?;
            let Some(params) = ParamsRef::parse(params) else {
                return Err(Error::BadUri);
            };
            return Ok(NameAddrRef {
                display_name: None,
                uri,
                params,
            });
        };
        let Some(inner) = rest.strip_prefix('<') else {
            return Err(Error::BadUri);
        };
        let Some(gt) = find_byte(inner, b'>') else {
            return Err(Error::BadUri);
        };
        let uri = UriRef::parse(trim_lws(&inner[..gt]))?;
        let Some(params) = ParamsRef::parse(&inner[gt + 1..]) else {
            return Err(Error::BadUri);
        };
        Ok(NameAddrRef {
            display_name,
            uri,
            params,
        })
    }
}

/// Splits `text" rest` (the opening quote already consumed) into the quoted text (escapes
/// kept) and the remainder after the closing quote.
fn split_quoted(s: &str) -> Option<(&str, &str)> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Some((s.get(..i)?, s.get(i + 1..)?)),
            _ => i += 1,
        }
    }
    None
}

/// Removes the backslash escapes of a quoted string's text.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = &self.display_name {
            f.write_str("\"")?;
            for c in name.chars() {
                if c == '"' || c == '\\' {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
            f.write_str("\" ")?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::uri::Host;
    use proptest::prelude::*;

    fn na(s: &str) -> NameAddr {
        NameAddr::parse(s).expect("valid name-addr")
    }

    #[test]
    fn quoted_display_name_with_tag() {
        let a = na(r#""Alice \"A\" Smith" <sip:alice@example.com;transport=tcp>;tag=1928301774"#);
        assert_eq!(a.display_name.as_deref(), Some(r#"Alice "A" Smith"#));
        assert_eq!(a.uri.transport_param(), Some("tcp"));
        assert_eq!(a.tag(), Some("1928301774"));
        assert_eq!(
            a.to_string(),
            r#""Alice \"A\" Smith" <sip:alice@example.com;transport=tcp>;tag=1928301774"#
        );
    }

    #[test]
    fn unquoted_display_name_and_angle_only() {
        assert_eq!(
            na("Bob <sip:bob@b.com>").display_name.as_deref(),
            Some("Bob")
        );
        let a = na("<sip:bob@b.com>");
        assert_eq!(a.display_name, None);
        assert_eq!(a.uri.host, Host::Domain("b.com".into()));
    }

    #[test]
    fn bare_uri_params_belong_to_the_header() {
        let mut a = na("sip:carol@c.com;tag=xyz;user=phone");
        assert!(a.uri.params.is_empty());
        assert_eq!(a.tag(), Some("xyz"));
        assert_eq!(a.params.value("user"), Some("phone"));
        a.set_tag("new");
        assert_eq!(a.to_string(), "<sip:carol@c.com>;tag=new;user=phone");
    }

    #[test]
    fn tel_uri_in_angle_brackets() {
        assert_eq!(na("<tel:+15551234>").uri.user.as_deref(), Some("+15551234"));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "\"unterminated <sip:a@b>",
            "<sip:a@b",
            "\"x\" sip:a@b",
            "<http://x>",
        ] {
            assert!(NameAddr::parse(bad).is_err(), "{bad:?}");
        }
    }

    fn arb_name_addr() -> impl Strategy<Value = NameAddr> {
        (
            proptest::option::of("[a-zA-Z0-9 \"\\\\,;<>@]{0,12}"),
            crate::message::uri::tests::arb_uri(),
            crate::message::uri::tests::arb_params(),
        )
            .prop_map(|(display_name, uri, params)| NameAddr {
                display_name,
                uri,
                params,
            })
    }

    proptest! {
        #[test]
        fn print_then_parse_round_trips(a in arb_name_addr()) {
            prop_assert_eq!(NameAddr::parse(&a.to_string()), Ok(a));
        }
    }
}
