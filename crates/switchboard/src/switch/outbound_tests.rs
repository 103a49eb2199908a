//! Agents dialling out through a trunk by dial rule, deterministic.

use bytes::Bytes;
use sip::auth::{Challenge, DigestRequest, client_response};
use sip::{HeaderName, Message, Method, Request, Response};

use super::tests::Harness;
use crate::config::{Cidr, DialRule, Trunk};

const PHONE: u16 = 6002;
const CARRIER: u16 = 7000;

/// A trunk whose outbound proxy is 127.0.0.1:`port`, taking calls from `source`.
pub(super) fn trunk(name: &str, port: u16, source: &str) -> Trunk {
    Trunk {
        name: name.into(),
        sources: vec![Cidr::parse(source).expect("cidr")],
        numbers: Default::default(),
        register: None,
        proxy: Some(format!("127.0.0.1:{port}").parse().expect("addr")),
        qualify: true,
    }
}

/// A dial rule for numbers starting with `prefix`, `len` characters long, through `trunk`
/// with caller id +12025550100.
pub(super) fn rule(name: &str, trunk: &str, prefix: &str, len: (usize, usize)) -> DialRule {
    DialRule {
        name: name.into(),
        trunk: trunk.into(),
        prefixes: vec![prefix.into()],
        min_length: len.0,
        max_length: len.1,
        caller_id: "+12025550100".into(),
        privacy: false,
    }
}

fn harness_with(privacy: bool) -> Harness {
    let mut config = Harness::demo_config();
    config.trunks.push(trunk("carrier", CARRIER, "127.0.0.7"));
    config.dial_rules.push(DialRule {
        privacy,
        ..rule("national", "carrier", "+1", (12, 12))
    });
    let mut h = Harness::with_config(config);
    h.register("1002", PHONE);
    h
}

fn harness() -> Harness {
    harness_with(false)
}

const SDP: &str = "v=0\r\no=p 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 42000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";

/// The phone's INVITE to `number`, answering `challenge` if given.
pub(super) fn invite(number: &str, cseq: u32, challenge: Option<&Challenge>) -> Request {
    let uri = format!("sip:{number}@127.0.0.1:5060");
    let mut req = Request::new(Method::Invite, sip::Uri::parse(&uri).expect("uri"));
    req.headers.push(
        HeaderName::Via,
        format!("SIP/2.0/UDP 127.0.0.1:{PHONE};branch=z9hG4bK-out-{number}-{cseq}"),
    );
    req.headers
        .push(HeaderName::From, "<sip:1002@127.0.0.1>;tag=phone");
    req.headers.push(HeaderName::To, format!("<{uri}>"));
    req.headers
        .push(HeaderName::CallId, format!("out-{number}"));
    req.headers.push(HeaderName::CSeq, format!("{cseq} INVITE"));
    req.headers
        .push(HeaderName::Contact, format!("<sip:1002@127.0.0.1:{PHONE}>"));
    req.headers.push(HeaderName::MaxForwards, "70");
    req.headers.push(HeaderName::ContentType, "application/sdp");
    req.body = Bytes::from(SDP);
    if let Some(ch) = challenge {
        let d = DigestRequest {
            method: "INVITE",
            uri: &uri,
            body: b"",
        };
        let creds = client_response(ch, "1002", "pass1002", &d, "c0ffee", 1);
        req.headers
            .push(HeaderName::Authorization, creds.to_string());
    }
    req
}

/// Dials `number` as a phone does: challenged, then authenticated.
pub(super) fn dial(h: &mut Harness, number: &str) -> Vec<Response> {
    h.feed(Message::Request(invite(number, 1, None)), PHONE);
    let challenge = h
        .responses_to(PHONE)
        .into_iter()
        .find(|r| r.status == 401)
        .and_then(|r| {
            r.headers
                .get(&HeaderName::WwwAuthenticate)
                .and_then(|v| Challenge::parse(v).ok())
        })
        .expect("401 with a challenge");
    h.feed(Message::Request(invite(number, 2, Some(&challenge))), PHONE);
    h.responses_to(PHONE)
}

