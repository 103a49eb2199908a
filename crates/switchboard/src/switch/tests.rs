//! Deterministic call-control scenarios: the core is fed SIP messages as the caller and the
//! agents' phones would send them, with a simulated clock. No sockets, no sleeping.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sip::auth::{Challenge, DigestRequest, client_response};
use sip::transport::{Peer, Transport};
use sip::{HeaderName, Message, Method, Request, Response};

use super::{MediaCommand, MediaEvent, Output, Switch};
use crate::config::{Config, Overrides};

const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn peer(port: u16) -> Peer {
    Peer::new(Transport::Udp, SocketAddr::from(([127, 0, 0, 1], port)))
}

pub(super) const CALLER: u16 = 5555;

pub(super) struct Harness {
    pub(super) sw: Switch,
    pub(super) now: Instant,
    sent: Vec<(Peer, Message)>,
    pub(super) media: Vec<MediaCommand>,
}

impl Harness {
    pub(super) fn new() -> Harness {
        Harness::with_config(Harness::demo_config())
    }

    /// The demo on 127.0.0.1:5060 with RTP ports 30000-30099.
    pub(super) fn demo_config() -> Config {
        let overrides = Overrides {
            sip_addr: Some("127.0.0.1:5060".into()),
            rtp_ports: Some("30000-30099".into()),
        };
        Config::demo(&overrides).expect("demo config")
    }

    pub(super) fn with_config(config: Config) -> Harness {
        Harness {
            sw: Switch::new(Arc::new(config)).expect("switch"),
            now: Instant::now(),
            sent: Vec::new(),
            media: Vec::new(),
        }
    }

    pub(super) fn collect(&mut self) {
        while let Some(out) = self.sw.poll_output() {
            match out {
                Output::Transmit(t) => {
                    let msg =
                        Message::parse(t.data.clone()).expect("the switch sends parseable SIP");
                    self.sent.push((t.dest, msg));
                }
                Output::Media(m) => self.media.push(m),
            }
        }
    }

    pub(super) fn feed(&mut self, msg: Message, from: u16) {
        // Through bytes, as on the wire.
        let msg = Message::parse(msg.encode()).expect("test message parses");
        self.sw.handle_sip(msg, peer(from), LOCAL, self.now);
        self.collect();
    }

    pub(super) fn feed_text(&mut self, text: &str, from: u16) {
        let msg =
            Message::parse(Bytes::from(text.replace('\n', "\r\n"))).expect("test message parses");
        self.feed(msg, from);
    }

