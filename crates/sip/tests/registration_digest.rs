//! Registering at a registrar that challenges with MD5, with SHA-256, or with both: the first
//! REGISTER goes without credentials, the 401 is answered once with the preferred algorithm
//! (SHA-256 when offered, RFC 8760 §2.4) and the 2xx binds our Contact.

mod registrar_support;
mod registration_support;

use registrar_support::REALM;
use registration_support::*;
use sip::auth::{Algorithm, Qop};
use sip::registrar::RegistrarConfig;
use sip::registration::RegistrationState;
use std::time::Duration;

fn register_against(algorithms: Vec<Algorithm>) -> Sim {
    let mut registrar = RegistrarConfig::new(REALM);
    registrar.algorithms = algorithms;
    let mut sim = Sim::new(config("pass1001", 600), registrar);
    sim.run_until(1);
    sim
}

fn assert_registered_with(sim: &Sim, algorithm: Algorithm) {
    assert_eq!(
        sim.sent.len(),
        2,
        "one REGISTER, one answer to the challenge"
    );
    assert!(sim.sent[0].credentials().is_none());
    let creds = sim.sent[1]
        .credentials()
        .expect("the answer carries credentials");
    assert_eq!(creds.algorithm, algorithm);
    assert_eq!(creds.qop, Some(Qop::Auth));
    assert_eq!(creds.nc, Some(1));
    assert_eq!(creds.username, "1001");
    assert_eq!(creds.realm, REALM);
    assert_eq!(creds.uri, format!("sip:{REALM}"));
    assert_eq!((sim.sent[0].cseq(), sim.sent[1].cseq()), (1, 2));
    assert_eq!(
        sim.state(),
        RegistrationState::Registered {
            expires_at: sim.start + Duration::from_secs(600)
        }
    );
    assert!(sim.bound());
}

#[test]
fn registers_with_an_md5_challenge() {
    let sim = register_against(vec![Algorithm::Md5]);
    assert_registered_with(&sim, Algorithm::Md5);
}

#[test]
fn registers_with_a_sha256_challenge() {
    let sim = register_against(vec![Algorithm::Sha256]);
    assert_registered_with(&sim, Algorithm::Sha256);
}

#[test]
fn prefers_sha256_even_when_md5_is_offered_first() {
    let sim = register_against(vec![Algorithm::Md5, Algorithm::Sha256]);
    assert_registered_with(&sim, Algorithm::Sha256);
}

#[test]
fn every_request_has_the_same_call_id_from_tag_and_a_fresh_branch() {
    let sim = register_against(vec![Algorithm::Md5, Algorithm::Sha256]);
    let ids: Vec<(String, Option<String>)> = sim
        .sent
        .iter()
        .map(|s| {
            let r = &s.request;
            let from = r.from().expect("From");
            (
                r.call_id().expect("Call-ID").to_owned(),
                from.tag().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[0].0, CALL_ID);
    // Branch uniqueness is asserted by the harness for every request.
    for s in &sim.sent {
        assert_eq!(s.expires(), Some(600));
        assert_eq!(s.request.contacts().expect("Contact").len(), 1);
    }
}