#[test]
fn an_agent_dials_out_and_the_carrier_answers() {
    let mut h = harness();
    let _ = dial(&mut h, "+12025550199");
    let out = h
        .requests_to(CARRIER, Method::Invite)
        .pop()
        .expect("INVITE to the carrier");
    assert_eq!(out.uri.user.as_deref(), Some("+12025550199"));
    assert_eq!(
        out.from().expect("From").uri.user.as_deref(),
        Some("+12025550100"),
        "the rule's caller id"
    );
    assert!(
        out.headers
            .get(&HeaderName::Other("P-Asserted-Identity".into()))
            .is_some_and(|v| v.contains("+12025550100"))
    );
    assert!(
        matches!(
            h.sw.agent_state("1002"),
            Some(acd::AgentState::Paused { .. })
        ),
        "no queue call meanwhile"
    );

    h.answer(&out, 180, CARRIER);
    assert!(
        h.responses_to(PHONE).iter().any(|r| r.status == 180),
        "the phone hears ringing"
    );
    h.answer(&out, 200, CARRIER);
    assert_eq!(h.requests_to(CARRIER, Method::Ack).len(), 1);
    let ok = h
        .responses_to(PHONE)
        .into_iter()
        .find(|r| r.status == 200)
        .expect("the phone is answered");
    assert!(ok.body.starts_with(b"v=0"));
    let session = h.media.iter().find_map(|m| match m {
        super::MediaCommand::Bridge { session } => Some(*session),
        _ => None,
    });
    assert!(session.is_some(), "bridged");

    // The agent hangs up: the carrier gets BYE, the agent is available again.
    let tag = ok.to().expect("To").tag().expect("tag").to_string();
    let mut bye = invite("+12025550199", 3, None);
    bye.method = Method::Bye;
    bye.headers.set(HeaderName::CSeq, "3 BYE");
    bye.headers.set(
        HeaderName::To,
        format!("<sip:+12025550199@127.0.0.1:5060>;tag={tag}"),
    );
    bye.headers.set(
        HeaderName::Via,
        format!("SIP/2.0/UDP 127.0.0.1:{PHONE};branch=z9hG4bK-out-bye"),
    );
    bye.body = Bytes::new();
    bye.headers.remove(&HeaderName::ContentType);
    h.feed(Message::Request(bye), PHONE);
    assert!(!h.requests_to(CARRIER, Method::Bye).is_empty());
    assert!(matches!(
        h.sw.agent_state("1002"),
        Some(acd::AgentState::Available { .. })
    ));
}

#[test]
fn a_number_no_rule_allows_is_refused_and_nothing_goes_out() {
    let mut h = harness();
    let responses = dial(&mut h, "+442071234567");
    assert!(
        responses.iter().any(|r| r.status == 403),
        "{:?}",
        responses.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(h.requests_to(CARRIER, Method::Invite).is_empty());
}

#[test]
fn an_unauthenticated_invite_never_reaches_the_carrier() {
    let mut h = harness();
    h.feed(Message::Request(invite("+12025550199", 1, None)), PHONE);
    assert!(h.responses_to(PHONE).iter().any(|r| r.status == 401));
    assert!(h.requests_to(CARRIER, Method::Invite).is_empty());
}

#[test]
fn the_carriers_refusal_reaches_the_phone() {
    let mut h = harness();
    let _ = dial(&mut h, "+12025550199");
    let out = h
        .requests_to(CARRIER, Method::Invite)
        .pop()
        .expect("INVITE to the carrier");
    h.answer(&out, 486, CARRIER);
    assert!(
        h.responses_to(PHONE).iter().any(|r| r.status == 486),
        "busy is passed on"
    );
    assert_eq!(h.sw.call_count(), 0);
    assert!(matches!(
        h.sw.agent_state("1002"),
        Some(acd::AgentState::Available { .. })
    ));
}

#[test]
fn a_rule_with_privacy_withholds_the_caller_id_but_asserts_it_to_the_carrier() {
    let mut h = harness_with(true);
    let _ = dial(&mut h, "+12025550199");
    let out = h
        .requests_to(CARRIER, Method::Invite)
        .pop()
        .expect("INVITE to the carrier");
    let from = out.from().expect("From");
    assert_eq!(from.uri.to_string(), "sip:anonymous@anonymous.invalid");
    assert!(
        out.headers
            .get(&HeaderName::Other("P-Asserted-Identity".into()))
            .is_some_and(|v| v.contains("+12025550100")),
        "the carrier still knows who calls"
    );
    assert_eq!(
        out.headers.get(&HeaderName::Other("Privacy".into())),
        Some("id")
    );
}