    /// Lets simulated time pass, firing every timer on the way.
    pub(super) fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        while let Some(t) = self.sw.poll_timeout() {
            if t > end {
                break;
            }
            self.now = self.now.max(t);
            self.sw.handle_timeout(self.now);
            self.collect();
        }
        self.now = end;
    }

    /// Takes everything sent to `port` so far.
    pub(super) fn take(&mut self, port: u16) -> Vec<Message> {
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.sent)
            .into_iter()
            .partition(|(p, _)| p.addr.port() == port);
        self.sent = rest;
        mine.into_iter().map(|(_, m)| m).collect()
    }

    pub(super) fn requests_to(&mut self, port: u16, method: Method) -> Vec<Request> {
        self.take(port)
            .into_iter()
            .filter_map(|m| match m {
                Message::Request(r) if r.method == method => Some(r),
                _ => None,
            })
            .collect()
    }

    pub(super) fn responses_to(&mut self, port: u16) -> Vec<Response> {
        self.take(port)
            .into_iter()
            .filter_map(|m| match m {
                Message::Response(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    /// Registers `agent` from UDP port `port` with digest, as a phone would.
    pub(super) fn register(&mut self, agent: &str, port: u16) {
        let register = |cseq: u32, auth: Option<String>| {
            let mut text = format!(
                "REGISTER sip:127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-reg-{agent}-{cseq};rport\n\
                 From: <sip:{agent}@127.0.0.1>;tag=r{agent}\nTo: <sip:{agent}@127.0.0.1>\nCall-ID: reg-{agent}\nCSeq: {cseq} REGISTER\n\
                 Contact: <sip:{agent}@127.0.0.1:{port}>\nMax-Forwards: 70\nExpires: 300\n"
            );
            if let Some(a) = auth {
                text.push_str(&format!("Authorization: {a}\n"));
            }
            text.push_str("Content-Length: 0\n\n");
            text
        };
        self.feed_text(&register(1, None), port);
        let challenge = self
            .responses_to(port)
            .into_iter()
            .find(|r| r.status == 401)
            .expect("401");
        let challenge = challenge
            .headers
            .get_all(&HeaderName::WwwAuthenticate)
            .filter_map(|v| Challenge::parse(v).ok())
            .next()
            .expect("a challenge");
        let req = DigestRequest {
            method: "REGISTER",
            uri: "sip:127.0.0.1:5060",
            body: b"",
        };
        let creds = client_response(
            &challenge,
            agent,
            &format!("pass{agent}"),
            &req,
            "cn0nce",
            1,
        );
        self.feed_text(&register(2, Some(creds.to_string())), port);
        let ok = self.responses_to(port);
        assert!(
            ok.iter().any(|r| r.status == 200),
            "REGISTER accepted: {ok:?}"
        );
    }

    /// A caller dials 100; returns the 200 OK once ACKed, and the media session id.
    pub(super) fn call(&mut self, call_id: &str) -> (Response, u64) {
        self.call_from(call_id, "<sip:2025550142@127.0.0.1>;tag=caller", "")
    }

    /// `call` with a given From and extra header lines (each ending in a newline).
    pub(super) fn call_from(&mut self, call_id: &str, from: &str, extra: &str) -> (Response, u64) {
        let sdp = "v=0\no=c 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 40000 RTP/AVP 0 101\na=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\n";
        let invite = format!(
            "INVITE sip:100@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:{CALLER};branch=z9hG4bK-inv-{call_id};rport\n\
             From: {from}\nTo: <sip:100@127.0.0.1>\nCall-ID: {call_id}\nCSeq: 1 INVITE\n{extra}\
             Contact: <sip:caller@127.0.0.1:{CALLER}>\nMax-Forwards: 70\nContent-Type: application/sdp\nContent-Length: {}\n\n{}",
            sdp.replace('\n', "\r\n").len(),
            sdp
        );
        self.feed_text(&invite, CALLER);
        let ok = self
            .responses_to(CALLER)
            .into_iter()
            .find(|r| r.status == 200)
            .expect("200 OK to the caller");
        let tag = ok.to().expect("To").tag().expect("to tag").to_string();
        let ack = format!(
            "ACK sip:switchboard@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:{CALLER};branch=z9hG4bK-ack-{call_id};rport\n\
             From: {from}\nTo: <sip:100@127.0.0.1>;tag={tag}\nCall-ID: {call_id}\nCSeq: 1 ACK\nMax-Forwards: 70\nContent-Length: 0\n\n"
        );
        self.feed_text(&ack, CALLER);
        let session = self
            .media
            .iter()
            .rev()
            .find_map(|m| match m {
                MediaCommand::Open { session, .. } => Some(*session),
                _ => None,
            })
            .expect("media opened");
        (ok, session)
    }

    pub(super) fn press(&mut self, session: u64, digit: char) {
        self.sw
            .handle_media(MediaEvent::Digit { session, digit }, self.now);
        self.collect();
    }

    /// The caller hangs up.
    pub(super) fn caller_bye(&mut self, ok: &Response, call_id: &str) {
        let tag = ok.to().expect("To").tag().expect("tag").to_string();
        let bye = format!(
            "BYE sip:switchboard@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:{CALLER};branch=z9hG4bK-bye-{call_id};rport\n\
             From: <sip:2025550142@127.0.0.1>;tag=caller\nTo: <sip:100@127.0.0.1>;tag={tag}\nCall-ID: {call_id}\nCSeq: 2 BYE\nMax-Forwards: 70\nContent-Length: 0\n\n"
        );
        self.feed_text(&bye, CALLER);
    }

    /// The agent's phone answers `req` with `status` (a 2xx carries SDP).
    pub(super) fn answer(&mut self, req: &Request, status: u16, port: u16) {
        let mut resp = Response::for_request(req, status);
        if status != 100 {
            let mut to = req.to().expect("To");
            if to.tag().is_none() {
                to.set_tag(&format!("agent{port}"));
            }
            resp.headers.set(HeaderName::To, to.to_string());
            resp.headers
                .push(HeaderName::Contact, format!("<sip:agent@127.0.0.1:{port}>"));
        }
        if (200..300).contains(&status) && req.method == Method::Invite {
            resp.headers
                .push(HeaderName::ContentType, "application/sdp");
            resp.body = Bytes::from(
                "v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 41000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n",
            );
        }
        self.feed(Message::Response(resp), port);
    }

    /// The agent's phone hangs up the call whose 2xx we ACKed with `ack`.
    pub(super) fn agent_hangs_up(&mut self, ack: &Request, port: u16) {
        let mut bye = Request::new(
            Method::Bye,
            sip::Uri::parse("sip:switchboard@127.0.0.1:5060").expect("uri"),
        );
        bye.headers.push(
            HeaderName::Via,
            format!(
                "SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-bye-{}",
                fastrand::u64(..)
            ),
        );
        bye.headers
            .push(HeaderName::From, ack.to().expect("To").to_string());
        bye.headers
            .push(HeaderName::To, ack.from().expect("From").to_string());
        bye.headers
            .push(HeaderName::CallId, ack.call_id().expect("Call-ID"));
        bye.headers.push(HeaderName::CSeq, "1 BYE");
        bye.headers.push(HeaderName::MaxForwards, "70");
        self.feed(Message::Request(bye), port);
    }

    /// Labor agents 1001 and then (a second later, so 1001 is the longest idle) 1003 are
    /// registered, and a caller has chosen benefits: 1001 is being rung.
    fn benefits_call_with_1001_then_1003(call_id: &str) -> (Harness, u64) {
        let mut h = Harness::new();
        h.register("1001", 6001);
        h.advance(Duration::from_secs(1));
        h.register("1003", 6003);
        let (_ok, session) = h.call(call_id);
        h.press(session, '1');
        (h, session)
    }

    pub(super) fn bridged(&self, session: u64) -> bool {
        self.media.contains(&MediaCommand::Bridge { session })
    }

    pub(super) fn agent_state(&self, agent: &str) -> acd::AgentState {
        self.sw.agent_state(agent).expect("known agent")
    }
}

fn is_available(s: acd::AgentState) -> bool {
    matches!(s, acd::AgentState::Available { .. })
}

#[test]
fn a_caller_reaches_the_agent_with_the_skill_and_is_bridged() {
    let mut h = Harness::new();
    h.register("1001", 6001);
    h.register("1002", 6002);
    let (_ok, session) = h.call("c1");
    assert!(
        h.media.iter().any(
            |m| matches!(m, MediaCommand::Play { prompts, .. } if prompts == &["greeting", "menu"])
        ),
        "the menu is played: {:?}",
        h.media
    );
    h.press(session, '2');
    assert!(
        h.requests_to(6001, Method::Invite).is_empty(),
        "1001 has no green-card skill"
    );
    let invite = h
        .requests_to(6002, Method::Invite)
        .pop()
        .expect("1002 rung");
    assert!(
        invite.body.starts_with(b"v=0"),
        "the agent INVITE carries our SDP offer"
    );
    h.answer(&invite, 180, 6002);
    h.answer(&invite, 200, 6002);
    assert_eq!(
        h.requests_to(6002, Method::Ack).len(),
        1,
        "the 200 is ACKed"
    );
    assert!(h.bridged(session));
    assert!(matches!(
        h.agent_state("1002"),
        acd::AgentState::OnCall { .. }
    ));
}

#[test]
fn the_caller_hangs_up_while_the_agent_rings() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    let (ok, session) = h.call("c2");
    h.press(session, '2');
    let invite = h
        .requests_to(6002, Method::Invite)
        .pop()
        .expect("1002 rung");
    h.answer(&invite, 180, 6002);
    h.caller_bye(&ok, "c2");
    assert!(
        h.responses_to(CALLER).iter().any(|r| r.status == 200),
        "the BYE is answered"
    );
    let cancel = h
        .requests_to(6002, Method::Cancel)
        .pop()
        .expect("CANCEL to the ringing agent");
    assert!(
        cancel
            .headers
            .get(&HeaderName::Reason)
            .is_some_and(|r| r.contains("cause=487"))
    );
    h.answer(&cancel, 200, 6002);
    h.answer(&invite, 487, 6002);
    assert_eq!(
        h.requests_to(6002, Method::Ack).len(),
        1,
        "the 487 is ACKed"
    );
    assert!(is_available(h.agent_state("1002")));
    h.advance(Duration::from_secs(60));
    assert!(
        h.requests_to(6002, Method::Invite).is_empty(),
        "the abandoned call is never offered again"
    );
    assert_eq!(h.sw.call_count(), 0);
    assert!(h.sw.is_drained());
}

#[test]
fn an_unanswered_agent_is_cancelled_after_15_s_and_the_next_agent_rings() {
    let (mut h, session) = Harness::benefits_call_with_1001_then_1003("c3");
    let first = h
        .requests_to(6001, Method::Invite)
        .pop()
        .expect("longest-idle labor agent 1001 rung first");
    h.answer(&first, 180, 6001);
    h.advance(Duration::from_millis(14_900));
    assert!(
        h.requests_to(6001, Method::Cancel).is_empty(),
        "still ringing before 15 s"
    );
    h.advance(Duration::from_millis(200));
    let cancel = h
        .requests_to(6001, Method::Cancel)
        .pop()
        .expect("CANCEL at 15 s");
    assert_eq!(
        cancel.headers.get(&HeaderName::Reason),
        Some("SIP;cause=480;text=\"No answer\""),
        "the phone logs a missed call"
    );
    h.answer(&cancel, 200, 6001);
    h.answer(&first, 487, 6001);
    let second = h
        .requests_to(6003, Method::Invite)
        .pop()
        .expect("1003 rung next");
    h.answer(&second, 200, 6003);
    assert!(h.bridged(session));
}

#[test]
fn a_cancel_waits_for_a_provisional_response() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    let (_ok, session) = h.call("c4");
    h.press(session, '2');
    let invite = h.requests_to(6002, Method::Invite).pop().expect("rung");
    // The phone stays silent (not even 100 Trying) past the ring timeout.
    h.advance(Duration::from_secs(16));
    assert!(
        h.requests_to(6002, Method::Cancel).is_empty(),
        "no CANCEL before a provisional response (RFC 3261 §9.1)"
    );
    h.answer(&invite, 180, 6002);
    assert_eq!(
        h.requests_to(6002, Method::Cancel).len(),
        1,
        "the CANCEL goes out on the 180"
    );
}

#[test]
fn an_answer_crossing_our_cancel_is_acked_and_hung_up() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    let (_ok, session) = h.call("c5");
    h.press(session, '2');
    let invite = h.requests_to(6002, Method::Invite).pop().expect("rung");
    h.answer(&invite, 180, 6002);
    h.advance(Duration::from_secs(15));
    let cancel = h.requests_to(6002, Method::Cancel).pop().expect("CANCEL");
    // The phone answered just before the CANCEL arrived.
    h.answer(&invite, 200, 6002);
    h.answer(&cancel, 200, 6002);
    let sent = h.take(6002);
    let methods: Vec<Method> = sent
        .iter()
        .filter_map(|m| match m {
            Message::Request(r) => Some(r.method.clone()),
            _ => None,
        })
        .collect();
    assert!(
        methods.contains(&Method::Ack) && methods.contains(&Method::Bye),
        "ACK then BYE: {methods:?}"
    );
    assert!(!h.bridged(session), "a withdrawn offer is never bridged");
}

