//! The agent's side: the ACD offers a call to an agent, we ring the agent's registered phone
//! with a fresh INVITE (our own SDP offer pointing at our relay), and bridge on answer.
//!
//! Races handled here (each a test in `tests.rs`):
//! - the ring timeout fires before any provisional response: the CANCEL waits for one
//!   (RFC 3261 §9.1), then goes out;
//! - the agent answers as we cancel (200 crosses CANCEL): ACK, then BYE;
//! - the caller hangs up while the agent rings: CANCEL, and the ACD forgets the call.

use std::net::IpAddr;
use std::time::Instant;

use bytes::Bytes;
use media::sdp::{Direction, LocalMedia, SessionDescription};
use sip::dialog::Dialog;
use sip::transaction::{TransactionLayer, TxId};
use sip::transport::Peer;
use sip::{HeaderName, Message, Method, NameAddr, Request, Response, Uri};

use super::call::{Phase, dialog_key};
use super::renegotiate::LegMedia;
use super::{ClientTx, MediaCommand, Output, Side, Switch, ip_for_uri};

/// The agent leg of a call while it rings or talks.
#[derive(Debug)]
pub(super) struct AgentLeg {
    pub agent: String,
    pub tx: TxId,
    pub peer: Peer,
    pub local_ip: IpAddr,
    /// Our first offer, to read the agent's answer to the INVITE.
    pub offer: SessionDescription,
    /// Our media on this leg: port, last SDP, direction, re-INVITE state.
    pub media: LegMedia,
    /// Set once the agent answered.
    pub dialog: Option<Dialog>,
    /// Our 2xx to a re-INVITE from the agent, until its ACK.
    pub ok: Option<super::call::OkRetransmit>,
    /// RFC 4028 session timer, if the agent's 2xx agreed one.
    pub timer: Option<super::session_timer::SessionTimer>,
    /// This leg's RTP socket is the call's agent side in the media task (ring-all opens it
    /// only for the leg that answers).
    pub media_open: bool,
}

/// What we keep about an agent INVITE until its final response, even after the call has
/// moved on (a cancelled INVITE can still be answered 200 and must then be ACKed and ended).
#[derive(Debug)]
pub(super) struct Offer {
    pub call: u64,
    pub invite: Request,
    pub peer: Peer,
    pub local_ip: IpAddr,
    /// A provisional response came, so a CANCEL may be sent (§9.1).
    pub provisional: bool,
    pub cancel: CancelState,
    /// The ACK we sent for its 2xx, resent for every 2xx retransmission.
    pub ack: Option<Request>,
    /// Once answered: when to forget it (2xx retransmissions stop after 64·T1).
    pub expires: Option<Instant>,
    /// The `Reason` (RFC 3326) our CANCEL will carry, so the phone logs why it stopped ringing.
    pub cancel_reason: &'static str,
}

/// `Reason` of a CANCEL when the ring time ran out (the phone logs a missed call).
pub(super) const REASON_NO_ANSWER: &str = "SIP;cause=480;text=\"No answer\"";
/// `Reason` of a CANCEL when the caller hung up or the switch stops.
pub(super) const REASON_CALLER_GONE: &str = "SIP;cause=487;text=\"Caller hung up\"";

