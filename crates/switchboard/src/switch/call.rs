//! One call: the caller leg, where the call is in its life (menu, queue, talking), and the
//! agent leg being rung or talking. The transitions that involve both legs live here.
//!
//! ```text
//!   INVITE ──▶ Menu ──digit──▶ Queued ──agent answers──▶ Talking ──BYE either side──▶ (gone)
//!               │                 │  ▲ offer fails / ring timeout: next agent
//!               │                 └──┘
//!               └─ caller BYE at any point: agent INVITE cancelled, ACD told, media closed
//! ```

use std::time::Instant;

use bytes::Bytes;
use sip::dialog::Dialog;
use sip::transaction::TxId;
use sip::transport::Peer;
use sip::{Method, Response};

use super::agent::AgentLeg;
use super::{MediaCommand, Output, Side, Switch};
use crate::ivr::{MenuAction, MenuRun};

/// Where a call is in its life.
#[derive(Debug)]
pub(super) enum Phase {
    /// The caller is in an IVR menu.
    Menu(MenuRun),
    /// Waiting in a queue (an agent may be ringing: see `Call::agent`).
    Queued { queue: String },
    /// Bridged to an agent.
    Talking { queue: String },
}

/// Our 2xx to the caller's INVITE, resent until the ACK comes (RFC 3261 §13.3.1.4).
#[derive(Debug)]
pub(super) struct OkRetransmit {
    pub response: Response,
    pub next: Instant,
    pub interval: std::time::Duration,
    pub give_up: Instant,
}

/// The caller's side of the call.
#[derive(Debug)]
pub(super) struct CallerLeg {
    pub peer: Peer,
    pub local_ip: std::net::IpAddr,
    /// The INVITE server transaction, until it ends.
    pub invite_tx: Option<TxId>,
    pub dialog: Dialog,
    pub port: u16,
    /// Our SDP answer, offered again on a refresh re-INVITE.
    pub local_sdp: Bytes,
    pub codec: media::Codec,
    pub ok: Option<OkRetransmit>,
    /// The caller's number (user part of From); personal data, logged only redacted.
    pub number: String,
}

#[derive(Debug)]
pub(super) struct Call {
    pub id: u64,
    pub span: tracing::Span,
    pub caller: CallerLeg,
    pub phase: Phase,
    pub agent: Option<AgentLeg>,
}

impl Call {
    pub fn poll_timeout(&self) -> Option<Instant> {
        let menu = match &self.phase {
            Phase::Menu(run) => run.poll_timeout(),
            _ => None,
        };
        let ok = self.caller.ok.as_ref().map(|ok| ok.next.min(ok.give_up));
        menu.into_iter().chain(ok).min()
    }
}