#[test]
fn a_busy_agent_is_skipped_and_the_caller_keeps_waiting() {
    let (mut h, session) = Harness::benefits_call_with_1001_then_1003("c6");
    let first = h
        .requests_to(6001, Method::Invite)
        .pop()
        .expect("1001 rung");
    h.answer(&first, 486, 6001);
    assert_eq!(
        h.requests_to(6001, Method::Ack).len(),
        1,
        "the 486 is ACKed by the transaction"
    );
    let second = h
        .requests_to(6003, Method::Invite)
        .pop()
        .expect("1003 rung next");
    h.answer(&second, 200, 6003);
    assert!(h.bridged(session));
}

#[test]
fn either_side_hanging_up_ends_both_legs() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    let (_ok, session) = h.call("c7");
    h.press(session, '2');
    let invite = h.requests_to(6002, Method::Invite).pop().expect("rung");
    h.answer(&invite, 200, 6002);
    let ack = h.requests_to(6002, Method::Ack).pop().expect("ACK");
    // The agent hangs up: a BYE in the agent's dialog.
    h.agent_hangs_up(&ack, 6002);
    assert!(h.responses_to(6002).iter().any(|r| r.status == 200));
    assert_eq!(
        h.requests_to(CALLER, Method::Bye).len(),
        1,
        "the caller gets a BYE"
    );
    assert!(h.media.contains(&MediaCommand::Close { session }));
    assert!(
        is_available(h.agent_state("1002")),
        "back to Available (no wrap-up in the demo)"
    );
}

