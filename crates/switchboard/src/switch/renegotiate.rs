//! Re-negotiation across the bridge (RFC 3261 §14, RFC 3264 §8, RFC 3311): a party puts the
//! other on hold or resumes with a re-INVITE or UPDATE; we answer on that leg and carry the
//! direction to the other leg with our own re-INVITE.
//!
//! ```text
//!   caller ── re-INVITE a=sendonly ──▶ switch ── re-INVITE a=sendonly ──▶ agent
//!   caller ◀─ 200 a=recvonly ───────── switch ◀─ 200 a=recvonly ───────── agent
//!   caller ── ACK ───────────────────▶ switch ── ACK ───────────────────▶ agent
//! ```
//!
//! The direction a party declares is offered unchanged to the other party, so each side sees
//! the other's intent (`sendonly` ↔ `recvonly`, `inactive`; `c=0.0.0.0` counts as `sendonly`).
//! One re-INVITE at a time per leg: a newer wish waits in `wanted` and is sent when the
//! current one completes. Glare (§14.1): an INVITE that arrives while ours is pending on that
//! leg gets 491; our INVITE answered 491 is retried after 2.1–4 s if we own the dialog's
//! Call-ID (the agent leg), else after 0–2 s. An INVITE that overlaps our unacknowledged 2xx
//! to an earlier one gets 500 with Retry-After (§14.2). A re-INVITE without SDP is answered
//! with our offer and the answer is read from the ACK.

use std::time::{Duration, Instant};

use bytes::Bytes;
use media::sdp::{Direction, LocalMedia, Negotiated, SessionDescription};
use sip::transaction::TxId;
use sip::{HeaderName, Message, Method, Request, Response};

use super::call::OkRetransmit;
use super::session_timer;
use super::{ClientTx, MediaCommand, Output, Side, Switch};

/// Our media on one leg of a call.
#[derive(Debug)]
pub(super) struct LegMedia {
    /// Our address, port, codecs and SDP session id and version.
    pub local: LocalMedia,
    /// Our last SDP on this leg (offer or answer).
    pub sdp: Bytes,
    /// What was agreed last.
    pub negotiated: Option<Negotiated>,
    /// Our side's direction after the last exchange.
    pub direction: Direction,
    /// Our re-INVITE on this leg, until its final response.
    pub pending: Option<Reoffer>,
    /// A direction to offer once `pending` completes.
    pub wanted: Option<Direction>,
    /// After a 491: when to offer `wanted` again.
    pub retry_at: Option<Instant>,
    /// We offered in a 2xx (re-INVITE without SDP) and read the answer from the ACK.
    pub offer_in_ok: Option<SessionDescription>,
}

/// A re-INVITE of ours in flight.
#[derive(Debug)]
pub(super) struct Reoffer {
    pub tx: TxId,
    pub invite: Request,
    pub offer: SessionDescription,
    /// The ACK of its 2xx, resent for 2xx retransmissions.
    pub ack: Option<Request>,
}

impl LegMedia {
    pub fn new(
        local: LocalMedia,
        sdp: Bytes,
        direction: Direction,
        negotiated: Option<Negotiated>,
    ) -> LegMedia {
        LegMedia {
            local,
            sdp,
            negotiated,
            direction,
            pending: None,
            wanted: None,
            retry_at: None,
            offer_in_ok: None,
        }
    }

    /// The codec agreed on this leg (PCMU before anything was agreed).
    pub fn codec(&self) -> media::Codec {
        self.negotiated.map_or(media::Codec::Pcmu, |n| n.codec)
    }

    /// A new offer from us with `direction`; bumps the SDP version (RFC 3264 §8).
    fn next_offer(&mut self, direction: Direction) -> SessionDescription {
        self.local.session_version += 1;
        let offer = media::sdp::offer_directed(&self.local, direction);
        self.sdp = Bytes::from(offer.to_string());
        offer
    }