impl Switch {
    pub(super) fn on_digit(&mut self, id: u64, digit: char, now: Instant) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let _span = call.span.clone().entered();
        let action = match &mut call.phase {
            Phase::Menu(run) => run.on_digit(digit),
            _ => None,
        };
        tracing::debug!(%digit, "caller pressed a key");
        self.apply_menu_action(id, action, now);
    }

    pub(super) fn on_playback_done(&mut self, id: u64, now: Instant) {
        if let Some(Call {
            phase: Phase::Menu(run),
            ..
        }) = self.calls.get_mut(&id)
        {
            run.on_playback_done(now);
        }
    }

    fn apply_menu_action(&mut self, id: u64, action: Option<MenuAction>, now: Instant) {
        match action {
            None => {}
            Some(MenuAction::Play(prompts)) => {
                self.out.push_back(Output::Media(MediaCommand::Play {
                    session: id,
                    prompts,
                    loop_last: false,
                }))
            }
            Some(MenuAction::Route(queue)) => self.enqueue(id, &queue, now),
        }
    }

    /// Puts the caller in a queue with hold music and tells the ACD.
    pub(super) fn enqueue(&mut self, id: u64, queue: &str, now: Instant) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let _span = call.span.clone().entered();
        call.phase = Phase::Queued {
            queue: queue.to_string(),
        };
        let (announcement, hold) = match self.config.queue(queue) {
            Some(q) => (q.announcement.clone(), q.hold.clone()),
            None => ("connecting".to_string(), "hold".to_string()),
        };
        tracing::info!(queue, "caller queued");
        self.out.push_back(Output::Media(MediaCommand::Play {
            session: id,
            prompts: vec![announcement, hold],
            loop_last: true,
        }));
        let event = acd::Event::CallArrived {
            call: acd::CallId(id),
            queue: queue.to_string(),
            priority: 0,
        };
        if let Err(e) = self.acd.handle(now, event) {
            tracing::warn!(error = %e, "ACD refused the call; ending it");
            self.end_call(id, None, now);
        }
    }

    pub(super) fn handle_call_timeout(&mut self, id: u64, now: Instant) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let _span = call.span.clone().entered();
        // Our 2xx to the caller: resend, or give up and end the call (§13.3.1.4).
        let mut resend = None;
        let mut give_up = false;
        if let Some(ok) = call.caller.ok.as_mut() {
            if now >= ok.give_up {
                give_up = true;
            } else if now >= ok.next {
                ok.interval = (ok.interval * 2).min(self.timers.t2);
                ok.next = now + ok.interval;
                resend = Some(ok.response.clone());
            }
        }
        let peer = call.caller.peer;
        let action = match &mut call.phase {
            Phase::Menu(run) => run.handle_timeout(now),
            _ => None,
        };
        if give_up {
            tracing::info!("no ACK for our 200 OK; ending the call");
            if let Some(c) = self.calls.get_mut(&id) {
                c.caller.ok = None;
            }
            self.end_call(id, None, now);
            return;
        }
        if let Some(resp) = resend {
            self.txl.send_stateless(sip::Message::Response(resp), peer);
        }
        self.apply_menu_action(id, action, now);
    }

    /// Ends a call. `by` is the side that hung up (it gets no BYE); `None` means we end it
    /// (shutdown, media failure, no ACK).
    pub(super) fn end_call(&mut self, id: u64, by: Option<Side>, now: Instant) {
        let Some(mut call) = self.calls.remove(&id) else {
            return;
        };
        let _span = call.span.clone().entered();
        tracing::info!(
            by = by.map(|s| s.to_string()).unwrap_or_else(|| "switch".into()),
            "call ends"
        );

        // The ACD first, so it never offers this call again.
        let event = match &call.phase {
            Phase::Menu(_) => None,
            Phase::Queued { .. } => Some(acd::Event::CallerLeft {
                call: acd::CallId(id),
            }),
            Phase::Talking { .. } => Some(acd::Event::CallEnded {
                call: acd::CallId(id),
            }),
        };
        if let Some(event) = event {
            if let Err(e) = self.acd.handle(now, event) {
                tracing::debug!(error = %e, "ACD did not know the call");
            }
        }

        // The agent leg: BYE if talking, CANCEL if ringing.
        if let Some(leg) = call.agent.take() {
            self.release_agent_leg(id, leg, by != Some(Side::Agent), now);
        }

        // The caller leg.
        if by != Some(Side::Caller) {
            if let Some(tx) = call.caller.invite_tx.take() {
                if call.caller.ok.is_none() && !self.invite_answered(tx) {
                    self.respond(tx, sip::Response::new(487), now);
                }
            }
            let via = self.via(call.caller.local_ip, call.caller.peer);
            let bye = call.caller.dialog.new_request(Method::Bye, via);
            self.send_teardown(bye, call.caller.peer, now);
        }
        self.dialogs.remove(&dialog_key(&call.caller.dialog));
        if let Some(tx) = call.caller.invite_tx {
            self.invite_tx.remove(&tx);
        }
        self.ports.release(call.caller.port);
        self.out
            .push_back(Output::Media(MediaCommand::Close { session: id }));
    }

    /// Whether a final response went out on the caller's INVITE transaction. We answer
    /// every accepted INVITE at once, so a live call's INVITE is always answered.
    fn invite_answered(&self, _tx: TxId) -> bool {
        true
    }

    /// Sends a BYE or CANCEL whose only interest is that it completes.
    pub(super) fn send_teardown(&mut self, req: sip::Request, peer: Peer, now: Instant) {
        match self.txl.send_request(req, peer, now) {
            Ok(tx) => {
                self.client_tx.insert(tx, super::ClientTx::Teardown);
            }
            Err(e) => tracing::debug!(error = %e, "teardown request not sent"),
        }
    }
}

/// The key under which a dialog is found again: Call-ID and our tag.
pub(super) fn dialog_key(d: &Dialog) -> super::DialogKey {
    (d.id().call_id.clone(), d.id().local_tag.clone())
}
