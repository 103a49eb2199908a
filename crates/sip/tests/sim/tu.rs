//! Scripted transaction users for the scenarios: a caller that INVITEs, ACKs every 2xx, may
//! CANCEL, and hangs up with BYE; a callee that rings, then answers, rejects or waits, and
//! retransmits its 2xx until the ACK comes (the dialog layer's job, RFC 3261 §13.3.1.4).

use std::time::{Duration, Instant};

use sip::message::{Message, Request, Response};
use sip::transaction::{TimerConfig, TransactionLayer, TxEvent, TxId};
use sip::transport::Peer;

use super::{Call, Tu, respond, to_tag};

/// When the caller sends its CANCEL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelWhen {
    Never,
    /// As soon as the first provisional response arrives (RFC 3261 §9.1: not before).
    OnProvisional,
}

/// The calling side.
pub struct Caller {
    pub call: Call,
    pub dest: Peer,
    pub cancel: CancelWhen,
    pub invite: Option<Request>,
    pub invite_tx: Option<TxId>,
    pub cancel_tx: Option<TxId>,
    pub bye_tx: Option<TxId>,
    /// Every response to the INVITE that reached the TU, by status.
    pub invite_responses: Vec<u16>,
    pub cancel_status: Option<u16>,
    pub bye_status: Option<u16>,
    pub acks_sent: usize,
    pub timeouts: Vec<TxId>,
}

impl Caller {
    pub fn new(call: Call, dest: Peer, cancel: CancelWhen) -> Caller {
        Caller {
            call,
            dest,
            cancel,
            invite: None,
            invite_tx: None,
            cancel_tx: None,
            bye_tx: None,
            invite_responses: Vec::new(),
            cancel_status: None,
            bye_status: None,
            acks_sent: 0,
            timeouts: Vec::new(),
        }
    }

    /// Sends the INVITE.
    pub fn start(&mut self, layer: &mut TransactionLayer, now: Instant) {
        let invite = self.call.request("INVITE", 1);
        let tx = layer.send_request(invite.clone(), self.dest, now);
        self.invite_tx = Some(tx.expect("INVITE starts a client transaction"));
        self.invite = Some(invite);
    }

    /// Whether the INVITE got a 2xx.
    pub fn answered(&self) -> bool {
        self.invite_responses.iter().any(|s| (200..300).contains(s))
    }

    fn on_invite_response(&mut self, layer: &mut TransactionLayer, resp: Response, now: Instant) {
        self.invite_responses.push(resp.status);
        match resp.status {
            100..=199 if self.cancel == CancelWhen::OnProvisional && self.cancel_tx.is_none() => {
                if let Some(invite) = &self.invite {
                    let cancel = TransactionLayer::cancel_request(invite);
                    self.cancel_tx = layer.send_request(cancel, self.dest, now).ok();
                }
            }
            200..=299 => {
                // Every 2xx is acknowledged, retransmissions too (RFC 3261 §13.2.2.4).
                self.call.to_tag = to_tag(&resp);
                let ack = self.call.request("ACK", 1);
                layer.send_stateless(Message::Request(ack), self.dest);
                self.acks_sent += 1;
                if self.bye_tx.is_none() {
                    let bye = self.call.request("BYE", 2);
                    self.bye_tx = layer.send_request(bye, self.dest, now).ok();
                }
            }
            _ => {}
        }
    }
}

impl Tu for Caller {
    fn on_event(&mut self, layer: &mut TransactionLayer, event: TxEvent, now: Instant) {
        match event {
            TxEvent::Response { tx, response } if Some(tx) == self.invite_tx => {
                self.on_invite_response(layer, response, now);
            }
            TxEvent::Response { tx, response } if Some(tx) == self.cancel_tx => {
                if response.status >= 200 {
                    self.cancel_status = Some(response.status);
                }
            }
            TxEvent::Response { tx, response } if Some(tx) == self.bye_tx => {
                if response.status >= 200 {
                    self.bye_status = Some(response.status);
                }
            }
            TxEvent::Timeout { tx } => self.timeouts.push(tx),
            other => panic!("caller did not expect {other:?}"),
        }
    }
}

/// What the callee does with the INVITE after ringing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 180, then 200 after this long.
    After(Duration),
    /// 180, then this final non-2xx status right away.
    Reject(u16),
    /// 180 and nothing more (until a CANCEL comes).
    Ring,
    /// Not even a 180: the layer's 100 Trying is all the caller gets.
    Silent,
}

/// The called side.
pub struct Callee {
    pub answer: Answer,
    pub timers: TimerConfig,
    pub invite_tx: Option<TxId>,
    pub invite: Option<Request>,
    pub source: Option<Peer>,
    pub requests: Vec<String>,
    pub final_sent: Option<u16>,
    pub cancelled: usize,
    pub acks: usize,
    pub byes: usize,
    pub timeouts: Vec<TxId>,
    answer_at: Option<Instant>,
    /// 2xx retransmission: the response, the next send and the current interval.
    ok: Option<(Response, Instant, Duration, Instant)>,
}

impl Callee {
    pub fn new(answer: Answer) -> Callee {
        Callee {
            answer,
            timers: TimerConfig::default(),
            invite_tx: None,
            invite: None,
            source: None,
            requests: Vec::new(),
            final_sent: None,
            cancelled: 0,
            acks: 0,
            byes: 0,
            timeouts: Vec::new(),
            answer_at: None,
            ok: None,
        }
    }

