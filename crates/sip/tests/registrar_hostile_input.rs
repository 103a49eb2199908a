//! Whatever a peer puts in Authorization, Contact and Expires, the registrar answers with a
//! response and never panics or registers anything without valid credentials.

mod registrar_support;

use proptest::prelude::*;
use registrar_support::*;
use sip::HeaderName;

proptest! {
    #[test]
    fn garbage_never_panics_or_registers(
        auth in "Digest [ -~]{0,120}",
        contact in "[ -~]{0,60}",
        expires in proptest::option::of(any::<u32>()),
    ) {
        let mut reg = registrar();
        let clock = Clock::new();
        let mut phone = Phone::new("1001", "pass1001");
        let mut req = phone.request(&[], expires);
        req.headers.push(HeaderName::Contact, contact);
        req.headers.push(HeaderName::Authorization, auth);
        let out = reg.handle_register(&req, phone.source, clock.now(), clock.unix());
        prop_assert!([400u16, 401, 403, 404].contains(&out.response.status), "{}", out.response.status);
        prop_assert!(out.changes.is_empty());
        prop_assert!(!reg.location().is_registered("1001"));
    }

    #[test]
    fn any_contact_and_expires_from_an_authenticated_phone_gets_an_answer(
        contact in "[ -~]{0,60}",
        expires in proptest::option::of(any::<u32>()),
    ) {
        let mut reg = registrar();
        let clock = Clock::new();
        let mut phone = Phone::new("1001", "pass1001");
        let first = reg.handle_register(&phone.request(&[], None), phone.source, clock.now(), clock.unix());
        phone.learn(&first.response);
        let mut req = phone.request(&[], expires);
        req.headers.push(HeaderName::Contact, contact);
        phone.authorize(&mut req);
        let out = reg.handle_register(&req, phone.source, clock.now(), clock.unix());
        prop_assert!([200u16, 400, 423].contains(&out.response.status), "{}", out.response.status);
        prop_assert!(reg.location().lookup("1001").len() <= 10);
    }
}