/// The CANCEL of `invite` carrying `reason` (RFC 3326), if any.
fn cancel_with_reason(invite: &Request, reason: &str) -> Request {
    let mut cancel = TransactionLayer::cancel_request(invite);
    if !reason.is_empty() {
        cancel.headers.push(HeaderName::Reason, reason);
    }
    cancel
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CancelState {
    /// Wanted.
    Live,
    /// We want it gone but no provisional response came yet.
    Pending,
    /// CANCEL sent.
    Sent,
}

impl Switch {
    /// The ACD chose `agent` for `call`: ring the agent's phone.
    pub(super) fn offer_agent(&mut self, id: u64, agent: &str, now: Instant) {
        self.counters.offers += 1;
        match self.try_offer(id, agent, now) {
            Ok(()) => {}
            Err(why) => {
                tracing::info!(call = id, agent, why, "offer failed before ringing");
                let event = acd::Event::OfferFailed {
                    call: acd::CallId(id),
                    agent: agent.to_string(),
                };
                if let Err(e) = self.acd.handle(now, event) {
                    tracing::debug!(error = %e, "ACD refused OfferFailed");
                }
            }
        }
    }

    fn try_offer(&mut self, id: u64, agent: &str, now: Instant) -> Result<(), &'static str> {
        let call = self.calls.get(&id).ok_or("no such call")?;
        let queue = call.phase.waiting_in().ok_or("the call is not queued")?;
        // Ring-all rings several phones for one call; otherwise one at a time.
        let ring_all = self
            .config
            .queue(queue)
            .is_some_and(|q| q.strategy == acd::Strategy::RingAll);
        let extra = call.agent.is_some();
        if extra && !ring_all {
            return Err("the call is already ringing an agent");
        }
        let binding = self
            .registrar
            .location()
            .lookup(agent)
            .iter()
            .max_by_key(|b| b.expires)
            .ok_or("agent not registered")?;
        let peer = binding.source;
        let target = binding.contact.clone();
        let local_ip = self
            .agent_local_ip
            .get(agent)
            .copied()
            .unwrap_or(call.caller.local_ip);
        let caller_codec = call.caller.media.codec();
        let number = if call.caller.private {
            String::new()
        } else {
            call.caller.number.clone()
        };
        // What the phone shows: the queue, and whether this is a callback.
        let display = match &call.phase {
            Phase::Callback { .. } => format!("Callback: {queue}"),
            _ => queue.to_string(),
        };
        let span = call.span.clone();
        let _span = span.enter();

        // Everything that can fail comes before the port is taken.
        let host = ip_for_uri(local_ip);
        // A caller who asked for privacy is `anonymous@anonymous.invalid` (RFC 3323 §4.1.1.3).
        let from_uri = if number.is_empty() {
            Uri::parse("sip:anonymous@anonymous.invalid")
        } else {
            Uri::parse(&format!("sip:{}@{host}", sip_user(&number)))
        }
        .or_else(|_| Uri::parse(&format!("sip:anonymous@{host}")))
        .map_err(|_| "bad From")?;
        let mut from = NameAddr::new(from_uri);
        from.display_name = Some(display);
        from.set_tag(&sip::ids::new_tag());
        let to = NameAddr::new(Uri::parse(&format!("sip:{agent}@{host}")).map_err(|_| "bad To")?);
        // Our Contact for this leg's transport, so the phone's in-dialog requests (its BYE)
        // come back over the transport and port it was rung on.
        let contact = NameAddr::parse(&self.contact(local_ip, peer.transport))
            .map_err(|_| "bad Contact")?
            .uri;

        let port = self.ports.allocate().ok_or("RTP port range exhausted")?;
        let local = LocalMedia {
            addr: local_ip,
            port,
            codecs: codecs_preferring(caller_codec, &self.config.codecs),
            dtmf: true,
            session_id: fastrand::u64(1..u64::from(u32::MAX)),
            session_version: 1,
        };
        let offer = media::sdp::offer(&local);
        let local_sdp = Bytes::from(offer.to_string());

        let via = self.via(local_ip, peer);
        let mut invite = sip::dialog::new_invite(
            from,
            to,
            target,
            sip::ids::new_call_id(&host),
            1,
            contact,
            via,
        );
        invite.headers.push(HeaderName::Allow, super::ALLOW);
        invite.headers.push(HeaderName::Supported, "timer");
        if let Some(interval) = self.config.sip.session_expires {
            invite.headers.push(
                super::session_timer::session_expires_name(),
                format!("{};refresher=uac", interval.as_secs()),
            );
            invite.headers.push(
                super::session_timer::min_se_name(),
                self.config.sip.min_se.as_secs().to_string(),
            );
        }
        invite
            .headers
            .push(HeaderName::ContentType, "application/sdp");
        invite.body = local_sdp.clone();

        let tx = match self.txl.send_request(invite.clone(), peer, now) {
            Ok(tx) => tx,
            Err(_) => {
                self.ports.release(port);
                return Err("INVITE not sent");
            }
        };
        tracing::info!(agent, %tx, "ringing agent");
        self.client_tx.insert(
            tx,
            ClientTx::AgentInvite(Box::new(Offer {
                call: id,
                invite,
                peer,
                local_ip,
                provisional: false,
                cancel: CancelState::Live,
                ack: None,
                expires: None,
                cancel_reason: "",
            })),
        );
        if !extra {
            self.out.push_back(Output::Media(MediaCommand::Open {
                session: id,
                side: Side::Agent,
                ip: local_ip,
                port,
            }));
        }
        if let Some(call) = self.calls.get_mut(&id) {
            let leg = AgentLeg {
                agent: agent.to_string(),
                tx,
                peer,
                local_ip,
                media: LegMedia::new(local, local_sdp, Direction::SendRecv, None),
                offer,
                dialog: None,
                ok: None,
                timer: None,
                media_open: !extra,
            };
            if extra {
                call.ringing.push(leg);
            } else {
                call.agent = Some(leg);
            }
        }
        Ok(())
    }

    /// Ring-all: the phone of INVITE `tx` answered while it was one of the extra legs; it
    /// becomes the call's agent leg (its RTP socket opened now), the former one joins the legs
    /// to cancel (its socket handed over).
    fn promote_ringing_leg(&mut self, id: u64, tx: TxId) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let Some(i) = call.ringing.iter().position(|l| l.tx == tx) else {
            return;
        };
        let mut winner = call.ringing.remove(i);
        if let Some(mut former) = call.agent.take() {
            former.media_open = false;
            call.ringing.push(former);
        }
        winner.media_open = true;
        let (ip, port) = (winner.local_ip, winner.media.local.port);
        call.agent = Some(winner);
        self.out.push_back(Output::Media(MediaCommand::Open {
            session: id,
            side: Side::Agent,
            ip,
            port,
        }));
    }

    /// The ACD withdrew the offer (ring timeout, or the agent logged out).
    pub(super) fn cancel_offer(&mut self, id: u64, agent: &str, now: Instant) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let _span = call.span.clone().entered();
        if let Some(i) = call.ringing.iter().position(|l| l.agent == agent) {
            // Ring-all: another phone took the call, or this one rang out.
            let leg = call.ringing.remove(i);
            tracing::info!(agent, "offer withdrawn");
            return self.release_agent_leg(id, leg, true, REASON_NO_ANSWER, now);
        }
        let ringing = call
            .agent
            .as_ref()
            .is_some_and(|a| a.agent == agent && a.dialog.is_none());
        if !ringing {
            return;
        }
        tracing::info!(agent, "no answer; offer withdrawn");
        let next = (!call.ringing.is_empty()).then(|| call.ringing.remove(0));
        if let Some(leg) = std::mem::replace(&mut call.agent, next) {
            self.release_agent_leg(id, leg, true, REASON_NO_ANSWER, now);
        }
    }

    /// Tears down an agent leg: CANCEL while ringing, BYE once answered (`notify`: the agent
    /// did not hang up itself). Frees its port and media.
    pub(super) fn release_agent_leg(
        &mut self,
        id: u64,
        leg: AgentLeg,
        notify: bool,
        cancel_reason: &'static str,
        now: Instant,
    ) {
        self.ports.release(leg.media.local.port);
        if leg.media_open {
            self.out.push_back(Output::Media(MediaCommand::CloseLeg {
                session: id,
                side: Side::Agent,
            }));
        }
        match leg.dialog {
            Some(mut dialog) => {
                self.dialogs.remove(&dialog_key(&dialog));
                if notify {
                    let via = self.via(leg.local_ip, leg.peer);
                    let bye = dialog.new_request(Method::Bye, via);
                    self.send_teardown(bye, leg.peer, now);
                }
            }
            None => self.cancel_invite(leg.tx, cancel_reason, now),
        }
    }

    /// Cancels a ringing agent INVITE now, or as soon as a provisional response allows.
    fn cancel_invite(&mut self, tx: TxId, reason: &'static str, now: Instant) {
        let Some(ClientTx::AgentInvite(offer)) = self.client_tx.get_mut(&tx) else {
            return;
        };
        if offer.cancel != CancelState::Live || offer.ack.is_some() {
            return;
        }
        offer.cancel_reason = reason;
        if offer.provisional {
            offer.cancel = CancelState::Sent;
            let cancel = cancel_with_reason(&offer.invite, reason);
            let peer = offer.peer;
            self.send_teardown(cancel, peer, now);
        } else {
            offer.cancel = CancelState::Pending;
        }
    }

    pub(super) fn handle_agent_response(&mut self, tx: TxId, resp: Response, now: Instant) {
        let Some(ClientTx::AgentInvite(offer)) = self.client_tx.get_mut(&tx) else {
            return;
        };
        let id = offer.call;
        if resp.is_provisional() {
            offer.provisional = true;
            if offer.cancel == CancelState::Pending {
                offer.cancel = CancelState::Sent;
                let cancel = cancel_with_reason(&offer.invite, offer.cancel_reason);
                let peer = offer.peer;
                self.send_teardown(cancel, peer, now);
            }
            if matches!(resp.status, 180 | 183) {
                self.ring_outbound_phone(id, now);
            }
            return;
        }
        if resp.is_success() {
            // A retransmitted 2xx: ACK again (RFC 6026 keeps them coming to us).
            if let Some(ack) = offer.ack.clone() {
                let peer = offer.peer;
                self.txl.send_stateless(Message::Request(ack), peer);
                return;
            }
            if offer.cancel == CancelState::Live {
                self.promote_ringing_leg(id, tx);
            }
            let live = matches!(self.client_tx.get(&tx), Some(ClientTx::AgentInvite(o)) if o.cancel == CancelState::Live)
                && self
                    .calls
                    .get(&id)
                    .and_then(|c| c.agent.as_ref())
                    .is_some_and(|a| a.tx == tx);
            self.agent_answered(tx, resp, live, now);
            return;
        }
        // A failure (or the 487 of our CANCEL).
        let was_live = offer.cancel == CancelState::Live;
        self.client_tx.remove(&tx);
        if !was_live {
            return;
        }
        if let Some(call) = self.calls.get(&id) {
            let _span = call.span.clone().entered();
            if let Some(leg) = call.agent.as_ref().filter(|a| a.tx == tx) {
                tracing::info!(agent = %leg.agent, status = resp.status, "agent declined or failed");
            }
        }
        self.refuse_outbound_phone(id, resp.status, now);
        self.fail_live_offer(id, tx, now);
    }

    /// A first 2xx to an agent INVITE: ACK it; bridge if the offer is still wanted, else BYE.
    fn agent_answered(&mut self, tx: TxId, resp: Response, live: bool, now: Instant) {
        let Some(ClientTx::AgentInvite(offer)) = self.client_tx.get(&tx) else {
            return;
        };
        let (peer, local_ip) = (offer.peer, offer.local_ip);
        let via = self.via(local_ip, peer);
        let t1 = self.timers.t1;
        let Some(ClientTx::AgentInvite(offer)) = self.client_tx.get_mut(&tx) else {
            return;
        };
        let id = offer.call;
        let mut dialog = match Dialog::new_uac(&offer.invite, &resp) {
            Ok(d) => d,
            Err(e) => {
                // No dialog can be formed (no To tag or Contact): nothing can be ACKed or
                // hung up. Forget the INVITE (its retransmitted 2xx are then ignored) and
                // treat the offer as failed.
                tracing::info!(error = %e, "unusable 2xx from agent");
                self.client_tx.remove(&tx);
                if live {
                    self.fail_live_offer(id, tx, now);
                }
                return;
            }
        };
        let ack = dialog.ack_for_2xx(&offer.invite, &resp, via);
        offer.ack = Some(ack.clone());
        offer.expires = Some(now + t1 * 64);
        self.txl.send_stateless(Message::Request(ack), peer);

        let negotiated = self
            .calls
            .get(&id)
            .and_then(|c| c.agent.as_ref())
            .filter(|_| live)
            .map(|leg| {
                SessionDescription::parse(&resp.body)
                    .ok()
                    .and_then(|answer| media::sdp::accept_answer(&leg.offer, &answer).ok())
            });
        let negotiated = match negotiated {
            None => {
                // Not wanted any more: the 200 crossed our CANCEL, or the call is gone.
                tracing::info!(call = id, "agent answered a withdrawn offer; hanging up");
                let bye = dialog.new_request(Method::Bye, self.via(local_ip, peer));
                self.send_teardown(bye, peer, now);
                return;
            }
            Some(None) => {
                tracing::info!(call = id, "agent answered with unusable SDP; hanging up");
                let bye = dialog.new_request(Method::Bye, self.via(local_ip, peer));
                self.send_teardown(bye, peer, now);
                self.fail_live_offer(id, tx, now);
                return;
            }
            Some(Some(n)) => n,
        };
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let _span = call.span.clone().entered();
        let Some(leg) = call.agent.as_mut() else {
            return;
        };
        let agent = leg.agent.clone();
        dialog.confirm();
        self.dialogs.insert(dialog_key(&dialog), (id, Side::Agent));
        leg.dialog = Some(dialog);
        leg.media.negotiated = Some(negotiated);
        leg.media.direction = negotiated.direction;
        leg.timer = super::session_timer::from_answer(&resp, now);
        if let Phase::Outbound { answered, .. } = &mut call.phase {
            // The carrier answered the agent's own call: now the agent's phone is answered.
            *answered = true;
            tracing::info!(codec = negotiated.codec.name(), "carrier answered; bridged");
            self.counters.bridged += 1;
            self.out.push_back(Output::Media(MediaCommand::Configure {
                session: id,
                side: Side::Agent,
                negotiated,
            }));
            self.out
                .push_back(Output::Media(MediaCommand::Bridge { session: id }));
            self.answer_outbound_phone(id, now);
            return;
        }
        if matches!(
            call.phase,
            Phase::Callback {
                stage: super::callback::CallbackStage::Parked,
                ..
            }
        ) {
            // Virtual hold: the agent is on the line; now call the caller back.
            tracing::info!(agent = %agent, "agent answered a callback");
            self.out.push_back(Output::Media(MediaCommand::Configure {
                session: id,
                side: Side::Agent,
                negotiated,
            }));
            let event = acd::Event::OfferAnswered {
                call: acd::CallId(id),
                agent,
            };
            if let Err(e) = self.acd.handle(now, event) {
                tracing::warn!(error = %e, "ACD refused OfferAnswered");
            }
            self.call_back(id, now);
            return;
        }
        let queue = match &call.phase {
            Phase::Talking { queue } => queue.clone(),
            phase => phase.waiting_in().unwrap_or_default().to_string(),
        };
        call.phase = Phase::Talking { queue };
        tracing::info!(agent = %agent, codec = negotiated.codec.name(), "agent answered; bridged");
        self.counters.bridged += 1;
        self.out.push_back(Output::Media(MediaCommand::Configure {
            session: id,
            side: Side::Agent,
            negotiated,
        }));
        self.out
            .push_back(Output::Media(MediaCommand::Bridge { session: id }));
        let event = acd::Event::OfferAnswered {
            call: acd::CallId(id),
            agent,
        };
        if let Err(e) = self.acd.handle(now, event) {
            tracing::warn!(error = %e, "ACD refused OfferAnswered");
        }
    }

    /// The live offer of call `id` (INVITE `tx`) failed: free its leg, tell the ACD, which
    /// offers the call to the next agent.
    pub(super) fn fail_live_offer(&mut self, id: u64, tx: TxId, now: Instant) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let leg = if let Some(i) = call.ringing.iter().position(|l| l.tx == tx) {
            // Ring-all: one of the extra phones failed; the others ring on.
            call.ringing.remove(i)
        } else {
            if call
                .agent
                .as_ref()
                .is_none_or(|a| a.tx != tx || a.dialog.is_some())
            {
                return;
            }
            let next = (!call.ringing.is_empty()).then(|| call.ringing.remove(0));
            let Some(leg) = std::mem::replace(&mut call.agent, next) else {
                return;
            };
            leg
        };
        let agent = leg.agent.clone();
        let outbound = matches!(call.phase, Phase::Outbound { .. });
        self.release_agent_leg(id, leg, false, "", now);
        if outbound {
            // The carrier refused or never answered the agent's own call.
            self.end_call(id, None, now);
            return;
        }
        let event = acd::Event::OfferFailed {
            call: acd::CallId(id),
            agent,
        };
        if let Err(e) = self.acd.handle(now, event) {
            tracing::debug!(error = %e, "ACD refused OfferFailed");
        }
    }

    /// Timer B: the agent's phone never gave a final response.
    pub(super) fn handle_agent_timeout(&mut self, tx: TxId, now: Instant) {
        let Some(ClientTx::AgentInvite(offer)) = self.client_tx.remove(&tx) else {
            return;
        };
        if offer.cancel != CancelState::Live {
            return;
        }
        self.fail_live_offer(offer.call, tx, now);
    }
}

