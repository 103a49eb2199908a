//! CANCEL before the final response: the CANCEL gets 200, the INVITE 487, the client transaction
//! ACKs the 487 itself and the server transaction absorbs that ACK (RFC 3261 §9, §17.1.1.3).

mod sim;

use std::time::Duration;

use sim::tu::{Answer, Callee, Caller, CancelWhen};
use sim::{Call, NetConfig, Side, Sim};
use sip::transport::Peer;

fn run(seed: u64, net: NetConfig) -> Sim<Caller, Callee> {
    let uas = Peer::new(net.transport, sim::addr(sim::UAS_ADDR));
    let caller = Caller::new(
        Call::new(net.transport, &format!("cancel-{seed}")),
        uas,
        CancelWhen::OnProvisional,
    );
    let mut sim = Sim::new(seed, net, caller, Callee::new(Answer::Ring));
    sim.uac_acts(|layer, tu, now| tu.start(layer, now));
    sim.run_for(Duration::from_secs(120));
    sim
}

#[test]
fn cancel_gets_200_and_the_invite_487_acked_by_the_transaction() {
    let sim = run(3, NetConfig::udp_in_order(0.0));
    let (uac, uas) = (&sim.uac.tu, &sim.uas.tu);
    assert_eq!(uac.cancel_status, Some(200));
    assert_eq!(uac.invite_responses, [100, 180, 487]);
    assert_eq!(uas.cancelled, 1);
    assert_eq!(uas.final_sent, Some(487));
    assert_eq!(sim.sent(Side::Uac, "ACK"), 1, "{:#?}", sim.lines(Side::Uac));
    assert_eq!(uac.acks_sent, 0, "the caller TU sends no ACK for a non-2xx");
    assert_eq!(
        uas.acks, 0,
        "the ACK of the 487 is absorbed by the server transaction"
    );
    assert!(uac.timeouts.is_empty() && uas.timeouts.is_empty());
    assert_eq!((sim.uac.layer.len(), sim.uas.layer.len()), (0, 0));
}

#[test]
fn cancel_works_under_30_percent_loss() {
    for seed in 0..300 {
        let sim = run(seed, NetConfig::udp(0.3));
        let (uac, uas) = (&sim.uac.tu, &sim.uas.tu);
        let trace = || {
            format!(
                "seed {seed}\nUAC: {:#?}\nUAS: {:#?}",
                sim.lines(Side::Uac),
                sim.lines(Side::Uas)
            )
        };
        assert!(!uac.answered(), "{}", trace());
        assert_eq!(uas.acks, 0, "{}", trace());
        if uac.cancel_tx.is_some() {
            // A provisional reached the caller, so it cancelled; the callee gave up with 487
            // unless every copy of the CANCEL was lost (Timer F on the caller's CANCEL then).
            let cancel_reached = uas.cancelled == 1;
            assert_eq!(uas.final_sent.is_some(), cancel_reached, "{}", trace());
            if cancel_reached {
                assert!(
                    uac.invite_responses.contains(&487) || !uac.timeouts.is_empty(),
                    "{}",
                    trace()
                );
            }
        }
        assert_eq!(sim.uac.layer.len(), 0, "{}", trace());
        assert_eq!(sim.uas.layer.len(), 0, "{}", trace());
    }
}

#[test]
fn cancel_over_tcp_ends_every_transaction_without_retransmission() {
    let sim = run(5, NetConfig::tcp());
    assert_eq!(sim.uac.tu.cancel_status, Some(200));
    assert_eq!(sim.uac.tu.invite_responses, [100, 180, 487]);
    assert_eq!(
        sim.wire.len(),
        7,
        "INVITE 100 180 CANCEL 200 487 ACK: {:#?}",
        sim.lines(Side::Uac)
    );
    assert_eq!((sim.uac.layer.len(), sim.uas.layer.len()), (0, 0));
}
