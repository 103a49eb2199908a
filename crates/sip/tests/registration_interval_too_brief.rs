//! 423 Interval Too Brief: the REGISTER is sent again at once with the registrar's Min-Expires
//! (RFC 3261 §10.2.8); a 423 that asks for nothing longer is a failure, not a loop.

mod registrar_support;
mod registration_support;

use registrar_support::REALM;
use registration_support::*;
use sip::HeaderName;
use sip::registrar::RegistrarConfig;
use sip::registration::RegistrationState;
use std::time::Duration;

#[test]
fn retries_at_once_with_min_expires() {
    let mut registrar = RegistrarConfig::new(REALM);
    registrar.min_expires = 900;
    let mut sim = Sim::new(config("pass1001", 600), registrar);
    sim.run_until(1);
    // No credentials → 401; answer with 600 → 423; again with 900 → 200.
    let expires: Vec<Option<u32>> = sim.sent.iter().map(Sent::expires).collect();
    assert_eq!(expires, [Some(600), Some(600), Some(900)]);
    assert!(sim.sent.iter().all(|s| s.at == Duration::ZERO));
    assert!(sim.sent[2].credentials().is_some());
    assert_eq!(
        sim.state(),
        RegistrationState::Registered {
            expires_at: sim.start + Duration::from_secs(900)
        }
    );
    // Refreshes keep the longer interval.
    sim.run_until(900);
    assert!(
        sim.sent_between(1, 900)
            .iter()
            .all(|s| s.expires() == Some(900))
    );
    assert_eq!(sim.lapses, 0);
}

#[test]
fn a_423_without_a_longer_min_expires_fails() {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    sim.carrier.script.extend([Answer::Status(
        423,
        vec![(HeaderName::MinExpires, "600".into())],
    )]);
    sim.run_until(1);
    assert_eq!(sim.sent.len(), 1);
    assert!(failed_with(sim.state(), 423));

    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    sim.carrier.script.push_back(Answer::Status(423, vec![]));
    sim.run_until(1);
    assert!(failed_with(sim.state(), 423));
}

#[test]
fn a_registrar_raising_min_expires_forever_is_not_followed_forever() {
    let mut sim = Sim::new(config("pass1001", 60), RegistrarConfig::new(REALM));
    sim.carrier.rule = Some(Box::new(|req, _| {
        let asked = req.expires().ok().flatten().unwrap_or(0);
        let min = (asked + 1).to_string();
        Some(Answer::Status(423, vec![(HeaderName::MinExpires, min)]))
    }));
    sim.run_until(1);
    assert_eq!(
        sim.sent.len() as u32,
        1 + sip::registration::MAX_IMMEDIATE_RESENDS
    );
    assert!(failed_with(sim.state(), 423));
}
