//! Blind transfer (RFC 3515): an agent sends REFER in its dialog naming a queue or a menu; the
//! caller goes there (hold music, the ACD offers the call afresh) and the agent's leg ends.
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
//! trunk maps to one. Other targets get 404 before anything changes; a REFER from the caller's
//! side gets 403 (callers do not move agents). Attended transfer (Replaces) is not supported.

use std::time::Instant;

use sip::transaction::TxId;
use sip::{HeaderName, Method, Request, Response};

use super::call::Phase;
use super::{MediaCommand, Output, Side, Switch};
use crate::ivr::{MenuAction, MenuRun};

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
        if side != Side::Agent {
            return self.respond(tx, Response::for_request(&req, 403), now);
        }
        let target = req
            .headers
            .get(&HeaderName::Other("Refer-To".into()))
            .and_then(|v| sip::NameAddr::parse(v).ok())
            .and_then(|na| na.uri.user.clone());
        let Some(target) = target.and_then(|t| self.transfer_target(&t)) else {
            return self.respond(tx, Response::for_request(&req, 404), now);
        };
        if req
            .headers
            .get(&HeaderName::Other("Refer-To".into()))
            .is_some_and(|v| v.to_ascii_lowercase().contains("replaces"))
        {
            // Attended transfer needs a second call of the agent's through us.
            return self.respond(tx, Response::for_request(&req, 501), now);
        }
        let talking = self
            .calls
            .get(&id)
            .is_some_and(|c| matches!(c.phase, Phase::Talking { .. }));
        if !talking {
            return self.respond(tx, Response::for_request(&req, 481), now);
        }
        self.respond(tx, Response::for_request(&req, 202), now);
        self.notify_transfer(id, "SIP/2.0 100 Trying", false, now);

        // The agent's part of the call ends; the caller goes on to the target.
        if let Err(e) = self.acd.handle(
            now,
            acd::Event::CallEnded {
                call: acd::CallId(id),
            },
        ) {
            tracing::debug!(error = %e, "ACD did not know the call");
        }
        self.notify_transfer(id, "SIP/2.0 200 OK", true, now);
        let leg = self.calls.get_mut(&id).and_then(|c| c.agent.take());
        if let Some(leg) = leg {
            tracing::info!(agent = %leg.agent, "blind transfer");
            self.release_agent_leg(id, leg, true, "", now);
        }
        match target {
            Target::Queue(queue) => self.enqueue(id, &queue, now),
            Target::Menu(menu) => {
                let Some(menu) = self.config.menu(&menu).cloned() else {
                    return;
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

    /// A NOTIFY of the transfer's progress in the agent's dialog (RFC 3515 §2.4.5).
    fn notify_transfer(&mut self, id: u64, sipfrag: &str, last: bool, now: Instant) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let Some(leg) = call.agent.as_ref() else {
            return;
        };
        let (local_ip, peer) = (leg.local_ip, leg.peer);
        let via = self.via(local_ip, peer);
        let contact = self.contact(local_ip, peer.transport);
        let Some(dialog) = self
            .calls
            .get_mut(&id)
            .and_then(|c| c.agent.as_mut())
            .and_then(|a| a.dialog.as_mut())
        else {
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
}