/// The codecs we offer a leg when the other leg speaks `codec`: that one first (no
/// transcoding if the phone takes it, G.722 passed through wideband), then G.711, which the
/// relay transcodes to and from anything. A narrowband leg is not offered G.722: it would
/// cost transcoding and gain nothing.
pub(super) fn codecs_preferring(
    codec: media::Codec,
    enabled: &[media::Codec],
) -> Vec<media::Codec> {
    let mut codecs = vec![codec];
    codecs.extend(
        [media::Codec::Pcmu, media::Codec::Pcma]
            .into_iter()
            .filter(|c| *c != codec && enabled.contains(c)),
    );
    codecs
}

/// A caller's number as a SIP user part (RFC 3261 §25.1): unreserved and user-unreserved
/// characters as they are, everything else percent-encoded (`#` → `%23`).
fn sip_user(number: &str) -> String {
    if number.is_empty() {
        return "anonymous".to_string();
    }
    let mut out = String::with_capacity(number.len());
    for b in number.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()&=+$,;?/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod user_tests {
    use super::sip_user;

    #[test]
    fn numbers_become_valid_user_parts() {
        assert_eq!(sip_user("+12025550142"), "+12025550142");
        assert_eq!(sip_user("+12025550142#"), "+12025550142%23");
        assert_eq!(sip_user("a b@c"), "a%20b%40c");
        assert_eq!(sip_user(""), "anonymous");
    }
}
