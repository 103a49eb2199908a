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

/// Agent 1002 (port 6002) talks to a caller (call 1) and, through us, to agent 1003 (port
/// 6003, the consult call). Returns the harness, call 1's media session, our ACK to 1002 in
/// call 1, our tag in 1002's consult dialog, and 1003's INVITE.
fn consulting() -> (Harness, u64, Request, String, Request) {
    let mut h = Harness::new();
    h.register("1002", 6002);
    h.advance(std::time::Duration::from_secs(1));
    h.register("1003", 6003);
    let (_ok, session) = h.call("att1");
    h.press(session, '2');
    let invite = h
        .requests_to(6002, Method::Invite)
        .pop()
        .expect("1002, the longest idle, rung");
    h.answer(&invite, 200, 6002);
    let ack = h.requests_to(6002, Method::Ack).pop().expect("ACK");
    assert!(h.bridged(session));
    assert!(h.requests_to(6003, Method::Invite).is_empty());

    // 1002 calls extension 1003 (digest-authenticated like any call of its own).
    let _ = super::outbound_tests::dial(&mut h, "1003");
    let to_b = h
        .requests_to(6003, Method::Invite)
        .pop()
        .expect("1003 rung by extension");
    assert_eq!(
        to_b.from().expect("From").uri.user.as_deref(),
        Some("1002"),
        "1003 sees who calls"
    );
    h.answer(&to_b, 200, 6003);
    let ok = h
        .responses_to(6002)
        .into_iter()
        .find(|r| r.status == 200 && r.cseq().is_ok_and(|c| c.method == Method::Invite))
        .expect("1002's consult call answered");
    let tag = ok.to().expect("To").tag().expect("tag").to_string();
    assert_eq!(h.sw.call_count(), 2);
    (h, session, ack, tag, to_b)
}

#[test]
fn an_agent_joins_the_caller_to_the_colleague_it_consulted() {
    let (mut h, session, ack, tag, to_b) = consulting();
    let free_ports = h.sw.ports_available();
    let agent_port = h
        .media
        .iter()
        .find_map(|m| match m {
            MediaCommand::Open {
                session: s,
                side: super::Side::Agent,
                port,
                ..
            } if *s == session => Some(*port),
            _ => None,
        })
        .expect("call 1's agent port");
    h.media.clear();

    let refer_to =
        format!("<sip:1003@127.0.0.1?Replaces=out-1003%3Bto-tag%3D{tag}%3Bfrom-tag%3Dphone>");
    let refer = from_agent(&ack, Method::Refer, 2, &[("Refer-To", &refer_to)]);
    h.feed(Message::Request(refer), 6002);
    let to_a = h.take(6002);
    assert!(
        to_a.iter()
            .any(|m| matches!(m, Message::Response(r) if r.status == 202)),
        "REFER accepted"
    );
    let notifies: Vec<String> = to_a
        .iter()
        .filter_map(|m| match m {
            Message::Request(r) if r.method == Method::Notify => {
                Some(String::from_utf8_lossy(&r.body).into_owned())
            }
            _ => None,
        })
        .collect();
    assert!(
        notifies.iter().any(|b| b.starts_with("SIP/2.0 200")),
        "{notifies:?}"
    );
    let byes: Vec<String> = to_a
        .iter()
        .filter_map(|m| match m {
            Message::Request(r) if r.method == Method::Bye => r.call_id().ok().map(str::to_owned),
            _ => None,
        })
        .collect();
    assert_eq!(byes.len(), 2, "1002 leaves both calls: {byes:?}");
    assert!(byes.iter().any(|c| c == "out-1003"));
    assert_eq!(h.sw.call_count(), 1, "the consult call is gone");

    // 1003 is re-invited to call 1's agent port; 1002's consult port is free again.
    let reinvite = h
        .requests_to(6003, Method::Invite)
        .pop()
        .expect("1003 re-invited");
    assert_eq!(
        reinvite.call_id().ok(),
        to_b.call_id().ok(),
        "in 1003's dialog"
    );
    let body = String::from_utf8_lossy(&reinvite.body).into_owned();
    assert!(body.contains(&format!("m=audio {agent_port} ")), "{body}");
    assert!(h.sw.ports_available() > free_ports);
    h.answer(&reinvite, 200, 6003);
    assert!(
        h.media.iter().any(|m| matches!(m, MediaCommand::Configure { session: s, side: super::Side::Agent, .. } if *s == session)),
        "call 1's agent side now points at 1003: {:?}",
        h.media
    );
    assert!(matches!(
        h.agent_state("1002"),
        acd::AgentState::Available { .. } | acd::AgentState::WrapUp { .. }
    ));
    assert!(
        matches!(h.agent_state("1003"), acd::AgentState::Paused { .. }),
        "no queue call for 1003 while it talks to the caller"
    );

    // 1003 hangs up: the caller gets BYE and 1003 is offered calls again.
    let ack_b = h
        .requests_to(6003, Method::Ack)
        .pop()
        .expect("ACK of the re-INVITE");
    h.agent_hangs_up(&ack_b, 6003);
    assert_eq!(h.sw.call_count(), 0);
    assert!(!h.requests_to(super::tests::CALLER, Method::Bye).is_empty());
    assert!(matches!(
        h.agent_state("1003"),
        acd::AgentState::Available { .. }
    ));
    assert_eq!(
        h.sw.ports_available(),
        Harness::new().sw.ports_available(),
        "every RTP port back in the pool"
    );
}