    /// Our answer to `offer`; bumps the SDP version when it changes anything.
    fn answer(&mut self, offer: &SessionDescription) -> Result<Negotiated, media::Error> {
        let mut local = self.local.clone();
        local.session_version += 1;
        let (answer, negotiated) = media::sdp::answer(offer, &local)?;
        let text = Bytes::from(answer.to_string());
        if text != self.sdp {
            self.local = local;
            let (answer, _) = media::sdp::answer(offer, &self.local)?;
            self.sdp = Bytes::from(answer.to_string());
        }
        self.negotiated = Some(negotiated);
        self.direction = negotiated.direction;
        Ok(negotiated)
    }
}

fn other(side: Side) -> Side {
    match side {
        Side::Caller => Side::Agent,
        Side::Agent => Side::Caller,
    }
}

impl Switch {
    pub(super) fn leg_media(&mut self, id: u64, side: Side) -> Option<&mut LegMedia> {
        let call = self.calls.get_mut(&id)?;
        match side {
            Side::Caller => Some(&mut call.caller.media),
            Side::Agent => call
                .agent
                .as_mut()
                .filter(|a| a.dialog.is_some())
                .map(|a| &mut a.media),
        }
    }

    /// Our local IP and the peer of `side`.
    pub(super) fn leg_address(
        &self,
        id: u64,
        side: Side,
    ) -> Option<(std::net::IpAddr, sip::transport::Peer)> {
        let call = self.calls.get(&id)?;
        match side {
            Side::Caller => Some((call.caller.local_ip, call.caller.peer)),
            Side::Agent => call.agent.as_ref().map(|a| (a.local_ip, a.peer)),
        }
    }

    /// The dialog and media of `side`, once that leg has a dialog.
    pub(super) fn leg_dialog(
        &mut self,
        id: u64,
        side: Side,
    ) -> Option<(&mut sip::dialog::Dialog, &mut LegMedia)> {
        let call = self.calls.get_mut(&id)?;
        match side {
            Side::Caller => Some((&mut call.caller.dialog, &mut call.caller.media)),
            Side::Agent => {
                let a = call.agent.as_mut()?;
                Some((a.dialog.as_mut()?, &mut a.media))
            }
        }
    }

    /// A 2xx on a server transaction of `side` carrying our SDP, resent until the ACK.
    fn answer_with_sdp(
        &mut self,
        tx: TxId,
        req: &Request,
        id: u64,
        side: Side,
        resend: bool,
        now: Instant,
    ) {
        // A re-INVITE or UPDATE that succeeds is a session refresh (RFC 4028 §7.4, §9): the
        // leg's timer starts again and the 2xx states the interval and who refreshes.
        let min_se = self.config.sip.min_se;
        let refresh = self.leg_timer(id, side).map(|timer| {
            session_timer::on_peer_request(timer, req, min_se, now);
            (
                timer.in_response(),
                timer.refresher == session_timer::Refresher::Peer,
            )
        });
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let (ip, peer, sdp) = match side {
            Side::Caller => (
                call.caller.local_ip,
                call.caller.peer,
                call.caller.media.sdp.clone(),
            ),
            Side::Agent => match call.agent.as_ref() {
                Some(a) => (a.local_ip, a.peer, a.media.sdp.clone()),
                None => return,
            },
        };
        let mut ok = Response::for_request(req, 200);
        if let (Ok(mut to), Some(tag)) = (
            req.to(),
            req.to().ok().and_then(|t| t.tag().map(str::to_owned)),
        ) {
            to.set_tag(&tag);
            ok.headers.set(HeaderName::To, to.to_string());
        }
        ok.headers
            .push(HeaderName::Contact, self.contact(ip, peer.transport));
        if let Some((session_expires, peer_refreshes)) = refresh {
            ok.headers
                .push(session_timer::session_expires_name(), session_expires);
            if peer_refreshes {
                ok.headers.push(HeaderName::Require, "timer");
            }
        }
        ok.headers.push(HeaderName::ContentType, "application/sdp");
        ok.body = sdp;
        if resend {
            let t1 = self.timers.t1;
            let retransmit = OkRetransmit::new(ok.clone(), peer.transport.is_reliable(), now, t1);
            if let Some(call) = self.calls.get_mut(&id) {
                match side {
                    Side::Caller => call.caller.ok = Some(retransmit),
                    Side::Agent => {
                        if let Some(a) = call.agent.as_mut() {
                            a.ok = Some(retransmit);
                        }
                    }
                }
            }
        }
        self.respond(tx, ok, now);
    }

