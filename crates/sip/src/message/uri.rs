//! SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966).
//!
//! `sip:user:password@host:port;params?headers`. The user part and the headers are kept as on
//! the wire (escapes not decoded), so printing gives back the received text. For a `tel:` URI the
//! number (with any visual separators) is in `user`, `host` is `Host::Domain("")` and `port` is
//! `None`; the tel parameters (`;phone-context=...`) are in `params`.
//!
//! Equality is structural, not the RFC 3261 §19.1.4 comparison rules.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::chars::{is_domain_char, is_user_char};
use super::params::{Params, ParamsRef};
use super::split::find_byte;
use crate::Error;

/// The URI scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Sip,
    Sips,
    Tel,
}

impl Scheme {
    /// The scheme as printed (lower case).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Sip => "sip",
            Scheme::Sips => "sips",
            Scheme::Tel => "tel",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The host of a URI or Via sent-by (RFC 3261 §25.1 `host`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A domain name, kept as received (compare with `eq_ignore_ascii_case`).
    Domain(String),
    Ipv4(Ipv4Addr),
    /// Printed as an IPv6 reference, `[2001:db8::1]`.
    Ipv6(Ipv6Addr),
}

impl Host {
    /// Parses a host: `[v6]`, dotted IPv4, or a domain name.
    pub fn parse(s: &str) -> Result<Host, Error> {
        HostRef::parse(s).map(HostRef::into_host)
    }
}

/// A checked host still borrowing the received text.
#[derive(Debug, Clone, Copy)]
pub(crate) enum HostRef<'a> {
    Domain(&'a str),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
}

impl<'a> HostRef<'a> {
    pub(crate) fn parse(s: &'a str) -> Result<HostRef<'a>, Error> {
        if let Some(inner) = s.strip_prefix('[') {
            let Some(inner) = inner.strip_suffix(']') else {
                return Err(Error::BadHost);
            };
            return inner.parse().map(HostRef::Ipv6).map_err(|_| Error::BadHost);
        }
        if s.is_empty() {
            return Err(Error::BadHost);
        }
        if let Some(v4) = parse_ipv4(s) {
            return Ok(HostRef::Ipv4(v4));
        }
        if !s.bytes().all(is_domain_char) {
            return Err(Error::BadHost);
        }
        Ok(HostRef::Domain(s))
    }

    pub(crate) fn into_host(self) -> Host {
        match self {
            HostRef::Domain(d) => Host::Domain(d.to_owned()),
            HostRef::Ipv4(a) => Host::Ipv4(a),
            HostRef::Ipv6(a) => Host::Ipv6(a),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::Ipv4(a) => write!(f, "{a}"),
            Host::Ipv6(a) => write!(f, "[{a}]"),
        }
    }
}

/// A strict dotted quad (no leading zeros, so it prints back identically), or `None`.
/// Hand-rolled because it runs on every Via and URI host and the general parser is slower.
fn parse_ipv4(s: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut n = 0;
    let (mut value, mut digits, mut leading_zero) = (0u16, 0, false);
    for b in s.bytes().chain(std::iter::once(b'.')) {
        if b == b'.' {
            if digits == 0 || (leading_zero && digits > 1) {
                return None;
            }
            *octets.get_mut(n)? = u8::try_from(value).ok()?;
            n += 1;
            (value, digits) = (0, 0);
        } else if b.is_ascii_digit() && digits < 3 {
            if digits == 0 {
                leading_zero = b == b'0';
            }
            value = value * 10 + u16::from(b - b'0');
            digits += 1;
        } else {
            return None;
        }
    }
    (n == 4).then(|| Ipv4Addr::from(octets))
}

/// Splits `host[:port]` where host may be an `[IPv6]` reference.
pub(crate) fn parse_host_port(s: &str) -> Result<(HostRef<'_>, Option<u16>), Error> {
    let (host, port) = if s.starts_with('[') {
        let Some(close) = s.find(']') else {
            return Err(Error::BadHost);
        };
        let (h, rest) = s.split_at(close + 1);
        match rest {
            "" => (h, None),
            _ => (h, Some(rest.strip_prefix(':').ok_or(Error::BadPort)?)),
        }
    } else {
        match s.bytes().rposition(|b| b == b':') {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        }
    };
    let port = match port {
        Some(p) => Some(parse_port(p)?),
        None => None,
    };
    Ok((HostRef::parse(host)?, port))
}

fn parse_port(p: &str) -> Result<u16, Error> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::BadPort);
    }
    p.parse().map_err(|_| Error::BadPort)
}

