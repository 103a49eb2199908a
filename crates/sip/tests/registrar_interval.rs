//! Expiry bounds: too short gets 423 with Min-Expires, too long is shortened, none is 3600.

mod registrar_support;

use registrar_support::*;
use sip::HeaderName;

#[test]
fn too_brief_gets_423_with_min_expires() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    let out = phone.register(&mut reg, &["<sip:1001@10.0.0.7>"], Some(30), &clock);
    assert_eq!(out.response.status, 423);
    assert_eq!(
        out.response.headers.get(&HeaderName::MinExpires),
        Some("60")
    );
    assert!(!reg.location().is_registered("1001"));

    // A contact parameter below the minimum fails the whole request too.
    let out = phone.register(
        &mut reg,
        &["<sip:1001@10.0.0.7>", "<sip:1001@10.0.0.8>;expires=5"],
        None,
        &clock,
    );
    assert_eq!(out.response.status, 423);
    assert!(
        !reg.location().is_registered("1001"),
        "nothing is applied when one contact fails"
    );
}

#[test]
fn too_long_is_shortened_and_the_contact_param_wins_over_the_header() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    let out = phone.register(
        &mut reg,
        &["<sip:1001@10.0.0.7>;expires=300", "<sip:1001@10.0.0.8>"],
        Some(86_400),
        &clock,
    );
    assert_eq!(out.response.status, 200);
    assert_eq!(
        contacts(&out.response),
        [
            "<sip:1001@10.0.0.7>;expires=300",
            "<sip:1001@10.0.0.8>;expires=3600"
        ]
    );
}

#[test]
fn exactly_the_minimum_is_accepted() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    let out = phone.register(&mut reg, &["<sip:1001@10.0.0.7>"], Some(60), &clock);
    assert_eq!(contacts(&out.response), ["<sip:1001@10.0.0.7>;expires=60"]);
}
