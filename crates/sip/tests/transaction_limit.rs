//! The number of live transactions is bounded: past the limit, new requests are answered 503
//! without state and the TU cannot start client transactions; existing transactions carry on.

mod sim;

use std::time::{Duration, Instant};

use sim::{Call, respond};
use sip::Error;
use sip::message::Message;
use sip::transaction::{TimerConfig, TransactionLayer, TxEvent};
use sip::transport::{Peer, Transport};

#[test]
fn requests_past_the_limit_get_503_and_no_transaction() {
    let now = Instant::now();
    let uac = Peer::new(Transport::Udp, sim::addr(sim::UAC_ADDR));
    let mut layer = TransactionLayer::new(TimerConfig::default()).with_max_transactions(2);
    let call = Call::new(Transport::Udp, "limit");
    let first = call.request("OPTIONS", 1);
    layer.handle_message(Message::Request(first.clone()), uac, now);
    layer.handle_message(Message::Request(call.request("OPTIONS", 2)), uac, now);
    layer.handle_message(Message::Request(call.request("OPTIONS", 3)), uac, now);
    assert_eq!(layer.len(), 2);
    assert_eq!(layer.refused_requests(), 1);
    let refused = layer.poll_transmit().expect("503 sent");
    assert!(refused.data.starts_with(b"SIP/2.0 503"));
    assert_eq!(refused.dest, uac);

    let uas = Peer::new(Transport::Udp, sim::addr(sim::UAS_ADDR));
    assert_eq!(
        layer.send_request(call.request("BYE", 4), uas, now),
        Err(Error::TooManyTransactions { limit: 2 })
    );

    // The first transaction still works, and once it ends there is room again.
    let Some(TxEvent::Request { tx, request, .. }) = layer.poll_event() else {
        panic!("the first request went up");
    };
    layer
        .send_response(tx, respond(&request, 200, "t"), now)
        .expect("200");
    layer.handle_message(Message::Request(first), uac, now);
    assert_eq!(
        layer.refused_requests(),
        1,
        "a retransmission is not a new transaction"
    );
    layer.handle_timeout(now + Duration::from_secs(32));
    assert_eq!(layer.len(), 1);
    assert!(layer.send_request(call.request("BYE", 4), uas, now).is_ok());
}
