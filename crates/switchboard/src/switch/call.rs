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

use sip::dialog::Dialog;
use sip::transaction::TxId;
use sip::transport::Peer;
use sip::{Method, Response};

use super::agent::AgentLeg;
use super::renegotiate::LegMedia;
use super::session_timer::{Refresher, SessionTimer};
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
    /// An agent's own call, out through a trunk or to another extension (the caller leg is
    /// the agent's phone, the agent leg the far end); `answered` once the far end answered
    /// and we answered the phone.
    Outbound { agent: String, answered: bool },
    /// A prompt plays (an agent's feature code confirmed, say), then we hang up.
    Announcement,
    /// A queued caller asked to be called back and is keying the number (until `#`, or
    /// back to waiting at `until`); its place in the ACD is kept meanwhile.
    CallbackNumber {
        queue: String,
        digits: String,
        until: Instant,
    },
    /// The confirmation plays, then we hang up on the caller and keep its place.
    CallbackConfirm { queue: String, number: String },
    /// Virtual hold: the caller is gone, its place kept in the ACD (see `callback`).
    Callback {
        queue: String,
        number: String,
        stage: super::callback::CallbackStage,
    },
}

impl Phase {
    /// The queue whose ACD call this is while the caller waits for an agent: queued, keying or
    /// confirming a callback number, or parked for a callback (not yet dialled back).
    pub fn waiting_in(&self) -> Option<&str> {
        match self {
            Phase::Queued { queue }
            | Phase::CallbackNumber { queue, .. }
            | Phase::CallbackConfirm { queue, .. }
            | Phase::Callback {
                queue,
                stage: super::callback::CallbackStage::Parked,
                ..
            } => Some(queue),
            _ => None,
        }
    }
}

/// Our 2xx to an INVITE (initial or re-INVITE), resent over UDP until the ACK comes: T1,
/// doubling up to T2; the call ends when none came after 64·T1 (RFC 3261 §13.3.1.4). Over
/// reliable transports it is sent once and only the give-up timer runs.
#[derive(Debug)]
pub(super) struct OkRetransmit {
    pub response: Response,
    pub next: Option<Instant>,
    pub interval: std::time::Duration,
    pub give_up: Instant,
}

/// What an `OkRetransmit` wants at a given time.
pub(super) enum OkStep {
    Wait,
    Resend(Response),
    GiveUp,
}

impl OkRetransmit {
    pub fn new(
        response: Response,
        reliable: bool,
        now: Instant,
        t1: std::time::Duration,
    ) -> OkRetransmit {
        OkRetransmit {
            response,
            next: (!reliable).then_some(now + t1),
            interval: t1,
            give_up: now + t1 * 64,
        }
    }

    pub fn deadline(&self) -> Instant {
        self.next.map_or(self.give_up, |n| n.min(self.give_up))
    }

    pub fn poll(&mut self, now: Instant, t2: std::time::Duration) -> OkStep {
        if now >= self.give_up {
            return OkStep::GiveUp;
        }
        match self.next {
            Some(next) if now >= next => {
                self.interval = (self.interval * 2).min(t2);
                self.next = Some(now + self.interval);
                OkStep::Resend(self.response.clone())
            }
            _ => OkStep::Wait,
        }
    }
}

/// The caller's side of the call.
#[derive(Debug)]
pub(super) struct CallerLeg {
    pub peer: Peer,
    pub local_ip: std::net::IpAddr,
    /// The INVITE server transaction, until it ends.
    pub invite_tx: Option<TxId>,
    pub dialog: Dialog,
    /// Our media on this leg: port, last SDP, direction, re-INVITE state.
    pub media: LegMedia,
    pub ok: Option<OkRetransmit>,
    /// RFC 4028 session timer of this leg, if one was agreed.
    pub timer: Option<SessionTimer>,
    /// The INVITE of an outbound call, to answer or refuse it once the carrier has spoken.
    pub invite: Option<sip::Request>,
    /// The caller's number (P-Asserted-Identity or From); personal data, logged only redacted.
    pub number: String,
    /// The caller asked for privacy: agents see "anonymous".
    pub private: bool,
}

#[derive(Debug)]
pub(super) struct Call {
    pub id: u64,
    pub span: tracing::Span,
    pub caller: CallerLeg,
    pub phase: Phase,
    pub agent: Option<AgentLeg>,
    /// Ring-all: the other phones ringing for this call besides `agent`.
    pub ringing: Vec<AgentLeg>,
    /// Agents paused in the ACD for the length of this call (their own calls), unpaused
    /// when it ends.
    pub paused: Vec<String>,
    /// When the queued caller next hears its position and wait.
    pub announce_at: Option<Instant>,
}

