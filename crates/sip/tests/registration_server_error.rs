//! Server errors, global failures and timeouts end in `Failed` with a retry after backoff; a
//! Retry-After longer than the backoff is honoured (RFC 3261 §20.33, §21.5.4).

mod registrar_support;
mod registration_support;

use registrar_support::REALM;
use registration_support::*;
use sip::HeaderName;
use sip::registrar::RegistrarConfig;
use sip::registration::RegistrationState;
use std::time::Duration;

fn retry_after(value: &str) -> Vec<(HeaderName, String)> {
    vec![(HeaderName::Other("Retry-After".into()), value.into())]
}

fn retry_in(sim: &Sim) -> f64 {
    match sim.state() {
        RegistrationState::Failed { retry_at, .. } => (retry_at - sim.now).as_secs_f64(),
        other => panic!("not failed: {other:?}"),
    }
}

#[test]
fn service_unavailable_with_retry_after_waits_that_long() {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    sim.carrier
        .script
        .push_back(Answer::Status(503, retry_after("120 (maintenance)")));
    sim.run_until(1);
    assert!(failed_with(sim.state(), 503));
    assert_eq!(retry_in(&sim), 119.0);
    sim.run_until(119);
    assert_eq!(sim.sent.len(), 1, "nothing before Retry-After");
    sim.run_until(121);
    assert_eq!(sim.sent[1].at, Duration::from_secs(120));
    assert!(matches!(sim.state(), RegistrationState::Registered { .. }));
}

#[test]
fn a_short_or_zero_retry_after_does_not_beat_the_backoff() {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    sim.carrier.rule = Some(Box::new(|_, _| Some(Answer::Status(503, retry_after("0")))));
    sim.run_until(3600);
    assert!(
        sim.sent.len() <= 9,
        "{} requests in an hour",
        sim.sent.len()
    );
    assert!(
        sim.sent
            .windows(2)
            .all(|w| w[1].at - w[0].at >= Duration::from_millis(22_500))
    );
}

#[test]
fn a_huge_retry_after_is_capped_at_an_hour() {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    sim.carrier
        .script
        .push_back(Answer::Status(503, retry_after("86400")));
    sim.run_until(1);
    assert_eq!(retry_in(&sim), 3599.0);
}

#[test]
fn server_errors_back_off_doubling() {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    sim.carrier.rule = Some(Box::new(|_, _| Some(Answer::Status(500, vec![]))));
    sim.run_until(2 * 3600);
    let mut base = 30.0f64;
    for w in sim.sent.windows(2) {
        let gap = (w[1].at - w[0].at).as_secs_f64();
        assert!(gap <= base && gap >= base * 0.75, "gap {gap}, base {base}");
        base = (base * 2.0).min(1800.0);
    }
    assert!(failed_with(sim.state(), 500));
    // Once the carrier recovers, the next retry registers and the backoff starts over.
    sim.carrier.rule = None;
    sim.run_for(1801);
    assert!(matches!(sim.state(), RegistrationState::Registered { .. }));
}

#[test]
fn global_failure_and_redirects_fail_too() {
    for status in [302, 404, 480, 600, 603] {
        let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
        sim.carrier.script.push_back(Answer::Status(status, vec![]));
        sim.run_until(1);
        assert!(
            failed_with(sim.state(), status),
            "{status}: {:?}",
            sim.state()
        );
        assert_eq!(sim.sent.len(), 1);
    }
}

#[test]
fn no_answer_fails_as_408_after_timer_f() {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    sim.carrier.script.push_back(Answer::Drop);
    sim.run_until(31);
    assert_eq!(sim.state(), RegistrationState::Registering);
    sim.run_until(33);
    assert!(failed_with(sim.state(), 408), "{:?}", sim.state());
    sim.run_until(33 + 31);
    assert!(matches!(sim.state(), RegistrationState::Registered { .. }));
}

#[test]
fn a_refresh_that_times_out_is_retried_before_the_binding_lapses() {
    let mut sim = Sim::new(config("pass1001", 600), RegistrarConfig::new(REALM));
    sim.run_until(1);
    // The refresh at 510 s is lost: Timer F at 542 s, retry within 30 s, before 600 s.
    sim.carrier.rule = Some(Box::new(|_, seen| (seen == 3).then_some(Answer::Drop)));
    sim.run_until(600);
    assert!(matches!(sim.state(), RegistrationState::Registered { .. }));
    assert_eq!(sim.lapses, 0);
}
