//! Agents' own calls out through a trunk, allowed only by a dial rule (toll fraud is the first
//! attack every SIP server sees): the phone's INVITE is authenticated with digest like its
//! REGISTER, the dialled number must match a rule, and the call goes to that rule's trunk
//! with the rule's caller id in From and P-Asserted-Identity (RFC 3325). The phone hears the
//! carrier's ringing and is answered only when the carrier answers; the carrier's refusal is
//! passed on. The agent is paused in the ACD for the length of the call.

use std::net::IpAddr;
use std::time::Instant;

use bytes::Bytes;
use media::sdp::{Direction, LocalMedia, SessionDescription};
use sip::dialog::Dialog;
use sip::transaction::TxId;
use sip::transport::{Peer, Transport};
use sip::{HeaderName, NameAddr, Request, Response, Uri};

use super::agent::{AgentLeg, CancelState, Offer};
use super::call::{Call, CallerLeg, OkRetransmit, Phase, dialog_key};
use super::renegotiate::LegMedia;
use super::{ALLOW, ClientTx, MediaCommand, Output, Side, Switch, ip_for_uri};
use crate::redact::CallerNumber;

impl Switch {
    /// An INVITE from a source that is no trunk: an agent's phone dialling out, or refused.
    pub(super) fn accept_outbound(
        &mut self,
        tx: TxId,
        req: &Request,
        source: Peer,
        local_ip: IpAddr,
        now: Instant,
    ) -> Result<(), Response> {
        let refuse = |status: u16| Response::for_request(req, status);
        let user = req.from().ok().and_then(|f| f.uri.user).unwrap_or_default();
        if self.config.agent(&user).is_none() {
            tracing::debug!(source = %crate::redact::Pii(source), "INVITE from an unknown source");
            return Err(refuse(403));
        }
        self.registrar.authorize(req, &user, Self::unix_now())?;
        let number = req.uri.user.clone().unwrap_or_default();
        if let Some(feature) = super::feature::Feature::parse(&number, &self.config.pause_reasons) {
            return self.accept_feature(tx, req, source, local_ip, &user, feature, now);
        }
        let dest = self.destination(&user, &number, local_ip).map_err(refuse)?;
        let offer = SessionDescription::parse(&req.body).map_err(|_| refuse(488))?;
        let port_a = self.ports.allocate().ok_or_else(|| refuse(503))?;
        let local_a = LocalMedia {
            addr: local_ip,
            port: port_a,
            codecs: self.config.codecs.clone(),
            dtmf: true,
            session_id: fastrand::u64(1..u64::from(u32::MAX)),
            session_version: 1,
        };
        let (answer, negotiated) = match media::sdp::answer(&offer, &local_a) {
            Ok(a) => a,
            Err(_) => {
                self.ports.release(port_a);
                return Err(refuse(488));
            }
        };
        let local_tag = sip::ids::new_tag();
        let Ok(dialog) = Dialog::new_uas(req, &local_tag) else {
            self.ports.release(port_a);
            return Err(refuse(400));
        };
        let Some(port_b) = self.ports.allocate() else {
            self.ports.release(port_a);
            return Err(refuse(503));
        };

        // The INVITE to the carrier or the phone, with our offer.
        let (peer, leg_ip) = (dest.peer, dest.local_ip);
        let local_b = LocalMedia {
            addr: leg_ip,
            port: port_b,
            codecs: super::agent::codecs_preferring(negotiated.codec, &self.config.codecs),
            ..local_a.clone()
        };
        let offer_b = media::sdp::offer(&local_b);
        let sdp_b = Bytes::from(offer_b.to_string());
        let Some(invite) = self.invite_to(&dest, sdp_b.clone()) else {
            self.ports.release(port_a);
            self.ports.release(port_b);
            return Err(refuse(500));
        };
        let tx_b = match self.txl.send_request(invite.clone(), peer, now) {
            Ok(t) => t,
            Err(_) => {
                self.ports.release(port_a);
                self.ports.release(port_b);
                return Err(refuse(500));
            }
        };

        let id = self.next_call;
        self.next_call += 1;
        let span = tracing::info_span!("call", id);
        {
            let _g = span.enter();
            match &dest.leg {
                LegName::Trunk { trunk, rule } => {
                    tracing::info!(agent = %user, %trunk, %rule, number = %CallerNumber(&number), "agent dials out")
                }
                LegName::Extension(ext) => {
                    tracing::info!(agent = %user, extension = %ext, "agent calls an extension")
                }
            }
        }
        self.client_tx.insert(
            tx_b,
            ClientTx::AgentInvite(Box::new(Offer {
                call: id,
                invite,
                peer,
                local_ip: leg_ip,
                provisional: false,
                cancel: CancelState::Live,
                ack: None,
                expires: None,
                cancel_reason: "",
            })),
        );
        let caller = CallerLeg {
            peer: source,
            local_ip,
            invite_tx: Some(tx),
            dialog,
            media: LegMedia::new(
                local_a,
                Bytes::from(answer.to_string()),
                negotiated.direction,
                Some(negotiated),
            ),
            ok: None,
            timer: None,
            invite: Some(req.clone()),
            number: number.clone(),
            private: false,
        };
        self.dialogs
            .insert(dialog_key(&caller.dialog), (id, Side::Caller));
        self.invite_tx.insert(tx, id);
        let agent_leg = AgentLeg {
            agent: dest.leg.to_string(),
            tx: tx_b,
            peer,
            local_ip: leg_ip,
            offer: offer_b,
            media: LegMedia::new(local_b, sdp_b, Direction::SendRecv, None),
            dialog: None,
            ok: None,
            timer: None,
            media_open: true,
        };
        self.calls.insert(
            id,
            Call {
                id,
                span,
                caller,
                phase: Phase::Outbound {
                    agent: user.clone(),
                    answered: false,
                },
                agent: Some(agent_leg),
                ringing: Vec::new(),
                paused: Vec::new(),
                announce_at: None,
            },
        );
        for (side, ip, port) in [
            (Side::Caller, local_ip, port_a),
            (Side::Agent, leg_ip, port_b),
        ] {
            self.out.push_back(Output::Media(MediaCommand::Open {
                session: id,
                side,
                ip,
                port,
            }));
        }
        self.out.push_back(Output::Media(MediaCommand::Configure {
            session: id,
            side: Side::Caller,
            negotiated,
        }));
        // Busy on their own call: no queue call is offered to either party meanwhile.
        self.pause_for_call(id, &user, now);
        if let LegName::Extension(ext) = &dest.leg {
            self.pause_for_call(id, ext, now);
        }
        Ok(())
    }