/// A `sip:`, `sips:` or `tel:` URI; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    pub scheme: Scheme,
    pub user: Option<String>,
    pub password: Option<String>,
    pub host: Host,
    pub port: Option<u16>,
    pub params: Params,
    /// The `?` headers part, without the `?`, as received.
    pub headers: Option<String>,
}

/// Characters of a tel number (RFC 3966 global/local number digits and visual separators).
fn is_tel_char(b: u8) -> bool {
    b.is_ascii_hexdigit() || b"+-.()*#pPwW".contains(&b)
}

impl Uri {
    /// A `sip:` URI for `host`, no user, port or parameters.
    pub fn sip(host: Host) -> Uri {
        Uri {
            scheme: Scheme::Sip,
            user: None,
            password: None,
            host,
            port: None,
            params: Params::new(),
            headers: None,
        }
    }

    /// Parses a URI (RFC 3261 §19.1.1, RFC 3966 §3). No surrounding whitespace is allowed.
    pub fn parse(s: &str) -> Result<Uri, Error> {
        UriRef::parse(s).map(UriRef::into_uri)
    }

    /// The `transport` URI parameter, if any.
    pub fn transport_param(&self) -> Option<&str> {
        self.params.value("transport")
    }
}

/// A checked URI still borrowing the received text: validation without allocating, and one
/// grammar for both checking and parsing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UriRef<'a> {
    scheme: Scheme,
    user: Option<&'a str>,
    password: Option<&'a str>,
    host: HostRef<'a>,
    port: Option<u16>,
    params: ParamsRef<'a>,
    headers: Option<&'a str>,
}

