//! The caller's side: a new INVITE from a trunk is checked, answered with our SDP and sent
//! into the IVR; ACK, CANCEL and in-dialog requests (BYE, re-INVITE, INFO…) of either leg.

use std::net::IpAddr;
use std::time::Instant;

use bytes::Bytes;
use media::sdp::{LocalMedia, SessionDescription};
use sip::dialog::Dialog;
use sip::transaction::TxId;
use sip::transport::Peer;
use sip::{HeaderName, Method, Request, Response};

use super::call::{Call, CallerLeg, OkRetransmit, Phase, dialog_key};
use super::renegotiate::LegMedia;
use super::session_timer;
use super::{ALLOW, MediaCommand, Output, Side, Switch};
use crate::redact::CallerNumber;

/// Extensions we implement; a `Require` of anything else is answered 420.
const SUPPORTED: &[&str] = &[];

impl Switch {
    pub(super) fn handle_new_invite(
        &mut self,
        tx: TxId,
        req: Request,
        source: Peer,
        local_ip: IpAddr,
        now: Instant,
    ) {
        match self.accept_invite(tx, &req, source, local_ip, now) {
            Ok(()) => self.counters.calls_accepted += 1,
            Err(resp) => {
                self.counters.calls_refused += 1;
                // Debug: toll-fraud scanners send these by the thousand.
                tracing::debug!(status = resp.status, reason = %resp.reason, "call refused");
                self.respond(tx, resp, now);
            }
        }
    }

    /// Answers the INVITE and starts the call, or returns the refusal to send.
    fn accept_invite(
        &mut self,
        tx: TxId,
        req: &Request,
        source: Peer,
        local_ip: IpAddr,
        now: Instant,
    ) -> Result<(), Response> {
        let refuse = |status: u16| Response::for_request(req, status);
        if self.draining {
            let mut r = refuse(503);
            r.headers
                .push(HeaderName::Other("Retry-After".into()), "30");
            return Err(r);
        }
        if req.max_forwards().ok().flatten() == Some(0) {
            return Err(refuse(483));
        }
        let unsupported: Vec<&str> = req
            .headers
            .get_all(&HeaderName::Require)
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|o| !o.is_empty() && !SUPPORTED.iter().any(|s| s.eq_ignore_ascii_case(o)))
            .collect();
        if !unsupported.is_empty() {
            let mut r = refuse(420);
            r.headers
                .push(HeaderName::Unsupported, unsupported.join(", "));
            return Err(r);
        }
        let to = req.to().map_err(|_| refuse(400))?;
        let dialled = req
            .uri
            .user
            .clone()
            .or_else(|| to.uri.user.clone())
            .unwrap_or_default();
        // A trunk's number is an inbound call; anything else from an agent's phone (or from a
        // source that is no trunk) is the agent dialling out, which needs digest and a rule.
        let trunk = self.config.trunk_for(source.addr.ip());
        let Some((trunk, entry)) =
            trunk.and_then(|t| t.numbers.get(&dialled).map(|e| (t, e.clone())))
        else {
            let from_agent = req
                .from()
                .ok()
                .and_then(|f| f.uri.user)
                .is_some_and(|u| self.config.agent(&u).is_some());
            if trunk.is_none() || from_agent {
                return self.accept_outbound(tx, req, source, local_ip, now);
            }
            return Err(refuse(404));
        };
        let trunk_name = trunk.name.clone();
        let grant = session_timer::grant(
            req,
            self.config.sip.session_expires,
            self.config.sip.min_se,
            now,
        )?;
        let (number, private) = caller_identity(req);
        let (id, negotiated) =
            self.answer_new_call(tx, req, source, local_ip, grant, (number, private), now)?;
        if let Some(call) = self.calls.get(&id) {
            let _g = call.span.enter();
            tracing::info!(
                trunk = %trunk_name,
                caller = %CallerNumber(&call.caller.number),
                entry = %entry,
                codec = negotiated.codec.name(),
                "call answered"
            );
        }

