//! Unregistering sends our Contact with `Expires: 0` (RFC 3261 §10.2.2) and ends in
//! `Unregistered` on any final response or a timeout; after that nothing is sent.

mod registrar_support;
mod registration_support;

use registrar_support::REALM;
use registration_support::*;
use sip::registrar::RegistrarConfig;
use sip::registration::RegistrationState;

fn registered() -> Sim {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    sim.run_until(1);
    assert!(sim.bound());
    sim
}

#[test]
fn removes_our_binding_and_stops() {
    let mut sim = registered();
    let now = sim.now;
    sim.registration.unregister(now);
    assert_eq!(sim.state(), RegistrationState::Unregistering);
    sim.run_for(1);
    let last = sim.sent.last().expect("the un-REGISTER");
    assert_eq!(last.expires(), Some(0));
    let contacts = last.request.contacts().expect("Contact");
    assert_eq!(contacts.len(), 1, "our Contact only, never *");
    assert_eq!(last.request.call_id(), Ok(CALL_ID));
    assert_eq!(last.cseq(), 3);
    assert!(last.credentials().is_some(), "cached credentials go along");
    assert_eq!(sim.state(), RegistrationState::Unregistered);
    assert!(!sim.bound());

    let count = sim.sent.len();
    sim.run_for(3600);
    assert_eq!(sim.sent.len(), count, "nothing more is sent");
    assert_eq!(sim.registration.poll_timeout(), None);
}

#[test]
fn a_challenge_to_the_unregister_is_answered() {
    let mut sim = registered();
    // Past the nonce lifetime: the cached nonce is stale.
    sim.run_until(400);
    let now = sim.now;
    sim.registration.unregister(now);
    sim.run_for(1);
    let tail = sim.sent_between(400, 401);
    assert_eq!(tail.len(), 2);
    assert!(tail.iter().all(|s| s.expires() == Some(0)));
    assert_eq!(sim.state(), RegistrationState::Unregistered);
    assert!(!sim.bound());
}

#[test]
fn waits_for_the_outstanding_register() {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    let now = sim.now;
    // Hand out the first REGISTER but hold it back from the carrier.
    let first = sim.registration.poll_request(now).expect("REGISTER");
    sim.registration.unregister(now);
    assert!(
        sim.registration.poll_request(now).is_none(),
        "one at a time"
    );
    // The 401 to the first REGISTER arrives: its challenge is used for the un-REGISTER.
    let challenged = sim.carrier.registrar.handle_register(
        &first,
        sip::transport::Peer::new(
            sip::transport::Transport::Udp,
            OUR_ADDR.parse().expect("addr"),
        ),
        now,
        sim.unix(),
    );
    sim.registration.handle_response(&challenged.response, now);
    sim.run_for(1);
    assert_eq!(sim.sent.len(), 1, "the harness saw only the un-REGISTER");
    assert_eq!(sim.sent[0].expires(), Some(0));
    assert!(sim.sent[0].credentials().is_some());
    assert_eq!(sim.state(), RegistrationState::Unregistered);
}

#[test]
fn ends_unregistered_on_an_error_or_a_timeout() {
    let mut sim = registered();
    sim.carrier.script.push_back(Answer::Status(500, vec![]));
    let now = sim.now;
    sim.registration.unregister(now);
    sim.run_for(1);
    assert_eq!(sim.state(), RegistrationState::Unregistered);

    let mut sim = registered();
    sim.carrier.script.push_back(Answer::Drop);
    let now = sim.now;
    sim.registration.unregister(now);
    sim.run_for(10);
    assert_eq!(sim.state(), RegistrationState::Unregistering);
    sim.run_for(30);
    assert_eq!(sim.state(), RegistrationState::Unregistered);
}

#[test]
fn nothing_is_sent_when_nothing_ever_was() {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    let now = sim.now;
    sim.registration.unregister(now);
    assert_eq!(sim.state(), RegistrationState::Unregistered);
    sim.run_for(3600);
    assert!(sim.sent.is_empty());
}