    /// The INVITE that starts our leg to `dest`, offering `sdp`.
    pub(super) fn invite_to(&self, dest: &Destination, sdp: Bytes) -> Option<Request> {
        let (peer, leg_ip) = (dest.peer, dest.local_ip);
        let host = ip_for_uri(leg_ip);
        let contact = NameAddr::parse(&self.contact(leg_ip, peer.transport)).ok()?;
        let mut from = NameAddr::new(dest.from.clone());
        from.display_name = dest.display_name.clone();
        from.set_tag(&sip::ids::new_tag());
        let via = self.via(leg_ip, peer);
        let mut invite = sip::dialog::new_invite(
            from,
            NameAddr::new(dest.to.clone()),
            dest.request_uri.clone(),
            sip::ids::new_call_id(&host),
            1,
            contact.uri,
            via,
        );
        if let Some(asserted) = dest.asserted.clone() {
            invite.headers.push(
                HeaderName::Other("P-Asserted-Identity".into()),
                NameAddr::new(asserted).to_string(),
            );
        }
        if dest.privacy {
            invite
                .headers
                .push(HeaderName::Other("Privacy".into()), "id");
        }
        invite.headers.push(HeaderName::Allow, ALLOW);
        invite
            .headers
            .push(HeaderName::ContentType, "application/sdp");
        invite.body = sdp;
        Some(invite)
    }