#[test]
fn a_replaces_naming_an_unknown_dialog_is_refused_and_nothing_changes() {
    let (mut h, _session, ack, _tag, _to_b) = consulting();
    let refer = from_agent(
        &ack,
        Method::Refer,
        2,
        &[(
            "Refer-To",
            "<sip:1003@127.0.0.1?Replaces=out-1003%3Bto-tag%3Dnope%3Bfrom-tag%3Dnope>",
        )],
    );
    h.feed(Message::Request(refer), 6002);
    assert!(h.responses_to(6002).iter().any(|r| r.status == 481));
    assert_eq!(h.sw.call_count(), 2);
    assert!(h.requests_to(6003, Method::Invite).is_empty());
}

#[test]
fn the_consulted_agent_ending_the_consult_call_leaves_the_caller_with_the_first_agent() {
    let (mut h, session, _ack, _tag, to_b) = consulting();
    let ack_b = h.requests_to(6003, Method::Ack).pop().expect("ACK to 1003");
    assert_eq!(ack_b.call_id().ok(), to_b.call_id().ok());
    h.agent_hangs_up(&ack_b, 6003);
    assert_eq!(h.sw.call_count(), 1);
    assert!(
        h.requests_to(6002, Method::Bye).len() == 1,
        "1002's consult call ends"
    );
    assert!(matches!(
        h.agent_state("1002"),
        acd::AgentState::OnCall { .. }
    ));
    assert!(matches!(
        h.agent_state("1003"),
        acd::AgentState::Available { .. }
    ));
    assert!(h.bridged(session));
}

#[test]
fn the_refer_may_come_in_the_consult_call_naming_the_callers_call() {
    let (mut h, _session, ack, tag, _to_b) = consulting();
    // Call 1's dialog as 1002 sees it: Call-ID, our tag (From of our ACK), its tag.
    let replaces = format!(
        "{}%3Bto-tag%3D{}%3Bfrom-tag%3D{}",
        ack.call_id().expect("Call-ID"),
        ack.from().expect("From").tag().expect("our tag"),
        ack.to().expect("To").tag().expect("its tag"),
    );
    let mut refer = super::outbound_tests::invite("1003", 3, None);
    refer.method = Method::Refer;
    refer.headers.set(HeaderName::CSeq, "3 REFER");
    refer.headers.set(
        HeaderName::To,
        format!("<sip:1003@127.0.0.1:5060>;tag={tag}"),
    );
    refer.headers.remove(&HeaderName::ContentType);
    refer.body = bytes::Bytes::new();
    refer.headers.push(
        HeaderName::Other("Refer-To".into()),
        format!("<sip:2025550142@127.0.0.1?Replaces={replaces}>"),
    );
    h.feed(Message::Request(refer), 6002);
    let to_a = h.take(6002);
    assert!(
        to_a.iter()
            .any(|m| matches!(m, Message::Response(r) if r.status == 202)),
        "{to_a:?}"
    );
    assert_eq!(h.sw.call_count(), 1);
    assert!(
        !h.requests_to(6003, Method::Invite).is_empty(),
        "1003 re-invited"
    );
}