#[test]
fn a_retransmitted_invite_does_not_make_a_second_call() {
    let mut h = Harness::new();
    let (_ok, _session) = h.call("c8");
    let again = "INVITE sip:100@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5555;branch=z9hG4bK-inv-c8;rport\n\
                 From: <sip:2025550142@127.0.0.1>;tag=caller\nTo: <sip:100@127.0.0.1>\nCall-ID: c8\nCSeq: 1 INVITE\n\
                 Max-Forwards: 70\nContent-Length: 0\n\n";
    h.feed_text(again, CALLER);
    assert_eq!(h.sw.call_count(), 1);
}

#[test]
fn calls_from_unknown_sources_are_refused() {
    let mut h = Harness::new();
    let invite = "INVITE sip:100@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK-x\n\
                  From: <sip:a@192.0.2.9>;tag=a\nTo: <sip:100@127.0.0.1>\nCall-ID: x1\nCSeq: 1 INVITE\nMax-Forwards: 70\nContent-Length: 0\n\n";
    let msg = Message::parse(Bytes::from(invite.replace('\n', "\r\n"))).expect("parses");
    let from = Peer::new(Transport::Udp, SocketAddr::from(([192, 0, 2, 9], 5060)));
    h.sw.handle_sip(msg, from, LOCAL, h.now);
    h.collect();
    let statuses: Vec<u16> = h
        .take(5060)
        .iter()
        .filter_map(|m| match m {
            Message::Response(r) => Some(r.status),
            _ => None,
        })
        .collect();
    assert!(statuses.contains(&403), "{statuses:?}");
    assert_eq!(h.sw.call_count(), 0);
}

