//! Over a reliable transport nothing is retransmitted by the transaction layer (no Timers A, E,
//! G) and completed transactions end at once (Timers D, I, J, K are zero, RFC 3261 §17).

mod sim;

use std::time::Duration;

use sim::tu::{Answer, Callee, Caller, CancelWhen, Requester};
use sim::{Call, NetConfig, Side, Sim};
use sip::transport::{Peer, Transport};

#[test]
fn slow_answer_over_tcp_sends_every_message_once() {
    let net = NetConfig::tcp();
    let uas = Peer::new(Transport::Tcp, sim::addr(sim::UAS_ADDR));
    let caller = Caller::new(
        Call::new(Transport::Tcp, "tcp-call"),
        uas,
        CancelWhen::Never,
    );
    // Ten seconds of ringing: Timer A would have fired five times over UDP.
    let mut sim = Sim::new(
        2,
        net,
        caller,
        Callee::new(Answer::After(Duration::from_secs(10))),
    );
    sim.uac_acts(|layer, tu, now| tu.start(layer, now));
    sim.run_for(Duration::from_secs(120));

    let uac: Vec<String> = sim
        .wire
        .iter()
        .filter(|w| w.from == Side::Uac)
        .map(|w| w.first_line.clone())
        .collect();
    let uas: Vec<String> = sim
        .wire
        .iter()
        .filter(|w| w.from == Side::Uas)
        .map(|w| w.first_line.clone())
        .collect();
    let methods: Vec<&str> = uac.iter().filter_map(|l| l.split(' ').next()).collect();
    assert_eq!(methods, ["INVITE", "ACK", "BYE"]);
    let statuses: Vec<&str> = uas.iter().filter_map(|l| l.split(' ').nth(1)).collect();
    assert_eq!(statuses, ["100", "180", "200", "200"]);
    assert_eq!(sim.uac.tu.bye_status, Some(200));
    assert_eq!((sim.uac.layer.len(), sim.uas.layer.len()), (0, 0));
}

#[test]
fn rejected_call_over_tcp_ends_both_invite_transactions_on_the_ack() {
    let net = NetConfig::tcp();
    let uas = Peer::new(Transport::Tcp, sim::addr(sim::UAS_ADDR));
    let caller = Caller::new(
        Call::new(Transport::Tcp, "tcp-busy"),
        uas,
        CancelWhen::Never,
    );
    let mut sim = Sim::new(2, net, caller, Callee::new(Answer::Reject(486)));
    sim.uac_acts(|layer, tu, now| tu.start(layer, now));
    // Client: Completed for zero time (Timer D = 0); server: Confirmed for zero time (Timer I).
    sim.run_for(Duration::from_millis(100));
    assert_eq!(sim.uac.tu.invite_responses, [100, 180, 486]);
    assert_eq!(sim.sent(Side::Uac, "ACK"), 1);
    assert_eq!((sim.uac.layer.len(), sim.uas.layer.len()), (0, 0));
    assert_eq!(
        sim.elapsed(),
        Duration::from_millis(90),
        "INVITE, responses, ACK: three hops"
    );
}

#[test]
fn non_invite_over_tcp_ends_on_the_final_response() {
    let uas = Peer::new(Transport::Tcp, sim::addr(sim::UAS_ADDR));
    let mut sim = Sim::new(
        2,
        NetConfig::tcp(),
        Requester::new(uas),
        Callee::new(Answer::Silent),
    );
    let call = Call::new(Transport::Tcp, "tcp-reg");
    sim.uac_acts(|layer, tu, now| tu.send(layer, call.request("REGISTER", 1), now));
    sim.run_for(Duration::from_secs(60));
    assert_eq!(sim.wire.len(), 2);
    assert_eq!(
        sim.elapsed(),
        Duration::from_millis(60),
        "no Timer J or K kept anything alive"
    );
    assert_eq!((sim.uac.layer.len(), sim.uas.layer.len()), (0, 0));
}
