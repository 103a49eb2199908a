//! Session timers (RFC 4028) end calls whose other end died without a BYE, deterministic.

use std::time::Duration;

use sip::{HeaderName, Method, Response};

use super::tests::{CALLER, Harness};

fn se(resp: &Response) -> Option<String> {
    resp.headers
        .get(&HeaderName::Other("Session-Expires".into()))
        .map(str::to_owned)
}

#[test]
fn an_interval_below_min_se_gets_422_with_our_minimum() {
    let mut h = Harness::new();
    let invite = "INVITE sip:100@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5555;branch=z9hG4bK-se60\n\
                  From: <sip:2025550142@127.0.0.1>;tag=se60\nTo: <sip:100@127.0.0.1>\nCall-ID: se60\nCSeq: 1 INVITE\n\
                  Supported: timer\nSession-Expires: 60\nMax-Forwards: 70\nContent-Length: 0\n\n";
    h.feed_text(invite, CALLER);
    let refused = h
        .responses_to(CALLER)
        .into_iter()
        .find(|r| r.status >= 300)
        .expect("refused");
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.headers.get(&HeaderName::Other("Min-SE".into())),
        Some("90")
    );
}

#[test]
fn a_caller_that_refreshes_is_required_to_and_is_hung_up_when_it_stops() {
    let mut h = Harness::new();
    let (ok, _) = h.call_from(
        "se1",
        "<sip:2025550142@127.0.0.1>;tag=caller",
        "Supported: timer\nSession-Expires: 120\n",
    );
    assert_eq!(se(&ok).as_deref(), Some("120;refresher=uac"));
    assert_eq!(ok.headers.get(&HeaderName::Require), Some("timer"));
    // A refresh (UPDATE without SDP) at 50 s keeps the call.
    h.advance(Duration::from_secs(50));
    let tag = ok.to().expect("To").tag().expect("tag").to_string();
    let update = format!(
        "UPDATE sip:switchboard@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:{CALLER};branch=z9hG4bK-se1-up\n\
         From: <sip:2025550142@127.0.0.1>;tag=caller\nTo: <sip:100@127.0.0.1>;tag={tag}\nCall-ID: se1\nCSeq: 2 UPDATE\n\
         Session-Expires: 120;refresher=uac\nMax-Forwards: 70\nContent-Length: 0\n\n"
    );
    h.feed_text(&update, CALLER);
    let refreshed = h
        .responses_to(CALLER)
        .into_iter()
        .find(|r| r.status == 200)
        .expect("200 to UPDATE");
    assert_eq!(se(&refreshed).as_deref(), Some("120;refresher=uac"));
    h.advance(Duration::from_secs(80));
    assert_eq!(
        h.sw.call_count(),
        1,
        "130 s in, 80 s after the refresh: still up"
    );
    // No more refreshes: the session ends 120 − 32 s after the last one.
    h.advance(Duration::from_secs(10));
    assert_eq!(h.sw.call_count(), 0);
    assert!(
        !h.requests_to(CALLER, Method::Bye).is_empty(),
        "the caller gets a BYE"
    );
}

#[test]
fn without_caller_support_we_refresh_and_a_dead_caller_is_found() {
    let mut h = Harness::new();
    let (ok, _) = h.call("se2");
    assert_eq!(se(&ok).as_deref(), Some("1800;refresher=uas"));
    assert!(
        ok.headers.get(&HeaderName::Require).is_none(),
        "nothing is required of a caller without timer"
    );
    h.advance(Duration::from_secs(899));
    assert!(h.requests_to(CALLER, Method::Invite).is_empty());
    h.advance(Duration::from_secs(2));
    let refresh = h
        .requests_to(CALLER, Method::Invite)
        .pop()
        .expect("refresh at half the interval");
    assert_eq!(
        refresh
            .headers
            .get(&HeaderName::Other("Session-Expires".into())),
        Some("1800;refresher=uac"),
        "in our request we are the UAC"
    );
    // The caller's phone is gone: nothing answers; Timer B ends the transaction and the call.
    h.advance(Duration::from_secs(40));
    assert_eq!(h.sw.call_count(), 0, "an unanswered refresh ends the call");
}

#[test]
fn an_answered_refresh_keeps_the_call() {
    let mut h = Harness::new();
    let (_ok, _) = h.call("se3");
    h.advance(Duration::from_secs(901));
    let refresh = h
        .requests_to(CALLER, Method::Invite)
        .pop()
        .expect("refresh");
    h.answer(&refresh, 200, CALLER);
    assert!(
        !h.requests_to(CALLER, Method::Ack).is_empty(),
        "the refresh's 2xx is ACKed"
    );
    h.advance(Duration::from_secs(800));
    assert_eq!(h.sw.call_count(), 1);
    assert!(
        h.requests_to(CALLER, Method::Invite).is_empty(),
        "next refresh only 900 s after the last"
    );
    h.advance(Duration::from_secs(101));
    let next = h.requests_to(CALLER, Method::Invite);
    assert!(!next.is_empty(), "the next refresh went out");
    let branches: std::collections::HashSet<String> = next
        .iter()
        .filter_map(|r| r.top_via().ok())
        .filter_map(|v| v.branch().map(str::to_owned))
        .collect();
    assert_eq!(branches.len(), 1, "one refresh (and its retransmissions)");
}

