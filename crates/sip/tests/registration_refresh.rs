//! A binding is refreshed before it expires, with the same Call-ID and a higher CSeq
//! (RFC 3261 §10.2.4), and never lapses at the registrar while the carrier answers.

mod registrar_support;
mod registration_support;

use registrar_support::REALM;
use registration_support::*;
use sip::registrar::RegistrarConfig;
use sip::registration::RegistrationState;

#[test]
fn refreshes_at_expiry_minus_ninety_seconds_for_hours() {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    sim.run_until(4 * 3600);

    // Each refresh starts 510 s after the previous successful one; the cached nonce is older
    // than the registrar's 300 s lifetime by then, so each costs one stale round trip.
    let mut starts: Vec<f64> = sim.sent.iter().map(Sent::secs).collect();
    starts.dedup();
    for at in &starts {
        let burst = sim.sent.iter().filter(|s| s.secs() == *at).count();
        assert_eq!(burst, 2, "two requests at {at} s");
    }
    assert_eq!(starts.first(), Some(&0.0));
    for pair in starts.windows(2) {
        assert_eq!(pair[1] - pair[0], 510.0, "refresh times {starts:?}");
    }
    assert!(starts.len() >= 28, "{} refreshes", starts.len());

    let cseqs: Vec<u32> = sim.sent.iter().map(Sent::cseq).collect();
    assert!(cseqs.windows(2).all(|w| w[1] == w[0] + 1), "{cseqs:?}");
    assert!(sim.sent.iter().all(|s| s.request.call_id() == Ok(CALL_ID)));
    assert_eq!(sim.lapses, 0, "the binding never lapsed");
    assert!(sim.bound());
    // Once registered, the state never left Registered.
    assert!(
        sim.states[2..]
            .iter()
            .all(|(_, s)| matches!(s, RegistrationState::Registered { .. })),
        "{:?}",
        sim.states
    );
}

#[test]
fn a_refresh_within_the_nonce_lifetime_needs_no_challenge() {
    let mut registrar = RegistrarConfig::new(REALM);
    registrar.min_expires = 60;
    let mut sim = Sim::new(config("pass1001", 120), registrar);
    sim.run_until(61);
    // 120 s granted: refresh at half, 60 s, with the cached nonce and the next nonce count.
    assert_eq!(sim.sent.len(), 3);
    assert_eq!(sim.sent[2].secs(), 60.0);
    let creds = sim.sent[2].credentials().expect("cached credentials");
    assert_eq!(creds.nc, Some(2));
    assert_eq!(
        creds.nonce,
        sim.sent[1].credentials().expect("answer").nonce
    );
    assert!(matches!(sim.state(), RegistrationState::Registered { .. }));
}

#[test]
fn a_shortened_grant_is_refreshed_by_its_own_length() {
    let mut registrar = RegistrarConfig::new(REALM);
    registrar.max_expires = 300;
    let mut sim = Sim::new(config("pass1001", 3600), registrar);
    sim.run_until(1);
    assert_eq!(
        sim.state(),
        RegistrationState::Registered {
            expires_at: sim.start + std::time::Duration::from_secs(300)
        }
    );
    sim.run_until(211);
    // 300 s granted: the refresh goes 90 s before expiry.
    assert_eq!(
        sim.sent_between(2, 211).first().map(|s| s.secs()),
        Some(210.0)
    );
}
