//! A 401 with `stale=true` is answered with the new nonce at once and is not a failure; a 401
//! without it for credentials we just computed is (RFC 7616 §3.3, RFC 3261 §22.2).

mod registrar_support;
mod registration_support;

use registrar_support::REALM;
use registration_support::*;
use sip::HeaderName;
use sip::auth::Algorithm;
use sip::registrar::RegistrarConfig;
use sip::registration::RegistrationState;

fn www(value: String) -> Vec<(HeaderName, String)> {
    vec![(HeaderName::WwwAuthenticate, value)]
}

#[test]
fn an_expired_nonce_is_renewed_without_failing() {
    let mut sim = Sim::new(config("pass1001", 3600), RegistrarConfig::new(REALM));
    sim.run_until(1);
    assert!(matches!(sim.state(), RegistrationState::Registered { .. }));
    let first = sim.sent[1].credentials().expect("answer").nonce;

    // The refresh at 3510 s reuses a nonce the registrar let go stale after 300 s.
    sim.run_until(3511);
    let refresh = sim.sent_between(3510, 3511);
    assert_eq!(
        refresh.len(),
        2,
        "the stale nonce costs exactly one more request"
    );
    let old = refresh[0].credentials().expect("cached credentials");
    let new = refresh[1].credentials().expect("renewed credentials");
    assert_eq!((old.nonce.as_str(), old.nc), (first.as_str(), Some(2)));
    assert_ne!(new.nonce, first);
    assert_eq!(new.nc, Some(1), "nonce counts restart with the new nonce");
    assert!(matches!(sim.state(), RegistrationState::Registered { .. }));
    assert!(
        !sim.states
            .iter()
            .any(|(_, s)| matches!(s, RegistrationState::Failed { .. })),
        "{:?}",
        sim.states
    );
}

#[test]
fn stale_answers_to_fresh_credentials_are_followed_too() {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    // Scripted: a challenge, "stale" for its answer, then the 2xx for the renewed answer.
    sim.carrier.script.extend([
        Answer::Status(401, www(challenge(Algorithm::Md5, "n1", false))),
        Answer::Status(401, www(challenge(Algorithm::Md5, "n2", true))),
        Answer::Status(200, vec![(HeaderName::Expires, "600".into())]),
    ]);
    sim.run_until(1);
    let nonces: Vec<Option<String>> = sim
        .sent
        .iter()
        .map(|s| s.credentials().map(|c| c.nonce))
        .collect();
    assert_eq!(nonces, [None, Some("n1".into()), Some("n2".into())]);
    assert!(matches!(sim.state(), RegistrationState::Registered { .. }));
}

#[test]
fn a_second_challenge_for_the_same_nonce_means_wrong_credentials() {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    sim.carrier.script.extend([
        Answer::Status(401, www(challenge(Algorithm::Sha256, "n1", false))),
        Answer::Status(401, www(challenge(Algorithm::Sha256, "n1", false))),
    ]);
    sim.run_until(1);
    assert_eq!(sim.sent.len(), 2);
    assert!(failed_with(sim.state(), 401), "{:?}", sim.state());
}

#[test]
fn a_carrier_that_always_stales_is_not_followed_forever() {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    sim.carrier.rule = Some(Box::new(|_, seen| {
        let nonce = format!("n{seen}");
        Some(Answer::Status(
            401,
            www(challenge(Algorithm::Md5, &nonce, true)),
        ))
    }));
    sim.run_until(1);
    assert_eq!(
        sim.sent.len() as u32,
        1 + sip::registration::MAX_IMMEDIATE_RESENDS
    );
    assert!(failed_with(sim.state(), 401));
}
