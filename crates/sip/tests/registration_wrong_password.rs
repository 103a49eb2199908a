//! Wrong credentials end in `Failed` and are retried only with growing backoff: an hour of a
//! wrong password costs a handful of requests, whether the registrar answers 403 (as ours
//! does) or challenges again with a fresh nonce every time (as many do).

mod registrar_support;
mod registration_support;

use registrar_support::REALM;
use registration_support::*;
use sip::HeaderName;
use sip::auth::Algorithm;
use sip::registrar::RegistrarConfig;
use sip::registration::RegistrationState;

/// The gaps in seconds between the first requests of successive attempts.
fn attempt_gaps(sim: &Sim) -> Vec<f64> {
    let mut starts: Vec<f64> = sim.sent.iter().map(Sent::secs).collect();
    starts.dedup();
    starts.windows(2).map(|w| w[1] - w[0]).collect()
}

fn assert_backs_off(gaps: &[f64]) {
    // 30 s doubling up to 30 min, each less up to a quarter.
    let mut base = 30.0f64;
    for gap in gaps {
        assert!(
            *gap <= base && *gap >= base * 0.75,
            "gap {gap} for base {base}: {gaps:?}"
        );
        base = (base * 2.0).min(1800.0);
    }
}

#[test]
fn forbidden_fails_and_backs_off() {
    let mut sim = Sim::new(config("wrong", 600), RegistrarConfig::new(REALM));
    sim.run_until(1);
    assert!(failed_with(sim.state(), 403), "{:?}", sim.state());
    let RegistrationState::Failed { retry_at, .. } = sim.state() else {
        unreachable!()
    };
    let first_retry = (retry_at - sim.start).as_secs_f64();
    assert!((22.5..=30.0).contains(&first_retry), "{first_retry}");

    sim.run_until(3600);
    assert!(
        sim.sent.len() <= 20,
        "{} requests in an hour",
        sim.sent.len()
    );
    assert_backs_off(&attempt_gaps(&sim));
    assert!(!sim.bound());
}

#[test]
fn a_registrar_that_rechallenges_wrong_credentials_is_not_looped_on() {
    let mut sim = Sim::new(config("wrong", 600), RegistrarConfig::new(REALM));
    sim.carrier.rule = Some(Box::new(|_, seen| {
        let nonce = format!("fresh{seen}");
        let value = challenge(Algorithm::Md5, &nonce, false);
        Some(Answer::Status(
            401,
            vec![(HeaderName::WwwAuthenticate, value)],
        ))
    }));
    sim.run_until(1);
    assert_eq!(sim.sent.len(), 2, "the challenge is answered once");
    assert!(failed_with(sim.state(), 401));

    sim.run_until(3600);
    let gaps = attempt_gaps(&sim);
    assert_backs_off(&gaps);
    // Each attempt: at most the cached credentials, one fresh answer, and no more.
    assert!(sim.sent.len() <= 3 * (gaps.len() + 1), "{}", sim.sent.len());
    assert!(
        sim.sent.len() <= 30,
        "{} requests in an hour",
        sim.sent.len()
    );
}

#[test]
fn a_fixed_password_registers_at_the_next_retry() {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    sim.carrier.script.push_back(Answer::Status(403, vec![]));
    sim.run_until(1);
    assert!(failed_with(sim.state(), 403));
    sim.run_until(31);
    assert!(matches!(sim.state(), RegistrationState::Registered { .. }));
    assert!(sim.bound());
}
