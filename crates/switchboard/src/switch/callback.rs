//! Virtual hold: a queued caller presses the queue's `callback_key`, keys the number to be
//! called back on (or just `#` for the number it calls from) and is hung up on, keeping its
//! place in line. When its turn comes an agent is rung as for any caller; once the agent has
//! answered, we call the caller back through a trunk (by dial rule, like agents' own calls)
//! and bridge the two when the caller answers.
//!
//! ```text
//!   Queued ──key──▶ CallbackNumber ──digits #──▶ CallbackConfirm ──prompt played──▶ Callback(Parked)
//!                    │ no `#` in 20 s, or a number                                  (caller: BYE;
//!                    ▼ no dial rule allows: back to waiting                    ACD: still waiting)
//!                                          ACD offers, agent answers
//!                                                          ▼
//!                                              Callback(Dialling) ──2xx──▶ Talking (bridged)
//!                                                          │ refused / no answer
//!                                                          ▼
//!                                                     call ends (agent: BYE)
//! ```
//!
//! The number must be one a dial rule allows out (toll fraud again); `#` alone uses the
//! caller's own number, unless it was withheld. While the phase is `Callback` the caller's own
//! leg is gone: ending the call sends it nothing.

use std::time::{Duration, Instant};

use bytes::Bytes;
use media::sdp::{LocalMedia, SessionDescription};
use sip::dialog::Dialog;
use sip::transaction::TxId;
use sip::{Message, Method, Request, Response};

use super::call::{CallerLeg, Phase, dialog_key};
use super::renegotiate::LegMedia;
use super::{ClientTx, MediaCommand, Output, Side, Switch};
use crate::redact::CallerNumber;

/// The prompts virtual hold uses; loaded when a queue offers callbacks.
pub const PROMPTS: [&str; 3] = ["callback-offer", "callback-number", "callback-confirm"];

/// How long a caller has to key its callback number.
const KEYING_TIME: Duration = Duration::from_secs(20);

/// Longest callback number accepted.
const MAX_DIGITS: usize = 16;

/// Where a callback stands.
#[derive(Debug)]
pub(super) enum CallbackStage {
    /// The caller has hung up; the ACD keeps its place.
    Parked,
    /// An agent answered; we are calling the caller back.
    Dialling(Box<Dialling>),
}

/// Our INVITE to the caller, until its final response.
#[derive(Debug)]
pub(super) struct Dialling {
    pub tx: TxId,
    pub invite: Request,
    pub offer: SessionDescription,
    pub local: LocalMedia,
    pub peer: sip::transport::Peer,
}

