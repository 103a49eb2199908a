//! Single-pass recognisers for the common shapes of the mandatory headers (RFC 3261 §25.1):
//! `SIP/2.0/UDP host:port;params` for Via and `"Name" <sip:user@host:port;params>;params` for
//! From and To. Each accepts a strict subset of what the full grammar in `header/` accepts and
//! answers `false` for anything else (whitespace inside, quoted parameter values, escapes,
//! IPv6, passwords, URI headers, ...), in which case the caller runs the full check. So the
//! set of accepted messages, and the error for a rejected one, do not depend on these; they
//! only make the usual case one walk over the bytes instead of several.

use super::chars::{is_domain_char, is_param_name_char, is_param_value_char};

/// Unescaped user characters that are never delimiters elsewhere in a SIP URI (RFC 3261
/// `unreserved` and most of `user-unreserved`, plus `%` of escapes); `;`, `?`, `,`, `/` and
/// `:` are left to the full grammar.
static USER_SIMPLE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let extra = b"-_.!~*'()&=+$%";
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
};

/// A cursor over the bytes of one value.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8]) -> Cursor<'a> {
        Cursor { bytes, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// Consumes bytes while `f` holds; returns how many.
    #[inline]
    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let (start, mut i) = (self.pos, self.pos);
        while i < self.bytes.len() && f(self.bytes[i]) {
            i += 1;
        }
        self.pos = i;
        i - start
    }

    /// Consumes `b` if it is next.
    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        self.pos += usize::from(hit);
        hit
    }

    /// Consumes `prefix` (lower case letters and punctuation) in any case.
    fn eat_ci(&mut self, prefix: &[u8]) -> bool {
        let hit = self
            .bytes
            .get(self.pos..self.pos + prefix.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(prefix));
        if hit {
            self.pos += prefix.len();
        }
        hit
    }

    /// `host[:port]` with a domain name or dotted IPv4 host (both are domain characters;
    /// the full grammar accepts either) and a port of at most 65535.
    fn host_port(&mut self) -> bool {
        if self.take_while(is_domain_char) == 0 {
            return false;
        }
        if self.eat(b':') {
            let mut port = 0u32;
            let digits = self.take_while(|b| b.is_ascii_digit());
            if digits == 0 || digits > 5 {
                return false;
            }
            for &d in &self.bytes[self.pos - digits..self.pos] {
                port = port * 10 + u32::from(d - b'0');
            }
            if port > 65535 {
                return false;
            }
        }
        true
    }

    /// `*(;name[=value])` with no whitespace and unquoted values made of bytes `value_ok`
    /// accepts (inside a URI, `@` and `?` are delimiters and must not appear).
    fn params(&mut self, value_ok: impl Fn(u8) -> bool) -> bool {
        while self.eat(b';') {
            if self.take_while(is_param_name_char) == 0 {
                return false;
            }
            if self.eat(b'=') {
                self.take_while(&value_ok);
            }
        }
        true
    }
}

/// A `sip:` or `sips:` URI of the simple form `[user@]host[:port][;params]`.
fn simple_sip_uri(uri: &[u8]) -> bool {
    let mut c = Cursor::new(uri);
    if !c.eat_ci(b"sip:") && !c.eat_ci(b"sips:") {
        return false;
    }
    let start = c.pos;
    let user = c.take_while(|b| USER_SIMPLE[usize::from(b)]);
    if c.eat(b'@') {
        if user == 0 {
            return false;
        }
    } else {
        c.pos = start;
    }
    c.host_port() && c.params(|b| is_param_value_char(b) && b != b'@' && b != b'?') && c.at_end()
}

/// A From or To value (or any name-addr) of the form `["Name" | Name] <simple-uri>[;params]`.
pub(crate) fn simple_name_addr(value: &str) -> bool {
    let bytes = value.as_bytes();
    let mut c = Cursor::new(bytes);
    match c.peek() {
        Some(b'"') => {
            c.pos += 1;
            c.take_while(|b| b != b'"' && b != b'\\');
            if !c.eat(b'"') {
                return false;
            }
            c.take_while(|b| b == b' ' || b == b'\t');
        }
        Some(b'<') => {}
        // Leading whitespace is trimmed by the full grammar, which may then see a quote.
        Some(b' ' | b'\t' | b'\r' | b'\n') => return false,
        // A plain display name is whatever precedes the first `<`.
        Some(_) => match memchr::memchr(b'<', bytes) {
            Some(lt) => c.pos = lt,
            None => return false,
        },
        None => return false,
    }
    if !c.eat(b'<') {
        return false;
    }
    let uri_start = c.pos;
    let Some(gt) = memchr::memchr(b'>', &bytes[uri_start..]) else {
        return false;
    };
    if !simple_sip_uri(&bytes[uri_start..uri_start + gt]) {
        return false;
    }
    c.pos = uri_start + gt + 1;
    c.params(is_param_value_char) && c.at_end()
}

