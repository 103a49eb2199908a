//! Requests go up with `received` and `rport` filled in on the top Via (RFC 3261 §18.2.1,
//! RFC 3581), and responses go back to the source address, not the Via sent-by.

mod sim;

use std::time::Instant;

use sim::respond;
use sip::message::{Message, Request};
use sip::transaction::{TimerConfig, TransactionLayer, TxEvent, TxId};
use sip::transport::{Peer, Transport};

fn options(via: &str) -> Message {
    Message::Request(sim::parse_request(&format!(
        "OPTIONS sip:100@10.0.0.2 SIP/2.0\r\nVia: {via}\r\nVia: SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKfar\r\n\
         From: <sip:a@x>;tag=1\r\nTo: <sip:100@10.0.0.2>\r\nCall-ID: via\r\nCSeq: 1 OPTIONS\r\n\
         Content-Length: 0\r\n\r\n"
    )))
}

/// Feeds one request from `source`; returns the layer, the transaction and the request as the
/// TU sees it.
fn receive(via: &str, source: Peer) -> (TransactionLayer, TxId, Request) {
    let mut layer = TransactionLayer::new(TimerConfig::default());
    layer.handle_message(options(via), source, Instant::now());
    let Some(TxEvent::Request { tx, request, .. }) = layer.poll_event() else {
        panic!("request goes up");
    };
    (layer, tx, request)
}

#[test]
fn natted_client_gets_received_and_rport_and_the_response_goes_to_the_source() {
    let source = Peer::new(Transport::Udp, "203.0.113.7:40123".parse().expect("addr"));
    let (mut layer, tx, request) = receive(
        "SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bKnat;rport",
        source,
    );
    let vias = request.vias().expect("vias");
    assert_eq!(vias.len(), 2, "the second Via is kept");
    assert_eq!(vias[0].received(), Some("203.0.113.7".parse().expect("ip")));
    assert_eq!(vias[0].rport(), Some(Some(40123)));
    assert_eq!(vias[1].branch(), Some("z9hG4bKfar"));

    layer
        .send_response(tx, respond(&request, 200, "t"), Instant::now())
        .expect("200");
    let t = layer.poll_transmit().expect("the 200 is sent");
    assert_eq!(t.dest, source, "to the source address, not 192.168.1.20");
    let text = String::from_utf8_lossy(&t.data).into_owned();
    assert!(text.contains("received=203.0.113.7"), "{text}");
    assert!(text.contains("rport=40123"), "{text}");
}

#[test]
fn sent_by_equal_to_the_source_without_rport_is_left_alone() {
    let source = Peer::new(Transport::Udp, "10.0.0.1:5060".parse().expect("addr"));
    let (_, _, request) = receive("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKsame", source);
    let top = request.top_via().expect("via");
    assert_eq!(top.received(), None);
    assert_eq!(top.rport(), None);
}

#[test]
fn domain_sent_by_always_gets_received() {
    let source = Peer::new(Transport::Tcp, "10.0.0.1:50000".parse().expect("addr"));
    let (_, _, request) = receive("SIP/2.0/TCP phone.example.com;branch=z9hG4bKdom", source);
    let top = request.top_via().expect("via");
    assert_eq!(top.received(), Some("10.0.0.1".parse().expect("ip")));
    assert_eq!(top.rport(), None, "rport is only filled when asked for");
}
