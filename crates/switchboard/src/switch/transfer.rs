//! Transfers (RFC 3515). Blind: an agent sends REFER in its dialog naming a queue or a menu;
//! the caller goes there (hold music, the ACD offers the call afresh) and the agent's leg ends.
//!
//! ```text
//!   agent ── REFER Refer-To: <sip:general@switch> ──▶ switch
//!   agent ◀─ 202 Accepted ──────────────────────────── switch
//!   agent ◀─ NOTIFY sipfrag "SIP/2.0 100 Trying" ───── switch     caller: to queue `general`
//!   agent ◀─ NOTIFY sipfrag "SIP/2.0 200 OK" (terminated)          (hold music, ACD offer)
//!   agent ◀─ BYE ───────────────────────────────────── switch
//! ```
//!
//! The target is the user part of Refer-To: a queue or menu name, or a number the caller's
//! trunk maps to one. Other targets get 404 before anything changes; a blind REFER from the
//! caller's side gets 403 (callers do not move agents).
//!
//! Attended (RFC 3891 Replaces): agent A talks to the caller (call 1), puts them on hold and
//! calls B through us (call 2, an extension or a number out through a trunk). A's REFER in
//! either dialog names the other dialog in `Refer-To: <sip:B@switch?Replaces=…>`. Both dialogs
//! are ours, so no INVITE with Replaces goes anywhere: we join the caller to B ourselves.
//!
//! ```text
//!   call 1: caller ══ switch ══ A        call 2: A ══ switch ══ B
//!   A ── REFER (call 1) Refer-To: <sip:B?Replaces=call-2 dialog> ──▶ switch
//!   A ◀─ 202, NOTIFY 100, NOTIFY 200 (terminated), BYE (call 1), BYE (call 2)
//!   B ◀─ re-INVITE: our media now on call 1's port        caller ◀─ re-INVITE sendrecv (resume)
//!   call 1: caller ══ switch ══ B
//! ```
//!
//! Only the agent who is in both calls may join them (403 otherwise); a Replaces naming a
//! dialog we do not have, or a call not yet answered, gets 481.

use std::time::Instant;

use sip::transaction::TxId;
use sip::{HeaderName, Method, Request, Response};

use media::sdp::Direction;

use super::call::{Phase, dialog_key};
use super::{ClientTx, Side, Switch};

/// Where a transfer sends the caller.
enum Target {
    Queue(String),
    Menu(String),
}

impl Switch {
    pub(super) fn handle_refer(
        &mut self,
        tx: TxId,
        req: Request,
        id: u64,
        side: Side,
        now: Instant,
    ) {
        let refer_to = req
            .headers
            .get(&HeaderName::Other("Refer-To".into()))
            .map(str::to_owned);
        if let Some(replaces) = refer_to.as_deref().and_then(Replaces::from_refer_to) {
            return self.attended_transfer(tx, &req, id, side, &replaces, now);
        }
        if side != Side::Agent {
            return self.respond(tx, Response::for_request(&req, 403), now);
        }
        let target = refer_to
            .as_deref()
            .and_then(|v| sip::NameAddr::parse(v).ok())
            .and_then(|na| na.uri.user.clone());
        let Some(target) = target.and_then(|t| self.transfer_target(&t)) else {
            return self.respond(tx, Response::for_request(&req, 404), now);
        };
        let talking = self
            .calls
            .get(&id)
            .is_some_and(|c| matches!(c.phase, Phase::Talking { .. }));
        if !talking {
            return self.respond(tx, Response::for_request(&req, 481), now);
        }
        self.respond(tx, Response::for_request(&req, 202), now);
        self.notify_transfer(id, Side::Agent, "SIP/2.0 100 Trying", false, now);

        // The agent's part of the call ends; the caller goes on to the target.
        if let Err(e) = self.acd.handle(
            now,
            acd::Event::CallEnded {
                call: acd::CallId(id),
            },
        ) {
            tracing::debug!(error = %e, "ACD did not know the call");
        }
        self.notify_transfer(id, Side::Agent, "SIP/2.0 200 OK", true, now);
        let leg = self.calls.get_mut(&id).and_then(|c| c.agent.take());
        if let Some(leg) = leg {
            tracing::info!(agent = %leg.agent, "blind transfer");
            self.release_agent_leg(id, leg, true, "", now);
        }
        match target {
            Target::Queue(queue) => self.enqueue(id, &queue, now),
            Target::Menu(menu) => {
                self.start_menu(id, &menu);
            }
        }
    }

    /// A queue or menu by name, or by a number some trunk maps to one.
    fn transfer_target(&self, name: &str) -> Option<Target> {
        let name = self
            .config
            .trunks
            .iter()
            .find_map(|t| t.numbers.get(name))
            .map_or(name, String::as_str);
        if self.config.queue(name).is_some() {
            Some(Target::Queue(name.to_string()))
        } else if self.config.menu(name).is_some() {
            Some(Target::Menu(name.to_string()))
        } else {
            None
        }
    }

