//! Virtual hold (callback), deterministic: the caller keeps its place, the agent is rung
//! first, then the caller is called back through the trunk.

use std::time::Duration;

use sip::Method;

use super::outbound_tests::{rule, trunk};
use super::tests::{CALLER, Harness};
use super::{MediaCommand, MediaEvent};

const CARRIER: u16 = 7000;

fn harness() -> Harness {
    let mut config = Harness::demo_config();
    config
        .queues
        .iter_mut()
        .find(|q| q.name == "immigration")
        .expect("immigration")
        .callback_key = Some('1');
    let mut carrier = trunk("carrier", CARRIER, "127.0.0.7");
    carrier.qualify = false;
    config.trunks.push(carrier);
    config
        .dial_rules
        .push(rule("local", "carrier", "", (10, 12)));
    Harness::with_config(config)
}

/// A caller in immigration presses 1, then keys `keys` (its own number: just `#`), hears the
/// confirmation, and we hang up on it.
fn parked_with(h: &mut Harness, call_id: &str, keys: &str) -> u64 {
    let (_ok, session) = h.call(call_id);
    h.press(session, '2');
    assert!(
        h.media.iter().any(|m| matches!(m, MediaCommand::Play { prompts, .. } if prompts.iter().any(|p| p == "callback-offer"))),
        "the queue offers a callback"
    );
    h.media.clear();
    h.press(session, '1');
    assert!(h.media.iter().any(
        |m| matches!(m, MediaCommand::Play { prompts, .. } if prompts == &["callback-number"])
    ));
    for key in keys.chars() {
        h.press(session, key);
    }
    assert!(h.media.iter().any(
        |m| matches!(m, MediaCommand::Play { prompts, .. } if prompts == &["callback-confirm"])
    ));
    h.sw.handle_media(MediaEvent::PlaybackDone { session }, h.now);
    h.collect();
    assert_eq!(
        h.requests_to(CALLER, Method::Bye).len(),
        1,
        "we hang up on the caller"
    );
    assert_eq!(
        h.sw.acd.call_status(acd::CallId(session)),
        Some(acd::CallStatus::Waiting),
        "its place is kept"
    );
    session
}

fn parked(h: &mut Harness, call_id: &str) -> u64 {
    parked_with(h, call_id, "#")
}

#[test]
fn the_agent_is_rung_first_then_the_caller_is_called_back_and_bridged() {
    let mut h = harness();
    let session = parked(&mut h, "cb1");
    // A second caller arrives later and waits behind the parked one.
    let (_ok, second) = h.call_from("cb2", "<sip:2025550199@127.0.0.1>;tag=c2", "");
    h.press(second, '2');
    h.advance(Duration::from_secs(5));

    h.register("1002", 6002);
    assert_eq!(
        h.sw.acd.call_status(acd::CallId(session)),
        Some(acd::CallStatus::Ringing {
            agent: "1002".into()
        }),
        "the parked caller keeps its place: first in line"
    );
    // `register` took what went to 6002; the INVITE is resent (Timer A) a moment later.
    h.advance(Duration::from_millis(600));
    let invite = h
        .requests_to(6002, Method::Invite)
        .pop()
        .expect("1002 rung");
    assert_eq!(
        invite.from().expect("From").display_name.as_deref(),
        Some("Callback: immigration")
    );
    assert!(
        h.requests_to(CARRIER, Method::Invite).is_empty(),
        "agent first"
    );
    h.answer(&invite, 200, 6002);

    let out = h
        .requests_to(CARRIER, Method::Invite)
        .pop()
        .expect("the caller is called back");
    assert_eq!(out.uri.user.as_deref(), Some("2025550142"));
    assert!(!h.bridged(session), "not before the caller answers");
    h.answer(&out, 200, CARRIER);
    let ack = h.requests_to(CARRIER, Method::Ack).pop().expect("ACK");
    assert!(h.bridged(session), "bridged once the caller answered");

    // The caller hangs up: the agent gets BYE, and the next caller is offered afterwards.
    h.agent_hangs_up(&ack, CARRIER);
    assert!(!h.requests_to(6002, Method::Bye).is_empty());
    assert_eq!(h.sw.call_count(), 1, "only the second caller is left");
}

#[test]
fn a_callback_nobody_answers_ends_and_frees_the_agent() {
    let mut h = harness();
    let session = parked(&mut h, "cb3");
    h.register("1002", 6002);
    h.advance(Duration::from_millis(600));
    let invite = h
        .requests_to(6002, Method::Invite)
        .pop()
        .expect("1002 rung");
    h.answer(&invite, 200, 6002);
    let out = h
        .requests_to(CARRIER, Method::Invite)
        .pop()
        .expect("called back");
    h.answer(&out, 486, CARRIER);
    assert!(
        !h.requests_to(6002, Method::Bye).is_empty(),
        "the agent is told"
    );
    assert_eq!(h.sw.call_count(), 0);
    assert_eq!(h.sw.acd.call_status(acd::CallId(session)), None);
    assert_eq!(
        h.sw.ports_available(),
        Harness::new().sw.ports_available(),
        "no RTP port leaks"
    );
}