#[test]
fn shutdown_ends_active_calls_and_refuses_new_ones() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    let (_ok, session) = h.call("c9");
    h.press(session, '2');
    let invite = h.requests_to(6002, Method::Invite).pop().expect("rung");
    h.answer(&invite, 200, 6002);
    h.sw.begin_shutdown(h.now);
    h.collect();
    let caller_bye = h
        .requests_to(CALLER, Method::Bye)
        .pop()
        .expect("BYE to caller");
    let agent_bye = h
        .requests_to(6002, Method::Bye)
        .pop()
        .expect("BYE to agent");
    assert!(!h.sw.is_drained(), "waiting for the BYEs to be answered");
    h.answer(&caller_bye, 200, CALLER);
    h.answer(&agent_bye, 200, 6002);
    assert!(h.sw.is_drained());
    let _ = h.call_refused();
}

impl Harness {
    fn call_refused(&mut self) -> u16 {
        let invite = "INVITE sip:100@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5555;branch=z9hG4bK-late\n\
                      From: <sip:2025550142@127.0.0.1>;tag=late\nTo: <sip:100@127.0.0.1>\nCall-ID: late\nCSeq: 1 INVITE\nMax-Forwards: 70\nContent-Length: 0\n\n";
        self.feed_text(invite, CALLER);
        let status = self
            .responses_to(CALLER)
            .iter()
            .map(|r| r.status)
            .find(|s| *s >= 300)
            .expect("refused");
        assert_eq!(status, 503);
        status
    }
}

#[test]
fn a_caller_number_that_is_no_sip_user_still_reaches_an_agent_and_leaks_no_port() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    let free = h.sw.ports_available();
    let (ok, session) = h.call_from("c10", "<tel:+12025550142#>;tag=tel", "");
    h.press(session, '2');
    let invite = h
        .requests_to(6002, Method::Invite)
        .pop()
        .expect("the agent is rung");
    let from = invite.from().expect("From");
    assert_eq!(
        from.uri.user.as_deref(),
        Some("+12025550142%23"),
        "the number is escaped, not dropped"
    );
    h.answer(&invite, 486, 6002);
    h.advance(Duration::from_secs(30));
    let _ = h.take(6002);
    let _ = ok;
    h.sw.begin_shutdown(h.now);
    h.collect();
    for r in h.requests_to(CALLER, Method::Bye) {
        h.answer(&r, 200, CALLER);
    }
    for r in h.requests_to(6002, Method::Cancel) {
        h.answer(&r, 200, 6002);
    }
    h.advance(Duration::from_secs(40));
    assert_eq!(
        h.sw.ports_available(),
        free,
        "every port is back in the pool"
    );
}

#[test]
fn record_route_of_the_invite_is_returned_in_the_200() {
    let mut h = Harness::new();
    let rr = "Record-Route: <sip:sbc1.example;lr>\nRecord-Route: <sip:sbc2.example;lr>\n";
    let (ok, _session) = h.call_from("c11", "<sip:2025550142@127.0.0.1>;tag=caller", rr);
    let routes: Vec<String> = ok
        .record_routes()
        .expect("Record-Route")
        .iter()
        .map(|r| r.uri.to_string())
        .collect();
    assert_eq!(routes, ["sip:sbc1.example;lr", "sip:sbc2.example;lr"]);
    // Our BYE follows the route set (reversed for the UAS side is not needed: §12.1.1 keeps order).
    h.sw.begin_shutdown(h.now);
    h.collect();
    let bye = h.requests_to(CALLER, Method::Bye).pop().expect("BYE");
    let route: Vec<String> = bye
        .routes()
        .expect("Route")
        .iter()
        .map(|r| r.uri.to_string())
        .collect();
    assert_eq!(route, ["sip:sbc1.example;lr", "sip:sbc2.example;lr"]);
}

#[test]
fn the_200_to_a_reinvite_is_resent_until_the_ack() {
    let mut h = Harness::new();
    let (ok, _session) = h.call("c12");
    let tag = ok.to().expect("To").tag().expect("tag").to_string();
    let reinvite = format!(
        "INVITE sip:switchboard@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:{CALLER};branch=z9hG4bK-re-c12;rport\n\
         From: <sip:2025550142@127.0.0.1>;tag=caller\nTo: <sip:100@127.0.0.1>;tag={tag}\nCall-ID: c12\nCSeq: 2 INVITE\n\
         Contact: <sip:caller@127.0.0.1:{CALLER}>\nMax-Forwards: 70\nContent-Length: 0\n\n"
    );
    h.feed_text(&reinvite, CALLER);
    let first: Vec<u16> = h.responses_to(CALLER).iter().map(|r| r.status).collect();
    assert!(first.contains(&200), "{first:?}");
    h.advance(Duration::from_millis(600));
    let again: Vec<u16> = h.responses_to(CALLER).iter().map(|r| r.status).collect();
    assert_eq!(again, [200], "resent after T1 without an ACK");
    let ack = format!(
        "ACK sip:switchboard@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:{CALLER};branch=z9hG4bK-reack-c12;rport\n\
         From: <sip:2025550142@127.0.0.1>;tag=caller\nTo: <sip:100@127.0.0.1>;tag={tag}\nCall-ID: c12\nCSeq: 2 ACK\nMax-Forwards: 70\nContent-Length: 0\n\n"
    );
    h.feed_text(&ack, CALLER);
    h.advance(Duration::from_secs(10));
    assert!(
        h.responses_to(CALLER).is_empty(),
        "the ACK stops the retransmissions"
    );
    assert_eq!(h.sw.call_count(), 1, "the call goes on");
}

