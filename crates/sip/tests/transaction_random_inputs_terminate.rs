//! Whatever mix of requests, responses, retransmissions and clock jumps reaches the layer, it
//! never panics, never asks to be woken in the past, and, with a TU that answers every request
//! and cancels every INVITE that rings, forgets every transaction within a few minutes.

mod sim;

use std::time::{Duration, Instant};

use proptest::prelude::*;
use sim::{Call, respond};
use sip::message::{HeaderName, Message};
use sip::transaction::{TimerConfig, TransactionLayer, TxEvent, TxId};
use sip::transport::{Peer, Transport};

#[derive(Debug, Clone)]
enum Op {
    /// A request from the network: method, branch index (3 = no cookie), sent-by index, CSeq.
    Request(usize, usize, usize, u32, bool),
    /// A response from the network: status, branch index, CSeq method index.
    Response(u16, usize, usize),
    /// The TU starts a client transaction with this method index over UDP or TCP.
    Send(usize, bool),
    /// The clock moves on.
    Wait(u64),
}

const METHODS: [&str; 5] = ["INVITE", "ACK", "CANCEL", "BYE", "OPTIONS"];
const BRANCHES: [&str; 4] = ["z9hG4bKa", "z9hG4bKb", "z9hG4bKc", "legacy"];
const SENT_BY: [&str; 2] = ["10.0.0.1:5060", "client.example.com"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..5usize, 0..4usize, 0..2usize, 1..3u32, any::<bool>())
            .prop_map(|(m, b, s, c, tcp)| Op::Request(m, b, s, c, tcp)),
        (
            prop::sample::select(vec![
                100u16, 180, 183, 200, 202, 301, 404, 486, 487, 500, 603
            ]),
            0..4usize,
            0..5usize
        )
            .prop_map(|(st, b, m)| Op::Response(st, b, m)),
        (0..5usize, any::<bool>()).prop_map(|(m, tcp)| Op::Send(m, tcp)),
        (0..40_000u64).prop_map(Op::Wait),
    ]
}

struct Run {
    layer: TransactionLayer,
    now: Instant,
    /// Our client INVITEs, to CANCEL them when they ring.
    invites: Vec<(TxId, sip::message::Request, Peer)>,
    cancelled: Vec<TxId>,
    sent_branches: Vec<String>,
}

impl Run {
    fn drain(&mut self) {
        while self.layer.poll_transmit().is_some() {}
        while let Some(event) = self.layer.poll_event() {
            match event {
                TxEvent::Request { tx, request, .. } => {
                    let status = if request.method.as_str() == "INVITE" {
                        486
                    } else {
                        200
                    };
                    self.layer
                        .send_response(tx, respond(&request, status, "t"), self.now)
                        .expect("a new server transaction takes a final response");
                }
                TxEvent::Response { tx, response } if response.status < 200 => {
                    let found = self.invites.iter().find(|(id, _, _)| *id == tx).cloned();
                    if let Some((id, invite, dest)) = found {
                        if !self.cancelled.contains(&id) {
                            self.cancelled.push(id);
                            let cancel = TransactionLayer::cancel_request(&invite);
                            let _ = self.layer.send_request(cancel, dest, self.now);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn advance(&mut self, by: Duration) {
        let until = self.now + by;
        while let Some(at) = self.layer.poll_timeout() {
            if at > until {
                break;
            }
            self.now = self.now.max(at);
            self.layer.handle_timeout(self.now);
            assert!(
                self.layer.poll_timeout().is_none_or(|next| next > self.now),
                "a handled deadline must not stay due"
            );
            self.drain();
        }
        self.now = until;
    }

    fn apply(&mut self, op: &Op) {
        let source = |tcp: bool| {
            let t = if tcp { Transport::Tcp } else { Transport::Udp };
            Peer::new(t, sim::addr(sim::UAC_ADDR))
        };
        match *op {
            Op::Request(m, b, s, cseq, tcp) => {
                let call = Call::new(Transport::Udp, "random");
                let mut req = call.request_with_branch(METHODS[m], cseq, BRANCHES[b]);
                req.headers.set(
                    HeaderName::Via,
                    format!("SIP/2.0/UDP {};branch={}", SENT_BY[s], BRANCHES[b]),
                );
                self.layer
                    .handle_message(Message::Request(req), source(tcp), self.now);
            }
            Op::Response(status, b, m) => {
                let call = Call::new(Transport::Udp, "random");
                let branch = self
                    .sent_branches
                    .get(b)
                    .cloned()
                    .unwrap_or_else(|| BRANCHES[b].to_owned());
                let req = call.request_with_branch(METHODS[m], 1, &branch);
                let resp = respond(&req, status, "t");
                self.layer
                    .handle_message(Message::Response(resp), source(false), self.now);
            }
            Op::Send(m, tcp) => {
                let call = Call::new(Transport::Udp, "ours");
                let branch = sip::transaction::new_branch();
                let req = call.request_with_branch(METHODS[m], 1, &branch);
                let dest = Peer::new(
                    if tcp { Transport::Tcp } else { Transport::Udp },
                    sim::addr(sim::UAS_ADDR),
                );
                if let Ok(tx) = self.layer.send_request(req.clone(), dest, self.now) {
                    if m == 0 {
                        self.invites.push((tx, req, dest));
                    }
                    self.sent_branches.push(branch);
                }
            }
            Op::Wait(ms) => self.advance(Duration::from_millis(ms)),
        }
        self.drain();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_transaction_ends(ops in prop::collection::vec(op(), 1..60)) {
        let mut run = Run {
            layer: TransactionLayer::new(TimerConfig::default()),
            now: Instant::now(),
            invites: Vec::new(),
            cancelled: Vec::new(),
            sent_branches: Vec::new(),
        };
        for op in &ops {
            run.apply(op);
        }
        // Timer B after a CANCEL, D, F, H, J, K, L, M: all end within 64·T1 of the last input.
        run.advance(Duration::from_secs(300));
        prop_assert_eq!(run.layer.len(), 0);
        prop_assert_eq!(run.layer.poll_timeout(), None);
    }
}
