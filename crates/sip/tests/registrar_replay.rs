//! A captured REGISTER replayed with its nonce count is refused; the real phone carries on.

mod registrar_support;

use registrar_support::*;

#[test]
fn replayed_nonce_count_is_refused() {
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

    let mut req = phone.request(&["<sip:1001@10.0.0.7>"], Some(120));
    phone.authorize(&mut req);
    let ok = reg.handle_register(&req, phone.source, clock.now(), clock.unix());
    assert_eq!(ok.response.status, 200);

    // The attacker resends the same request (same nc) from elsewhere, with a higher CSeq so
    // that only the nonce count can stop it.
    let mut replay = req.clone();
    replay.headers.set(
        sip::HeaderName::CSeq,
        format!("{} REGISTER", phone.cseq + 10),
    );
    replay
        .headers
        .set(sip::HeaderName::Contact, "<sip:1001@203.0.113.66>");
    let attacker = peer("203.0.113.66:5060");
    let out = reg.handle_register(&replay, attacker, clock.now(), clock.unix());
    assert_eq!(out.response.status, 401);
    assert!(out.changes.is_empty());
    assert!(
        reg.location()
            .lookup("1001")
            .iter()
            .all(|b| b.source == phone.source)
    );

    // The phone's next count still works.
    let mut req = phone.request(&["<sip:1001@10.0.0.7>"], Some(120));
    phone.authorize(&mut req);
    assert_eq!(
        reg.handle_register(&req, phone.source, clock.now(), clock.unix())
            .response
            .status,
        200
    );
}

#[test]
fn answering_without_qop_is_refused() {
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
        c.qop.clear(); // an RFC 2069 client: no nonce count, so no replay protection
    }
    let mut req = phone.request(&["<sip:1001@10.0.0.7>"], None);
    phone.authorize(&mut req);
    assert_eq!(
        reg.handle_register(&req, phone.source, clock.now(), clock.unix())
            .response
            .status,
        403
    );
}
