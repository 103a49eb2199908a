//! A retransmitted INVITE is absorbed by its server transaction: the TU sees one request, and the
//! retransmission gets the last provisional response again (RFC 3261 §17.2.1), nothing once the
//! 2xx is sent (RFC 6026 §7.1).

mod sim;

use std::time::Instant;

use bytes::Bytes;
use sim::{Call, respond};
use sip::message::Message;
use sip::transaction::{TimerConfig, TransactionLayer, TxEvent};
use sip::transport::{Peer, Transport};

fn uac() -> Peer {
    Peer::new(Transport::Udp, sim::addr(sim::UAC_ADDR))
}

fn first_lines(layer: &mut TransactionLayer) -> Vec<String> {
    std::iter::from_fn(|| layer.poll_transmit())
        .map(|t| first_line(&t.data))
        .collect()
}

fn first_line(data: &Bytes) -> String {
    String::from_utf8_lossy(data)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn duplicate_invite_gets_the_last_provisional_and_reaches_the_tu_once() {
    let now = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let invite = Call::new(Transport::Udp, "dup").request("INVITE", 1);

    layer.handle_message(Message::Request(invite.clone()), uac(), now);
    assert_eq!(first_lines(&mut layer), ["SIP/2.0 100 Trying"]);
    let Some(TxEvent::Request { tx, request, .. }) = layer.poll_event() else {
        panic!("the first INVITE goes up");
    };
    layer.handle_message(Message::Request(invite.clone()), uac(), now);
    assert_eq!(
        first_lines(&mut layer),
        ["SIP/2.0 100 Trying"],
        "before the TU spoke"
    );

    layer
        .send_response(tx, respond(&request, 180, "t"), now)
        .expect("180 in Proceeding");
    assert_eq!(first_lines(&mut layer), ["SIP/2.0 180 Ringing"]);
    layer.handle_message(Message::Request(invite.clone()), uac(), now);
    layer.handle_message(Message::Request(invite.clone()), uac(), now);
    assert_eq!(
        first_lines(&mut layer),
        ["SIP/2.0 180 Ringing", "SIP/2.0 180 Ringing"]
    );
    assert!(
        layer.poll_event().is_none(),
        "retransmissions never reach the TU"
    );

    layer
        .send_response(tx, respond(&request, 200, "t"), now)
        .expect("200 in Proceeding");
    assert_eq!(first_lines(&mut layer), ["SIP/2.0 200 OK"]);
    layer.handle_message(Message::Request(invite), uac(), now);
    assert!(
        first_lines(&mut layer).is_empty(),
        "Accepted absorbs the INVITE"
    );
    assert!(layer.poll_event().is_none());
    assert_eq!(layer.len(), 1);
}

#[test]
fn duplicate_non_invite_is_absorbed_then_answered_with_the_final_response() {
    let now = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let register = Call::new(Transport::Udp, "dup-reg").request("REGISTER", 1);

    layer.handle_message(Message::Request(register.clone()), uac(), now);
    let Some(TxEvent::Request { tx, request, .. }) = layer.poll_event() else {
        panic!("the first REGISTER goes up");
    };
    layer.handle_message(Message::Request(register.clone()), uac(), now);
    assert!(
        first_lines(&mut layer).is_empty(),
        "Trying absorbs the retransmission"
    );

    layer
        .send_response(tx, respond(&request, 200, "t"), now)
        .expect("final in Trying");
    layer.handle_message(Message::Request(register), uac(), now);
    assert_eq!(
        first_lines(&mut layer),
        ["SIP/2.0 200 OK", "SIP/2.0 200 OK"]
    );
    assert!(layer.poll_event().is_none());
}

#[test]
fn same_branch_from_another_sent_by_is_another_transaction() {
    let now = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let call = Call::new(Transport::Udp, "two");
    let a = call.request_with_branch("OPTIONS", 1, "z9hG4bKsame");
    let text = String::from_utf8_lossy(&a.encode())
        .replace("10.0.0.1:5060;branch", "10.0.0.9:5060;branch");
    let b = sim::parse_request(&text);
    layer.handle_message(Message::Request(a), uac(), now);
    layer.handle_message(Message::Request(b), uac(), now);
    assert_eq!(std::iter::from_fn(|| layer.poll_event()).count(), 2);
    assert_eq!(layer.len(), 2);
}
