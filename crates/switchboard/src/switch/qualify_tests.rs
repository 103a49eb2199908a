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