impl Call {
    pub fn poll_timeout(&self) -> Option<Instant> {
        let menu = match &self.phase {
            Phase::Menu(run) => run.poll_timeout(),
            Phase::CallbackNumber { until, .. } => Some(*until),
            _ => None,
        };
        let ok = self.caller.ok.as_ref().map(OkRetransmit::deadline);
        let agent_ok = self
            .agent
            .as_ref()
            .and_then(|a| a.ok.as_ref())
            .map(OkRetransmit::deadline);
        let retries = [
            Some(&self.caller.media),
            self.agent.as_ref().map(|a| &a.media),
        ]
        .into_iter()
        .flatten()
        .filter_map(|m| m.retry_at);
        let timers = [self.caller.timer, self.agent.as_ref().and_then(|a| a.timer)]
            .into_iter()
            .flatten()
            .map(|t| t.due);
        menu.into_iter()
            .chain(self.announce_at)
            .chain(ok)
            .chain(agent_ok)
            .chain(retries)
            .chain(timers)
            .min()
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
        let queued = matches!(call.phase, Phase::Queued { .. });
        let keying = matches!(call.phase, Phase::CallbackNumber { .. });
        tracing::debug!(%digit, "caller pressed a key");
        if queued {
            self.queued_digit(id, digit, now);
        } else if keying {
            self.callback_number_digit(id, digit);
        }
        self.apply_menu_action(id, action, now);
    }

