//! Bindings lapse at their expiry, and phones remove them with Expires 0 or `Contact: *`.

mod registrar_support;

use std::time::Duration;

use registrar_support::*;
use sip::registrar::ChangeKind;

#[test]
fn binding_expires_when_not_refreshed() {
    let mut reg = registrar();
    let mut clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    phone.register(&mut reg, &["<sip:1001@10.0.0.7>"], Some(120), &clock);
    assert_eq!(
        reg.poll_timeout(),
        Some(clock.now() + Duration::from_secs(120))
    );

    clock.advance(119);
    assert!(reg.expire(clock.now()).is_empty());
    clock.advance(1);
    let changes = reg.expire(clock.now());
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].kind, changes[0].user.as_str()),
        (ChangeKind::Expired, "1001")
    );
    assert!(!reg.location().is_registered("1001"));
    assert_eq!(reg.poll_timeout(), None);
}

#[test]
fn expires_zero_unregisters_one_contact() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    phone.register(
        &mut reg,
        &["<sip:1001@10.0.0.7>", "<sip:1001@10.0.0.8>"],
        None,
        &clock,
    );
    assert_eq!(reg.location().lookup("1001").len(), 2);

    let out = phone.register(&mut reg, &["<sip:1001@10.0.0.7>;expires=0"], None, &clock);
    assert_eq!(out.response.status, 200);
    assert_eq!(out.changes.len(), 1);
    assert_eq!(out.changes[0].kind, ChangeKind::Removed);
    assert_eq!(
        contacts(&out.response),
        ["<sip:1001@10.0.0.8>;expires=3600"]
    );
}

#[test]
fn star_with_expires_zero_removes_every_binding() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    phone.register(
        &mut reg,
        &["<sip:1001@10.0.0.7>", "<sip:1001@10.0.0.8>"],
        None,
        &clock,
    );

    let out = phone.register(&mut reg, &["*"], Some(0), &clock);
    assert_eq!(out.response.status, 200);
    assert_eq!(
        out.changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Removed)
            .count(),
        2
    );
    assert!(contacts(&out.response).is_empty());
    assert!(!reg.location().is_registered("1001"));
    assert_eq!(reg.poll_timeout(), None);
}

#[test]
fn star_needs_expires_zero_and_no_other_contact() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    phone.register(&mut reg, &["<sip:1001@10.0.0.7>"], None, &clock);
    assert_eq!(
        phone
            .register(&mut reg, &["*"], Some(3600), &clock)
            .response
            .status,
        400
    );
    assert_eq!(
        phone
            .register(&mut reg, &["*"], None, &clock)
            .response
            .status,
        400
    );
    assert_eq!(
        phone
            .register(&mut reg, &["*", "<sip:1001@10.0.0.9>"], Some(0), &clock)
            .response
            .status,
        400
    );
    assert!(reg.location().is_registered("1001"));
}
