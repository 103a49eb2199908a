//! Refreshing a binding, querying, NAT source changes and RFC 5626 instance ids.

mod registrar_support;

use registrar_support::*;
use sip::registrar::ChangeKind;

#[test]
fn registering_the_same_contact_again_refreshes_it() {
    let mut reg = registrar();
    let mut clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    phone.register(&mut reg, &["<sip:1001@10.0.0.7>"], Some(600), &clock);
    clock.advance(500);

    // The NAT mapping changed: the refresh comes from a new source port.
    phone.source = peer("198.51.100.4:40123");
    let out = phone.register(&mut reg, &["<sip:1001@10.0.0.7>"], Some(600), &clock);
    assert_eq!(out.response.status, 200);
    assert_eq!(
        out.changes.iter().map(|c| c.kind).collect::<Vec<_>>(),
        [ChangeKind::Refreshed]
    );
    assert_eq!(contacts(&out.response), ["<sip:1001@10.0.0.7>;expires=600"]);
    let b = &reg.location().lookup("1001")[0];
    assert_eq!(b.source, phone.source);
    assert_eq!(b.cseq, phone.cseq);

    clock.advance(599);
    assert!(
        reg.expire(clock.now()).is_empty(),
        "the refresh moved the expiry"
    );
}

#[test]
fn register_without_contact_is_a_query() {
    let mut reg = registrar();
    let mut clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    phone.register(
        &mut reg,
        &["<sip:1001@10.0.0.7>", "<sip:1001@10.0.0.8>;expires=120"],
        None,
        &clock,
    );
    clock.advance(20);
    let out = phone.register(&mut reg, &[], None, &clock);
    assert_eq!(out.response.status, 200);
    assert!(out.changes.is_empty());
    assert_eq!(
        contacts(&out.response),
        [
            "<sip:1001@10.0.0.7>;expires=3580",
            "<sip:1001@10.0.0.8>;expires=100"
        ]
    );
}

#[test]
fn same_instance_from_a_new_address_replaces_the_old_binding() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    let instance = "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";reg-id=1";
    phone.register(
        &mut reg,
        &[&format!("<sip:1001@10.0.0.7;ob>;{instance}")],
        None,
        &clock,
    );
    let out = phone.register(
        &mut reg,
        &[&format!("<sip:1001@10.0.0.99;ob>;{instance}")],
        None,
        &clock,
    );
    assert_eq!(
        out.changes.iter().map(|c| c.kind).collect::<Vec<_>>(),
        [ChangeKind::Refreshed]
    );
    assert_eq!(
        contacts(&out.response),
        [format!("<sip:1001@10.0.0.99;ob>;expires=3600;{instance}")]
    );
    let b = &reg.location().lookup("1001")[0];
    assert_eq!(
        b.instance.as_deref(),
        Some("urn:uuid:00000000-0000-1000-8000-000A95A0E128")
    );
    assert_eq!(b.reg_id, Some(1));
}

#[test]
fn bindings_per_user_are_bounded() {
    let mut reg = registrar();
    let clock = Clock::new();
    let mut phone = Phone::new("1001", "pass1001");
    for i in 0..12 {
        let out = phone.register(&mut reg, &[&format!("<sip:1001@10.0.1.{i}>")], None, &clock);
        assert_eq!(out.response.status, 200);
    }
    assert_eq!(reg.location().lookup("1001").len(), 10);
    assert!(
        reg.location()
            .lookup("1001")
            .iter()
            .all(|b| b.contact.to_string() != "sip:1001@10.0.1.0")
    );
}