    /// Where an agent's call to `number` goes: another extension's registered phone, or a
    /// trunk by dial rule. The error is the status to refuse the phone's INVITE with.
    fn destination(&self, user: &str, number: &str, local_ip: IpAddr) -> Result<Destination, u16> {
        if number != user && self.config.agent(number).is_some() {
            let binding = self
                .registrar
                .location()
                .lookup(number)
                .iter()
                .max_by_key(|b| b.expires)
                .ok_or(480u16)?;
            let leg_ip = self.agent_local_ip.get(number).copied().unwrap_or(local_ip);
            let host = ip_for_uri(leg_ip);
            let from = Uri::parse(&format!("sip:{user}@{host}")).map_err(|_| 484u16)?;
            let to = Uri::parse(&format!("sip:{number}@{host}")).map_err(|_| 484u16)?;
            return Ok(Destination {
                leg: LegName::Extension(number.to_string()),
                peer: binding.source,
                local_ip: leg_ip,
                request_uri: binding.contact.clone(),
                from,
                display_name: None,
                to,
                asserted: None,
                privacy: false,
            });
        }
        self.trunk_destination(number, local_ip).inspect_err(|status| {
            if *status == 403 {
                tracing::info!(agent = %user, number = %CallerNumber(number), "no dial rule allows this number");
            }
        })
    }

    /// A number out through a trunk, as the first dial rule that allows it and whose trunk is
    /// reachable says (403: no rule allows it; 503: every such trunk is unreachable).
    pub(super) fn trunk_destination(
        &self,
        number: &str,
        local_ip: IpAddr,
    ) -> Result<Destination, u16> {
        let mut allowing = self
            .config
            .dial_rules
            .iter()
            .filter(|r| r.allows(number))
            .peekable();
        if allowing.peek().is_none() {
            return Err(403);
        }
        // The first rule whose trunk is reachable: later rules are the failover.
        let Some((rule, proxy)) = allowing.find_map(|r| {
            let proxy = self
                .config
                .trunks
                .iter()
                .find(|t| t.name == r.trunk)
                .and_then(|t| t.proxy)?;
            self.trunk_reachable(&r.trunk).then_some((r, proxy))
        }) else {
            tracing::warn!(number = %CallerNumber(number), "every trunk a dial rule allows is unreachable");
            return Err(503);
        };
        let trunk_ip = ip_for_uri(proxy.ip());
        let host = ip_for_uri(local_ip);
        let target =
            Uri::parse(&format!("sip:{number}@{trunk_ip}:{}", proxy.port())).map_err(|_| 484u16)?;
        let caller_id =
            Uri::parse(&format!("sip:{}@{host}", rule.caller_id)).map_err(|_| 484u16)?;
        // Withheld: From says nothing (RFC 3323 §4.1.1.3); the carrier still gets the asserted
        // id, with `Privacy: id` asking it not to pass it on (RFC 3325 §9.3).
        let (from, display_name) = if rule.privacy {
            let anonymous = Uri::parse("sip:anonymous@anonymous.invalid").map_err(|_| 500u16)?;
            (anonymous, Some("Anonymous".to_string()))
        } else {
            (caller_id.clone(), None)
        };
        Ok(Destination {
            leg: LegName::Trunk {
                trunk: rule.trunk.clone(),
                rule: rule.name.clone(),
            },
            peer: Peer::new(Transport::Udp, proxy),
            local_ip,
            request_uri: target.clone(),
            from,
            display_name,
            to: target,
            asserted: Some(caller_id),
            privacy: rule.privacy,
        })
    }

