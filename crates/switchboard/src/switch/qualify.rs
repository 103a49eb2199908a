//! Qualifying registered phones: an OPTIONS to each agent's phone every `sip.qualify_interval`.
//! Any response means reachable; no response (Timer F) means unreachable, and the agent is
//! logged out of the ACD so no caller is offered a dead phone. The next response, or the next
//! REGISTER, logs it in again.

use std::time::Instant;

use sip::transaction::TxId;
use sip::{HeaderName, Method, NameAddr, Request, Uri};

use super::{ClientTx, Switch, ip_for_uri};
use crate::config::Role;

/// Qualify state of one registered user.
#[derive(Debug, Clone, Copy)]
pub(super) struct Qualify {
    /// When the next OPTIONS goes out.
    pub next: Instant,
    /// The OPTIONS in flight.
    pub pending: Option<TxId>,
    pub reachable: bool,
}

impl Switch {
    /// A user registered: qualify it from one interval on (its REGISTER just proved it).
    pub(super) fn qualify_start(&mut self, user: &str, now: Instant) {
        let Some(interval) = self.config.sip.qualify_interval else {
            return;
        };
        let q = self.qualify.entry(user.to_string()).or_insert(Qualify {
            next: now + interval,
            pending: None,
            reachable: true,
        });
        q.reachable = true;
    }

    /// A user's last binding went away.
    pub(super) fn qualify_stop(&mut self, user: &str) {
        self.qualify.remove(user);
    }

    pub(super) fn qualify_poll_timeout(&self) -> Option<Instant> {
        self.qualify
            .values()
            .filter(|q| q.pending.is_none())
            .map(|q| q.next)
            .min()
    }

    /// Sends the OPTIONS that are due.
    pub(super) fn handle_qualify_timeouts(&mut self, now: Instant) {
        let Some(interval) = self.config.sip.qualify_interval else {
            return;
        };
        let due: Vec<String> = self
            .qualify
            .iter()
            .filter(|(_, q)| q.pending.is_none() && q.next <= now)
            .map(|(u, _)| u.clone())
            .collect();
        for user in due {
            let tx = self.send_options(&user, now);
            if let Some(q) = self.qualify.get_mut(&user) {
                q.next = now + interval;
                q.pending = tx;
            }
        }
    }

    fn send_options(&mut self, user: &str, now: Instant) -> Option<TxId> {
        let binding = self
            .registrar
            .location()
            .lookup(user)
            .iter()
            .max_by_key(|b| b.expires)?;
        let (peer, contact) = (binding.source, binding.contact.clone());
        let local_ip = self
            .agent_local_ip
            .get(user)
            .copied()
            .unwrap_or(self.config.sip.listen.ip());
        let host = ip_for_uri(local_ip);
        let mut from = NameAddr::new(Uri::parse(&format!("sip:switchboard@{host}")).ok()?);
        from.set_tag(&sip::ids::new_tag());
        let mut req = Request::new(Method::Options, contact.clone());
        req.headers
            .push(HeaderName::Via, self.via(local_ip, peer).to_string());
        req.headers.push(HeaderName::MaxForwards, "70");
        req.headers.push(HeaderName::From, from.to_string());
        req.headers
            .push(HeaderName::To, NameAddr::new(contact).to_string());
        req.headers
            .push(HeaderName::CallId, sip::ids::new_call_id(&host));
        req.headers.push(HeaderName::CSeq, "1 OPTIONS");
        match self.txl.send_request(req, peer, now) {
            Ok(tx) => {
                self.client_tx.insert(
                    tx,
                    ClientTx::Qualify {
                        user: user.to_string(),
                    },
                );
                Some(tx)
            }
            Err(e) => {
                tracing::debug!(error = %e, "OPTIONS not sent");
                None
            }
        }
    }

    /// The OPTIONS to `user` was answered (any final response) or timed out.
    pub(super) fn qualify_result(&mut self, tx: TxId, user: &str, answered: bool, now: Instant) {
        self.client_tx.remove(&tx);
        let Some(q) = self.qualify.get_mut(user) else {
            return;
        };
        if q.pending != Some(tx) {
            return;
        }
        q.pending = None;
        let was = q.reachable;
        q.reachable = answered;
        if was == answered {
            return;
        }
        let is_agent = self
            .config
            .agent(user)
            .is_some_and(|a| a.role == Role::Agent);
        if answered {
            tracing::info!(agent = %user, "phone reachable again");
            if is_agent {
                let _ = self.acd.handle(
                    now,
                    acd::Event::AgentLogin {
                        agent: user.to_string(),
                    },
                );
            }
        } else {
            tracing::info!(agent = %user, "phone does not answer OPTIONS; logged out");
            if is_agent {
                let _ = self.acd.handle(
                    now,
                    acd::Event::AgentLogout {
                        agent: user.to_string(),
                    },
                );
            }
        }
    }
}