impl<'a> UriRef<'a> {
    /// See [`Uri::parse`].
    pub(crate) fn parse(s: &'a str) -> Result<UriRef<'a>, Error> {
        let Some(colon) = find_byte(s, b':') else {
            return Err(Error::BadUri);
        };
        let scheme = match &s[..colon] {
            x if x.eq_ignore_ascii_case("sip") => Scheme::Sip,
            x if x.eq_ignore_ascii_case("sips") => Scheme::Sips,
            x if x.eq_ignore_ascii_case("tel") => Scheme::Tel,
            _ => return Err(Error::UnsupportedScheme),
        };
        let rest = &s[colon + 1..];
        if scheme == Scheme::Tel {
            return UriRef::parse_tel(rest);
        }
        // One pass for the delimiters. Unescaped `@` is only legal as the userinfo delimiter
        // (RFC 3261 §25.1), so the first one ends the user part; `?` and `;` count after it.
        let (mut at, mut question, mut semi) = (None, None, None);
        for (i, b) in rest.bytes().enumerate() {
            match b {
                0..=b' ' | b'<' | b'>' | b'"' | 0x7f => return Err(Error::BadUri),
                b'@' if at.is_none() => (at, question, semi) = (Some(i), None, None),
                b'?' if question.is_none() => question = Some(i),
                b';' if semi.is_none() && question.is_none() => semi = Some(i),
                _ => {}
            }
        }
        let (userinfo, host_start) = match at {
            Some(i) => (Some(&rest[..i]), i + 1),
            None => (None, 0),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(ui) => {
                let (u, p) = match find_byte(ui, b':') {
                    Some(i) => (&ui[..i], Some(&ui[i + 1..])),
                    None => (ui, None),
                };
                if u.is_empty() || !u.bytes().all(is_user_char) {
                    return Err(Error::BadUri);
                }
                if let Some(p) = p {
                    if !p.bytes().all(|b| is_user_char(b) && b != b';' && b != b'?') {
                        return Err(Error::BadUri);
                    }
                }
                (Some(u), p)
            }
        };
        let headers_at = question.unwrap_or(rest.len());
        let params_at = semi.unwrap_or(headers_at);
        let hostport = &rest[host_start..params_at];
        let params = &rest[params_at..headers_at];
        let headers = question.map(|q| &rest[q + 1..]);
        let (host, port) = parse_host_port(hostport)?;
        let Some(params) = ParamsRef::parse(params) else {
            return Err(Error::BadUri);
        };
        Ok(UriRef {
            scheme,
            user,
            password,
            host,
            port,
            params,
            headers,
        })
    }

    fn parse_tel(rest: &'a str) -> Result<UriRef<'a>, Error> {
        if rest
            .bytes()
            .any(|b| b <= b' ' || b == b'<' || b == b'>' || b == b'"' || b == 0x7f)
        {
            return Err(Error::BadUri);
        }
        let (number, params) = match find_byte(rest, b';') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if number.is_empty() || !number.bytes().all(is_tel_char) {
            return Err(Error::BadUri);
        }
        Ok(UriRef {
            scheme: Scheme::Tel,
            user: Some(number),
            password: None,
            host: HostRef::Domain(""),
            port: None,
            params: ParamsRef::parse(params).ok_or(Error::BadUri)?,
            headers: None,
        })
    }

    /// The owned URI.
    pub(crate) fn into_uri(self) -> Uri {
        Uri {
            scheme: self.scheme,
            user: self.user.map(str::to_owned),
            password: self.password.map(str::to_owned),
            host: self.host.into_host(),
            port: self.port,
            params: self.params.into_params(),
            headers: self.headers.map(str::to_owned),
        }
    }
}

impl FromStr for Uri {
    type Err = Error;
    fn from_str(s: &str) -> Result<Uri, Error> {
        Uri::parse(s)
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.scheme)?;
        if self.scheme == Scheme::Tel {
            f.write_str(self.user.as_deref().unwrap_or(""))?;
            return write!(f, "{}", self.params);
        }
        if let Some(user) = &self.user {
            f.write_str(user)?;
            if let Some(pw) = &self.password {
                write!(f, ":{pw}")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}", self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        write!(f, "{}", self.params)?;
        if let Some(h) = &self.headers {
            write!(f, "?{h}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn uri(s: &str) -> Uri {
        Uri::parse(s).expect("valid uri")
    }

    #[test]
    fn full_sip_uri() {
        let u = uri("sip:alice:secret@example.com:5070;transport=tcp;lr?Subject=hi");
        assert_eq!(u.scheme, Scheme::Sip);
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.password.as_deref(), Some("secret"));
        assert_eq!(u.host, Host::Domain("example.com".into()));
        assert_eq!(u.port, Some(5070));
        assert_eq!(u.transport_param(), Some("tcp"));
        assert!(u.params.contains("lr"));
        assert_eq!(u.headers.as_deref(), Some("Subject=hi"));
        assert_eq!(
            u.to_string(),
            "sip:alice:secret@example.com:5070;transport=tcp;lr?Subject=hi"
        );
    }

    #[test]
    fn ipv6_references() {
        let u = uri("sips:bob@[2001:db8::1]:5061");
        assert_eq!(u.host, Host::Ipv6("2001:db8::1".parse().expect("v6")));
        assert_eq!(u.port, Some(5061));
        assert_eq!(u.to_string(), "sips:bob@[2001:db8::1]:5061");
        assert_eq!(uri("sip:[::1]").port, None);
        assert_eq!(Uri::parse("sip:[::1"), Err(Error::BadHost));
        assert_eq!(Uri::parse("sip:[::1]5060"), Err(Error::BadPort));
    }

    #[test]
    fn ipv4_and_domain_hosts() {
        assert_eq!(
            uri("sip:10.0.0.1").host,
            Host::Ipv4(Ipv4Addr::new(10, 0, 0, 1))
        );
        assert_eq!(uri("sip:1.2.3").host, Host::Domain("1.2.3".into()));
        assert_eq!(Uri::parse("sip:exa mple.com"), Err(Error::BadUri));
        assert_eq!(Uri::parse("sip:a@b:99999"), Err(Error::BadPort));
    }

    #[test]
    fn dotted_quads_are_strict() {
        assert_eq!(
            parse_ipv4("192.168.1.20"),
            Some(Ipv4Addr::new(192, 168, 1, 20))
        );
        assert_eq!(parse_ipv4("0.0.0.0"), Some(Ipv4Addr::UNSPECIFIED));
        for bad in [
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1..2.3",
            "a.b.c.d",
            "",
        ] {
            assert_eq!(parse_ipv4(bad), None, "{bad:?}");
        }
        assert_eq!(uri("sip:01.2.3.4").host, Host::Domain("01.2.3.4".into()));
    }

    #[test]
    fn tel_uri_keeps_number_in_user() {
        let u = uri("tel:+1-201-555-0123;phone-context=example.com");
        assert_eq!(u.scheme, Scheme::Tel);
        assert_eq!(u.user.as_deref(), Some("+1-201-555-0123"));
        assert_eq!(u.host, Host::Domain(String::new()));
        assert_eq!(u.params.value("phone-context"), Some("example.com"));
        assert_eq!(
            u.to_string(),
            "tel:+1-201-555-0123;phone-context=example.com"
        );
    }

    #[test]
    fn telephone_subscriber_user_with_params() {
        let u = uri("sip:+15551234;npdi@gw.example.com;user=phone");
        assert_eq!(u.user.as_deref(), Some("+15551234;npdi"));
        assert_eq!(u.params.value("user"), Some("phone"));
    }

    #[test]
    fn delimiters_inside_the_user_part() {
        let u = uri("sip:a?b;c@host;lr?X=1");
        assert_eq!(u.user.as_deref(), Some("a?b;c"));
        assert!(u.params.contains("lr"));
        assert_eq!(u.headers.as_deref(), Some("X=1"));
        assert_eq!(Uri::parse("tel:+1 555"), Err(Error::BadUri));
        assert_eq!(Uri::parse("sip:a@h; lr"), Err(Error::BadUri));
    }

    #[test]
    fn unsupported_schemes() {
        assert_eq!(Uri::parse("http://x"), Err(Error::UnsupportedScheme));
        assert_eq!(Uri::parse("nocolon"), Err(Error::BadUri));
        assert_eq!("SIP:a@b".parse::<Uri>().map(|u| u.scheme), Ok(Scheme::Sip));
    }

    pub(crate) fn arb_host() -> impl Strategy<Value = Host> {
        prop_oneof![
            "[a-z][a-z0-9-]{0,10}(\\.[a-z][a-z0-9]{0,8}){0,2}".prop_map(Host::Domain),
            any::<[u8; 4]>().prop_map(|o| Host::Ipv4(Ipv4Addr::from(o))),
            any::<[u16; 8]>().prop_map(|s| Host::Ipv6(Ipv6Addr::from(s))),
        ]
    }

    pub(crate) fn arb_params() -> impl Strategy<Value = Params> {
        proptest::collection::vec(
            (
                "[a-z][a-z0-9-]{0,6}",
                proptest::option::of("[a-zA-Z0-9.-]{1,8}"),
            ),
            0..4,
        )
        .prop_map(|list| {
            let mut p = Params::new();
            for (n, v) in list {
                p.set(&n, v.as_deref());
            }
            p
        })
    }

    pub(crate) fn arb_uri() -> impl Strategy<Value = Uri> {
        let sip = (
            prop_oneof![Just(Scheme::Sip), Just(Scheme::Sips)],
            proptest::option::of("[a-zA-Z0-9_.+-]{1,12}"),
            proptest::option::of("[a-zA-Z0-9]{1,8}"),
            arb_host(),
            proptest::option::of(any::<u16>()),
            arb_params(),
            proptest::option::of("[A-Za-z]{1,6}=[a-z0-9]{1,6}"),
        )
            .prop_map(|(scheme, user, password, host, port, params, headers)| {
                let password = user.as_ref().and(password);
                Uri {
                    scheme,
                    user,
                    password,
                    host,
                    port,
                    params,
                    headers,
                }
            });
        let tel = ("\\+?[0-9][0-9-]{0,12}", arb_params()).prop_map(|(n, params)| Uri {
            scheme: Scheme::Tel,
            user: Some(n),
            password: None,
            host: Host::Domain(String::new()),
            port: None,
            params,
            headers: None,
        });
        prop_oneof![4 => sip, 1 => tel]
    }

    proptest! {
        #[test]
        fn print_then_parse_round_trips(u in arb_uri()) {
            prop_assert_eq!(Uri::parse(&u.to_string()), Ok(u));
        }

        #[test]
        fn never_panics_on_arbitrary_text(s in "\\PC{0,40}") {
            let _ = Uri::parse(&s);
        }
    }
}
