//! Registering to a carrier's trunk, deterministic: the carrier is played by the project's own
//! registrar.

use std::time::{Duration, UNIX_EPOCH};

use sip::registrar::{Account, Registrar, RegistrarConfig};
use sip::registration::RegistrationState;
use sip::transport::{Peer, Transport};
use sip::{Message, Method};

use super::tests::Harness;
use crate::config::{Cidr, Trunk, TrunkRegister};

const CARRIER: u16 = 7000;

fn carrier_trunk() -> Trunk {
    Trunk {
        name: "carrier".into(),
        sources: vec![Cidr::parse("127.0.0.7").expect("cidr")],
        numbers: Default::default(),
        proxy: Some("127.0.0.1:7000".parse().expect("addr")),
        qualify: true,
        register: Some(TrunkRegister {
            proxy: "127.0.0.1:7000".parse().expect("addr"),
            transport: Transport::Udp,
            registrar: sip::Uri::parse("sip:carrier.example").expect("uri"),
            aor: sip::Uri::parse("sip:4412345@carrier.example").expect("uri"),
            user: "4412345".into(),
            password: "trunk-secret".into(),
            expires: 600,
        }),
    }
}

#[test]
fn the_switch_registers_to_the_carrier_and_refreshes() {
    let mut config = Harness::demo_config();
    config.trunks.push(carrier_trunk());
    let mut h = Harness::with_config(config);
    let mut carrier = Registrar::new(RegistrarConfig::new("carrier.example")).expect("registrar");
    carrier.add_account(Account::from_password(
        "4412345",
        "carrier.example",
        "trunk-secret",
    ));
    let switch_peer = Peer::new(Transport::Udp, "127.0.0.1:5060".parse().expect("addr"));
    // The carrier's wall clock follows the simulated one.
    let (t0, unix0) = (
        h.now,
        UNIX_EPOCH.elapsed().map(|d| d.as_secs()).unwrap_or(0),
    );
    let unix = |h: &Harness| unix0 + h.now.saturating_duration_since(t0).as_secs();

    h.sw.start(h.now, &mut |_| std::net::IpAddr::from([127, 0, 0, 1]));
    h.collect();
    let mut registers = 0;
    for _ in 0..4 {
        for req in h.requests_to(CARRIER, Method::Register) {
            registers += 1;
            let out = carrier.handle_register(&req, switch_peer, h.now, unix(&h));
            h.feed(Message::Response(out.response), CARRIER);
        }
    }
    assert!(
        carrier.location().is_registered("4412345"),
        "the carrier has our binding"
    );
    assert!(registers >= 2, "challenged, then answered: {registers}");
    assert!(matches!(
        h.sw.trunk_registration_states().first().map(|(_, s)| *s),
        Some(RegistrationState::Registered { .. })
    ));

    // Before the 600 s run out, the switch refreshes.
    h.advance(Duration::from_secs(540));
    let refresh = h.requests_to(CARRIER, Method::Register);
    assert!(!refresh.is_empty(), "refreshed before expiry");
    for req in refresh {
        let out = carrier.handle_register(&req, switch_peer, h.now, unix(&h));
        h.feed(Message::Response(out.response), CARRIER);
    }
    assert!(carrier.location().is_registered("4412345"));

    // At shutdown the binding is removed.
    h.sw.begin_shutdown(h.now);
    h.collect();
    for _ in 0..3 {
        for req in h.requests_to(CARRIER, Method::Register) {
            let out = carrier.handle_register(&req, switch_peer, h.now, unix(&h));
            h.feed(Message::Response(out.response), CARRIER);
        }
    }
    assert!(
        !carrier.location().is_registered("4412345"),
        "un-REGISTERed"
    );
}
