//! RFC 3261 §10.3 step 7: a REGISTER from the same Call-ID with a CSeq not above the stored one
//! is late and must not undo a newer registration.

mod registrar_support;

use registrar_support::*;
use sip::HeaderName;

#[test]
fn older_cseq_on_the_same_call_id_fails_with_500() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    let ok = phone.register(&mut reg, &["<sip:1001@10.0.0.7>"], None, &clock);
    assert_eq!(ok.response.status, 200);
    let stored = reg.location().lookup("1001")[0].cseq;

    // A delayed un-REGISTER from before, correctly authenticated with a new nonce count.
    let mut late = phone.request(&["<sip:1001@10.0.0.7>"], Some(0));
    late.headers
        .set(HeaderName::CSeq, format!("{} REGISTER", stored - 1));
    phone.authorize(&mut late);
    let out = reg.handle_register(&late, phone.source, clock.now(), clock.unix());
    assert_eq!(out.response.status, 500);
    assert!(out.changes.is_empty());
    assert!(reg.location().is_registered("1001"));

    // The same CSeq again is refused as well.
    let mut same = phone.request(&["<sip:1001@10.0.0.7>"], Some(0));
    same.headers
        .set(HeaderName::CSeq, format!("{stored} REGISTER"));
    phone.authorize(&mut same);
    assert_eq!(
        reg.handle_register(&same, phone.source, clock.now(), clock.unix())
            .response
            .status,
        500
    );
}

#[test]
fn another_call_id_may_use_any_cseq() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    phone.register(&mut reg, &["<sip:1001@10.0.0.7>"], None, &clock);

    // The phone rebooted: new Call-ID, CSeq starts over.
    phone.call_id = "after-reboot@192.0.2.10".into();
    phone.cseq = 0;
    let out = phone.register(&mut reg, &["<sip:1001@10.0.0.7>"], Some(0), &clock);
    assert_eq!(out.response.status, 200);
    assert!(!reg.location().is_registered("1001"));
}
