//! Header field names (RFC 3261 §7.3, §20) with their compact forms (§7.3.3).
//!
//! Names parse in any case and print in their canonical full form. Names this crate has no
//! variant for are kept as received in `Other` and compare case-insensitively.

use std::fmt;
use std::hash::{Hash, Hasher};

/// A header field name; see the module docs.
#[derive(Debug, Clone)]
pub enum HeaderName {
    Via,
    From,
    To,
    CallId,
    CSeq,
    Contact,
    MaxForwards,
    ContentLength,
    ContentType,
    Route,
    RecordRoute,
    Authorization,
    WwwAuthenticate,
    ProxyAuthenticate,
    ProxyAuthorization,
    Expires,
    MinExpires,
    Allow,
    Supported,
    Require,
    Unsupported,
    UserAgent,
    Server,
    Reason,
    /// Any other name, as received (or the full name of a compact form we have no variant for).
    Other(String),
}

impl HeaderName {
    /// Maps a received name (any case, compact or full) to a header name.
    #[inline]
    pub fn parse(name: &str) -> HeaderName {
        if name.len() == 1 {
            if let Some(h) = Self::compact(name.as_bytes()[0].to_ascii_lowercase()) {
                return h;
            }
        }
        if let Some(h) = Self::known(name.as_bytes(), |s| s.eq_ignore_ascii_case(name)) {
            return h;
        }
        HeaderName::Other(name.to_owned())
    }

    /// [`HeaderName::parse`] for a name already checked to be a `token` (RFC 3261 §25.1), as
    /// the message parser has. Bytes are compared with their case bit set, which turns no
    /// token character other than a letter into a letter, and none but `-` into `-`.
    #[inline]
    pub(crate) fn parse_token(name: &[u8]) -> HeaderName {
        if let [c] = name {
            if let Some(h) = Self::compact(c.to_ascii_lowercase()) {
                return h;
            }
        }
        let is = |lower: &str| eq_case_folded(name, lower.as_bytes());
        if let Some(h) = Self::known(name, is) {
            return h;
        }
        HeaderName::Other(String::from_utf8_lossy(name).into_owned())
    }

    /// The known full names, dispatched on length and first letter so that each received name
    /// costs at most two case-insensitive comparisons (this runs for every header line). `is`
    /// compares the received name with a lower-case full name.
    #[inline]
    fn known(name: &[u8], is: impl Fn(&str) -> bool) -> Option<HeaderName> {
        let first = name.first()?.to_ascii_lowercase();
        let h = match (name.len(), first) {
            (3, b'v') if is("via") => HeaderName::Via,
            (4, b'f') if is("from") => HeaderName::From,
            (2, b't') if is("to") => HeaderName::To,
            (7, b'c') if is("call-id") => HeaderName::CallId,
            (7, b'c') if is("contact") => HeaderName::Contact,
            (4, b'c') if is("cseq") => HeaderName::CSeq,
            (12, b'm') if is("max-forwards") => HeaderName::MaxForwards,
            (14, b'c') if is("content-length") => HeaderName::ContentLength,
            (12, b'c') if is("content-type") => HeaderName::ContentType,
            (5, b'r') if is("route") => HeaderName::Route,
            (12, b'r') if is("record-route") => HeaderName::RecordRoute,
            (13, b'a') if is("authorization") => HeaderName::Authorization,
            (16, b'w') if is("www-authenticate") => HeaderName::WwwAuthenticate,
            (18, b'p') if is("proxy-authenticate") => HeaderName::ProxyAuthenticate,
            (19, b'p') if is("proxy-authorization") => HeaderName::ProxyAuthorization,
            (7, b'e') if is("expires") => HeaderName::Expires,
            (11, b'm') if is("min-expires") => HeaderName::MinExpires,
            (5, b'a') if is("allow") => HeaderName::Allow,
            (9, b's') if is("supported") => HeaderName::Supported,
            (7, b'r') if is("require") => HeaderName::Require,
            (11, b'u') if is("unsupported") => HeaderName::Unsupported,
            (10, b'u') if is("user-agent") => HeaderName::UserAgent,
            (6, b's') if is("server") => HeaderName::Server,
            (6, b'r') if is("reason") => HeaderName::Reason,
            _ => return None,
        };
        Some(h)
    }

