//! Wrong passwords, unknown users, someone else's credentials and a digest `uri` that is not the
//! Request-URI are refused without touching the location service.

mod registrar_support;

use registrar_support::*;
use sip::HeaderName;
use sip::auth::{Challenge, DigestRequest, client_response};

#[test]
fn wrong_password_is_forbidden_not_rechallenged() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "wrong");
    let out = phone.register(&mut reg, &["<sip:1001@10.0.0.7>"], None, &clock);
    assert_eq!(out.response.status, 403);
    assert!(out.changes.is_empty());
    assert!(!reg.location().is_registered("1001"));
}

#[test]
fn unknown_user_gets_the_same_answers_as_a_known_one() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("9999", "whatever");
    let first = reg.handle_register(
        &phone.request(&["<sip:9999@10.0.0.9>"], None),
        phone.source,
        clock.now(),
        clock.unix(),
    );
    assert_eq!(
        first.response.status, 401,
        "no hint that the user does not exist"
    );
    let out = phone.register(&mut reg, &["<sip:9999@10.0.0.9>"], None, &clock);
    assert_eq!(out.response.status, 403);
}

#[test]
fn credentials_of_another_user_are_forbidden() {
    let mut reg = registrar();
    let clock = Clock::new();
    // 1002 authenticates correctly as itself but tries to register 1001's address-of-record.
    let mut phone = Phone::new("1002", "pass1002");
    let first = reg.handle_register(
        &phone.request(&[], None),
        phone.source,
        clock.now(),
        clock.unix(),
    );
    phone.learn(&first.response);
    let mut req = phone.request(&["<sip:1001@10.6.6.6>"], None);
    req.headers
        .set(HeaderName::To, format!("<sip:1001@{REALM}>"));
    phone.authorize(&mut req);
    let out = reg.handle_register(&req, phone.source, clock.now(), clock.unix());
    assert_eq!(out.response.status, 403);
    assert!(!reg.location().is_registered("1001"));
}

#[test]
fn credentials_for_another_realm_are_ignored_and_challenged() {
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
        c.realm = "elsewhere".into();
    }
    let mut req = phone.request(&["<sip:1001@10.0.0.7>"], None);
    phone.authorize(&mut req);
    let out = reg.handle_register(&req, phone.source, clock.now(), clock.unix());
    assert_eq!(out.response.status, 401);
}

#[test]
fn digest_uri_must_name_the_request_uri() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    let first = reg.handle_register(
        &phone.request(&[], None),
        phone.source,
        clock.now(),
        clock.unix(),
    );
    let ch = Challenge::parse(
        first
            .response
            .headers
            .get(&HeaderName::WwwAuthenticate)
            .expect("challenge"),
    )
    .expect("parses");
    let mut req = phone.request(&["<sip:1001@10.0.0.7>"], None);
    let d = DigestRequest {
        method: "REGISTER",
        uri: "sip:other.example",
        body: b"",
    };
    let creds = client_response(&ch, "1001", "pass1001", &d, "c", 1);
    req.headers
        .push(HeaderName::Authorization, creds.to_string());
    assert_eq!(
        reg.handle_register(&req, phone.source, clock.now(), clock.unix())
            .response
            .status,
        400
    );

    // Case differences in the host do not matter: the URIs are compared, not the text.
    let mut req = phone.request(&["<sip:1001@10.0.0.7>"], None);
    let upper = format!("sip:{}", REALM.to_uppercase());
    let d = DigestRequest {
        method: "REGISTER",
        uri: &upper,
        body: b"",
    };
    let creds = client_response(&ch, "1001", "pass1001", &d, "c", 2);
    req.headers
        .push(HeaderName::Authorization, creds.to_string());
    assert_eq!(
        reg.handle_register(&req, phone.source, clock.now(), clock.unix())
            .response
            .status,
        200
    );
}

#[test]
fn malformed_authorization_is_a_bad_request() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    let mut req = phone.request(&["<sip:1001@10.0.0.7>"], None);
    req.headers.push(
        HeaderName::Authorization,
        "Digest username=\"1001\", realm=\"unterminated",
    );
    assert_eq!(
        reg.handle_register(&req, phone.source, clock.now(), clock.unix())
            .response
            .status,
        400
    );
}