#[test]
fn an_agent_200_without_contact_fails_the_offer_instead_of_hanging() {
    let (mut h, session) = Harness::benefits_call_with_1001_then_1003("c13");
    let invite = h
        .requests_to(6001, Method::Invite)
        .pop()
        .expect("1001 rung");
    let mut resp = Response::for_request(&invite, 200);
    let mut to = invite.to().expect("To");
    to.set_tag("broken");
    resp.headers.set(HeaderName::To, to.to_string());
    h.feed(Message::Response(resp), 6001);
    assert!(!h.bridged(session));
    let next = h
        .requests_to(6003, Method::Invite)
        .pop()
        .expect("the next agent is rung");
    h.answer(&next, 200, 6003);
    assert!(h.bridged(session));
    assert!(!matches!(
        h.agent_state("1001"),
        acd::AgentState::Reserved { .. }
    ));
}

#[test]
fn an_agent_who_re_registers_during_a_call_stays_logged_in() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    let (_ok, session) = h.call("c14");
    h.press(session, '2');
    let invite = h.requests_to(6002, Method::Invite).pop().expect("rung");
    h.answer(&invite, 200, 6002);
    let ack = h.requests_to(6002, Method::Ack).pop().expect("ACK");
    // The binding (300 s) runs out mid-call, then the phone registers again.
    h.advance(Duration::from_secs(301));
    h.register("1002", 6002);
    h.agent_hangs_up(&ack, 6002);
    assert!(
        is_available(h.agent_state("1002")),
        "{:?}",
        h.agent_state("1002")
    );
}

#[test]
fn agent_media_failure_rings_the_next_agent_and_keeps_the_caller() {
    let (mut h, session) = Harness::benefits_call_with_1001_then_1003("c15");
    let _first = h
        .requests_to(6001, Method::Invite)
        .pop()
        .expect("1001 rung");
    h.sw.handle_media(
        MediaEvent::Failed {
            session,
            side: super::Side::Agent,
        },
        h.now,
    );
    h.collect();
    assert_eq!(h.sw.call_count(), 1, "the caller is still there");
    let next = h
        .requests_to(6003, Method::Invite)
        .pop()
        .expect("1003 rung");
    h.answer(&next, 200, 6003);
    assert!(h.bridged(session));
}

#[test]
fn require_100rel_is_answered_420_and_nothing_is_advertised() {
    let mut h = Harness::new();
    let sdp = "v=0\r\no=c 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";
    let invite = format!(
        "INVITE sip:100@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:{CALLER};branch=z9hG4bK-rel;rport\n\
         From: <sip:2025550142@127.0.0.1>;tag=rel\nTo: <sip:100@127.0.0.1>\nCall-ID: rel\nCSeq: 1 INVITE\n\
         Require: 100rel\nMax-Forwards: 70\nContent-Type: application/sdp\nContent-Length: {}\n\n",
        sdp.len()
    );
    h.feed_text(&(invite + &sdp.replace("\r\n", "\n")), CALLER);
    let refused = h
        .responses_to(CALLER)
        .into_iter()
        .find(|r| r.status >= 300)
        .expect("refused");
    assert_eq!(refused.status, 420);
    assert_eq!(
        refused.headers.get(&HeaderName::Unsupported),
        Some("100rel")
    );
    assert_eq!(h.sw.call_count(), 0);
    // A call that merely supports 100rel is answered without reliable provisionals.
    let (ok, _) = h.call_from(
        "c16",
        "<sip:2025550142@127.0.0.1>;tag=caller",
        "Supported: 100rel, timer\n",
    );
    assert!(
        !ok.headers
            .get_all(&HeaderName::Require)
            .any(|s| s.eq_ignore_ascii_case("100rel"))
    );
    assert!(
        !ok.headers
            .get_all(&HeaderName::Supported)
            .any(|s| s.eq_ignore_ascii_case("100rel"))
    );
}

