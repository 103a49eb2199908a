//! An expired nonce gets `stale=true` so the phone re-answers without a new password prompt; a
//! nonce we never issued gets a plain challenge.

mod registrar_support;

use registrar_support::*;
use sip::HeaderName;
use sip::auth::Challenge;

fn challenges(resp: &sip::Response) -> Vec<Challenge> {
    resp.headers
        .get_all(&HeaderName::WwwAuthenticate)
        .filter_map(|v| Challenge::parse(v).ok())
        .collect()
}

#[test]
fn nonce_past_its_lifetime_is_stale() {
    let mut reg = registrar();
    let mut clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    assert_eq!(
        phone
            .register(&mut reg, &["<sip:1001@10.0.0.7>"], None, &clock)
            .response
            .status,
        200
    );

    clock.advance(301);
    let mut req = phone.request(&["<sip:1001@10.0.0.7>"], None);
    phone.authorize(&mut req);
    let out = reg.handle_register(&req, phone.source, clock.now(), clock.unix());
    assert_eq!(out.response.status, 401);
    let ch = challenges(&out.response);
    assert_eq!(ch.len(), 2);
    assert!(ch.iter().all(|c| c.stale));
    assert!(out.changes.is_empty());

    // The phone answers the fresh nonce at once and is registered again.
    phone.learn(&out.response);
    let mut req = phone.request(&["<sip:1001@10.0.0.7>"], None);
    phone.authorize(&mut req);
    assert_eq!(
        reg.handle_register(&req, phone.source, clock.now(), clock.unix())
            .response
            .status,
        200
    );
}

#[test]
fn forged_nonce_is_challenged_without_stale() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    let first = reg.handle_register(
        &phone.request(&[], None),
        phone.source,
        clock.now(),
        clock.unix(),
    );
    phone.learn(&first.response);
    if let Some(c) = phone.challenge.as_mut() {
        c.nonce = format!("{:016x}{}", clock.unix(), "0".repeat(48));
    }
    let mut req = phone.request(&["<sip:1001@10.0.0.7>"], None);
    phone.authorize(&mut req);
    let out = reg.handle_register(&req, phone.source, clock.now(), clock.unix());
    assert_eq!(out.response.status, 401);
    assert!(challenges(&out.response).iter().all(|c| !c.stale));
}

#[test]
fn a_nonce_from_another_registrar_key_is_not_ours() {
    let mut other = sip::registrar::Registrar::with_nonce_key(
        sip::registrar::RegistrarConfig::new(REALM),
        [7; 32],
    );
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    let first = other.handle_register(
        &phone.request(&[], None),
        phone.source,
        clock.now(),
        clock.unix(),
    );
    phone.learn(&first.response);
    let mut req = phone.request(&["<sip:1001@10.0.0.7>"], None);
    phone.authorize(&mut req);
    let out = reg.handle_register(&req, phone.source, clock.now(), clock.unix());
    assert_eq!(out.response.status, 401);
    assert!(challenges(&out.response).iter().all(|c| !c.stale));
}
