//! CANCEL crossing the 200 OK: the callee answers just as the caller cancels. The CANCEL gets 200
//! (or 481 once the INVITE transaction is gone), no 487 is ever sent, the caller sees the 2xx, ACKs
//! it and hangs up with BYE (RFC 3261 §9.2, RFC 6026).

mod sim;

use std::time::Duration;

use sim::tu::{Answer, Callee, Caller, CancelWhen};
use sim::{Call, NetConfig, Side, Sim};
use sip::transport::Peer;

/// The caller cancels when the first provisional arrives (one network delay after the INVITE
/// reached the callee); the callee answers `answer_after` after the INVITE reached it.
fn run(seed: u64, net: NetConfig, answer_after: Duration) -> Sim<Caller, Callee> {
    let uas = Peer::new(net.transport, sim::addr(sim::UAS_ADDR));
    let caller = Caller::new(
        Call::new(net.transport, &format!("cross-{seed}")),
        uas,
        CancelWhen::OnProvisional,
    );
    let mut sim = Sim::new(seed, net, caller, Callee::new(Answer::After(answer_after)));
    sim.uac_acts(|layer, tu, now| tu.start(layer, now));
    sim.run_for(Duration::from_secs(120));
    sim
}

fn assert_answered_not_cancelled(sim: &Sim<Caller, Callee>, what: &str) {
    let (uac, uas) = (&sim.uac.tu, &sim.uas.tu);
    let trace = format!(
        "{what}\nUAC: {:#?}\nUAS: {:#?}",
        sim.lines(Side::Uac),
        sim.lines(Side::Uas)
    );
    assert_eq!(sim.sent(Side::Uas, "SIP/2.0 487"), 0, "{trace}");
    assert_eq!(uas.cancelled, 0, "{trace}");
    assert!(uac.answered(), "{trace}");
    assert!(
        matches!(uac.cancel_status, Some(200) | Some(481)),
        "{trace}"
    );
    assert!(uac.acks_sent >= 1 && uas.acks >= 1, "{trace}");
    assert_eq!(uac.bye_status, Some(200), "{trace}");
    assert_eq!(uas.byes, 1, "{trace}");
    assert_eq!(
        (sim.uac.layer.len(), sim.uas.layer.len()),
        (0, 0),
        "{trace}"
    );
}

#[test]
fn cancel_and_200_cross_on_the_wire() {
    // 40 ms each way: the 100 reaches the caller at 80 ms, when the callee sends its 200.
    let sim = run(1, NetConfig::udp_in_order(0.0), Duration::from_millis(40));
    assert_answered_not_cancelled(&sim, "exact crossing");
    assert_eq!(
        sim.uac.tu.cancel_status,
        Some(200),
        "the INVITE transaction is still Accepted"
    );
}

#[test]
fn every_answer_time_around_the_cancel_gives_one_outcome() {
    // From answering well before the CANCEL is sent to well after it arrived.
    for ms in (0..=120).step_by(5) {
        let sim = run(ms, NetConfig::udp_in_order(0.0), Duration::from_millis(ms));
        let (uac, uas) = (&sim.uac.tu, &sim.uas.tu);
        let what = format!("answer after {ms} ms");
        if uas.cancelled == 1 {
            // The CANCEL won: 487, no 2xx anywhere.
            assert_eq!(uas.final_sent, Some(487), "{what}");
            assert!(!uac.answered(), "{what}");
            assert_eq!(
                sim.sent(Side::Uas, "SIP/2.0 200"),
                1,
                "only the CANCEL's 200: {what}"
            );
            assert_eq!((sim.uac.layer.len(), sim.uas.layer.len()), (0, 0), "{what}");
        } else {
            assert_answered_not_cancelled(&sim, &what);
        }
    }
}

#[test]
fn crossing_under_loss_never_gives_both_2xx_and_487() {
    for seed in 0..200 {
        let sim = run(seed, NetConfig::udp(0.3), Duration::from_millis(60));
        let (uac, uas) = (&sim.uac.tu, &sim.uas.tu);
        let what = format!(
            "seed {seed}\nUAC: {:#?}\nUAS: {:#?}",
            sim.lines(Side::Uac),
            sim.lines(Side::Uas)
        );
        assert!(
            !(uac.answered() && uac.invite_responses.contains(&487)),
            "{what}"
        );
        assert!(
            !(sim.sent(Side::Uas, "SIP/2.0 487") > 0 && uas.final_sent == Some(200)),
            "{what}"
        );
        if uac.answered() {
            assert_eq!(uac.bye_status, Some(200), "{what}");
        }
        assert_eq!((sim.uac.layer.len(), sim.uas.layer.len()), (0, 0), "{what}");
    }
}