        // The entry point is a menu, or a queue: straight in.
        if !self.start_menu(id, &entry) {
            self.enqueue(id, &entry, now);
        }
        Ok(())
    }

    /// Answers a new INVITE with our SDP: the 200 is sent (and resent until the ACK), the
    /// caller leg's media opened, and the call created in the `Announcement` phase with no
    /// prompt; the caller sets the real phase. Returns the call id and what was agreed.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn answer_new_call(
        &mut self,
        tx: TxId,
        req: &Request,
        source: Peer,
        local_ip: IpAddr,
        grant: session_timer::Grant,
        (number, private): (String, bool),
        now: Instant,
    ) -> Result<(u64, media::sdp::Negotiated), Response> {
        let refuse = |status: u16| Response::for_request(req, status);
        let to = req.to().map_err(|_| refuse(400))?;
        let is_sdp = req.content_type().is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/sdp"))
        });
        if req.body.is_empty() || !is_sdp {
            // An INVITE without an offer would need our offer in the 200 and the answer in the
            // ACK; not supported yet.
            return Err(refuse(488));
        }
        let offer = SessionDescription::parse(&req.body).map_err(|_| refuse(488))?;
        let port = self.ports.allocate().ok_or_else(|| {
            tracing::warn!("RTP port range exhausted");
            let mut r = refuse(503);
            r.headers.push(HeaderName::Other("Retry-After".into()), "5");
            r
        })?;
        let local = LocalMedia {
            addr: local_ip,
            port,
            codecs: self.config.codecs.clone(),
            dtmf: true,
            session_id: fastrand_session_id(),
            session_version: 1,
        };
        let (answer, negotiated) = match media::sdp::answer(&offer, &local) {
            Ok(a) => a,
            Err(_) => {
                self.ports.release(port);
                return Err(refuse(488));
            }
        };
        let local_tag = sip::ids::new_tag();
        let dialog = match Dialog::new_uas(req, &local_tag) {
            Ok(d) => d,
            Err(_) => {
                self.ports.release(port);
                return Err(refuse(400));
            }
        };
        let local_sdp = Bytes::from(answer.to_string());
        let mut ok = Response::for_request(req, 200);
        let mut to_tagged = to.clone();
        to_tagged.set_tag(&local_tag);
        ok.headers.set(HeaderName::To, to_tagged.to_string());
        // The caller's UA builds its route set from the Record-Route of our 2xx (§12.1.1).
        for rr in req.headers.get_all(&HeaderName::RecordRoute) {
            ok.headers.push(HeaderName::RecordRoute, rr);
        }
        ok.headers.push(
            HeaderName::Contact,
            self.contact(local_ip, source.transport),
        );
        ok.headers.push(HeaderName::Allow, ALLOW);
        ok.headers.push(HeaderName::Supported, "timer");
        let timer = match grant {
            session_timer::Grant::None => None,
            session_timer::Grant::Timer { timer, require } => {
                ok.headers
                    .push(session_timer::session_expires_name(), timer.in_response());
                if require {
                    ok.headers.push(HeaderName::Require, "timer");
                }
                Some(timer)
            }
        };
        ok.headers.push(HeaderName::ContentType, "application/sdp");
        ok.body = local_sdp.clone();

        let id = self.next_call;
        self.next_call += 1;
        let span = tracing::info_span!("call", id);
        self.respond(tx, ok.clone(), now);
        let t1 = self.t1();
        let caller = CallerLeg {
            peer: source,
            local_ip,
            invite_tx: Some(tx),
            dialog,
            media: LegMedia::new(local, local_sdp, negotiated.direction, Some(negotiated)),
            ok: Some(OkRetransmit::new(
                ok,
                source.transport.is_reliable(),
                now,
                t1,
            )),
            timer,
            invite: None,
            number,
            private,
        };
        self.dialogs
            .insert(dialog_key(&caller.dialog), (id, Side::Caller));
        self.invite_tx.insert(tx, id);
        self.out.push_back(Output::Media(MediaCommand::Open {
            session: id,
            side: Side::Caller,
            ip: local_ip,
            port,
        }));
        self.out.push_back(Output::Media(MediaCommand::Configure {
            session: id,
            side: Side::Caller,
            negotiated,
        }));
        self.calls.insert(
            id,
            Call {
                id,
                span,
                caller,
                phase: Phase::Announcement,
                agent: None,
                ringing: Vec::new(),
                paused: Vec::new(),
                announce_at: None,
            },
        );
        Ok((id, negotiated))
    }

    pub(super) fn handle_ack(&mut self, ack: &Request, now: Instant) {
        let Some(key) = incoming_dialog_key(ack) else {
            return;
        };
        let Some(&(id, side)) = self.dialogs.get(&key) else {
            return;
        };
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        match side {
            Side::Caller => {
                call.caller.ok = None;
                call.caller.dialog.confirm();
            }
            Side::Agent => {
                if let Some(a) = call.agent.as_mut() {
                    a.ok = None;
                }
            }
        }
        if !ack.body.is_empty() {
            self.handle_ack_answer(id, side, ack, now);
        }
    }

    pub(super) fn handle_cancelled(&mut self, invite_tx: TxId, cancel: &Request, now: Instant) {
        // We answer INVITEs at once, so the layer reports no CANCEL for a call of ours (it
        // only does while the INVITE has no final response). Should that change, the INVITE
        // gets its 487 (RFC 3261 §9.2): the CANCEL carries the INVITE's Via, From, To,
        // Call-ID and CSeq number.
        let mut terminated = Response::for_request(cancel, 487);
        if let Ok(cseq) = cancel.cseq() {
            terminated
                .headers
                .set(HeaderName::CSeq, format!("{} INVITE", cseq.seq));
        }
        self.respond(invite_tx, terminated, now);
        if let Some(id) = self.invite_tx.get(&invite_tx).copied() {
            if let Some(call) = self.calls.get_mut(&id) {
                call.caller.ok = None;
            }
            self.end_call(id, Some(Side::Caller), now);
        }
    }

    /// A request inside a dialog (To tag present), from the caller or an agent.
    pub(super) fn handle_in_dialog(&mut self, tx: TxId, req: Request, tag: String, now: Instant) {
        let key = match req.call_id() {
            Ok(call_id) => (call_id.to_string(), tag),
            Err(_) => return self.respond(tx, Response::for_request(&req, 400), now),
        };
        let Some(&(id, side)) = self.dialogs.get(&key) else {
            return self.respond(tx, Response::for_request(&req, 481), now);
        };
        let Some(call) = self.calls.get_mut(&id) else {
            return self.respond(tx, Response::for_request(&req, 481), now);
        };
        let _span = call.span.clone().entered();
        let dialog = match side {
            Side::Caller => Some(&mut call.caller.dialog),
            Side::Agent => call.agent.as_mut().and_then(|a| a.dialog.as_mut()),
        };
        let Some(dialog) = dialog else {
            return self.respond(tx, Response::for_request(&req, 481), now);
        };
        if req.method != Method::Ack {
            match dialog.handle_request(&req) {
                Ok(()) => {}
                // A CSeq out of order is a server error on this request (§12.2.2)…
                Err(sip::Error::DialogCSeqOutOfOrder { .. }) => {
                    return self.respond(tx, Response::for_request(&req, 500), now);
                }
                // …anything else means it is not of this dialog.
                Err(_) => return self.respond(tx, Response::for_request(&req, 481), now),
            }
        }
        match req.method {
            Method::Bye => {
                tracing::info!(%side, "hang-up");
                self.respond(tx, Response::for_request(&req, 200), now);
                self.end_call(id, Some(side), now);
            }
            Method::Invite => self.handle_reinvite(tx, req, id, side, now),
            Method::Update if !req.body.is_empty() => self.handle_update(tx, req, id, side, now),
            Method::Info => {
                // Key presses as SIP INFO (application/dtmf-relay or application/dtmf), from
                // callers that send no RFC 4733. Other INFO packages are acknowledged.
                self.respond(tx, Response::for_request(&req, 200), now);
                if side == Side::Caller && !req.body.is_empty() {
                    match media::parse_dtmf_info(req.content_type().unwrap_or(""), &req.body) {
                        Ok(info) => self.on_digit(id, info.key, now),
                        Err(e) => tracing::debug!(error = %e, "INFO without a key press"),
                    }
                }
            }
            Method::Refer => self.handle_refer(tx, req, id, side, now),
            Method::Update => {
                // A refresh without SDP (RFC 4028 §7.4, §9).
                let min_se = self.config.sip.min_se;
                let mut ok = Response::for_request(&req, 200);
                if let Some(timer) = self.leg_timer(id, side) {
                    session_timer::on_peer_request(timer, &req, min_se, now);
                    ok.headers
                        .push(session_timer::session_expires_name(), timer.in_response());
                }
                self.respond(tx, ok, now)
            }
            Method::Options => self.respond(tx, Response::for_request(&req, 200), now),
            Method::Other(_) => self.respond(tx, Response::for_request(&req, 501), now),
            _ => {
                let mut r = Response::for_request(&req, 405);
                r.headers.push(HeaderName::Allow, ALLOW);
                self.respond(tx, r, now);
            }
        }
    }
}