#[test]
fn the_agent_leg_asks_for_a_timer_and_honours_the_agents_choice() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    let (_ok, session) = h.call_from(
        "se4",
        "<sip:2025550142@127.0.0.1>;tag=caller",
        "Supported: timer\nSession-Expires: 1800\n",
    );
    h.press(session, '2');
    let invite = h
        .requests_to(6002, Method::Invite)
        .pop()
        .expect("agent rung");
    assert_eq!(
        invite
            .headers
            .get(&HeaderName::Other("Session-Expires".into())),
        Some("1800;refresher=uac")
    );
    assert!(
        invite
            .headers
            .get_all(&HeaderName::Supported)
            .any(|s| s == "timer")
    );
    // The agent's phone takes the refresher role with a short interval, then goes silent.
    let mut ok = Response::for_request(&invite, 200);
    let mut to = invite.to().expect("To");
    to.set_tag("agent-se4");
    ok.headers.set(HeaderName::To, to.to_string());
    ok.headers
        .push(HeaderName::Contact, "<sip:agent@127.0.0.1:6002>");
    ok.headers.push(
        HeaderName::Other("Session-Expires".into()),
        "90;refresher=uas",
    );
    ok.headers.push(HeaderName::ContentType, "application/sdp");
    ok.body = bytes::Bytes::from(
        "v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 41000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
    );
    h.feed(sip::Message::Response(ok), 6002);
    assert!(h.bridged(session));
    h.advance(Duration::from_secs(59));
    assert_eq!(h.sw.call_count(), 1);
    h.advance(Duration::from_secs(2));
    assert_eq!(
        h.sw.call_count(),
        0,
        "the agent did not refresh within 90 − 30 s"
    );
    assert!(!h.requests_to(6002, Method::Bye).is_empty());
    assert!(!h.requests_to(CALLER, Method::Bye).is_empty());
}

#[test]
fn a_caller_refreshing_with_a_reinvite_keeps_its_call() {
    let mut h = Harness::new();
    let (ok, _) = h.call_from(
        "se5",
        "<sip:2025550142@127.0.0.1>;tag=caller",
        "Supported: timer\nSession-Expires: 120\n",
    );
    assert_eq!(se(&ok).as_deref(), Some("120;refresher=uac"));
    // The refresh at 50 s is a re-INVITE with the session as it was (RFC 4028 §7.4).
    h.advance(Duration::from_secs(50));
    let tag = ok.to().expect("To").tag().expect("tag").to_string();
    let sdp = "v=0\no=c 1 2 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 40000 RTP/AVP 0 101\na=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\n";
    let reinvite = format!(
        "INVITE sip:switchboard@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:{CALLER};branch=z9hG4bK-se5-re\n\
         From: <sip:2025550142@127.0.0.1>;tag=caller\nTo: <sip:100@127.0.0.1>;tag={tag}\nCall-ID: se5\nCSeq: 2 INVITE\n\
         Contact: <sip:caller@127.0.0.1:{CALLER}>\nSupported: timer\nSession-Expires: 120;refresher=uac\nMax-Forwards: 70\n\
         Content-Type: application/sdp\nContent-Length: {}\n\n{sdp}",
        sdp.replace('\n', "\r\n").len()
    );
    h.feed_text(&reinvite, CALLER);
    let refreshed = h
        .responses_to(CALLER)
        .into_iter()
        .find(|r| r.status == 200)
        .expect("200 to the re-INVITE");
    assert_eq!(
        se(&refreshed).as_deref(),
        Some("120;refresher=uac"),
        "the 2xx to a refresh states the interval and the refresher (§9)"
    );
    assert_eq!(refreshed.headers.get(&HeaderName::Require), Some("timer"));
    let ack = format!(
        "ACK sip:switchboard@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:{CALLER};branch=z9hG4bK-se5-ack\n\
         From: <sip:2025550142@127.0.0.1>;tag=caller\nTo: <sip:100@127.0.0.1>;tag={tag}\nCall-ID: se5\nCSeq: 2 ACK\n\
         Max-Forwards: 70\nContent-Length: 0\n\n"
    );
    h.feed_text(&ack, CALLER);
    h.advance(Duration::from_secs(80));
    assert_eq!(
        h.sw.call_count(),
        1,
        "130 s in, 80 s after the refresh: still up"
    );
    h.advance(Duration::from_secs(10));
    assert_eq!(h.sw.call_count(), 0, "120 − 32 s after the refresh: over");
}
