//! Timer H: when the ACK for a non-2xx final response never comes, the INVITE server transaction
//! retransmits the response on Timer G (T1 doubling up to T2) and gives up after 64·T1, telling
//! the TU (RFC 3261 §17.2.1).

mod sim;

use std::time::{Duration, Instant};

use sim::{Call, respond};
use sip::message::Message;
use sip::transaction::{TimerConfig, TransactionLayer, TxEvent};
use sip::transport::{Peer, Transport};

#[test]
fn missing_ack_retransmits_the_final_response_then_times_out() {
    let start = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let uac = Peer::new(Transport::Udp, sim::addr(sim::UAC_ADDR));
    let invite = Call::new(Transport::Udp, "no-ack").request("INVITE", 1);
    layer.handle_message(Message::Request(invite), uac, start);
    let Some(TxEvent::Request { tx, request, .. }) = layer.poll_event() else {
        panic!("INVITE goes up");
    };
    layer
        .send_response(tx, respond(&request, 486, "t"), start)
        .expect("486 in Proceeding");
    while layer.poll_transmit().is_some() {}

    let mut retransmitted = Vec::new();
    let mut events = Vec::new();
    while let Some(at) = layer.poll_timeout() {
        layer.handle_timeout(at);
        while let Some(t) = layer.poll_transmit() {
            assert_eq!(t.dest, uac);
            assert!(t.data.starts_with(b"SIP/2.0 486"));
            retransmitted.push(at - start);
        }
        events.extend(std::iter::from_fn(|| layer.poll_event()).map(|e| (at - start, e)));
    }
    let expected: Vec<Duration> = [
        500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]
    .into_iter()
    .map(Duration::from_millis)
    .collect();
    assert_eq!(retransmitted, expected);
    assert!(
        matches!(events.as_slice(), [(at, TxEvent::Timeout { tx: t })] if *t == tx && *at == Duration::from_secs(32))
    );
    assert_eq!(layer.len(), 0);
}

#[test]
fn the_ack_stops_retransmission_and_timer_i_ends_the_transaction() {
    let start = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let uac = Peer::new(Transport::Udp, sim::addr(sim::UAC_ADDR));
    let call = Call::new(Transport::Udp, "acked");
    let invite = call.request_with_branch("INVITE", 1, "z9hG4bKacked");
    layer.handle_message(Message::Request(invite.clone()), uac, start);
    let Some(TxEvent::Request { tx, .. }) = layer.poll_event() else {
        panic!("INVITE goes up");
    };
    layer
        .send_response(tx, respond(&invite, 603, "t"), start)
        .expect("603 in Proceeding");
    let ack = call.request_with_branch("ACK", 1, "z9hG4bKacked");
    layer.handle_message(
        Message::Request(ack.clone()),
        uac,
        start + Duration::from_millis(100),
    );
    layer.handle_message(
        Message::Request(ack),
        uac,
        start + Duration::from_millis(200),
    );
    assert!(
        layer.poll_event().is_none(),
        "the ACK of a non-2xx stays in the transaction"
    );
    assert_eq!(
        layer.poll_timeout(),
        Some(start + Duration::from_millis(5100)),
        "Timer I = T4"
    );
    layer.handle_timeout(start + Duration::from_millis(5100));
    assert_eq!(layer.len(), 0);
}