    /// Compact forms of RFC 3261 §7.3.3 and later RFCs (IANA "Header Fields" registry).
    fn compact(c: u8) -> Option<HeaderName> {
        let other = |s: &str| Some(HeaderName::Other(s.to_owned()));
        match c {
            b'v' => Some(HeaderName::Via),
            b'f' => Some(HeaderName::From),
            b't' => Some(HeaderName::To),
            b'i' => Some(HeaderName::CallId),
            b'm' => Some(HeaderName::Contact),
            b'l' => Some(HeaderName::ContentLength),
            b'c' => Some(HeaderName::ContentType),
            b'k' => Some(HeaderName::Supported),
            b's' => other("Subject"),
            b'e' => other("Content-Encoding"),
            b'o' => other("Event"),
            b'r' => other("Refer-To"),
            b'b' => other("Referred-By"),
            b'u' => other("Allow-Events"),
            b'x' => other("Session-Expires"),
            b'a' => other("Accept-Contact"),
            b'j' => other("Reject-Contact"),
            b'd' => other("Request-Disposition"),
            b'y' => other("Identity"),
            _ => None,
        }
    }

    /// The canonical full name.
    pub fn as_str(&self) -> &str {
        match self {
            HeaderName::Via => "Via",
            HeaderName::From => "From",
            HeaderName::To => "To",
            HeaderName::CallId => "Call-ID",
            HeaderName::CSeq => "CSeq",
            HeaderName::Contact => "Contact",
            HeaderName::MaxForwards => "Max-Forwards",
            HeaderName::ContentLength => "Content-Length",
            HeaderName::ContentType => "Content-Type",
            HeaderName::Route => "Route",
            HeaderName::RecordRoute => "Record-Route",
            HeaderName::Authorization => "Authorization",
            HeaderName::WwwAuthenticate => "WWW-Authenticate",
            HeaderName::ProxyAuthenticate => "Proxy-Authenticate",
            HeaderName::ProxyAuthorization => "Proxy-Authorization",
            HeaderName::Expires => "Expires",
            HeaderName::MinExpires => "Min-Expires",
            HeaderName::Allow => "Allow",
            HeaderName::Supported => "Supported",
            HeaderName::Require => "Require",
            HeaderName::Unsupported => "Unsupported",
            HeaderName::UserAgent => "User-Agent",
            HeaderName::Server => "Server",
            HeaderName::Reason => "Reason",
            HeaderName::Other(s) => s,
        }
    }

    /// Headers whose values may be comma-joined lists (RFC 3261 §7.3.1), read one element at
    /// a time by `Headers::get` and `Headers::get_all`.
    pub(crate) fn is_list(&self) -> bool {
        matches!(
            self,
            HeaderName::Via
                | HeaderName::Contact
                | HeaderName::Route
                | HeaderName::RecordRoute
                | HeaderName::Allow
                | HeaderName::Supported
                | HeaderName::Require
                | HeaderName::Unsupported
        )
    }
}

