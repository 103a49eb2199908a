//! Hold and resume across the bridge, glare and re-INVITEs without SDP, deterministic.

use std::time::Duration;

use bytes::Bytes;
use sip::{HeaderName, Message, Method, Request, Response};

use super::tests::{CALLER, Harness};

const AGENT: u16 = 6002;

fn sdp(ip: &str, port: u16, direction: &str) -> String {
    format!(
        "v=0\r\no=x 1 2 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0 101\r\n\
         a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na={direction}\r\n"
    )
}

fn direction_of(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    ["sendrecv", "sendonly", "recvonly", "inactive"]
        .into_iter()
        .find(|d| text.contains(&format!("a={d}")))
        .unwrap_or("none")
        .to_string()
}

/// A bridged call: caller ↔ switch ↔ agent 1002. Returns the 200 we sent the caller and the
/// ACK we sent the agent (which names the agent dialog).
fn bridged(h: &mut Harness, call_id: &str) -> (Response, Request) {
    h.register("1002", AGENT);
    let (ok, session) = h.call(call_id);
    h.press(session, '2');
    let invite = h
        .requests_to(AGENT, Method::Invite)
        .pop()
        .expect("agent rung");
    h.answer(&invite, 200, AGENT);
    let ack = h
        .requests_to(AGENT, Method::Ack)
        .pop()
        .expect("ACK to the agent");
    (ok, ack)
}

/// An in-dialog request from the caller.
fn caller_request(ok: &Response, call_id: &str, method: &str, cseq: u32, body: &str) -> String {
    let tag = ok.to().expect("To").tag().expect("tag").to_string();
    let ct = if body.is_empty() {
        String::new()
    } else {
        "Content-Type: application/sdp\n".into()
    };
    format!(
        "{method} sip:switchboard@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:{CALLER};branch=z9hG4bK-{method}-{cseq}-{call_id};rport\n\
         From: <sip:2025550142@127.0.0.1>;tag=caller\nTo: <sip:100@127.0.0.1>;tag={tag}\nCall-ID: {call_id}\nCSeq: {cseq} {method}\n\
         Contact: <sip:caller@127.0.0.1:{CALLER}>\nMax-Forwards: 70\n{ct}Content-Length: {}\n\n{}",
        body.len(),
        body.replace("\r\n", "\n")
    )
}

fn feed_caller(h: &mut Harness, text: &str) {
    // Bodies were written with \r\n; the harness turns every \n into \r\n.
    h.feed_text(text, CALLER);
}

/// The agent's phone answers our re-INVITE with SDP in `direction`.
fn agent_answers(h: &mut Harness, reinvite: &Request, status: u16, direction: &str) {
    let mut resp = Response::for_request(reinvite, status);
    if status == 200 {
        resp.headers.push(
            HeaderName::Contact,
            format!("<sip:agent@127.0.0.1:{AGENT}>"),
        );
        resp.headers
            .push(HeaderName::ContentType, "application/sdp");
        resp.body = Bytes::from(sdp("127.0.0.1", 41000, direction));
    }
    h.feed(Message::Response(resp), AGENT);
}

fn ack_caller(h: &mut Harness, ok: &Response, call_id: &str, cseq: u32) {
    let text = caller_request(ok, call_id, "ACK", cseq, "");
    feed_caller(h, &text);
}

