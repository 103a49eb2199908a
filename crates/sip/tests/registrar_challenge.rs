//! A phone without credentials is challenged with MD5 then SHA-256 (the default order, for
//! phones that read only the first challenge), answers, and is registered; a deployment may put
//! SHA-256 first or alone.

mod registrar_support;

use registrar_support::*;
use sip::HeaderName;
use sip::auth::{Algorithm, Challenge, Qop};
use sip::registrar::{ChangeKind, RegistrarConfig};

#[test]
fn first_register_is_challenged_with_md5_then_sha256() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    let req = phone.request(&["<sip:1001@10.0.0.7:5060>"], None);
    let out = reg.handle_register(&req, phone.source, clock.now(), clock.unix());

    assert_eq!(out.response.status, 401);
    assert!(out.changes.is_empty());
    let challenges: Vec<Challenge> = out
        .response
        .headers
        .get_all(&HeaderName::WwwAuthenticate)
        .map(|v| Challenge::parse(v).expect("our own challenge parses"))
        .collect();
    let algs: Vec<Algorithm> = challenges.iter().map(|c| c.algorithm).collect();
    assert_eq!(algs, [Algorithm::Md5, Algorithm::Sha256]);
    for c in &challenges {
        assert_eq!(c.realm, REALM);
        assert_eq!(c.qop, [Qop::Auth]);
        assert!(!c.stale);
    }
    assert!(
        out.response.to().expect("To").tag().is_some(),
        "the 401 carries a To tag"
    );
}

#[test]
fn sha256_answer_registers_the_contact() {
    let mut config = RegistrarConfig::new(REALM);
    config.algorithms = vec![Algorithm::Sha256, Algorithm::Md5];
    let mut reg = registrar_with(config);
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    let out = phone.register(&mut reg, &["<sip:1001@10.0.0.7:5060>"], None, &clock);

    assert_eq!(out.response.status, 200);
    assert_eq!(
        phone.challenge.as_ref().map(|c| c.algorithm),
        Some(Algorithm::Sha256)
    );
    assert_eq!(
        contacts(&out.response),
        ["<sip:1001@10.0.0.7:5060>;expires=3600"]
    );
    assert_eq!(out.changes.len(), 1);
    assert_eq!(out.changes[0].kind, ChangeKind::Added);
    assert_eq!(out.changes[0].user, "1001");
    assert_eq!(out.changes[0].source, phone.source);

    let bindings = reg.location().lookup("1001");
    assert_eq!(bindings.len(), 1);
    assert_eq!(
        bindings[0].source, phone.source,
        "requests go where the REGISTER came from"
    );
    assert_eq!(bindings[0].contact.to_string(), "sip:1001@10.0.0.7:5060");
}

#[test]
fn md5_answer_is_accepted_too() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1002", "pass1002");
    phone.md5_only = true;
    let out = phone.register(&mut reg, &["<sip:1002@10.0.0.8>"], Some(600), &clock);
    assert_eq!(out.response.status, 200);
    assert_eq!(
        phone.challenge.as_ref().map(|c| c.algorithm),
        Some(Algorithm::Md5)
    );
    assert_eq!(contacts(&out.response), ["<sip:1002@10.0.0.8>;expires=600"]);
}

#[test]
fn later_registers_reuse_the_nonce_with_increasing_counts() {
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
    clock.advance(30);
    let mut req = phone.request(&["<sip:1001@10.0.0.7>"], None);
    phone.authorize(&mut req);
    let out = reg.handle_register(&req, phone.source, clock.now(), clock.unix());
    assert_eq!(
        out.response.status, 200,
        "nc=2 on the same nonce, no new challenge"
    );
    assert_eq!(phone.nc, 2);
}

#[test]
fn an_algorithm_not_offered_is_challenged_again() {
    let mut config = RegistrarConfig::new(REALM);
    config.algorithms = vec![Algorithm::Sha256];
    let mut reg = registrar_with(config);
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    // Answer as if MD5 had been offered: the registrar only takes SHA-256 here.
    let out = phone.register(&mut reg, &["<sip:1001@10.0.0.7:5060>"], None, &clock);
    assert_eq!(
        out.response.status, 200,
        "the phone picks the offered SHA-256"
    );
    let mut md5_phone = Phone::new("1002", "pass1002");
    md5_phone.force_algorithm(Algorithm::Md5);
    let out = md5_phone.register(&mut reg, &["<sip:1002@10.0.0.8:5060>"], None, &clock);
    assert_eq!(
        out.response.status, 401,
        "an MD5 answer is not accepted when MD5 is not offered"
    );
}