    /// A re-INVITE from `side` (its dialog and CSeq already checked).
    pub(super) fn handle_reinvite(
        &mut self,
        tx: TxId,
        req: Request,
        id: u64,
        side: Side,
        now: Instant,
    ) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let awaiting_ack = match side {
            Side::Caller => call.caller.ok.is_some(),
            Side::Agent => call.agent.as_ref().is_some_and(|a| a.ok.is_some()),
        };
        if awaiting_ack {
            // §14.2: our 2xx to an earlier INVITE is not acknowledged yet.
            let mut r = Response::for_request(&req, 500);
            r.headers.push(
                HeaderName::Other("Retry-After".into()),
                fastrand::u32(0..=10).to_string(),
            );
            return self.respond(tx, r, now);
        }
        let Some(media) = self.leg_media(id, side) else {
            return self.respond(tx, Response::for_request(&req, 481), now);
        };
        if media.pending.is_some() {
            // §14.1 glare: ours is in flight on this leg.
            return self.respond(tx, Response::for_request(&req, 491), now);
        }
        if req.body.is_empty() {
            // Offer in our 2xx, answer in the ACK (RFC 3261 §14.2).
            let direction = media.direction;
            let offer = media.next_offer(direction);
            media.offer_in_ok = Some(offer);
            return self.answer_with_sdp(tx, &req, id, side, true, now);
        }
        match self.accept_offer(id, side, &req.body) {
            Ok(declared) => {
                self.answer_with_sdp(tx, &req, id, side, true, now);
                self.carry_direction(id, side, declared, now);
            }
            Err(status) => self.respond(tx, Response::for_request(&req, status), now),
        }
    }

    /// An UPDATE with SDP from `side` (RFC 3311): answered in its 200, no ACK.
    pub(super) fn handle_update(
        &mut self,
        tx: TxId,
        req: Request,
        id: u64,
        side: Side,
        now: Instant,
    ) {
        if self
            .leg_media(id, side)
            .is_some_and(|m| m.pending.is_some())
        {
            return self.respond(tx, Response::for_request(&req, 491), now);
        }
        match self.accept_offer(id, side, &req.body) {
            Ok(declared) => {
                self.answer_with_sdp(tx, &req, id, side, false, now);
                self.carry_direction(id, side, declared, now);
            }
            Err(status) => self.respond(tx, Response::for_request(&req, status), now),
        }
    }

    /// Answers an offer from `side`, reconfigures its media; returns the direction the party
    /// declared, or the status to refuse with (the session stays as it was).
    fn accept_offer(&mut self, id: u64, side: Side, body: &[u8]) -> Result<Direction, u16> {
        let offer = SessionDescription::parse(body).map_err(|_| 488u16)?;
        let media = self.leg_media(id, side).ok_or(481u16)?;
        let negotiated = media.answer(&offer).map_err(|_| 488u16)?;
        self.out.push_back(Output::Media(MediaCommand::Configure {
            session: id,
            side,
            negotiated,
        }));
        Ok(media::sdp::declared_direction(&offer))
    }

    /// The ACK of our 2xx on `side` may carry the answer to an offer we made in that 2xx.
    pub(super) fn handle_ack_answer(&mut self, id: u64, side: Side, ack: &Request, now: Instant) {
        let Some(media) = self.leg_media(id, side) else {
            return;
        };
        let Some(offer) = media.offer_in_ok.take() else {
            return;
        };
        let Ok(answer) = SessionDescription::parse(&ack.body) else {
            tracing::debug!(%side, "ACK without a usable answer; session unchanged");
            return;
        };
        let Ok(negotiated) = media::sdp::accept_answer(&offer, &answer) else {
            return;
        };
        media.negotiated = Some(negotiated);
        media.direction = negotiated.direction;
        self.out.push_back(Output::Media(MediaCommand::Configure {
            session: id,
            side,
            negotiated,
        }));
        self.carry_direction(id, side, media::sdp::declared_direction(&answer), now);
    }

    /// `from` declared `declared`: offer the same to the other leg if it differs from what
    /// that leg has.
    fn carry_direction(&mut self, id: u64, from: Side, declared: Direction, now: Instant) {
        let to = other(from);
        let Some(media) = self.leg_media(id, to) else {
            return;
        };
        let target = media.wanted.unwrap_or(media.direction);
        if target == declared {
            return;
        }
        self.want_direction(id, to, declared, now);
    }

    /// Offers `direction` on `side` with our re-INVITE: now, or when the one in flight (or
    /// a 491 back-off) is over.
    pub(super) fn want_direction(
        &mut self,
        id: u64,
        side: Side,
        direction: Direction,
        now: Instant,
    ) {
        let Some(media) = self.leg_media(id, side) else {
            return;
        };
        media.wanted = Some(direction);
        if media.pending.is_none() && media.retry_at.is_none() {
            self.send_reoffer(id, side, now);
        }
    }

    /// Sends our re-INVITE with the wanted direction on `side`.
    pub(super) fn send_reoffer(&mut self, id: u64, side: Side, now: Instant) {
        let Some((local_ip, peer)) = self.leg_address(id, side) else {
            return;
        };
        let via = self.via(local_ip, peer);
        let contact = self.contact(local_ip, peer.transport);
        let session_expires = self.leg_timer(id, side).map(|t| t.in_request());
        let Some((dialog, media)) = self.leg_dialog(id, side) else {
            return;
        };
        let Some(direction) = media.wanted.take() else {
            return;
        };
        media.retry_at = None;
        let offer = media.next_offer(direction);
        let mut invite = dialog.new_request(Method::Invite, via);
        invite.headers.push(HeaderName::Contact, contact);
        if let Some(expires) = session_expires {
            invite.headers.push(HeaderName::Supported, "timer");
            invite
                .headers
                .push(session_timer::session_expires_name(), expires);
        }
        invite
            .headers
            .push(HeaderName::ContentType, "application/sdp");
        invite.body = media.sdp.clone();
        match self.txl.send_request(invite.clone(), peer, now) {
            Ok(tx) => {
                tracing::info!(%side, direction = direction.as_str(), "re-INVITE");
                if let Some(media) = self.leg_media(id, side) {
                    media.pending = Some(Reoffer {
                        tx,
                        invite,
                        offer,
                        ack: None,
                    });
                }
                self.client_tx
                    .insert(tx, ClientTx::Reinvite { call: id, side });
            }
            Err(e) => tracing::debug!(error = %e, "re-INVITE not sent"),
        }
    }

    /// A response to our re-INVITE on `side`.
    pub(super) fn handle_reinvite_response(
        &mut self,
        tx: TxId,
        id: u64,
        side: Side,
        resp: Response,
        now: Instant,
    ) {
        if resp.is_provisional() {
            return;
        }
        if !self.calls.contains_key(&id) {
            self.client_tx.remove(&tx);
            return;
        }
        let Some((local_ip, peer)) = self.leg_address(id, side) else {
            return;
        };
        if resp.is_success() {
            let via = self.via(local_ip, peer);
            let (ack, negotiated, first) = {
                let Some((dialog, media)) = self.leg_dialog(id, side) else {
                    return;
                };
                let Some(pending) = media.pending.as_mut().filter(|p| p.tx == tx) else {
                    return;
                };
                match pending.ack.clone() {
                    // A retransmitted 2xx: the same ACK again.
                    Some(ack) => (ack, None, false),
                    None => {
                        let _ = dialog.handle_response(&resp);
                        let ack = dialog.ack_for_2xx(&pending.invite, &resp, via);
                        pending.ack = Some(ack.clone());
                        let negotiated = SessionDescription::parse(&resp.body)
                            .ok()
                            .and_then(|a| media::sdp::accept_answer(&pending.offer, &a).ok());
                        if let Some(n) = negotiated {
                            media.negotiated = Some(n);
                            media.direction = n.direction;
                        }
                        (ack, negotiated, true)
                    }
                }
            };
            self.txl.send_stateless(Message::Request(ack), peer);
            if let Some(negotiated) = negotiated {
                self.out.push_back(Output::Media(MediaCommand::Configure {
                    session: id,
                    side,
                    negotiated,
                }));
            }
            if first {
                if let Some(timer) = self.leg_timer(id, side) {
                    if let Some((seconds, _)) = resp
                        .headers
                        .get(&session_timer::session_expires_name())
                        .and_then(session_timer::parse_session_expires)
                    {
                        timer.interval = Duration::from_secs(seconds.max(90));
                    }
                    timer.refreshed(now);
                }
                self.finish_reoffer(id, side, now);
            }
            return;
        }
        // A failure: the session stays as it was (§14.1), except that 481 and 408 end the
        // dialog (§12.2.1.2), and 491 is glare: try again later.
        self.client_tx.remove(&tx);
        let owner_of_call_id = side == Side::Agent;
        let Some(media) = self.leg_media(id, side) else {
            return;
        };
        let offered = media.pending.take();
        match resp.status {
            491 => {
                if let Some(p) = offered {
                    media
                        .wanted
                        .get_or_insert(media::sdp::declared_direction(&p.offer));
                }
                let wait = if owner_of_call_id {
                    Duration::from_millis(fastrand::u64(2100..=4000))
                } else {
                    Duration::from_millis(fastrand::u64(0..=2000))
                };
                media.retry_at = Some(now + wait);
            }
            481 | 408 => {
                tracing::info!(%side, status = resp.status, "re-INVITE ended the dialog");
                self.end_call(id, Some(side), now);
            }
            _ => self.finish_reoffer(id, side, now),
        }
    }

    /// Our re-INVITE on `side` is done: send the next wanted direction, if any.
    fn finish_reoffer(&mut self, id: u64, side: Side, now: Instant) {
        let Some(media) = self.leg_media(id, side) else {
            return;
        };
        if let Some(p) = media.pending.take() {
            // 2xx retransmissions of a finished re-INVITE are answered from this entry.
            self.client_tx.insert(
                p.tx,
                ClientTx::FinishedReinvite {
                    ack: p.ack.map(Box::new),
                    expires: now + self.timers.t1 * 64,
                },
            );
        }
        let Some(media) = self.leg_media(id, side) else {
            return;
        };
        if media.wanted.is_some_and(|w| w != media.direction) {
            self.send_reoffer(id, side, now);
        } else {
            media.wanted = None;
        }
    }

    /// A 491 back-off ran out on `side`.
    pub(super) fn retry_reoffer(&mut self, id: u64, side: Side, now: Instant) {
        if let Some(media) = self.leg_media(id, side) {
            media.retry_at = None;
            if media.pending.is_none() && media.wanted.is_some() {
                self.send_reoffer(id, side, now);
            }
        }
    }
}

impl Switch {
    /// Our session refresh on `side` (RFC 4028): a re-INVITE with the session as it is.
    pub(super) fn refresh_session(&mut self, id: u64, side: Side, now: Instant) {
        let Some(media) = self.leg_media(id, side) else {
            return;
        };
        if media.wanted.is_none() {
            media.wanted = Some(media.direction);
        }
        if media.pending.is_none() && media.retry_at.is_none() {
            self.send_reoffer(id, side, now);
        }
    }
}