#[test]
fn a_caller_who_withheld_its_number_must_key_one() {
    let mut h = harness();
    let (_ok, session) = h.call_from(
        "cb4",
        "<sip:anonymous@anonymous.invalid>;tag=c4",
        "Privacy: id\n",
    );
    h.press(session, '2');
    h.press(session, '1');
    h.media.clear();
    h.press(session, '#');
    assert!(
        h.media.iter().any(|m| matches!(
            m,
            MediaCommand::Play {
                loop_last: true,
                ..
            }
        )),
        "no number to call back: back to waiting: {:?}",
        h.media
    );
    h.press(session, '1');
    h.media.clear();
    for key in "2025550177#".chars() {
        h.press(session, key);
    }
    assert!(h.media.iter().any(
        |m| matches!(m, MediaCommand::Play { prompts, .. } if prompts == &["callback-confirm"])
    ));
}

#[test]
fn a_caller_may_key_another_number_to_be_called_back_on() {
    let mut h = harness();
    let _session = parked_with(&mut h, "cb5", "2025550177#");
    h.register("1002", 6002);
    h.advance(Duration::from_millis(600));
    let invite = h
        .requests_to(6002, Method::Invite)
        .pop()
        .expect("1002 rung");
    h.answer(&invite, 200, 6002);
    let out = h
        .requests_to(CARRIER, Method::Invite)
        .pop()
        .expect("called back");
    assert_eq!(out.uri.user.as_deref(), Some("2025550177"));
}

#[test]
fn a_number_no_dial_rule_allows_leaves_the_caller_waiting_on_the_line() {
    let mut h = harness();
    let (_ok, session) = h.call("cb6");
    h.press(session, '2');
    h.press(session, '1');
    h.media.clear();
    for key in "0901234567890#".chars() {
        h.press(session, key);
    }
    assert!(
        h.media.iter().any(|m| matches!(
            m,
            MediaCommand::Play {
                loop_last: true,
                ..
            }
        )),
        "back to the hold music: {:?}",
        h.media
    );
    assert!(
        h.requests_to(CALLER, Method::Bye).is_empty(),
        "still on the line"
    );
    assert_eq!(
        h.sw.acd.call_status(acd::CallId(session)),
        Some(acd::CallStatus::Waiting)
    );
}

#[test]
fn a_caller_who_keys_nothing_goes_back_to_waiting() {
    let mut h = harness();
    let (_ok, session) = h.call("cb7");
    h.press(session, '2');
    h.press(session, '1');
    h.press(session, '5');
    h.media.clear();
    h.advance(Duration::from_secs(21));
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
    assert!(h.requests_to(CALLER, Method::Bye).is_empty());
}

#[test]
fn a_parked_callback_in_a_ring_all_queue_rings_every_phone() {
    let mut config = Harness::demo_config();
    let immigration = config
        .queues
        .iter_mut()
        .find(|q| q.name == "immigration")
        .expect("immigration");
    immigration.callback_key = Some('1');
    immigration.strategy = acd::Strategy::RingAll;
    let mut carrier = trunk("carrier", CARRIER, "127.0.0.7");
    carrier.qualify = false;
    config.trunks.push(carrier);
    config
        .dial_rules
        .push(rule("local", "carrier", "", (10, 12)));
    let mut h = Harness::with_config(config);
    let session = parked(&mut h, "cb8");
    h.register("1002", 6002);
    h.register("1003", 6003);
    // 1002 alone rang first (1003 was not yet there), then 1003 (not yet tried); the round
    // after that rings both phones at once, and neither offer is refused by the switch.
    h.advance(Duration::from_secs(16));
    let _ = (h.take(6002), h.take(6003));
    h.advance(Duration::from_secs(15));
    assert!(!h.requests_to(6002, Method::Invite).is_empty(), "1002 rung");
    assert!(
        !h.requests_to(6003, Method::Invite).is_empty(),
        "1003 rung too"
    );
    assert_eq!(
        h.sw.acd
            .call_status(acd::CallId(session))
            .map(|s| matches!(s, acd::CallStatus::Ringing { .. })),
        Some(true)
    );
    for agent in ["1002", "1003"] {
        assert_eq!(
            h.sw.acd.agent_stats(agent).map(|s| s.failed),
            Some(0),
            "{agent}"
        );
    }
}