#[test]
fn the_asserted_identity_is_shown_and_privacy_hides_it() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    let pai = "P-Asserted-Identity: <sip:+12025550177@carrier.example>\n";
    let (_ok, session) = h.call_from("p1", "<sip:unknown@127.0.0.1>;tag=caller", pai);
    h.press(session, '2');
    let invite = h.requests_to(6002, Method::Invite).pop().expect("rung");
    assert_eq!(
        invite.from().expect("From").uri.user.as_deref(),
        Some("+12025550177"),
        "the trunk's asserted number"
    );
    h.answer(&invite, 486, 6002);

    let mut h = Harness::new();
    h.register("1002", 6002);
    let private = "P-Asserted-Identity: <sip:+12025550177@carrier.example>\nPrivacy: id\n";
    let (_ok, session) = h.call_from(
        "p2",
        "<sip:anonymous@anonymous.invalid>;tag=caller",
        private,
    );
    h.press(session, '2');
    let invite = h.requests_to(6002, Method::Invite).pop().expect("rung");
    let from = invite.from().expect("From");
    assert_eq!(from.uri.user.as_deref(), Some("anonymous"));
    assert!(
        !invite.encode().windows(11).any(|w| w == b"12025550177"),
        "the number appears nowhere"
    );
}

#[test]
fn a_caller_overflows_to_another_queue_then_to_a_menu() {
    let mut config = Harness::demo_config();
    let benefits = config
        .queues
        .iter_mut()
        .find(|q| q.name == "benefits")
        .expect("benefits");
    benefits.overflow = Some(acd::Overflow {
        to: "general".into(),
        after: Some(Duration::from_secs(60)),
        max_waiting: None,
        when_no_agents: false,
    });
    let general = config
        .queues
        .iter_mut()
        .find(|q| q.name == "general")
        .expect("general");
    general.overflow = Some(acd::Overflow {
        to: "main".into(),
        after: None,
        max_waiting: None,
        when_no_agents: true,
    });
    let mut h = Harness::with_config(config);
    h.register("1002", 6002);
    let (_ok, session) = h.call("ov1");
    h.press(session, '1');
    assert!(
        h.requests_to(6002, Method::Invite).is_empty(),
        "1002 has no labor skill"
    );
    h.media.clear();
    h.advance(Duration::from_secs(60));
    // In general now: its announcement plays and 1002 (any agent will do) is rung.
    assert!(
        h.media.iter().any(|m| matches!(
            m,
            MediaCommand::Play {
                loop_last: true,
                ..
            }
        )),
        "{:?}",
        h.media
    );
    let invite = h
        .requests_to(6002, Method::Invite)
        .pop()
        .expect("1002 rung");
    assert_eq!(
        invite.from().expect("From").display_name.as_deref(),
        Some("general")
    );

    // While 1002 is logged in (busy or not) general keeps its callers.
    h.answer(&invite, 200, 6002);
    h.media.clear();
    let (_ok, second) = h.call_from("ov2", "<sip:2025550199@127.0.0.1>;tag=c2", "");
    h.press(second, '0');
    assert!(
        h.media.iter().any(|m| matches!(m, MediaCommand::Play { session, loop_last: true, .. } if *session == second)),
        "the second caller waits in general: {:?}",
        h.media
    );
}

#[test]
fn with_nobody_logged_in_a_caller_is_sent_back_to_the_menu() {
    let mut config = Harness::demo_config();
    let general = config
        .queues
        .iter_mut()
        .find(|q| q.name == "general")
        .expect("general");
    general.overflow = Some(acd::Overflow {
        to: "main".into(),
        after: None,
        max_waiting: None,
        when_no_agents: true,
    });
    let mut h = Harness::with_config(config);
    let (_ok, session) = h.call("ov3");
    h.media.clear();
    h.press(session, '0');
    assert!(
        h.media.iter().any(|m| matches!(m, MediaCommand::Play { prompts, loop_last: false, .. } if prompts.iter().any(|p| p == "menu"))),
        "back in the main menu: {:?}",
        h.media
    );
    assert_eq!(h.sw.call_count(), 1, "the call goes on");
}

#[test]
fn a_queued_caller_hears_its_position_and_wait_every_interval() {
    let mut config = Harness::demo_config();
    for q in &mut config.queues {
        q.announce_every = Some(Duration::from_secs(30));
    }
    let mut h = Harness::with_config(config);
    let (_ok, first) = h.call("an1");
    h.press(first, '2');
    let (_ok, second) = h.call_from("an2", "<sip:2025550199@127.0.0.1>;tag=c2", "");
    h.press(second, '2');
    h.media.clear();
    h.advance(Duration::from_secs(30));
    let said = |h: &Harness, session: u64| -> Vec<Vec<String>> {
        h.media
            .iter()
            .filter_map(|m| match m {
                MediaCommand::Play {
                    session: s,
                    prompts,
                    loop_last: true,
                } if *s == session => Some(prompts.clone()),
                _ => None,
            })
            .collect()
    };
    // Nobody logged in can take green-card calls: the default handle time over one agent.
    assert_eq!(
        said(&h, first),
        [vec![
            "position-intro",
            "n1",
            "wait-intro",
            "n3",
            "minutes",
            "hold"
        ]]
    );
    assert_eq!(
        said(&h, second),
        [vec![
            "position-intro",
            "n2",
            "wait-intro",
            "n6",
            "minutes",
            "hold"
        ]]
    );

    // Once the first caller's agent rings, it hears nothing more.
    h.register("1002", 6002);
    h.media.clear();
    h.advance(Duration::from_secs(30));
    assert!(said(&h, first).is_empty());
    assert_eq!(said(&h, second).len(), 1);
}