    fn send_final(&mut self, layer: &mut TransactionLayer, status: u16, now: Instant) {
        let (Some(tx), Some(invite)) = (self.invite_tx, &self.invite) else {
            return;
        };
        if self.final_sent.is_some() {
            return;
        }
        let resp = respond(invite, status, "uas-tag");
        layer
            .send_response(tx, resp.clone(), now)
            .expect("the INVITE transaction takes one final response");
        self.final_sent = Some(status);
        if (200..300).contains(&status) {
            let give_up = now + self.timers.timeout();
            self.ok = Some((resp, now + self.timers.t1, self.timers.t1, give_up));
        }
    }

    fn on_request(
        &mut self,
        layer: &mut TransactionLayer,
        tx: TxId,
        req: Request,
        source: Peer,
        now: Instant,
    ) {
        self.requests.push(req.method.to_string());
        match req.method.as_str() {
            "INVITE" => {
                self.invite_tx = Some(tx);
                self.invite = Some(req.clone());
                self.source = Some(source);
                if self.answer != Answer::Silent {
                    let ringing = respond(&req, 180, "uas-tag");
                    layer
                        .send_response(tx, ringing, now)
                        .expect("180 in Proceeding");
                }
                match self.answer {
                    Answer::After(d) if d.is_zero() => self.send_final(layer, 200, now),
                    Answer::After(d) => self.answer_at = Some(now + d),
                    Answer::Reject(status) => self.send_final(layer, status, now),
                    Answer::Ring | Answer::Silent => {}
                }
            }
            "BYE" => {
                self.byes += 1;
                // The BYE ends the dialog, so 2xx retransmission stops too.
                self.ok = None;
                layer
                    .send_response(tx, respond(&req, 200, "uas-tag"), now)
                    .expect("BYE transaction answers");
            }
            _ => {
                layer
                    .send_response(tx, respond(&req, 200, "uas-tag"), now)
                    .expect("non-INVITE transaction answers");
            }
        }
    }
}

impl Tu for Callee {
    fn on_event(&mut self, layer: &mut TransactionLayer, event: TxEvent, now: Instant) {
        match event {
            TxEvent::Request {
                tx,
                request,
                source,
            } => self.on_request(layer, tx, request, source, now),
            TxEvent::Ack { .. } => {
                self.acks += 1;
                self.ok = None;
            }
            TxEvent::Cancelled { invite_tx, .. } => {
                assert_eq!(Some(invite_tx), self.invite_tx, "CANCEL matched our INVITE");
                self.cancelled += 1;
                self.answer_at = None;
                self.send_final(layer, 487, now);
            }
            TxEvent::Timeout { tx } => self.timeouts.push(tx),
            other => panic!("callee did not expect {other:?}"),
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        [self.answer_at, self.ok.as_ref().map(|(_, at, _, _)| *at)]
            .into_iter()
            .flatten()
            .min()
    }

    fn handle_timeout(&mut self, layer: &mut TransactionLayer, now: Instant) {
        if self.answer_at.is_some_and(|at| at <= now) {
            self.answer_at = None;
            self.send_final(layer, 200, now);
        }
        let Some((resp, at, interval, give_up)) = self.ok.take() else {
            return;
        };
        if at > now {
            self.ok = Some((resp, at, interval, give_up));
            return;
        }
        if now >= give_up {
            return;
        }
        // Through the transaction while it is Accepted, statelessly after Timer L.
        let sent = self
            .invite_tx
            .is_some_and(|tx| layer.send_response(tx, resp.clone(), now).is_ok());
        if !sent {
            if let Some(source) = self.source {
                layer.send_stateless(Message::Response(resp.clone()), source);
            }
        }
        let interval = (interval * 2).min(self.timers.t2);
        self.ok = Some((resp, now + interval, interval, give_up));
    }
}

/// A client that sends non-INVITE requests and records how each ended.
pub struct Requester {
    pub dest: Peer,
    pub sent: Vec<(TxId, String)>,
    /// Final status per transaction, in arrival order.
    pub finals: Vec<(TxId, u16)>,
    pub provisionals: usize,
    pub timeouts: Vec<TxId>,
}

impl Requester {
    pub fn new(dest: Peer) -> Requester {
        Requester {
            dest,
            sent: Vec::new(),
            finals: Vec::new(),
            provisionals: 0,
            timeouts: Vec::new(),
        }
    }

    pub fn send(&mut self, layer: &mut TransactionLayer, req: Request, now: Instant) {
        let method = req.method.to_string();
        let tx = layer
            .send_request(req, self.dest, now)
            .expect("request starts a client transaction");
        self.sent.push((tx, method));
    }
}

impl Tu for Requester {
    fn on_event(&mut self, _layer: &mut TransactionLayer, event: TxEvent, _now: Instant) {
        match event {
            TxEvent::Response { tx, response } if response.status >= 200 => {
                self.finals.push((tx, response.status));
            }
            TxEvent::Response { .. } => self.provisionals += 1,
            TxEvent::Timeout { tx } => self.timeouts.push(tx),
            other => panic!("requester did not expect {other:?}"),
        }
    }
}
