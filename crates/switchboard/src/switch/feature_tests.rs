//! Agents' feature codes (*45 log in, *46 log out, *47 pause, *48 unpause), deterministic.

use sip::Method;

use super::outbound_tests::dial;
use super::tests::Harness;
use super::{MediaCommand, MediaEvent};

/// The agent's phone dials `code`: answered, the confirmation plays, and once it has played
/// we hang up. Returns the prompt heard.
fn feature(h: &mut Harness, code: &str) -> String {
    h.media.clear();
    let responses = dial(h, code);
    let ok = responses
        .iter()
        .find(|r| r.status == 200)
        .unwrap_or_else(|| panic!("{code} answered: {responses:?}"));
    assert!(ok.body.starts_with(b"v=0"), "answered with SDP");
    let (session, prompt) = h
        .media
        .iter()
        .find_map(|m| match m {
            MediaCommand::Play {
                session, prompts, ..
            } => Some((*session, prompts.join(","))),
            _ => None,
        })
        .expect("a confirmation prompt");
    h.sw.handle_media(MediaEvent::PlaybackDone { session }, h.now);
    h.collect();
    assert_eq!(h.requests_to(6002, Method::Bye).len(), 1, "we hang up");
    assert_eq!(h.sw.call_count(), 0);
    prompt
}

#[test]
fn an_agent_logs_out_and_in_from_the_phone_and_registration_refreshes_respect_it() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    assert_eq!(feature(&mut h, "*46"), "agent-logged-out");
    assert_eq!(h.agent_state("1002"), acd::AgentState::LoggedOut);

    // The phone refreshes its registration: still logged out, no calls offered.
    h.register("1002", 6002);
    assert_eq!(h.agent_state("1002"), acd::AgentState::LoggedOut);
    let (_ok, session) = h.call("f1");
    h.press(session, '2');
    assert!(h.requests_to(6002, Method::Invite).is_empty());

    // *45: logged in, and the waiting caller rings the phone.
    h.media.clear();
    let responses = dial(&mut h, "*45");
    assert!(responses.iter().any(|r| r.status == 200));
    assert!(h.media.iter().any(
        |m| matches!(m, MediaCommand::Play { prompts, .. } if prompts == &["agent-logged-in"])
    ));
    assert!(
        matches!(h.agent_state("1002"), acd::AgentState::Reserved { .. }),
        "the queued caller is offered at once"
    );
}

#[test]
fn an_agent_pauses_with_a_reason_and_unpauses() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    assert_eq!(feature(&mut h, "*472"), "agent-paused");
    assert_eq!(
        h.agent_state("1002"),
        acd::AgentState::Paused {
            reason: "lunch".into()
        }
    );
    assert_eq!(feature(&mut h, "*48"), "agent-available");
    assert!(matches!(
        h.agent_state("1002"),
        acd::AgentState::Available { .. }
    ));
    // Unpausing when not paused changes nothing and says so (the star percent-encoded, as
    // some phones send it).
    assert_eq!(feature(&mut h, "%2A48"), "agent-available");
}

#[test]
fn pausing_while_logged_out_tells_the_agent_it_is_logged_out() {
    let mut h = Harness::new();
    h.register("1002", 6002);
    assert_eq!(feature(&mut h, "*46"), "agent-logged-out");
    assert_eq!(feature(&mut h, "*47"), "agent-logged-out");
    assert_eq!(h.agent_state("1002"), acd::AgentState::LoggedOut);
}