#[test]
fn a_caller_on_hold_puts_the_agent_on_hold_and_resume_resumes() {
    let mut h = Harness::new();
    let (ok, _ack) = bridged(&mut h, "h1");
    feed_caller(
        &mut h,
        &caller_request(&ok, "h1", "INVITE", 2, &sdp("127.0.0.1", 40000, "sendonly")),
    );
    let answer = h
        .responses_to(CALLER)
        .into_iter()
        .find(|r| r.status == 200)
        .expect("200 to the hold");
    assert_eq!(
        direction_of(&answer.body),
        "recvonly",
        "sendonly is answered recvonly"
    );
    ack_caller(&mut h, &ok, "h1", 2);
    let hold = h
        .requests_to(AGENT, Method::Invite)
        .pop()
        .expect("the agent gets a re-INVITE");
    assert_eq!(
        direction_of(&hold.body),
        "sendonly",
        "the agent is offered what the caller declared"
    );
    agent_answers(&mut h, &hold, 200, "recvonly");
    assert_eq!(
        h.requests_to(AGENT, Method::Ack).len(),
        1,
        "our re-INVITE is ACKed"
    );

    feed_caller(
        &mut h,
        &caller_request(&ok, "h1", "INVITE", 3, &sdp("127.0.0.1", 40000, "sendrecv")),
    );
    let answer = h
        .responses_to(CALLER)
        .into_iter()
        .find(|r| r.status == 200)
        .expect("200 to the resume");
    assert_eq!(direction_of(&answer.body), "sendrecv");
    ack_caller(&mut h, &ok, "h1", 3);
    let resume = h
        .requests_to(AGENT, Method::Invite)
        .pop()
        .expect("resume reaches the agent");
    assert_eq!(direction_of(&resume.body), "sendrecv");
    agent_answers(&mut h, &resume, 200, "sendrecv");
    assert_eq!(h.sw.call_count(), 1);
}

#[test]
fn an_agent_holding_with_inactive_reaches_the_caller_as_inactive() {
    let mut h = Harness::new();
    let (_ok, ack) = bridged(&mut h, "h2");
    let mut reinvite = Request::new(
        Method::Invite,
        sip::Uri::parse("sip:switchboard@127.0.0.1:5060").expect("uri"),
    );
    reinvite.headers.push(
        HeaderName::Via,
        "SIP/2.0/UDP 127.0.0.1:6002;branch=z9hG4bK-agent-hold",
    );
    reinvite
        .headers
        .push(HeaderName::From, ack.to().expect("To").to_string());
    reinvite
        .headers
        .push(HeaderName::To, ack.from().expect("From").to_string());
    reinvite
        .headers
        .push(HeaderName::CallId, ack.call_id().expect("Call-ID"));
    reinvite.headers.push(HeaderName::CSeq, "5 INVITE");
    reinvite
        .headers
        .push(HeaderName::Contact, "<sip:agent@127.0.0.1:6002>");
    reinvite.headers.push(HeaderName::MaxForwards, "70");
    reinvite
        .headers
        .push(HeaderName::ContentType, "application/sdp");
    reinvite.body = Bytes::from(sdp("127.0.0.1", 41000, "inactive"));
    h.feed(Message::Request(reinvite), AGENT);
    let answer = h
        .responses_to(AGENT)
        .into_iter()
        .find(|r| r.status == 200)
        .expect("200 to the agent");
    assert_eq!(direction_of(&answer.body), "inactive");
    let to_caller = h
        .requests_to(CALLER, Method::Invite)
        .pop()
        .expect("the caller gets a re-INVITE");
    assert_eq!(direction_of(&to_caller.body), "inactive");
}

#[test]
fn old_style_hold_with_a_zero_address_is_carried_as_sendonly() {
    let mut h = Harness::new();
    let (ok, _ack) = bridged(&mut h, "h3");
    feed_caller(
        &mut h,
        &caller_request(&ok, "h3", "INVITE", 2, &sdp("0.0.0.0", 40000, "sendrecv")),
    );
    assert!(h.responses_to(CALLER).iter().any(|r| r.status == 200));
    let hold = h
        .requests_to(AGENT, Method::Invite)
        .pop()
        .expect("the agent gets a re-INVITE");
    assert_eq!(direction_of(&hold.body), "sendonly");
}

