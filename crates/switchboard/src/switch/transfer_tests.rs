//! Blind transfer by REFER, deterministic.

use sip::{HeaderName, Message, Method, Request};

use super::MediaCommand;
use super::tests::Harness;

/// An in-dialog request from the agent's phone, in the dialog our ACK `ack` belongs to.
fn from_agent(ack: &Request, method: Method, cseq: u32, extra: &[(&str, &str)]) -> Request {
    let mut req = Request::new(
        method.clone(),
        sip::Uri::parse("sip:switchboard@127.0.0.1:5060").expect("uri"),
    );
    req.headers.push(
        HeaderName::Via,
        format!(
            "SIP/2.0/UDP 127.0.0.1:6002;branch=z9hG4bK-{}-{cseq}",
            method.as_str()
        ),
    );
    req.headers
        .push(HeaderName::From, ack.to().expect("To").to_string());
    req.headers
        .push(HeaderName::To, ack.from().expect("From").to_string());
    req.headers
        .push(HeaderName::CallId, ack.call_id().expect("Call-ID"));
    req.headers
        .push(HeaderName::CSeq, format!("{cseq} {}", method.as_str()));
    req.headers.push(HeaderName::MaxForwards, "70");
    req.headers
        .push(HeaderName::Contact, "<sip:1002@127.0.0.1:6002>");
    for (name, value) in extra {
        req.headers.push(HeaderName::Other((*name).into()), *value);
    }
    req
}

#[test]
fn an_agent_transfers_the_caller_blind_to_another_queue() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    h.register("1001", 6001);
    let (_ok, session) = h.call("t1");
    h.press(session, '2');
    let invite = h
        .requests_to(6002, Method::Invite)
        .pop()
        .expect("1002 rung");
    h.answer(&invite, 200, 6002);
    let ack = h.requests_to(6002, Method::Ack).pop().expect("ACK");
    assert!(h.bridged(session));

    let refer = from_agent(
        &ack,
        Method::Refer,
        2,
        &[("Refer-To", "<sip:benefits@127.0.0.1>")],
    );
    h.feed(Message::Request(refer), 6002);
    let sent = h.take(6002);
    let statuses: Vec<u16> = sent
        .iter()
        .filter_map(|m| match m {
            Message::Response(r) => Some(r.status),
            _ => None,
        })
        .collect();
    assert!(statuses.contains(&202), "REFER accepted: {statuses:?}");
    let notifies: Vec<String> = sent
        .iter()
        .filter_map(|m| match m {
            Message::Request(r) if r.method == Method::Notify => {
                Some(String::from_utf8_lossy(&r.body).into_owned())
            }
            _ => None,
        })
        .collect();
    assert!(
        notifies.iter().any(|b| b.starts_with("SIP/2.0 100")),
        "{notifies:?}"
    );
    assert!(
        notifies.iter().any(|b| b.starts_with("SIP/2.0 200")),
        "{notifies:?}"
    );
    assert!(
        sent.iter()
            .any(|m| matches!(m, Message::Request(r) if r.method == Method::Bye)),
        "the agent leg ends"
    );
    assert!(h.media.iter().any(|m| matches!(m, MediaCommand::Play { prompts, loop_last: true, .. } if prompts.iter().any(|p| p == "hold"))));
    // The benefits queue's agent is offered the caller.
    let next = h
        .requests_to(6001, Method::Invite)
        .pop()
        .expect("1001 (labor) rung for benefits");
    h.answer(&next, 200, 6001);
    assert_eq!(h.sw.call_count(), 1);
}

#[test]
fn a_refer_to_nowhere_is_refused_and_the_call_goes_on() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    let (_ok, session) = h.call("t2");
    h.press(session, '2');
    let invite = h.requests_to(6002, Method::Invite).pop().expect("rung");
    h.answer(&invite, 200, 6002);
    let ack = h.requests_to(6002, Method::Ack).pop().expect("ACK");
    let refer = from_agent(
        &ack,
        Method::Refer,
        2,
        &[("Refer-To", "<sip:nowhere@127.0.0.1>")],
    );
    h.feed(Message::Request(refer), 6002);
    assert!(h.responses_to(6002).iter().any(|r| r.status == 404));
    assert!(h.requests_to(6002, Method::Bye).is_empty());
}
