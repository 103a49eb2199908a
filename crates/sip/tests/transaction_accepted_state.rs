//! RFC 6026 Accepted state on both sides: after a 2xx the server transaction absorbs INVITE
//! retransmissions, forwards the TU's own 2xx retransmissions and hands matching ACKs up; the
//! client transaction hands every 2xx up so the TU can ACK again. Timers L and M end them.

mod sim;

use std::time::{Duration, Instant};

use sim::{Call, respond};
use sip::Error;
use sip::message::Message;
use sip::transaction::{TimerConfig, TransactionLayer, TxEvent};
use sip::transport::{Peer, Transport};

#[test]
fn server_accepted_absorbs_invites_and_hands_acks_up_until_timer_l() {
    let start = Instant::now();
    let uac = Peer::new(Transport::Udp, sim::addr(sim::UAC_ADDR));
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let call = Call::new(Transport::Udp, "accepted");
    let invite = call.request_with_branch("INVITE", 1, "z9hG4bKacc");
    layer.handle_message(Message::Request(invite.clone()), uac, start);
    let Some(TxEvent::Request { tx, request, .. }) = layer.poll_event() else {
        panic!("INVITE goes up");
    };
    let ok = respond(&request, 200, "t");
    layer.send_response(tx, ok.clone(), start).expect("200");
    while layer.poll_transmit().is_some() {}

    layer.handle_message(
        Message::Request(invite),
        uac,
        start + Duration::from_millis(500),
    );
    assert!(
        layer.poll_transmit().is_none(),
        "no resend: the TU retransmits its 2xx"
    );

    layer
        .send_response(tx, ok.clone(), start + Duration::from_millis(500))
        .expect("the TU's 2xx retransmission passes through");
    assert!(layer.poll_transmit().is_some_and(|t| t.dest == uac));

    // An ACK with the INVITE's branch (RFC 2543 style) belongs to the TU in Accepted.
    let ack = call.request_with_branch("ACK", 1, "z9hG4bKacc");
    layer.handle_message(Message::Request(ack), uac, start + Duration::from_secs(1));
    assert!(matches!(layer.poll_event(), Some(TxEvent::Ack { .. })));

    assert_eq!(
        layer.poll_timeout(),
        Some(start + Duration::from_secs(32)),
        "Timer L"
    );
    layer.handle_timeout(start + Duration::from_secs(32));
    assert!(
        layer.poll_event().is_none(),
        "Timer L is not a timeout for the TU"
    );
    assert_eq!(layer.len(), 0);
    assert_eq!(
        layer.send_response(tx, ok, start + Duration::from_secs(33)),
        Err(Error::UnknownTransaction(tx)),
        "after Timer L the TU sends statelessly"
    );
}

#[test]
fn client_accepted_hands_every_2xx_up_until_timer_m() {
    let start = Instant::now();
    let uas = Peer::new(Transport::Udp, sim::addr(sim::UAS_ADDR));
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let invite = Call::new(Transport::Udp, "m").request("INVITE", 1);
    let tx = layer
        .send_request(invite.clone(), uas, start)
        .expect("INVITE");
    let ok = respond(&invite, 200, "t");
    for ms in [100, 600, 1600] {
        let at = start + Duration::from_millis(ms);
        layer.handle_message(Message::Response(ok.clone()), uas, at);
        assert!(
            matches!(layer.poll_event(), Some(TxEvent::Response { tx: t, response }) if t == tx && response.status == 200),
            "2xx at {ms} ms goes up"
        );
    }
    // A forked 2xx with another tag goes up too; a late 486 does not.
    layer.handle_message(
        Message::Response(respond(&invite, 200, "other")),
        uas,
        start,
    );
    assert!(matches!(layer.poll_event(), Some(TxEvent::Response { .. })));
    layer.handle_message(Message::Response(respond(&invite, 486, "t")), uas, start);
    assert!(layer.poll_event().is_none());
    assert!(
        std::iter::from_fn(|| layer.poll_transmit()).count() == 1,
        "only the INVITE itself: no Timer A after the 2xx, no ACK from the transaction"
    );

    layer.handle_timeout(start + Duration::from_millis(100) + Duration::from_secs(32));
    assert_eq!(layer.len(), 0);
    layer.handle_message(Message::Response(ok), uas, start + Duration::from_secs(40));
    assert!(layer.poll_event().is_none());
    assert_eq!(layer.stray_responses(), 1);
}