    /// A NOTIFY of the transfer's progress in the REFER's dialog, on `side` of call `id`
    /// (RFC 3515 §2.4.5).
    fn notify_transfer(&mut self, id: u64, side: Side, sipfrag: &str, last: bool, now: Instant) {
        let Some((local_ip, peer)) = self.leg_address(id, side) else {
            return;
        };
        let via = self.via(local_ip, peer);
        let contact = self.contact(local_ip, peer.transport);
        let Some((dialog, _)) = self.leg_dialog(id, side) else {
            return;
        };
        let mut notify = dialog.new_request(Method::Notify, via);
        notify.headers.push(HeaderName::Contact, contact);
        notify
            .headers
            .push(HeaderName::Other("Event".into()), "refer");
        let state = if last {
            "terminated;reason=noresource"
        } else {
            "active;expires=60"
        };
        notify
            .headers
            .push(HeaderName::Other("Subscription-State".into()), state);
        notify
            .headers
            .push(HeaderName::ContentType, "message/sipfrag;version=2.0");
        notify.body = bytes::Bytes::from(format!("{sipfrag}\r\n"));
        self.send_teardown(notify, peer, now);
    }

    /// A REFER with Replaces in call `id` on `side`: see the module docs.
    fn attended_transfer(
        &mut self,
        tx: TxId,
        req: &Request,
        id: u64,
        side: Side,
        replaces: &Replaces,
        now: Instant,
    ) {
        // The dialog Replaces names is found by our own tag, whichever of its two that is.
        let named = [&replaces.to_tag, &replaces.from_tag]
            .into_iter()
            .find_map(|tag| {
                self.dialogs
                    .get(&(replaces.call_id.clone(), tag.clone()))
                    .copied()
            });
        let pair = match (side, named) {
            (Side::Agent, Some((other, Side::Caller))) => Some((id, other)),
            (Side::Caller, Some((other, Side::Agent))) => Some((other, id)),
            _ => None,
        };
        let Some((held, consult)) = pair.filter(|(h, c)| h != c) else {
            return self.respond(tx, Response::for_request(req, 481), now);
        };
        match self.joinable(held, consult) {
            Ok(()) => {}
            Err(status) => return self.respond(tx, Response::for_request(req, status), now),
        }
        self.respond(tx, Response::for_request(req, 202), now);
        self.notify_transfer(id, side, "SIP/2.0 100 Trying", false, now);
        self.notify_transfer(id, side, "SIP/2.0 200 OK", true, now);
        self.join(held, consult, now);
    }

    /// Whether the caller of call `held` (talking to agent A) may be joined to the far end
    /// of `consult` (A's own answered call); the status to refuse with if not.
    fn joinable(&self, held: u64, consult: u64) -> Result<(), u16> {
        let (Some(h), Some(c)) = (self.calls.get(&held), self.calls.get(&consult)) else {
            return Err(481);
        };
        let a = h
            .agent
            .as_ref()
            .filter(|l| l.dialog.is_some() && matches!(h.phase, Phase::Talking { .. }))
            .ok_or(481u16)?;
        let Phase::Outbound { agent, answered } = &c.phase else {
            return Err(481);
        };
        if !answered || c.agent.as_ref().is_none_or(|l| l.dialog.is_none()) {
            return Err(481);
        }
        if *agent != a.agent {
            tracing::info!(agent = %a.agent, "Replaces names another agent's call; refused");
            return Err(403);
        }
        Ok(())
    }

