//! Messages that match no transaction: a CANCEL gets 481 from the layer (RFC 3261 §9.2), a stray
//! response is dropped and counted (§17.1.3), an ACK goes to the TU (it acknowledges a 2xx), and a
//! request with an unreadable Via is dropped; none of them leaves a transaction behind for long.

mod sim;

use std::time::{Duration, Instant};

use sim::{Call, respond};
use sip::message::{HeaderName, Message};
use sip::transaction::{TimerConfig, TransactionLayer, TxEvent};
use sip::transport::{Peer, Transport};

fn uac() -> Peer {
    Peer::new(Transport::Udp, sim::addr(sim::UAC_ADDR))
}

#[test]
fn cancel_without_invite_gets_481() {
    let now = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let invite = Call::new(Transport::Udp, "c481").request("INVITE", 1);
    let cancel = TransactionLayer::cancel_request(&invite);
    layer.handle_message(Message::Request(cancel.clone()), uac(), now);
    let t = layer.poll_transmit().expect("the layer answers");
    assert!(t.data.starts_with(b"SIP/2.0 481"), "{:?}", t.data);
    assert!(layer.poll_event().is_none(), "the TU is not bothered");
    // A retransmitted CANCEL gets the same answer from the CANCEL's own transaction.
    layer.handle_message(Message::Request(cancel), uac(), now);
    assert!(
        layer
            .poll_transmit()
            .expect("resent")
            .data
            .starts_with(b"SIP/2.0 481")
    );
    layer.handle_timeout(now + Duration::from_secs(32));
    assert_eq!(layer.len(), 0);
}

#[test]
fn cancel_after_the_final_response_gets_200_but_no_cancelled_event() {
    let now = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let invite = Call::new(Transport::Udp, "late").request("INVITE", 1);
    layer.handle_message(Message::Request(invite.clone()), uac(), now);
    let Some(TxEvent::Request { tx, request, .. }) = layer.poll_event() else {
        panic!("INVITE goes up");
    };
    layer
        .send_response(tx, respond(&request, 486, "t"), now)
        .expect("486");
    while layer.poll_transmit().is_some() {}
    layer.handle_message(
        Message::Request(TransactionLayer::cancel_request(&invite)),
        uac(),
        now,
    );
    assert!(
        layer
            .poll_transmit()
            .expect("answered")
            .data
            .starts_with(b"SIP/2.0 200")
    );
    assert!(layer.poll_event().is_none());
}

#[test]
fn stray_response_is_dropped_and_counted() {
    let now = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let bye = Call::new(Transport::Udp, "stray").request("BYE", 2);
    layer.handle_message(Message::Response(respond(&bye, 200, "t")), uac(), now);
    assert!(layer.poll_event().is_none());
    assert!(layer.poll_transmit().is_none());
    assert_eq!(layer.stray_responses(), 1);
}

#[test]
fn response_to_the_cancel_does_not_reach_the_invite() {
    let now = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let uas = Peer::new(Transport::Udp, sim::addr(sim::UAS_ADDR));
    let invite = Call::new(Transport::Udp, "split").request("INVITE", 1);
    let invite_tx = layer
        .send_request(invite.clone(), uas, now)
        .expect("INVITE");
    layer.handle_message(Message::Response(respond(&invite, 180, "t")), uas, now);
    let cancel = TransactionLayer::cancel_request(&invite);
    let cancel_tx = layer
        .send_request(cancel.clone(), uas, now)
        .expect("CANCEL");
    layer.handle_message(Message::Response(respond(&cancel, 200, "t")), uas, now);
    let events: Vec<TxEvent> = std::iter::from_fn(|| layer.poll_event()).collect();
    assert!(matches!(&events[..], [
        TxEvent::Response { tx: a, response: r1 },
        TxEvent::Response { tx: b, response: r2 },
    ] if *a == invite_tx && r1.status == 180 && *b == cancel_tx && r2.status == 200));
}

#[test]
fn ack_matching_nothing_goes_to_the_tu() {
    let now = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let ack = Call::new(Transport::Udp, "ack2xx").request("ACK", 1);
    layer.handle_message(Message::Request(ack), uac(), now);
    assert!(matches!(layer.poll_event(), Some(TxEvent::Ack { source, .. }) if source == uac()));
    assert_eq!(layer.len(), 0);
}

#[test]
fn request_with_a_broken_via_is_dropped_but_an_ack_still_goes_up() {
    let now = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let call = Call::new(Transport::Udp, "bad-via");
    for method in ["OPTIONS", "INVITE", "ACK"] {
        let mut req = call.request(method, 1);
        req.headers.set(HeaderName::Via, "SIP/2.0/UDP");
        layer.handle_message(Message::Request(req), uac(), now);
    }
    assert!(matches!(layer.poll_event(), Some(TxEvent::Ack { .. })));
    assert!(layer.poll_event().is_none());
    assert!(
        layer.poll_transmit().is_none(),
        "no 400 from the layer: the driver sends it"
    );
    assert_eq!(layer.dropped_requests(), 2);
    assert_eq!(layer.len(), 0);
}

#[test]
fn rfc2543_requests_without_the_magic_cookie_are_still_matched() {
    let now = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let call = Call::new(Transport::Udp, "old");
    let invite = call.request_with_branch("INVITE", 1, "oldbranch1");
    layer.handle_message(Message::Request(invite.clone()), uac(), now);
    layer.handle_message(Message::Request(invite.clone()), uac(), now);
    assert_eq!(std::iter::from_fn(|| layer.poll_event()).count(), 1);
    let other = call.request_with_branch("INVITE", 2, "oldbranch1");
    layer.handle_message(Message::Request(other), uac(), now);
    assert_eq!(
        std::iter::from_fn(|| layer.poll_event()).count(),
        1,
        "another CSeq, another transaction"
    );
    layer.handle_message(
        Message::Request(TransactionLayer::cancel_request(&invite)),
        uac(),
        now,
    );
    while let Some(t) = layer.poll_transmit() {
        if t.data.starts_with(b"SIP/2.0 4") || t.data.starts_with(b"SIP/2.0 2") {
            assert!(
                t.data.starts_with(b"SIP/2.0 200"),
                "CANCEL matched the INVITE"
            );
        }
    }
    assert!(matches!(
        layer.poll_event(),
        Some(TxEvent::Cancelled { .. })
    ));
}