impl Switch {
    /// A key from a queued caller: the callback key starts virtual hold.
    pub(super) fn queued_digit(&mut self, id: u64, digit: char, now: Instant) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let Phase::Queued { queue } = &call.phase else {
            return;
        };
        let queue = queue.clone();
        let Some(key) = self.config.queue(&queue).and_then(|q| q.callback_key) else {
            return;
        };
        if digit != key {
            return;
        }
        let _span = call.span.clone().entered();
        tracing::info!(queue, "caller asked to be called back");
        call.phase = Phase::CallbackNumber {
            queue,
            digits: String::new(),
            until: now + KEYING_TIME,
        };
        call.announce_at = None;
        self.out.push_back(Output::Media(MediaCommand::Play {
            session: id,
            prompts: vec!["callback-number".into()],
            loop_last: false,
        }));
    }

    /// A key while the caller keys its callback number: digits collect, `#` ends.
    pub(super) fn callback_number_digit(&mut self, id: u64, digit: char) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let Phase::CallbackNumber { queue, digits, .. } = &mut call.phase else {
            return;
        };
        if digit.is_ascii_digit() {
            if digits.len() < MAX_DIGITS {
                digits.push(digit);
            }
            return;
        }
        if digit != '#' {
            return;
        }
        let queue = queue.clone();
        let number = if digits.is_empty() {
            if call.caller.private {
                String::new()
            } else {
                call.caller.number.clone()
            }
        } else {
            std::mem::take(digits)
        };
        let _span = call.span.clone().entered();
        let local_ip = call.caller.local_ip;
        let allowed = !number.is_empty() && self.trunk_destination(&number, local_ip).is_ok();
        if !allowed {
            tracing::info!(number = %CallerNumber(&number), "no callback to this number; the caller waits on");
            return self.resume_waiting(id, Instant::now());
        }
        if let Some(call) = self.calls.get_mut(&id) {
            call.phase = Phase::CallbackConfirm { queue, number };
        }
        self.out.push_back(Output::Media(MediaCommand::Play {
            session: id,
            prompts: vec!["callback-confirm".into()],
            loop_last: false,
        }));
    }

    /// Back from keying a callback number to waiting on the line, hold music and all.
    pub(super) fn resume_waiting(&mut self, id: u64, now: Instant) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let queue = match &call.phase {
            Phase::CallbackNumber { queue, .. } => queue.clone(),
            _ => return,
        };
        call.phase = Phase::Queued {
            queue: queue.clone(),
        };
        self.play_queue_prompts(id, &queue);
        self.schedule_announcement(id, &queue, now);
    }

    /// The confirmation has played: hang up on the caller, keep its place in the ACD.
    pub(super) fn park_for_callback(&mut self, id: u64, now: Instant) {
        let Some((local_ip, peer)) = self.leg_address(id, Side::Caller) else {
            return;
        };
        let via = self.via(local_ip, peer);
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let Phase::CallbackConfirm { queue, number } = &call.phase else {
            return;
        };
        let _span = call.span.clone().entered();
        call.phase = Phase::Callback {
            queue: queue.clone(),
            number: number.clone(),
            stage: CallbackStage::Parked,
        };
        let port = call.caller.media.local.port;
        let bye = call.caller.dialog.new_request(Method::Bye, via);
        let key = dialog_key(&call.caller.dialog);
        let invite_tx = call.caller.invite_tx.take();
        tracing::info!("caller hung up for a callback; its place is kept");
        self.dialogs.remove(&key);
        if let Some(tx) = invite_tx {
            self.invite_tx.remove(&tx);
        }
        self.send_teardown(bye, peer, now);
        self.ports.release(port);
        self.out.push_back(Output::Media(MediaCommand::CloseLeg {
            session: id,
            side: Side::Caller,
        }));
    }

    /// The agent answered a parked callback: call the caller back.
    pub(super) fn call_back(&mut self, id: u64, now: Instant) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let _span = call.span.clone().entered();
        let number = match &call.phase {
            Phase::Callback { number, .. } => number.clone(),
            _ => return,
        };
        let local_ip = call.caller.local_ip;
        let dest = match self.trunk_destination(&number, local_ip) {
            Ok(d) => d,
            Err(status) => {
                tracing::info!(status, "no trunk for the callback; ending it");
                return self.end_call(id, None, now);
            }
        };
        let Some(port) = self.ports.allocate() else {
            tracing::warn!("RTP port range exhausted; callback ended");
            return self.end_call(id, None, now);
        };
        let local = LocalMedia {
            addr: dest.local_ip,
            port,
            codecs: self.config.codecs.clone(),
            dtmf: true,
            session_id: fastrand::u64(1..u64::from(u32::MAX)),
            session_version: 1,
        };
        let offer = media::sdp::offer(&local);
        let Some(invite) = self.invite_to(&dest, Bytes::from(offer.to_string())) else {
            self.ports.release(port);
            return self.end_call(id, None, now);
        };
        let tx = match self.txl.send_request(invite.clone(), dest.peer, now) {
            Ok(tx) => tx,
            Err(e) => {
                tracing::info!(error = %e, "callback INVITE not sent");
                self.ports.release(port);
                return self.end_call(id, None, now);
            }
        };
        tracing::info!(caller = %CallerNumber(&number), "calling the caller back");
        self.client_tx.insert(
            tx,
            ClientTx::Callback {
                call: id,
                invite: Box::new(invite.clone()),
                peer: dest.peer,
            },
        );
        self.out.push_back(Output::Media(MediaCommand::Open {
            session: id,
            side: Side::Caller,
            ip: dest.local_ip,
            port,
        }));
        if let Some(Phase::Callback { stage, .. }) = self.calls.get_mut(&id).map(|c| &mut c.phase) {
            *stage = CallbackStage::Dialling(Box::new(Dialling {
                tx,
                invite,
                offer,
                local,
                peer: dest.peer,
            }));
        }
    }

    /// A response to our INVITE calling a caller back.
    pub(super) fn handle_callback_response(
        &mut self,
        tx: TxId,
        id: u64,
        resp: Response,
        now: Instant,
    ) {
        if resp.is_provisional() {
            return;
        }
        let ours = matches!(
            self.calls.get(&id).map(|c| &c.phase),
            Some(Phase::Callback {
                stage: CallbackStage::Dialling(d),
                ..
            }) if d.tx == tx
        );
        let stage = match self.calls.get_mut(&id).map(|c| &mut c.phase) {
            Some(Phase::Callback { stage, .. }) if ours => {
                std::mem::replace(stage, CallbackStage::Parked)
            }
            _ => {
                // The call ended meanwhile (our CANCEL crossed the answer): ACK and hang up.
                if let Some(ClientTx::Callback { invite, peer, .. }) = self.client_tx.remove(&tx) {
                    if resp.is_success() {
                        self.hang_up_unwanted(&invite, peer, &resp, now);
                    }
                }
                return;
            }
        };
        self.client_tx.remove(&tx);
        let CallbackStage::Dialling(dialling) = stage else {
            return;
        };
        if !resp.is_success() {
            if let Some(call) = self.calls.get(&id) {
                let _span = call.span.clone().entered();
                tracing::info!(status = resp.status, "the caller did not take the callback");
            }
            self.ports.release(dialling.local.port);
            return self.end_call(id, None, now);
        }
        let Ok(mut dialog) = Dialog::new_uac(&dialling.invite, &resp) else {
            self.ports.release(dialling.local.port);
            return self.end_call(id, None, now);
        };
        let via = self.via(dialling.local.addr, dialling.peer);
        let ack = dialog.ack_for_2xx(&dialling.invite, &resp, via);
        self.txl
            .send_stateless(Message::Request(ack), dialling.peer);
        dialog.confirm();
        let negotiated = SessionDescription::parse(&resp.body)
            .ok()
            .and_then(|a| media::sdp::accept_answer(&dialling.offer, &a).ok());
        let Some(negotiated) = negotiated else {
            let bye = dialog.new_request(Method::Bye, self.via(dialling.local.addr, dialling.peer));
            self.send_teardown(bye, dialling.peer, now);
            self.ports.release(dialling.local.port);
            return self.end_call(id, None, now);
        };
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let _span = call.span.clone().entered();
        let queue = match &call.phase {
            Phase::Callback { queue, .. } => queue.clone(),
            _ => String::new(),
        };
        let sdp = Bytes::from(dialling.offer.to_string());
        let leg = CallerLeg {
            peer: dialling.peer,
            local_ip: dialling.local.addr,
            invite_tx: None,
            dialog,
            media: LegMedia::new(dialling.local, sdp, negotiated.direction, Some(negotiated)),
            ok: None,
            timer: None,
            invite: None,
            number: std::mem::take(&mut call.caller.number),
            private: call.caller.private,
        };
        self.dialogs
            .insert(dialog_key(&leg.dialog), (id, Side::Caller));
        call.caller = leg;
        call.phase = Phase::Talking { queue };
        tracing::info!(
            codec = negotiated.codec.name(),
            "the caller took the callback; bridged"
        );
        self.counters.bridged += 1;
        self.out.push_back(Output::Media(MediaCommand::Configure {
            session: id,
            side: Side::Caller,
            negotiated,
        }));
        self.out
            .push_back(Output::Media(MediaCommand::Bridge { session: id }));
    }

    /// The INVITE calling a caller back timed out (no final response).
    pub(super) fn handle_callback_timeout(&mut self, tx: TxId, id: u64, now: Instant) {
        self.client_tx.remove(&tx);
        let port = match self.calls.get(&id).map(|c| &c.phase) {
            Some(Phase::Callback {
                stage: CallbackStage::Dialling(d),
                ..
            }) if d.tx == tx => d.local.port,
            _ => return,
        };
        if let Some(Phase::Callback { stage, .. }) = self.calls.get_mut(&id).map(|c| &mut c.phase) {
            *stage = CallbackStage::Parked;
        }
        self.ports.release(port);
        self.end_call(id, None, now);
    }

    /// Ending a call whose callback INVITE is still out: CANCEL it (a 2xx that crosses the
    /// CANCEL is acknowledged and hung up when it comes).
    pub(super) fn cancel_callback(&mut self, stage: &CallbackStage, now: Instant) {
        if let CallbackStage::Dialling(d) = stage {
            let cancel = sip::transaction::TransactionLayer::cancel_request(&d.invite);
            self.send_teardown(cancel, d.peer, now);
            self.ports.release(d.local.port);
        }
    }

    /// A 2xx for a leg nobody wants any more: ACK, then BYE.
    fn hang_up_unwanted(
        &mut self,
        invite: &Request,
        peer: sip::transport::Peer,
        resp: &Response,
        now: Instant,
    ) {
        let Ok(mut dialog) = Dialog::new_uac(invite, resp) else {
            return;
        };
        let local_ip = self
            .config
            .sip
            .advertise
            .unwrap_or(self.config.sip.listen.ip());
        let ack = dialog.ack_for_2xx(invite, resp, self.via(local_ip, peer));
        self.txl.send_stateless(Message::Request(ack), peer);
        let bye = dialog.new_request(Method::Bye, self.via(local_ip, peer));
        self.send_teardown(bye, peer, now);
    }
}
