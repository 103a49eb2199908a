//! Qualifying registered phones with OPTIONS, deterministic.

use std::time::Duration;

use sip::Method;

use super::tests::Harness;

#[test]
fn a_phone_that_stops_answering_options_is_logged_out_and_back_when_it_answers() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    h.advance(Duration::from_secs(31));
    let options = h
        .requests_to(6002, Method::Options)
        .pop()
        .expect("OPTIONS after 30 s");
    h.answer(&options, 200, 6002);
    assert!(matches!(
        h.sw.agent_state("1002"),
        Some(acd::AgentState::Available { .. })
    ));

    // The phone goes silent: the next OPTIONS times out (Timer F, 32 s) and the agent is out.
    h.advance(Duration::from_secs(30 + 33));
    let _ = h.take(6002);
    assert!(matches!(
        h.sw.agent_state("1002"),
        Some(acd::AgentState::LoggedOut)
    ));
    let (_ok, session) = h.call("q1");
    h.press(session, '2');
    assert!(
        h.requests_to(6002, Method::Invite).is_empty(),
        "no caller is offered a dead phone"
    );

    // It answers again: logged in, and the waiting caller rings it at once.
    h.advance(Duration::from_secs(30));
    let options = h
        .requests_to(6002, Method::Options)
        .pop()
        .expect("OPTIONS goes on");
    h.answer(&options, 404, 6002);
    assert!(
        !h.requests_to(6002, Method::Invite).is_empty(),
        "any response means reachable"
    );
}

/// Two trunks with a proxy each and two rules for the same numbers: `carrier` first, then
/// `backup`; started, so both are being qualified.
fn two_trunks() -> Harness {
    use super::outbound_tests::{rule, trunk};
    let mut config = Harness::demo_config();
    for (name, port, ip) in [
        ("carrier", 7000, "127.0.0.7"),
        ("backup", 7001, "127.0.0.8"),
    ] {
        config.trunks.push(trunk(name, port, ip));
        config
            .dial_rules
            .push(rule(&format!("national-{name}"), name, "+1", (12, 12)));
    }
    let mut h = Harness::with_config(config);
    h.register("1002", 6002);
    h.sw.start(h.now, &mut |_| std::net::IpAddr::from([127, 0, 0, 1]));
    h.collect();
    h
}

#[test]
fn calls_out_fail_over_to_the_next_rule_while_a_trunk_does_not_answer_options() {
    let mut h = two_trunks();
    // Both trunks are asked at once; only the backup answers.
    let to_carrier = h.requests_to(7000, Method::Options);
    assert_eq!(to_carrier.len(), 1, "OPTIONS to the carrier at start");
    assert_eq!(
        to_carrier[0].uri.to_string(),
        "sip:127.0.0.1:7000",
        "addressed to the proxy"
    );
    let to_backup = h
        .requests_to(7001, Method::Options)
        .pop()
        .expect("OPTIONS to the backup");
    h.answer(&to_backup, 200, 7001);
    h.advance(Duration::from_secs(33));
    let _ = h.take(7000);

    // The carrier never answered (Timer F): an agent's call goes out through the backup.
    let _ = super::outbound_tests::dial(&mut h, "+12025550199");
    assert!(h.requests_to(7000, Method::Invite).is_empty());
    let out = h
        .requests_to(7001, Method::Invite)
        .pop()
        .expect("INVITE to the backup");
    h.answer(&out, 486, 7001);
    assert_eq!(h.sw.call_count(), 0);

    // The carrier answers the next OPTIONS: it is used again.
    h.advance(Duration::from_secs(30));
    let options = h
        .requests_to(7000, Method::Options)
        .pop()
        .expect("the carrier is still asked");
    h.answer(&options, 200, 7000);
    let _ = h.take(6002); // the first call's responses, retransmitted until ACKed
    let _ = super::outbound_tests::dial(&mut h, "+12025550198");
    assert_eq!(h.requests_to(7000, Method::Invite).len(), 1);
}

#[test]
fn with_every_allowed_trunk_unreachable_the_phone_gets_503() {
    let mut h = two_trunks();
    h.advance(Duration::from_secs(33));
    let _ = (h.take(7000), h.take(7001));
    let responses = super::outbound_tests::dial(&mut h, "+12025550199");
    assert!(
        responses.iter().any(|r| r.status == 503),
        "{:?}",
        responses.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(h.requests_to(7000, Method::Invite).is_empty());
    assert!(h.requests_to(7001, Method::Invite).is_empty());
}