    /// Pauses `agent` in the ACD for the length of call `id`, unless it is paused or logged
    /// out already (then its own state stands and the call's end leaves it alone).
    pub(super) fn pause_for_call(&mut self, id: u64, agent: &str, now: Instant) {
        if matches!(
            self.acd.agent_state(agent),
            None | Some(acd::AgentState::LoggedOut | acd::AgentState::Paused { .. })
        ) {
            return;
        }
        let pause = acd::Event::AgentPause {
            agent: agent.to_string(),
            reason: "own call".into(),
        };
        match self.acd.handle(now, pause) {
            Ok(()) => {
                if let Some(call) = self.calls.get_mut(&id) {
                    call.paused.push(agent.to_string());
                }
            }
            Err(e) => tracing::debug!(error = %e, agent, "agent not paused for its own call"),
        }
    }

    /// A response to `invite` of the agent's phone, with our tag.
    fn outbound_response(&self, id: u64, status: u16) -> Option<(TxId, Response)> {
        let call = self.calls.get(&id)?;
        let invite = call.caller.invite.as_ref()?;
        let tx = call.caller.invite_tx?;
        let mut resp = Response::for_request(invite, status);
        if let Ok(mut to) = invite.to() {
            to.set_tag(&call.caller.dialog.id().local_tag);
            resp.headers.set(HeaderName::To, to.to_string());
        }
        Some((tx, resp))
    }

    /// The carrier rings: so does the agent's phone (180).
    pub(super) fn ring_outbound_phone(&mut self, id: u64, now: Instant) {
        if !matches!(
            self.calls.get(&id).map(|c| &c.phase),
            Some(Phase::Outbound {
                answered: false,
                ..
            })
        ) {
            return;
        }
        if let Some((tx, ringing)) = self.outbound_response(id, 180) {
            self.respond(tx, ringing, now);
        }
    }

    /// The carrier refused: the agent's phone hears why.
    pub(super) fn refuse_outbound_phone(&mut self, id: u64, status: u16, now: Instant) {
        if !matches!(
            self.calls.get(&id).map(|c| &c.phase),
            Some(Phase::Outbound {
                answered: false,
                ..
            })
        ) {
            return;
        }
        let status = if (400..700).contains(&status) {
            status
        } else {
            502
        };
        if let Some((tx, refusal)) = self.outbound_response(id, status) {
            self.respond(tx, refusal, now);
        }
    }

    /// The carrier answered: answer the agent's phone with our SDP.
    pub(super) fn answer_outbound_phone(&mut self, id: u64, now: Instant) {
        let Some((tx, mut ok)) = self.outbound_response(id, 200) else {
            return;
        };
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let (local_ip, peer, sdp) = (
            call.caller.local_ip,
            call.caller.peer,
            call.caller.media.sdp.clone(),
        );
        ok.headers
            .push(HeaderName::Contact, self.contact(local_ip, peer.transport));
        ok.headers.push(HeaderName::Allow, ALLOW);
        ok.headers.push(HeaderName::ContentType, "application/sdp");
        ok.body = sdp;
        let t1 = self.timers.t1;
        if let Some(call) = self.calls.get_mut(&id) {
            call.caller.ok = Some(OkRetransmit::new(
                ok.clone(),
                peer.transport.is_reliable(),
                now,
                t1,
            ));
        }
        self.respond(tx, ok, now);
    }
}

/// Where a call of ours goes: an agent's own call, or a callback.
pub(super) struct Destination {
    pub(super) leg: LegName,
    pub(super) peer: Peer,
    /// Our IP towards `peer`.
    pub(super) local_ip: IpAddr,
    pub(super) request_uri: Uri,
    pub(super) from: Uri,
    pub(super) display_name: Option<String>,
    pub(super) to: Uri,
    /// The dial rule's caller id, asserted to the carrier (RFC 3325 P-Asserted-Identity).
    pub(super) asserted: Option<Uri>,
    /// `Privacy: id`: the carrier must not show the asserted id to the called party.
    pub(super) privacy: bool,
}

/// The far end of an agent's own call, as named in logs and on the call's agent leg.
pub(super) enum LegName {
    Trunk { trunk: String, rule: String },
    Extension(String),
}

impl std::fmt::Display for LegName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LegName::Trunk { trunk, .. } => write!(f, "trunk {trunk}"),
            LegName::Extension(ext) => f.write_str(ext),
        }
    }
}