    pub(super) fn on_playback_done(&mut self, id: u64, now: Instant) {
        match self.calls.get_mut(&id) {
            Some(Call {
                phase: Phase::Menu(run),
                ..
            }) => run.on_playback_done(now),
            Some(Call {
                phase: Phase::Announcement,
                ..
            }) => self.end_call(id, None, now),
            Some(Call {
                phase: Phase::CallbackConfirm { .. },
                ..
            }) => self.park_for_callback(id, now),
            _ => {}
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

    /// The ACD moved a waiting caller to another queue (overflow): it hears that queue's
    /// announcement and hold music; its place in line is kept by the ACD.
    pub(super) fn overflowed(&mut self, id: u64, from: &str, to: &str, now: Instant) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let _span = call.span.clone().entered();
        tracing::info!(from, to, "caller overflowed to another queue");
        call.phase = Phase::Queued {
            queue: to.to_string(),
        };
        self.play_queue_prompts(id, to);
        self.schedule_announcement(id, to, now);
    }

    /// The ACD let a caller go to a menu (overflow out of the queues).
    pub(super) fn released(&mut self, id: u64, from: &str, to: &str, now: Instant) {
        if let Some(call) = self.calls.get(&id) {
            let _span = call.span.clone().entered();
            tracing::info!(from, to, "caller overflowed to a menu");
        }
        if !self.start_menu(id, to) {
            tracing::warn!(call = id, to, "overflow target is no menu; ending the call");
            self.end_call(id, None, now);
        }
    }

    /// Sends the caller into menu `name` from its start; false if there is no such menu.
    pub(super) fn start_menu(&mut self, id: u64, name: &str) -> bool {
        let Some(menu) = self.config.menu(name).cloned() else {
            return false;
        };
        let (run, action) = MenuRun::start(menu);
        if let Some(call) = self.calls.get_mut(&id) {
            call.phase = Phase::Menu(run);
        }
        if let MenuAction::Play(prompts) = action {
            self.out.push_back(Output::Media(MediaCommand::Play {
                session: id,
                prompts,
                loop_last: false,
            }));
        }
        true
    }

    /// The queue's announcement once (and the callback offer, if it offers callbacks), then
    /// its hold music in a loop.
    pub(super) fn play_queue_prompts(&mut self, id: u64, queue: &str) {
        let prompts = match self.config.queue(queue) {
            Some(q) => {
                let mut p = vec![q.announcement.clone()];
                if q.callback_key.is_some() {
                    p.push("callback-offer".to_string());
                }
                p.push(q.hold.clone());
                p
            }
            None => vec!["connecting".to_string(), "hold".to_string()],
        };
        self.out.push_back(Output::Media(MediaCommand::Play {
            session: id,
            prompts,
            loop_last: true,
        }));
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
        tracing::info!(queue, "caller queued");
        self.play_queue_prompts(id, queue);
        self.schedule_announcement(id, queue, now);
        let priority = self.config.queue(queue).map_or(0, |q| q.priority);
        let event = acd::Event::CallArrived {
            call: acd::CallId(id),
            queue: queue.to_string(),
            priority,
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
        // Our 2xx on either leg: resend, or give up and end the call (§13.3.1.4).
        let t2 = self.timers.t2;
        let mut resends = Vec::new();
        let mut give_up = false;
        let caller_peer = call.caller.peer;
        let agent_peer = call.agent.as_ref().map_or(caller_peer, |a| a.peer);
        let legs = [
            (call.caller.ok.as_mut(), caller_peer),
            (call.agent.as_mut().and_then(|a| a.ok.as_mut()), agent_peer),
        ];
        for (ok, peer) in legs {
            if let Some(ok) = ok {
                match ok.poll(now, t2) {
                    OkStep::Wait => {}
                    OkStep::Resend(resp) => resends.push((resp, peer)),
                    OkStep::GiveUp => give_up = true,
                }
            }
        }
        let action = match &mut call.phase {
            Phase::Menu(run) => run.handle_timeout(now),
            _ => None,
        };
        let keying_over =
            matches!(&call.phase, Phase::CallbackNumber { until, .. } if *until <= now);
        if give_up {
            tracing::info!("no ACK for our 200 OK; ending the call");
            if let Some(c) = self.calls.get_mut(&id) {
                c.caller.ok = None;
                if let Some(a) = c.agent.as_mut() {
                    a.ok = None;
                }
            }
            self.end_call(id, None, now);
            return;
        }
        for (resp, peer) in resends {
            self.txl.send_stateless(sip::Message::Response(resp), peer);
        }
        let due_retries: Vec<Side> = self
            .calls
            .get(&id)
            .map(|c| {
                [
                    (Side::Caller, Some(&c.caller.media)),
                    (Side::Agent, c.agent.as_ref().map(|a| &a.media)),
                ]
                .into_iter()
                .filter(|(_, m)| m.is_some_and(|m| m.retry_at.is_some_and(|t| t <= now)))
                .map(|(side, _)| side)
                .collect()
            })
            .unwrap_or_default();
        for side in due_retries {
            self.retry_reoffer(id, side, now);
        }
        if keying_over {
            self.resume_waiting(id, now);
        }
        self.handle_session_timers(id, now);
        let announce = self
            .calls
            .get(&id)
            .and_then(|c| c.announce_at)
            .is_some_and(|t| t <= now);
        if announce {
            self.announce(id, now);
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
            Phase::Queued { .. }
            | Phase::CallbackNumber { .. }
            | Phase::CallbackConfirm { .. }
            | Phase::Callback {
                stage: super::callback::CallbackStage::Parked,
                ..
            } => Some(acd::Event::CallerLeft {
                call: acd::CallId(id),
            }),
            Phase::Callback { .. } => Some(acd::Event::CallEnded {
                call: acd::CallId(id),
            }),
            Phase::Talking { .. } => Some(acd::Event::CallEnded {
                call: acd::CallId(id),
            }),
            Phase::Outbound { .. } | Phase::Announcement => None,
        };
        let unpause = call
            .paused
            .drain(..)
            .map(|agent| acd::Event::AgentUnpause { agent });
        for event in event.into_iter().chain(unpause) {
            if let Err(e) = self.acd.handle(now, event) {
                tracing::debug!(error = %e, "ACD did not know the call");
            }
        }

        // The agent leg: BYE if talking, CANCEL if ringing (every phone, under ring-all).
        for leg in std::mem::take(&mut call.ringing) {
            self.release_agent_leg(id, leg, true, super::agent::REASON_CALLER_GONE, now);
        }
        if let Some(leg) = call.agent.take() {
            self.release_agent_leg(
                id,
                leg,
                by != Some(Side::Agent),
                super::agent::REASON_CALLER_GONE,
                now,
            );
        }

        if let Phase::Callback { stage, .. } = &call.phase {
            // Hung up for a callback: nothing left of the caller's own leg.
            self.cancel_callback(stage, now);
            self.out
                .push_back(Output::Media(MediaCommand::Close { session: id }));
            return;
        }
        // The caller leg: an unanswered outbound call is refused, an answered call gets BYE.
        let unanswered = matches!(
            call.phase,
            Phase::Outbound {
                answered: false,
                ..
            }
        );
        if unanswered {
            if let (Some(tx), true) = (call.caller.invite_tx, by != Some(Side::Caller)) {
                let mut refusal = Response::new(480);
                if let Some(invite) = call.caller.invite.as_ref() {
                    refusal = Response::for_request(invite, 480);
                }
                self.respond(tx, refusal, now);
            }
        } else if by != Some(Side::Caller) {
            let via = self.via(call.caller.local_ip, call.caller.peer);
            let bye = call.caller.dialog.new_request(Method::Bye, via);
            self.send_teardown(bye, call.caller.peer, now);
        }
        self.dialogs.remove(&dialog_key(&call.caller.dialog));
        if let Some(tx) = call.caller.invite_tx {
            self.invite_tx.remove(&tx);
        }
        self.ports.release(call.caller.media.local.port);
        self.out
            .push_back(Output::Media(MediaCommand::Close { session: id }));
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

impl Switch {
    /// Session timers due on either leg: refresh where we refresh, end the call where the
    /// peer should have refreshed and did not (RFC 4028 §10).
    fn handle_session_timers(&mut self, id: u64, now: Instant) {
        for side in [Side::Caller, Side::Agent] {
            let Some(timer) = self.leg_timer(id, side) else {
                continue;
            };
            if timer.due > now {
                continue;
            }
            match timer.refresher {
                Refresher::Us => {
                    // Re-armed now so it does not fire again; the refresh's 2xx re-arms it.
                    timer.due = now + timer.interval / 2;
                    self.refresh_session(id, side, now);
                }
                Refresher::Peer => {
                    tracing::info!(%side, "session not refreshed in time; ending the call");
                    self.end_call(id, None, now);
                    return;
                }
            }
        }
    }

    pub(super) fn leg_timer(&mut self, id: u64, side: Side) -> Option<&mut SessionTimer> {
        let call = self.calls.get_mut(&id)?;
        match side {
            Side::Caller => call.caller.timer.as_mut(),
            Side::Agent => call.agent.as_mut().and_then(|a| a.timer.as_mut()),
        }
    }
}