#[test]
fn glare_gets_491_and_our_reinvite_is_retried_after_the_backoff() {
    let mut h = Harness::new();
    let (ok, ack) = bridged(&mut h, "h4");
    feed_caller(
        &mut h,
        &caller_request(&ok, "h4", "INVITE", 2, &sdp("127.0.0.1", 40000, "sendonly")),
    );
    ack_caller(&mut h, &ok, "h4", 2);
    let ours = h
        .requests_to(AGENT, Method::Invite)
        .pop()
        .expect("our re-INVITE to the agent");
    // The agent's own re-INVITE crosses ours.
    let mut theirs = Request::new(
        Method::Invite,
        sip::Uri::parse("sip:switchboard@127.0.0.1:5060").expect("uri"),
    );
    theirs.headers.push(
        HeaderName::Via,
        "SIP/2.0/UDP 127.0.0.1:6002;branch=z9hG4bK-agent-glare",
    );
    theirs
        .headers
        .push(HeaderName::From, ack.to().expect("To").to_string());
    theirs
        .headers
        .push(HeaderName::To, ack.from().expect("From").to_string());
    theirs
        .headers
        .push(HeaderName::CallId, ack.call_id().expect("Call-ID"));
    theirs.headers.push(HeaderName::CSeq, "7 INVITE");
    theirs.headers.push(HeaderName::MaxForwards, "70");
    theirs
        .headers
        .push(HeaderName::ContentType, "application/sdp");
    theirs.body = Bytes::from(sdp("127.0.0.1", 41000, "inactive"));
    h.feed(Message::Request(theirs), AGENT);
    assert!(
        h.responses_to(AGENT).iter().any(|r| r.status == 491),
        "theirs gets 491"
    );
    agent_answers(&mut h, &ours, 491, "");
    h.advance(Duration::from_millis(2000));
    assert!(
        h.requests_to(AGENT, Method::Invite).is_empty(),
        "we own the Call-ID: no retry before 2.1 s"
    );
    h.advance(Duration::from_millis(2100));
    let retry = h
        .requests_to(AGENT, Method::Invite)
        .pop()
        .expect("retried within 4 s");
    assert_eq!(direction_of(&retry.body), "sendonly");
}

#[test]
fn a_reinvite_without_sdp_gets_our_offer_and_the_ack_carries_the_answer() {
    let mut h = Harness::new();
    let (ok, _ack) = bridged(&mut h, "h5");
    feed_caller(&mut h, &caller_request(&ok, "h5", "INVITE", 2, ""));
    let offer = h
        .responses_to(CALLER)
        .into_iter()
        .find(|r| r.status == 200)
        .expect("200 with our offer");
    assert_eq!(direction_of(&offer.body), "sendrecv");
    let ack = caller_request(&ok, "h5", "ACK", 2, &sdp("127.0.0.1", 40000, "sendonly"));
    feed_caller(&mut h, &ack);
    let hold = h
        .requests_to(AGENT, Method::Invite)
        .pop()
        .expect("the answer's hold reaches the agent");
    assert_eq!(direction_of(&hold.body), "sendonly");
}

#[test]
fn an_invite_overlapping_our_unacknowledged_200_gets_500_with_retry_after() {
    let mut h = Harness::new();
    let (ok, _ack) = bridged(&mut h, "h6");
    feed_caller(
        &mut h,
        &caller_request(&ok, "h6", "INVITE", 2, &sdp("127.0.0.1", 40000, "sendonly")),
    );
    let _ = h.responses_to(CALLER);
    // No ACK yet: the next INVITE overlaps.
    feed_caller(
        &mut h,
        &caller_request(&ok, "h6", "INVITE", 3, &sdp("127.0.0.1", 40000, "sendrecv")),
    );
    let refused = h
        .responses_to(CALLER)
        .into_iter()
        .find(|r| r.status >= 300)
        .expect("refused");
    assert_eq!(refused.status, 500);
    assert!(
        refused
            .headers
            .get(&HeaderName::Other("Retry-After".into()))
            .is_some()
    );
}

#[test]
fn an_update_with_sdp_is_answered_in_its_200_and_carried_across() {
    let mut h = Harness::new();
    let (ok, _ack) = bridged(&mut h, "h7");
    feed_caller(
        &mut h,
        &caller_request(&ok, "h7", "UPDATE", 2, &sdp("127.0.0.1", 40000, "sendonly")),
    );
    let answer = h
        .responses_to(CALLER)
        .into_iter()
        .find(|r| r.status == 200)
        .expect("200 to UPDATE");
    assert_eq!(direction_of(&answer.body), "recvonly");
    let hold = h
        .requests_to(AGENT, Method::Invite)
        .pop()
        .expect("carried to the agent");
    assert_eq!(direction_of(&hold.body), "sendonly");
}