/// A Via value holding one element `SIP/2.0/<transport> SP host[:port][;params]` (no comma).
pub(crate) fn simple_via(value: &str) -> bool {
    let mut c = Cursor::new(value.as_bytes());
    if !c.eat_ci(b"sip/2.0/") {
        return false;
    }
    let start = c.pos;
    let len = c.take_while(|b| b.is_ascii_alphabetic());
    let transport = value.as_bytes().get(start..start + len).unwrap_or(&[]);
    if !is_transport(transport) || c.take_while(|b| b == b' ') == 0 {
        return false;
    }
    c.host_port() && c.params(is_param_value_char) && c.at_end()
}

/// A transport token that `Transport::parse` knows, in any case.
fn is_transport(t: &[u8]) -> bool {
    let upper = |i: usize| t.get(i).map(u8::to_ascii_uppercase);
    matches!(
        (t.len(), upper(0), upper(1), upper(2)),
        (3, Some(b'U'), Some(b'D'), Some(b'P'))
            | (3, Some(b'T'), Some(b'C'), Some(b'P'))
            | (3, Some(b'T'), Some(b'L'), Some(b'S'))
            | (2, Some(b'W'), Some(b'S'), None)
            | (3, Some(b'W'), Some(b'S'), Some(b'S'))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::header::{NameAddr, Via};
    use crate::transport::Transport;

    #[test]
    fn transports_agree_with_the_full_grammar() {
        for t in [
            "UDP", "tcp", "Tls", "ws", "WSS", "SCTP", "UD", "WSX", "W", "",
        ] {
            assert_eq!(
                is_transport(t.as_bytes()),
                Transport::parse(t).is_some(),
                "{t}"
            );
        }
    }

    #[test]
    fn common_shapes_take_the_fast_path() {
        assert!(simple_via(
            "SIP/2.0/UDP 192.168.1.20:52341;branch=z9hG4bK-5c1b;rport=52341;received=192.168.1.20"
        ));
        assert!(simple_via("SIP/2.0/tcp host.example;branch=z9hG4bKx;rport"));
        assert!(simple_name_addr(
            r#""Agent 1001"<sip:1001@192.168.1.10>;tag=8a4f2c31"#
        ));
        assert!(simple_name_addr(
            "Bob <sips:bob@b.example:5061;transport=tls>"
        ));
        assert!(simple_name_addr("<sip:100@192.168.1.10>;tag=sb-4d2a9f"));
    }

    #[test]
    fn anything_unusual_goes_to_the_full_grammar() {
        for via in [
            "SIP/2.0/UDP a, SIP/2.0/UDP b",
            "SIP / 2.0 / UDP h",
            "SIP/2.0/UDP [2001:db8::1]",
            "SIP/2.0/UDP h;x=\"q\"",
            "SIP/2.0/UDP h:70000",
            "SIP/2.0/SCTP h",
            "SIP/2.0/UDP h ;branch=1",
        ] {
            assert!(!simple_via(via), "{via:?}");
        }
        for na in [
            "sip:a@b;tag=1",
            r#""a\"b" <sip:a@b>"#,
            "<sip:a:pw@b>",
            "<sip:a;x@b>",
            "<sip:b;x=@>",
            "<sip:b?h=1>",
            "<tel:+1555>",
            "< sip:a@b >",
            "<sip:a@b>;tag=\"x\"",
            "<sip:@b>",
        ] {
            assert!(!simple_name_addr(na), "{na:?}");
        }
    }

    proptest::proptest! {
        /// Whatever the fast path accepts, the full grammar accepts.
        #[test]
        fn fast_path_accepts_a_subset(s in "[\"<>a-zA-Z0-9@:;=. _/-]{0,40}") {
            if simple_name_addr(&s) {
                proptest::prop_assert!(NameAddr::parse(&s).is_ok(), "{:?}", s);
            }
            if simple_via(&s) {
                proptest::prop_assert!(Via::parse(&s).is_ok(), "{:?}", s);
            }
        }

        #[test]
        fn fast_path_accepts_a_subset_of_vias(s in "SIP/2\\.0/(UDP|tcp|TLS) [a-z0-9.:]{0,12}[;=a-z0-9@?.:]{0,16}") {
            if simple_via(&s) {
                proptest::prop_assert!(Via::parse(&s).is_ok(), "{:?}", s);
            }
        }

        #[test]
        fn fast_path_accepts_a_subset_of_uris(s in "(\"[a-z ]{0,4}\" ?)?<sip:[a-z0-9@:;=.?]{0,16}>[;=a-z0-9@]{0,8}") {
            if simple_name_addr(&s) {
                proptest::prop_assert!(NameAddr::parse(&s).is_ok(), "{:?}", s);
            }
        }
    }
}
