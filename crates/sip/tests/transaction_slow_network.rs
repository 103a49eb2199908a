//! A round trip longer than T1: retransmissions cross the responses on the wire and arrive as
//! duplicates and out of order; each side still sees every request once and the call completes.

mod sim;

use std::time::Duration;

use sim::tu::{Answer, Callee, Caller, CancelWhen};
use sim::{Call, NetConfig, Side, Sim};
use sip::transport::{Peer, Transport};

#[test]
fn call_over_a_slow_reordering_link_completes() {
    let mut invites = 0;
    for seed in 0..100 {
        let net = NetConfig {
            transport: Transport::Udp,
            loss: 0.1,
            min_delay: Duration::from_millis(400),
            max_delay: Duration::from_millis(1200),
        };
        let uas = Peer::new(Transport::Udp, sim::addr(sim::UAS_ADDR));
        let caller = Caller::new(Call::new(Transport::Udp, "slow"), uas, CancelWhen::Never);
        let mut sim = Sim::new(
            seed,
            net,
            caller,
            Callee::new(Answer::After(Duration::ZERO)),
        );
        sim.uac_acts(|layer, tu, now| tu.start(layer, now));
        sim.run_for(Duration::from_secs(120));
        let (uac, uas) = (&sim.uac.tu, &sim.uas.tu);
        let what = format!(
            "seed {seed}\nUAC: {:#?}\nUAS: {:#?}",
            sim.lines(Side::Uac),
            sim.lines(Side::Uas)
        );
        invites += sim.sent(Side::Uac, "INVITE");
        assert_eq!(uas.requests, ["INVITE", "BYE"], "{what}");
        assert!(uac.answered(), "{what}");
        assert_eq!(uac.bye_status, Some(200), "{what}");
        assert!(uac.timeouts.is_empty() && uas.timeouts.is_empty(), "{what}");
        assert_eq!((sim.uac.layer.len(), sim.uas.layer.len()), (0, 0), "{what}");
    }
    assert!(
        invites >= 200,
        "the INVITE was retransmitted before any answer could come back"
    );
}
