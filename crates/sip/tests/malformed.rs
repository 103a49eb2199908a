//! Malformed and hostile input: every case is a typed error (or a documented repair), never a
//! panic, a hang or an unbounded allocation. The property tests at the end feed random bytes and
//! random mutations of real messages to the parser, the stream framer and the 400 builder.

use bytes::Bytes;
use proptest::prelude::*;
use sip::message::{MAX_HEADER_LINE, MAX_HEADER_SECTION, MAX_HEADERS, MAX_MESSAGE_SIZE};
use sip::{Error, HeaderName, Message, Method, StreamFramer, bad_request_response};

/// A well-formed request; tests remove or replace one header to break it.
struct Builder {
    start: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Builder {
    fn request(method: &str) -> Builder {
        Builder {
            start: format!("{method} sip:100@sb.example.com SIP/2.0"),
            headers: [
                ("Via", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK74bf9"),
                ("Max-Forwards", "70"),
                ("From", "<sip:alice@example.com>;tag=9fxced76sl"),
                ("To", "<sip:100@sb.example.com>"),
                ("Call-ID", "3848276298220188511@10.0.0.1"),
                ("CSeq", &format!("1 {method}")),
            ]
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect(),
            body: Vec::new(),
        }
    }

    fn status(line: &str) -> Builder {
        let mut b = Builder::request("INVITE");
        b.start = line.to_owned();
        b
    }

    fn without(mut self, name: &str) -> Builder {
        self.headers.retain(|(n, _)| n != name);
        self
    }

    fn with(mut self, name: &str, value: &str) -> Builder {
        self.headers.retain(|(n, _)| n != name);
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn body(mut self, body: &[u8]) -> Builder {
        self.body = body.to_vec();
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = format!("{}\r\n", self.start).into_bytes();
        for (n, v) in &self.headers {
            out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }

    fn parse(&self) -> Result<Message, Error> {
        Message::parse(Bytes::from(self.bytes()))
    }
}

fn parse(raw: &[u8]) -> Result<Message, Error> {
    Message::parse(Bytes::copy_from_slice(raw))
}

#[test]
fn baseline_request_parses() {
    assert!(Builder::request("INVITE").parse().is_ok());
}

#[test]
fn garbage_and_empty_input() {
    assert_eq!(parse(b""), Err(Error::IncompleteHeaders));
    assert_eq!(parse(b"\r\n\r\n"), Err(Error::IncompleteHeaders));
    assert_eq!(parse(b"hello world\r\n\r\n"), Err(Error::BadStartLine));
    assert_eq!(parse(&[0xff; 64]), Err(Error::IncompleteHeaders));
    assert_eq!(parse(b"\x00\x01\x02\r\n\r\n"), Err(Error::BadStartLine));
}

#[test]
fn truncated_header_section() {
    let full = Builder::request("INVITE").bytes();
    assert_eq!(
        parse(&full[..full.len() - 2]),
        Err(Error::IncompleteHeaders)
    );
    assert_eq!(parse(&full[..40]), Err(Error::IncompleteHeaders));
}

#[test]
fn body_shorter_than_content_length_is_truncation() {
    let b = Builder::request("MESSAGE")
        .with("Content-Length", "10")
        .body(b"short");
    assert_eq!(
        b.parse(),
        Err(Error::BodyTruncated {
            expected: 10,
            actual: 5
        })
    );
}

#[test]
fn body_longer_than_content_length_is_cut() {
    let b = Builder::request("MESSAGE")
        .with("Content-Length", "3")
        .body(b"abcdef");
    assert_eq!(
        b.parse().map(|m| m.body().clone()),
        Ok(Bytes::from_static(b"abc"))
    );
}

#[test]
fn missing_content_length_on_a_datagram_takes_the_rest() {
    let b = Builder::request("MESSAGE").body(b"all of it");
    assert_eq!(
        b.parse().map(|m| m.body().clone()),
        Ok(Bytes::from_static(b"all of it"))
    );
}

#[test]
fn bad_or_conflicting_content_length() {
    let b = Builder::request("MESSAGE").with("Content-Length", "ten");
    assert_eq!(b.parse(), Err(Error::BadContentLength));
    let b = Builder::request("MESSAGE").with("Content-Length", "99999999999999999999");
    assert_eq!(b.parse(), Err(Error::BadContentLength));
    let mut b = Builder::request("MESSAGE")
        .with("Content-Length", "1")
        .body(b"ab");
    b.headers.push(("l".into(), "2".into()));
    assert_eq!(b.parse(), Err(Error::BadContentLength));
}

#[test]
fn missing_mandatory_headers() {
    for (name, header) in [
        ("Call-ID", HeaderName::CallId),
        ("From", HeaderName::From),
        ("To", HeaderName::To),
        ("Via", HeaderName::Via),
        ("CSeq", HeaderName::CSeq),
    ] {
        let b = Builder::request("INVITE").without(name);
        assert_eq!(b.parse(), Err(Error::MissingHeader(header)), "{name}");
    }
    let b = Builder::request("INVITE").with("Call-ID", "");
    assert_eq!(b.parse(), Err(Error::MissingHeader(HeaderName::CallId)));
}

#[test]
fn bad_cseq() {
    for bad in [
        "x INVITE",
        "1",
        "INVITE 1",
        "4294967296 INVITE",
        "1 INV ITE",
    ] {
        let b = Builder::request("INVITE").with("CSeq", bad);
        assert_eq!(b.parse(), Err(Error::BadCSeq), "{bad:?}");
    }
}

#[test]
fn cseq_method_must_match_the_request() {
    let b = Builder::request("BYE").with("CSeq", "1 INVITE");
    assert_eq!(
        b.parse(),
        Err(Error::CSeqMethodMismatch {
            request: Method::Bye,
            cseq: Method::Invite
        })
    );
    assert!(Builder::request("ACK").parse().is_ok());
    assert!(Builder::request("CANCEL").parse().is_ok());
    let b = Builder::request("ACK").with("CSeq", "1 INVITE");
    assert!(matches!(b.parse(), Err(Error::CSeqMethodMismatch { .. })));
}

#[test]
fn malformed_from_to_and_via() {
    let b = Builder::request("INVITE").with("From", "<sip:alice@example.com");
    assert_eq!(b.parse(), Err(Error::BadHeader(HeaderName::From)));
    let b = Builder::request("INVITE").with("To", "\"unterminated <sip:a@b>");
    assert_eq!(b.parse(), Err(Error::BadHeader(HeaderName::To)));
    let b = Builder::request("INVITE").with("Via", "SIP/2.0/CARRIER-PIGEON host");
    assert_eq!(b.parse(), Err(Error::BadHeader(HeaderName::Via)));
}

#[test]
fn unknown_and_lowercase_methods_parse() {
    let m = Builder::request("FOO")
        .parse()
        .expect("unknown method parses");
    assert!(matches!(m, Message::Request(r) if r.method == Method::Other("FOO".into())));
    let m = Builder::request("invite")
        .parse()
        .expect("lowercase is another method");
    assert!(matches!(m, Message::Request(r) if r.method == Method::Other("invite".into())));
    let mut b = Builder::request("INVITE");
    b.start = "IN<VITE sip:a@b SIP/2.0".into();
    assert_eq!(b.parse(), Err(Error::BadMethod));
}

#[test]
fn bad_request_lines() {
    for (line, err) in [
        ("INVITE sip:a@b SIP/3.0", Error::BadVersion),
        ("INVITE sip:a@b HTTP/1.1", Error::BadStartLine),
        ("INVITE", Error::BadStartLine),
        ("INVITE sip:a@b", Error::BadStartLine),
        ("INVITE http://a SIP/2.0", Error::UnsupportedScheme),
        ("INVITE sip:a b SIP/2.0", Error::BadUri),
        ("INVITE sip:a@[::1 SIP/2.0", Error::BadHost),
    ] {
        let mut b = Builder::request("INVITE");
        b.start = line.into();
        assert_eq!(b.parse(), Err(err), "{line:?}");
    }
}

#[test]
fn status_codes_out_of_range() {
    for line in [
        "SIP/2.0 099 Odd",
        "SIP/2.0 700 Odd",
        "SIP/2.0 2000 OK",
        "SIP/2.0 2x0 OK",
        "SIP/2.0  200 OK",
    ] {
        assert_eq!(
            Builder::status(line).parse(),
            Err(Error::BadStatusCode),
            "{line:?}"
        );
    }
    assert_eq!(
        Builder::status("SIP/1.0 200 OK").parse(),
        Err(Error::BadVersion)
    );
    assert!(Builder::status("SIP/2.0 699 Whatever").parse().is_ok());
    assert!(Builder::status("SIP/2.0 100").parse().is_ok());
}

#[test]
fn huge_header_line() {
    let b = Builder::request("INVITE").with("X-Big", &"a".repeat(MAX_HEADER_LINE + 1));
    assert_eq!(
        b.parse(),
        Err(Error::HeaderTooLarge {
            limit: MAX_HEADER_LINE
        })
    );
}

#[test]
fn huge_folded_header_line() {
    let folded = vec!["a".repeat(100); MAX_HEADER_LINE / 100 + 1].join("\r\n ");
    let b = Builder::request("INVITE").with("X-Big", &folded);
    assert_eq!(
        b.parse(),
        Err(Error::HeaderTooLarge {
            limit: MAX_HEADER_LINE
        })
    );
}

#[test]
fn huge_header_section() {
    let mut b = Builder::request("INVITE");
    for i in 0..4 {
        b.headers
            .push((format!("X-Big-{i}"), "a".repeat(MAX_HEADER_LINE - 100)));
    }
    assert_eq!(
        b.parse(),
        Err(Error::HeaderSectionTooLarge {
            limit: MAX_HEADER_SECTION
        })
    );
}

#[test]
fn too_many_headers() {
    let mut b = Builder::request("INVITE");
    for i in 0..MAX_HEADERS {
        b.headers.push((format!("X-H{i}"), "1".into()));
    }
    assert_eq!(b.parse(), Err(Error::TooManyHeaders { limit: MAX_HEADERS }));
    let vias = vec!["SIP/2.0/UDP h;branch=z9hG4bKx"; MAX_HEADERS + 1].join(",");
    // Elements of one comma-joined line are bounded by the line limit instead.
    let b = Builder::request("INVITE").with("Via", &vias);
    assert_eq!(
        b.parse().and_then(|m| m.vias()).map(|v| v.len()),
        Ok(MAX_HEADERS + 1)
    );
}

#[test]
fn message_over_the_size_limit() {
    let b = Builder::request("MESSAGE").body(&vec![b'x'; MAX_MESSAGE_SIZE]);
    assert!(matches!(b.parse(), Err(Error::MessageTooLarge { .. })));
}

#[test]
fn header_injection_with_bare_cr_or_lf() {
    for injected in [
        "a\rVia: SIP/2.0/UDP evil;branch=z9hG4bK1",
        "a\nVia: SIP/2.0/UDP evil;branch=z9hG4bK1",
    ] {
        let b = Builder::request("INVITE").with("Subject", injected);
        assert_eq!(b.parse(), Err(Error::BareLineBreak), "{injected:?}");
    }
    assert_eq!(
        parse(b"INVITE sip:a@b SIP/2.0\nVia: x\n\n"),
        Err(Error::BareLineBreak)
    );
}

#[test]
fn non_utf8_headers_but_binary_bodies() {
    let mut raw = Builder::request("INVITE").with("Subject", "caf").bytes();
    let at = raw.windows(3).position(|w| w == b"caf").expect("subject") + 3;
    raw.insert(at, 0xe9);
    assert_eq!(parse(&raw), Err(Error::NonUtf8Header));
    let b = Builder::request("MESSAGE")
        .with("Content-Length", "4")
        .body(&[0xff, 0x00, 0xfe, 0x80]);
    assert!(b.parse().is_ok());
}

#[test]
fn header_line_without_colon_or_with_bad_name() {
    let mut b = Builder::request("INVITE");
    b.headers.push(("NoColonHere".into(), String::new()));
    let raw = String::from_utf8(b.bytes())
        .expect("utf8")
        .replace("NoColonHere: ", "NoColonHere");
    assert_eq!(parse(raw.as_bytes()), Err(Error::BadHeaderLine));
    let b = Builder::request("INVITE").with("Bad Name", "x");
    assert_eq!(b.parse(), Err(Error::BadHeaderLine));
    let raw = format!(
        "INVITE sip:a@b SIP/2.0\r\n continuation first\r\n{}",
        "\r\n"
    );
    assert_eq!(parse(raw.as_bytes()), Err(Error::BadHeaderLine));
}

#[test]
fn bad_requests_get_a_400_that_names_the_problem() {
    let raw = Builder::request("INVITE").with("CSeq", "x INVITE").bytes();
    let err = parse(&raw).expect_err("bad cseq");
    let resp = bad_request_response(&raw, &err).expect("answerable");
    assert!(resp.starts_with(b"SIP/2.0 400 Bad CSeq\r\n"));
    let raw = Builder::request("INVITE").with("CSeq", "1 BYE").bytes();
    let err = parse(&raw).expect_err("mismatch");
    let resp = bad_request_response(&raw, &err).expect("answerable");
    assert!(resp.starts_with(b"SIP/2.0 400 CSeq Method Mismatch\r\n"));
    let raw = Builder::request("INVITE").without("Call-ID").bytes();
    assert_eq!(
        bad_request_response(&raw, &Error::MissingHeader(HeaderName::CallId)),
        None
    );
}

#[test]
fn framer_rejects_a_stream_without_content_length() {
    let mut f = StreamFramer::new(MAX_MESSAGE_SIZE);
    f.push(&Builder::request("OPTIONS").bytes());
    assert_eq!(f.next_message(), Some(Err(Error::MissingContentLength)));
}

const CORPUS: [&[u8]; 7] = [
    include_bytes!("corpus/invite_softphone_sdp.sip"),
    include_bytes!("corpus/register_auth_instance.sip"),
    include_bytes!("corpus/ok_200_invite.sip"),
    include_bytes!("corpus/compact_form.sip"),
    include_bytes!("corpus/ipv6_options.sip"),
    include_bytes!("corpus/folded_headers.sip"),
    include_bytes!("corpus/tel_uri_message.sip"),
];

/// One random edit of a real message.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (
            any::<usize>(),
            prop_oneof![
                Just(b'\r'),
                Just(b'\n'),
                Just(b':'),
                Just(b';'),
                Just(b','),
                Just(b'"'),
                Just(b'<'),
                Just(b' '),
                any::<u8>()
            ]
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
    ]
}

fn apply(raw: &mut Vec<u8>, m: &Mutation) {
    let len = raw.len().max(1);
    match *m {
        Mutation::Truncate(i) => raw.truncate(i % len),
        Mutation::Flip(i, b) => {
            if let Some(x) = raw.get_mut(i % len) {
                *x ^= b;
            }
        }
        Mutation::Insert(i, b) => raw.insert(i % (raw.len() + 1), b),
        Mutation::Delete(i) => {
            if !raw.is_empty() {
                raw.remove(i % len);
            }
        }
        Mutation::Duplicate(a, b) => {
            let (a, b) = (a % len, b % len);
            let (lo, hi) = (a.min(b), a.max(b).min(lo_plus(a.min(b), 200)));
            if let Some(chunk) = raw.get(lo..hi).map(<[u8]>::to_vec) {
                raw.splice(hi..hi, chunk);
            }
        }
    }
}

fn lo_plus(lo: usize, n: usize) -> usize {
    lo.saturating_add(n)
}

/// Everything a hostile datagram or stream can reach: parse, typed accessors, printing,
/// the 400 builder and the framer.
fn exercise(raw: &[u8]) {
    let parsed = parse(raw);
    match &parsed {
        Ok(m) => {
            let _ = (
                m.vias(),
                m.contacts(),
                m.routes(),
                m.record_routes(),
                m.expires(),
            );
            let _ = (
                m.from(),
                m.to(),
                m.cseq(),
                m.max_forwards(),
                m.content_type(),
            );
            let again = Message::parse(m.encode());
            assert!(
                again.is_ok(),
                "a parsed message must print to a parseable one: {again:?}"
            );
        }
        Err(e) => {
            let _ = bad_request_response(raw, e);
        }
    }
    let mut f = StreamFramer::new(MAX_MESSAGE_SIZE);
    for chunk in raw.chunks(7) {
        f.push(chunk);
        while let Some(r) = f.next_message() {
            if let Ok(msg) = r {
                let _ = Message::parse(msg);
            }
        }
        let _ = f.take_ping();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&raw);
    }

    #[test]
    fn random_text_with_sip_shape_never_panics(
        start in prop_oneof![Just("INVITE sip:a@b SIP/2.0\r\n"), Just("SIP/2.0 200 OK\r\n")],
        body in "[ -~\r\n\t]{0,400}",
    ) {
        exercise(format!("{start}{body}").as_bytes());
    }

    #[test]
    fn mutated_real_messages_never_panic(
        which in 0..CORPUS.len(),
        edits in proptest::collection::vec(mutation(), 1..6),
    ) {
        let mut raw = CORPUS.get(which).map(|c| c.to_vec()).unwrap_or_default();
        for m in &edits {
            apply(&mut raw, m);
        }
        exercise(&raw);
    }
}
