//! INVITE → 180 → 200 → ACK, then BYE, completes over UDP with 30% loss, for every seed; every
//! transaction on both sides ends.

mod sim;

use std::time::Duration;

use sim::tu::{Answer, Callee, Caller, CancelWhen};
use sim::{Call, NetConfig, Side, Sim};
use sip::transport::Transport;

fn call(seed: u64, loss: f64) -> Sim<Caller, Callee> {
    let net = NetConfig::udp(loss);
    let uas = sim::addr(sim::UAS_ADDR);
    let caller = Caller::new(
        Call::new(Transport::Udp, &format!("call-{seed}")),
        sip::transport::Peer::new(Transport::Udp, uas),
        CancelWhen::Never,
    );
    let mut sim = Sim::new(
        seed,
        net,
        caller,
        Callee::new(Answer::After(Duration::from_millis(300))),
    );
    sim.uac_acts(|layer, tu, now| tu.start(layer, now));
    sim.run_for(Duration::from_secs(120));
    sim
}

#[test]
fn call_completes_without_loss_and_nothing_is_retransmitted() {
    let sim = call(1, 0.0);
    assert!(sim.uac.tu.answered());
    assert_eq!(sim.uac.tu.invite_responses, [100, 180, 200]);
    assert_eq!(sim.uas.tu.acks, 1);
    assert_eq!(sim.uac.tu.bye_status, Some(200));
    assert_eq!(sim.sent(Side::Uac, "INVITE"), 1);
    assert_eq!(
        sim.sent(Side::Uas, "SIP/2.0 200"),
        2,
        "one 200 for the INVITE, one for the BYE"
    );
    assert_eq!((sim.uac.layer.len(), sim.uas.layer.len()), (0, 0));
}

#[test]
fn call_always_completes_under_30_percent_loss() {
    let mut invites = 0;
    for seed in 0..300 {
        let sim = call(seed, 0.3);
        let (uac, uas) = (&sim.uac.tu, &sim.uas.tu);
        let trace = || {
            format!(
                "seed {seed}\nUAC: {:#?}\nUAS: {:#?}",
                sim.lines(Side::Uac),
                sim.lines(Side::Uas)
            )
        };
        assert!(uac.answered(), "{}", trace());
        assert_eq!(
            uas.requests.iter().filter(|m| *m == "INVITE").count(),
            1,
            "{}",
            trace()
        );
        assert!(
            uas.acks >= 1 || uas.byes >= 1,
            "the callee learnt the call is up: {}",
            trace()
        );
        assert_eq!(uac.bye_status, Some(200), "{}", trace());
        assert!(
            uac.timeouts.is_empty() && uas.timeouts.is_empty(),
            "{}",
            trace()
        );
        assert_eq!(sim.uac.layer.len(), 0, "{}", trace());
        assert_eq!(sim.uas.layer.len(), 0, "{}", trace());
        invites += sim.sent(Side::Uac, "INVITE");
    }
    assert!(
        invites > 400,
        "loss forced INVITE retransmissions ({invites} sent for 300 calls)"
    );
}
