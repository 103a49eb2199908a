//! A transport error towards a peer ends every transaction with that peer at once; the TU hears
//! a Timeout for those it was still waiting on, other peers are untouched (RFC 3261 §17.1.1.2,
//! §17.2.4).

mod sim;

use std::time::Instant;

use sim::Call;
use sip::message::Message;
use sip::transaction::{TimerConfig, TransactionLayer, TxEvent};
use sip::transport::{Peer, Transport};

#[test]
fn dead_connection_fails_its_transactions_only() {
    let now = Instant::now();
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let dead = Peer::new(Transport::Tcp, sim::addr("10.0.0.2:5060"));
    let alive = Peer::new(Transport::Tcp, sim::addr("10.0.0.3:5060"));
    let call = Call::new(Transport::Tcp, "tcp-dead");
    let invite = layer
        .send_request(call.request("INVITE", 1), dead, now)
        .expect("INVITE");
    let options = layer
        .send_request(call.request("OPTIONS", 2), dead, now)
        .expect("OPTIONS");
    layer
        .send_request(call.request("OPTIONS", 3), alive, now)
        .expect("OPTIONS");
    // A request the dead peer sent us before the connection broke.
    layer.handle_message(Message::Request(call.request("BYE", 4)), dead, now);
    let Some(TxEvent::Request { tx: bye, .. }) = layer.poll_event() else {
        panic!("BYE goes up");
    };

    layer.handle_transport_error(dead);
    let failed: Vec<_> = std::iter::from_fn(|| layer.poll_event())
        .map(|e| match e {
            TxEvent::Timeout { tx } => tx,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(failed, [invite, options, bye]);
    assert_eq!(
        layer.len(),
        1,
        "only the transaction with the live peer remains"
    );
    assert!(
        layer
            .send_request(call.request("OPTIONS", 5), alive, now)
            .is_ok()
    );
}
