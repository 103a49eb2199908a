//! Realistic messages from `tests/corpus/` parsed end to end: softphone INVITE with SDP,
//! REGISTER with digest Authorization and `+sip.instance`, 200 OK, compact forms, IPv6,
//! folded lines and tel: URIs.

use bytes::Bytes;

use super::header::Contact;
use super::{HeaderName, Host, Message, Method, Scheme};
use crate::transport::Transport;

fn parse(raw: &'static [u8]) -> Message {
    Message::parse(Bytes::from_static(raw)).expect("corpus message parses")
}

fn request(raw: &'static [u8]) -> super::Request {
    match parse(raw) {
        Message::Request(r) => r,
        Message::Response(_) => panic!("expected a request"),
    }
}

#[test]
fn softphone_invite_with_sdp() {
    let r = request(include_bytes!(
        "../../tests/corpus/invite_softphone_sdp.sip"
    ));
    assert_eq!(r.method, Method::Invite);
    assert_eq!(
        r.from().expect("from").display_name.as_deref(),
        Some("Agent 1001")
    );
    assert_eq!(r.from().expect("from").tag(), Some("8a4f2c31"));
    assert_eq!(r.top_via().expect("via").rport(), Some(None));
    assert_eq!(r.content_type(), Some("application/sdp"));
    assert!(r.body.starts_with(b"v=0\r\n") && r.body.ends_with(b"a=sendrecv\r\n"));
    assert_eq!(r.headers.get_all(&HeaderName::Allow).count(), 10);
    assert_eq!(
        r.headers.get(&HeaderName::Other("allow-events".into())),
        Some("presence, kpml, talk, as-feature-event")
    );
    assert_eq!(r.max_forwards(), Ok(Some(70)));
}

#[test]
fn register_with_digest_and_instance() {
    let r = request(include_bytes!(
        "../../tests/corpus/register_auth_instance.sip"
    ));
    assert_eq!(r.method, Method::Register);
    assert_eq!(r.top_via().expect("via").transport, Transport::Tcp);
    let contacts = r.contacts().expect("contacts");
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts.first().and_then(Contact::expires), Some(600));
    assert_eq!(
        contacts.first().and_then(Contact::instance),
        Some("urn:uuid:5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
    );
    let auth = r
        .headers
        .get(&HeaderName::Authorization)
        .expect("authorization");
    assert!(auth.starts_with("Digest username=\"1002\"") && auth.ends_with("qop=auth"));
    assert_eq!(r.expires(), Ok(Some(600)));
    assert_eq!(r.cseq().map(|c| c.seq), Ok(24317));
}

#[test]
fn ok_to_invite() {
    let Message::Response(r) = parse(include_bytes!("../../tests/corpus/ok_200_invite.sip")) else {
        panic!("expected a response")
    };
    assert_eq!((r.status, r.reason.as_str()), (200, "OK"));
    assert!(r.is_success() && r.is_final());
    assert_eq!(r.to().expect("to").tag(), Some("sb-4d2a9f"));
    let via = r.top_via().expect("via");
    assert_eq!(via.rport(), Some(Some(52341)));
    assert_eq!(via.received(), Some("192.168.1.20".parse().expect("ip")));
    let rr = r.record_routes().expect("record-route");
    assert!(rr.first().is_some_and(|a| a.uri.params.contains("lr")));
    assert_eq!(r.cseq().map(|c| c.method), Ok(Method::Invite));
}

#[test]
fn compact_forms() {
    let r = request(include_bytes!("../../tests/corpus/compact_form.sip"));
    assert_eq!(r.vias().expect("vias").len(), 2);
    assert_eq!(r.call_id(), Ok("0ha0isndaksdj@203.0.113.7"));
    assert_eq!(r.from().expect("from").display_name.as_deref(), Some("Bob"));
    assert_eq!(r.contacts().expect("contacts").len(), 1);
    assert_eq!(
        r.headers
            .get_all(&HeaderName::Supported)
            .collect::<Vec<_>>(),
        ["100rel", "timer"]
    );
    assert_eq!(
        r.headers.get(&HeaderName::Other("Subject".into())),
        Some("Help needed")
    );
    assert_eq!(r.content_type(), Some("application/sdp"));
    let printed = String::from_utf8(r.encode().to_vec()).expect("utf8");
    assert!(printed.contains("\r\nCall-ID: 0ha0isndaksdj@203.0.113.7\r\n"));
    assert!(printed.contains("\r\nSubject: Help needed\r\n"));
}

#[test]
fn ipv6_everywhere() {
    let r = request(include_bytes!("../../tests/corpus/ipv6_options.sip"));
    assert_eq!(r.uri.host, Host::Ipv6("2001:db8::10".parse().expect("v6")));
    assert_eq!(r.uri.port, Some(5060));
    let via = r.top_via().expect("via");
    assert_eq!(via.host, Host::Ipv6("2001:db8::20".parse().expect("v6")));
    assert_eq!(via.port, Some(5062));
    assert_eq!(r.to().expect("to").uri.to_string(), "sip:[2001:db8::10]");
}

#[test]
fn folded_lines_are_unfolded() {
    let r = request(include_bytes!("../../tests/corpus/folded_headers.sip"));
    let vias = r.vias().expect("vias");
    assert_eq!(
        vias.iter().map(|v| v.branch()).collect::<Vec<_>>(),
        [Some("z9hG4bKkjshdyff"), Some("z9hG4bK2d4790.1")]
    );
    assert_eq!(
        r.from().expect("from").display_name.as_deref(),
        Some("Alice Liddell")
    );
    assert_eq!(
        r.headers.get(&HeaderName::Other("subject".into())),
        Some("I know you're there, pick up the phone")
    );
    assert_eq!(r.max_forwards(), Ok(Some(70)));
}

#[test]
fn tel_uris_and_route_lists() {
    let r = request(include_bytes!("../../tests/corpus/tel_uri_message.sip"));
    assert_eq!(r.uri.scheme, Scheme::Tel);
    assert_eq!(r.uri.user.as_deref(), Some("+1-201-555-0123"));
    assert_eq!(
        r.from().expect("from").uri.user.as_deref(),
        Some("+12015550100")
    );
    let routes = r.routes().expect("routes");
    assert_eq!(
        routes.iter().map(|a| a.uri.to_string()).collect::<Vec<_>>(),
        ["sip:sb.example.com;lr", "sip:edge.example.com;lr"]
    );
}

#[test]
fn every_corpus_message_survives_print_and_parse() {
    let all: [&'static [u8]; 7] = [
        include_bytes!("../../tests/corpus/invite_softphone_sdp.sip"),
        include_bytes!("../../tests/corpus/register_auth_instance.sip"),
        include_bytes!("../../tests/corpus/ok_200_invite.sip"),
        include_bytes!("../../tests/corpus/compact_form.sip"),
        include_bytes!("../../tests/corpus/ipv6_options.sip"),
        include_bytes!("../../tests/corpus/folded_headers.sip"),
        include_bytes!("../../tests/corpus/tel_uri_message.sip"),
    ];
    for raw in all {
        let first = parse(raw);
        let again = Message::parse(first.encode()).expect("printed message parses");
        assert_eq!(again, first);
        assert_eq!(again.encode(), first.encode());
    }
}