#[test]
fn statistics_are_taken_every_interval() {
    let mut h = Harness::new();
    h.sw.start(h.now, &mut |_| LOCAL);
    h.register("1002", 6002);
    let (ok, session) = h.call("st1");
    h.press(session, '2');
    let invite = h.requests_to(6002, Method::Invite).pop().expect("rung");
    h.answer(&invite, 200, 6002);
    h.caller_bye(&ok, "st1");
    let (_ok, gone) = h.call("st2");
    h.press(gone, '1');
    h.sw.handle_media(
        MediaEvent::Failed {
            session: gone,
            side: super::Side::Caller,
        },
        h.now,
    );
    h.advance(Duration::from_secs(900));
    let immigration = h.sw.stats.queues.get("immigration").expect("logged");
    assert_eq!((immigration.offered, immigration.answered), (1, 1));
    let benefits = h.sw.stats.queues.get("benefits").expect("logged");
    assert_eq!(
        (benefits.abandoned, benefits.short_abandoned),
        (1, 1),
        "left at once: a short abandon"
    );
    assert_eq!(h.sw.stats.next, Some(h.now + Duration::from_secs(900)));
}

#[test]
fn a_priority_queue_is_served_first() {
    let mut config = Harness::demo_config();
    // 1003 takes both benefits and immigration; immigration callers are urgent.
    config
        .queues
        .iter_mut()
        .find(|q| q.name == "immigration")
        .expect("immigration")
        .priority = 5;
    let mut h = Harness::with_config(config);
    let (_ok, first) = h.call("pr1");
    h.press(first, '1');
    h.advance(Duration::from_secs(10));
    let (_ok, urgent) = h.call_from("pr2", "<sip:2025550199@127.0.0.1>;tag=c2", "");
    h.press(urgent, '2');
    h.register("1003", 6003);
    assert_eq!(
        h.sw.acd.call_status(acd::CallId(urgent)),
        Some(acd::CallStatus::Ringing {
            agent: "1003".into()
        }),
        "the urgent caller goes first although the other waited longer"
    );
    assert_eq!(
        h.sw.acd.call_status(acd::CallId(first)),
        Some(acd::CallStatus::Waiting)
    );
}

#[test]
fn ring_all_rings_every_phone_and_the_first_to_answer_takes_the_call() {
    let mut config = Harness::demo_config();
    config
        .queues
        .iter_mut()
        .find(|q| q.name == "benefits")
        .expect("benefits")
        .strategy = acd::Strategy::RingAll;
    let mut h = Harness::with_config(config);
    h.register("1001", 6001);
    h.register("1003", 6003);
    let free = h.sw.ports_available();
    let (ok, session) = h.call("ra1");
    h.press(session, '1');
    let first = h
        .requests_to(6001, Method::Invite)
        .pop()
        .expect("1001 rung");
    let second = h
        .requests_to(6003, Method::Invite)
        .pop()
        .expect("1003 rung too");
    h.answer(&first, 180, 6001);
    h.media.clear();
    // 1003 answers: it gets the call's agent side; 1001 is cancelled.
    h.answer(&second, 200, 6003);
    let port_of = |req: &Request| {
        String::from_utf8_lossy(&req.body)
            .lines()
            .find_map(|l| l.strip_prefix("m=audio "))
            .and_then(|l| l.split(' ').next())
            .and_then(|p| p.parse::<u16>().ok())
            .expect("m= port")
    };
    assert!(
        h.media.iter().any(|m| matches!(m, MediaCommand::Open { side: super::Side::Agent, port, .. } if *port == port_of(&second))),
        "{:?}",
        h.media
    );
    assert!(h.bridged(session));
    assert!(
        !h.media.iter().any(|m| matches!(
            m,
            MediaCommand::CloseLeg {
                side: super::Side::Agent,
                ..
            }
        )),
        "cancelling 1001 leaves the winner's socket alone: {:?}",
        h.media
    );
    let cancels: Vec<Request> = h
        .take(6001)
        .into_iter()
        .filter_map(|m| match m {
            Message::Request(r) if r.method == Method::Cancel => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(cancels.len(), 1, "1001 stops ringing");
    assert!(matches!(
        h.agent_state("1003"),
        acd::AgentState::OnCall { .. }
    ));
    assert!(is_available(h.agent_state("1001")));

    h.caller_bye(&ok, "ra1");
    assert_eq!(h.sw.ports_available(), free, "no port leaks");
}