/// The dialog key of a request we receive: Call-ID and the To tag (ours).
fn incoming_dialog_key(req: &Request) -> Option<super::DialogKey> {
    let tag = req.to().ok()?.tag()?.to_string();
    Some((req.call_id().ok()?.to_string(), tag))
}

fn fastrand_session_id() -> u64 {
    // SDP session ids only need to be unique per host (RFC 4566 §5.2).
    fastrand::u64(1..u64::from(u32::MAX))
}

/// The caller's number and whether they asked to stay anonymous (RFC 3325, RFC 3323): the
/// trunk's `P-Asserted-Identity` when it sent one (trunks are trusted by source address),
/// else the From user; `Privacy: id` (or `header`, `user`) hides the number from agents.
fn caller_identity(req: &Request) -> (String, bool) {
    let asserted = req
        .headers
        .get(&HeaderName::Other("P-Asserted-Identity".into()))
        .and_then(|v| sip::NameAddr::parse(v).ok())
        .and_then(|na| na.uri.user);
    let from = req.from().ok().and_then(|f| f.uri.user);
    let number = asserted.or(from).unwrap_or_default();
    let private = req
        .headers
        .get_all(&HeaderName::Other("Privacy".into()))
        .flat_map(|v| v.split([';', ',']))
        .map(str::trim)
        .any(|p| {
            ["id", "header", "user"]
                .iter()
                .any(|k| p.eq_ignore_ascii_case(k))
        });
    (number, private)
}