    /// Joins the caller of `held` to the far end of `consult`; agent A leaves both calls.
    fn join(&mut self, held: u64, consult: u64, now: Instant) {
        let Some(mut c2) = self.calls.remove(&consult) else {
            return;
        };
        let (Some(mut b), Some(call)) = (c2.agent.take(), self.calls.get_mut(&held)) else {
            self.calls.insert(consult, c2);
            return;
        };
        let Some(a) = call.agent.take() else {
            c2.agent = Some(b);
            self.calls.insert(consult, c2);
            return;
        };
        let _span = call.span.clone().entered();
        tracing::info!(from = %a.agent, to = %b.agent, "attended transfer");

        // B takes A's place, on the RTP port A's leg had in this call (its socket stays open
        // in this call's media); B's port in the consult call is freed with that call.
        let b_port = std::mem::replace(&mut b.media.local.port, a.media.local.port);
        if let Some(dialog) = b.dialog.as_ref() {
            self.dialogs.insert(dialog_key(dialog), (held, Side::Agent));
        }
        if let Some(pending) = b.media.pending.as_ref() {
            self.client_tx.insert(
                pending.tx,
                ClientTx::Reinvite {
                    call: held,
                    side: Side::Agent,
                },
            );
        }
        call.agent = Some(b);

        // Who stays paused for their own call: B (now in this call), not A.
        let leaving = a.agent.clone();
        let mut unpause: Vec<String> = Vec::new();
        call.paused.retain(|p| {
            let stays = *p != leaving;
            if !stays {
                unpause.push(p.clone());
            }
            stays
        });
        for p in c2.paused.drain(..) {
            if p == leaving {
                unpause.push(p);
            } else {
                call.paused.push(p);
            }
        }
        let events = unpause
            .into_iter()
            .map(|agent| acd::Event::AgentUnpause { agent })
            .chain([acd::Event::CallEnded {
                call: acd::CallId(held),
            }]);
        for event in events {
            if let Err(e) = self.acd.handle(now, event) {
                tracing::debug!(error = %e, "ACD did not take the transfer's change");
            }
        }

        // A's leg of this call ends (BYE); its port now serves B.
        if let Some(mut dialog) = a.dialog {
            self.dialogs.remove(&dialog_key(&dialog));
            let bye = dialog.new_request(Method::Bye, self.via(a.local_ip, a.peer));
            self.send_teardown(bye, a.peer, now);
        }
        // The consult call ends: BYE to A's phone, its ports and media freed.
        self.ports.release(b_port);
        self.calls.insert(consult, c2);
        self.end_call(consult, None, now);

        // B now hears us on a new port; the caller is taken off hold.
        self.want_direction(held, Side::Agent, Direction::SendRecv, now);
        self.want_direction(held, Side::Caller, Direction::SendRecv, now);
    }
}

/// The dialog a `Replaces` names (RFC 3891 §6.1), read from a Refer-To URI's headers
/// (`<sip:b@host?Replaces=call-id%3Bto-tag%3Dx%3Bfrom-tag%3Dy>`).
#[derive(Debug, PartialEq, Eq)]
struct Replaces {
    call_id: String,
    to_tag: String,
    from_tag: String,
}

impl Replaces {
    fn from_refer_to(refer_to: &str) -> Option<Replaces> {
        let inner = refer_to.split_once('<').map_or(refer_to, |(_, r)| r);
        let inner = inner.split_once('>').map_or(inner, |(u, _)| u);
        let (_, headers) = inner.split_once('?')?;
        let value = headers.split('&').find_map(|h| {
            let (name, value) = h.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("replaces")
                .then_some(value)
        })?;
        let value = percent_decode(value)?;
        let mut parts = value.split(';');
        let call_id = parts.next()?.trim().to_string();
        let (mut to_tag, mut from_tag) = (None, None);
        for param in parts {
            match param.split_once('=') {
                Some((k, v)) if k.trim().eq_ignore_ascii_case("to-tag") => {
                    to_tag = Some(v.trim().to_string())
                }
                Some((k, v)) if k.trim().eq_ignore_ascii_case("from-tag") => {
                    from_tag = Some(v.trim().to_string())
                }
                _ => {}
            }
        }
        if call_id.is_empty() {
            return None;
        }
        Some(Replaces {
            call_id,
            to_tag: to_tag?,
            from_tag: from_tag?,
        })
    }
}

/// `%XX` escapes decoded (RFC 3986 §2.1); `None` for a broken escape or non-UTF-8 result.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod replaces_tests {
    use super::Replaces;

    #[test]
    fn replaces_is_read_from_an_escaped_refer_to() {
        let r = Replaces::from_refer_to(
            "<sip:1003@10.0.0.1?Replaces=abc%40host%3Bto-tag%3Dx1%3Bfrom-tag%3Dy2>",
        );
        assert_eq!(
            r,
            Some(Replaces {
                call_id: "abc@host".into(),
                to_tag: "x1".into(),
                from_tag: "y2".into(),
            })
        );
        // Other headers around it, lower-case name, early-only flag.
        let r = Replaces::from_refer_to(
            "\"B\" <sip:b@h?X=1&replaces=c%3Bfrom-tag%3Df%3Bto-tag%3Dt%3Bearly-only>;x=y",
        )
        .expect("parsed");
        assert_eq!(
            (r.call_id.as_str(), r.to_tag.as_str(), r.from_tag.as_str()),
            ("c", "t", "f")
        );
    }

    #[test]
    fn a_refer_to_without_a_complete_replaces_is_blind() {
        assert_eq!(Replaces::from_refer_to("<sip:general@10.0.0.1>"), None);
        assert_eq!(
            Replaces::from_refer_to("<sip:b@h?Replaces=c%3Bto-tag%3Dt>"),
            None
        );
        assert_eq!(Replaces::from_refer_to("<sip:b@h?Replaces=%zz>"), None);
        assert_eq!(
            Replaces::from_refer_to("<sip:b@h?Replaces=%3Bto-tag%3Dt%3Bfrom-tag%3Df>"),
            None
        );
    }
}
