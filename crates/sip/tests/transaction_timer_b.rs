//! Timer B: an INVITE nobody answers is retransmitted with a doubling interval and given up after
//! 64·T1; the TU hears one Timeout and the layer forgets the transaction.

mod sim;

use std::time::Duration;

use sim::tu::{Answer, Callee, Caller, CancelWhen};
use sim::{Call, NetConfig, Side, Sim};
use sip::transport::Peer;

fn unanswered(net: NetConfig) -> Sim<Caller, Callee> {
    let uas = Peer::new(net.transport, sim::addr(sim::UAS_ADDR));
    let caller = Caller::new(Call::new(net.transport, "nobody"), uas, CancelWhen::Never);
    let mut sim = Sim::new(11, net, caller, Callee::new(Answer::Silent));
    sim.uac_acts(|layer, tu, now| tu.start(layer, now));
    sim.run_for(Duration::from_secs(100));
    sim
}

#[test]
fn timer_b_fires_after_64_t1_when_every_packet_is_lost() {
    let sim = unanswered(NetConfig::udp(1.0));
    let sent: Vec<Duration> = sim.wire.iter().map(|w| w.at).collect();
    let expected: Vec<Duration> = [0, 500, 1500, 3500, 7500, 15500, 31500]
        .into_iter()
        .map(Duration::from_millis)
        .collect();
    assert_eq!(sent, expected);
    assert_eq!(
        sim.uac.tu.timeouts,
        sim.uac.tu.invite_tx.into_iter().collect::<Vec<_>>()
    );
    assert_eq!(
        sim.elapsed(),
        Duration::from_secs(32),
        "nothing happens after Timer B"
    );
    assert_eq!(sim.uac.layer.len(), 0);
    assert!(sim.sent(Side::Uas, "").eq(&0));
}

#[test]
fn timer_b_over_tcp_without_retransmission() {
    // The peer never reads: the stream delivers nothing, so drop everything.
    let mut net = NetConfig::tcp();
    net.loss = 1.0;
    let sim = unanswered(net);
    assert_eq!(sim.sent(Side::Uac, "INVITE"), 1);
    assert_eq!(sim.uac.tu.timeouts.len(), 1);
    assert_eq!(sim.elapsed(), Duration::from_secs(32));
    assert_eq!(sim.uac.layer.len(), 0);
}