/// Whether the token `name` is `lower` (letters in lower case, and `-`) in any case: bytes
/// compared with their case bit set, a word at a time (overlapping words cover the tail).
#[inline]
fn eq_case_folded(name: &[u8], lower: &[u8]) -> bool {
    let n = name.len();
    if n != lower.len() {
        return false;
    }
    let word = |s: &[u8], i: usize| {
        s.get(i..i + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map(|w| u64::from_le_bytes(w) | 0x2020_2020_2020_2020)
    };
    let half = |s: &[u8], i: usize| {
        s.get(i..i + 4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map(|w| u32::from_le_bytes(w) | 0x2020_2020)
    };
    if n >= 8 {
        word(name, 0) == word(lower, 0) && word(name, n - 8) == word(lower, n - 8)
    } else if n >= 4 {
        half(name, 0) == half(lower, 0) && half(name, n - 4) == half(lower, n - 4)
    } else {
        name.iter().zip(lower).all(|(a, b)| a | 0x20 == *b)
    }
}

impl PartialEq for HeaderName {
    fn eq(&self, other: &HeaderName) -> bool {
        match (self, other) {
            (HeaderName::Other(a), HeaderName::Other(b)) => a.eq_ignore_ascii_case(b),
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl Eq for HeaderName {}

impl Hash for HeaderName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        if let HeaderName::Other(s) = self {
            for b in s.bytes() {
                state.write_u8(b.to_ascii_lowercase());
            }
        }
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every known header with its canonical name: parse and print must agree on each.
    static KNOWN: [(&str, HeaderName); 24] = [
        ("Via", HeaderName::Via),
        ("From", HeaderName::From),
        ("To", HeaderName::To),
        ("Call-ID", HeaderName::CallId),
        ("CSeq", HeaderName::CSeq),
        ("Contact", HeaderName::Contact),
        ("Max-Forwards", HeaderName::MaxForwards),
        ("Content-Length", HeaderName::ContentLength),
        ("Content-Type", HeaderName::ContentType),
        ("Route", HeaderName::Route),
        ("Record-Route", HeaderName::RecordRoute),
        ("Authorization", HeaderName::Authorization),
        ("WWW-Authenticate", HeaderName::WwwAuthenticate),
        ("Proxy-Authenticate", HeaderName::ProxyAuthenticate),
        ("Proxy-Authorization", HeaderName::ProxyAuthorization),
        ("Expires", HeaderName::Expires),
        ("Min-Expires", HeaderName::MinExpires),
        ("Allow", HeaderName::Allow),
        ("Supported", HeaderName::Supported),
        ("Require", HeaderName::Require),
        ("Unsupported", HeaderName::Unsupported),
        ("User-Agent", HeaderName::UserAgent),
        ("Server", HeaderName::Server),
        ("Reason", HeaderName::Reason),
    ];

    #[test]
    fn any_case_and_compact_forms() {
        assert_eq!(HeaderName::parse("call-id"), HeaderName::CallId);
        assert_eq!(HeaderName::parse("I"), HeaderName::CallId);
        assert_eq!(HeaderName::parse("v"), HeaderName::Via);
        assert_eq!(HeaderName::parse("k"), HeaderName::Supported);
        assert_eq!(HeaderName::parse("s"), HeaderName::Other("Subject".into()));
        assert_eq!(HeaderName::parse("e").to_string(), "Content-Encoding");
        assert_eq!(
            HeaderName::parse("www-authenticate").to_string(),
            "WWW-Authenticate"
        );
        assert_eq!(HeaderName::parse("CSEQ").to_string(), "CSeq");
    }

    #[test]
    fn unknown_names_compare_case_insensitively() {
        assert_eq!(HeaderName::parse("X-Foo"), HeaderName::parse("x-foo"));
        assert_eq!(HeaderName::parse("X-Foo").to_string(), "X-Foo");
        assert_ne!(HeaderName::parse("X-Foo"), HeaderName::Via);
    }

    #[test]
    fn token_names_map_like_any_name() {
        for (name, h) in &KNOWN {
            for variant in [name.to_string(), name.to_uppercase(), name.to_lowercase()] {
                assert_eq!(&HeaderName::parse_token(variant.as_bytes()), h, "{variant}");
            }
        }
        for other in [
            "Vie",
            "Contact-",
            "Content-Lengtx",
            "Record_Route",
            "X",
            "Fromm",
            "T0",
        ] {
            assert_eq!(
                HeaderName::parse_token(other.as_bytes()),
                HeaderName::parse(other),
                "{other}"
            );
            assert!(
                matches!(HeaderName::parse(other), HeaderName::Other(_)),
                "{other}"
            );
        }
        assert_eq!(HeaderName::parse_token(b"l"), HeaderName::ContentLength);
    }

    #[test]
    fn every_known_name_round_trips() {
        for (name, h) in &KNOWN {
            assert_eq!(&HeaderName::parse(name), h);
            assert_eq!(h.as_str(), *name);
        }
    }
}
