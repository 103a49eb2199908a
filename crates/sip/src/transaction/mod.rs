//! The RFC 3261 §17 transaction layer, with the RFC 6026 corrections for 2xx responses to INVITE.
//!
//! A transaction is one request and all its responses (plus the ACK of a non-2xx final response
//! to INVITE). Four state machines, one per file, implement the four kinds of RFC 3261 §17:
//! INVITE and non-INVITE, client and server. Each holds the encoded bytes it may have to resend
//! and a small table of timer deadlines ([`timers`]); none performs IO.
//!
//! [`TransactionLayer`] is the endpoint in front of them: it matches every incoming message to the
//! transaction that owns it (§17.1.3 for responses, §17.2.3 for requests), creates server
//! transactions for new requests, answers CANCEL (§9.2), and queues what must be sent and what the
//! transaction user (TU) must be told.
//!
//! # Run loop
//!
//! The driver feeds the layer and drains it until it has nothing more to say:
//!
//! 1. every message parsed from the network goes to [`TransactionLayer::handle_message`]; the
//!    TU's requests and responses go to [`TransactionLayer::send_request`] and
//!    [`TransactionLayer::send_response`];
//! 2. when the clock reaches [`TransactionLayer::poll_timeout`], call
//!    [`TransactionLayer::handle_timeout`];
//! 3. after each of these, send every [`Transmit`] from [`TransactionLayer::poll_transmit`] and
//!    give every [`TxEvent`] from [`TransactionLayer::poll_event`] to the TU.
//!
//! ```
//! use std::time::Instant;
//! use bytes::Bytes;
//! use sip::transaction::{TimerConfig, TransactionLayer, TxEvent};
//! use sip::transport::{Peer, Transport};
//! use sip::{Message, Response};
//!
//! let mut layer = TransactionLayer::new(TimerConfig::default());
//! let source = Peer::new(Transport::Udp, "192.0.2.7:5060".parse().expect("address"));
//! let raw = "OPTIONS sip:100@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK1\r\n\
//!            From: <sip:a@example.com>;tag=1\r\nTo: <sip:100@192.0.2.1>\r\nCall-ID: c1\r\n\
//!            CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
//! let msg = Message::parse(Bytes::from(raw)).expect("valid request");
//! layer.handle_message(msg, source, Instant::now());
//! while let Some(event) = layer.poll_event() {
//!     if let TxEvent::Request { tx, request, .. } = event {
//!         let ok = Response::for_request(&request, 200);
//!         layer.send_response(tx, ok, Instant::now()).expect("first final response");
//!     }
//! }
//! let out = layer.poll_transmit().expect("the 200 goes out");
//! assert_eq!(out.dest, source);
//! assert!(out.data.starts_with(b"SIP/2.0 200 OK"));
//! // Timer J keeps the transaction for retransmissions of the request, then it is gone.
//! assert_eq!(layer.len(), 1);
//! layer.handle_timeout(layer.poll_timeout().expect("Timer J"));
//! assert!(layer.is_empty());
//! ```

mod build;
mod client_invite;
mod client_non_invite;
mod key;
mod layer;
mod server_invite;
mod server_non_invite;
mod timers;

pub use layer::{DEFAULT_MAX_TRANSACTIONS, TransactionLayer, Transmit, TxEvent, TxId};
pub use timers::{Timer, TimerConfig};

/// A fresh branch for the top Via of a new client transaction: the RFC 3261 §8.1.1.7 magic
/// cookie `z9hG4bK` followed by 128 random bits.
pub fn new_branch() -> String {
    crate::ids::new_branch()
}
