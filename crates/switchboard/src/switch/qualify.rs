//! Qualifying: an OPTIONS every `sip.qualify_interval` to each registered phone and to each
//! trunk's outbound proxy. Any response means reachable; no response (Timer F) means
//! unreachable. An unreachable agent's phone is logged out of the ACD so no caller is offered a
//! dead phone; the next response, or the next REGISTER, logs it in again. An unreachable trunk
//! is skipped by the dial rules (the next rule that allows the number is used) until it
//! answers again.

use std::net::IpAddr;
use std::time::Instant;

use sip::transaction::TxId;
use sip::transport::{Peer, Transport};
use sip::{HeaderName, Method, NameAddr, Request, Uri};

use super::{ClientTx, Switch, ip_for_uri};
use crate::config::Role;

/// What an OPTIONS of ours qualifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    /// A registered user's phone.
    Phone(String),
    /// A trunk's outbound proxy.
    Trunk(String),
}

/// Qualify state of one trunk, with where its OPTIONS go.
#[derive(Debug, Clone, Copy)]
pub(super) struct TrunkQualify {
    pub state: Qualify,
    pub peer: Peer,
    pub local_ip: IpAddr,
}

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
            .chain(self.trunk_qualify.values().map(|t| &t.state))
            .filter(|q| q.pending.is_none())
            .map(|q| q.next)
            .min()
    }

    /// Qualifies every trunk with an outbound proxy (unless its `qualify` is off), the first
    /// OPTIONS right away; `local_ip_for` tells our address towards a peer.
    pub(super) fn qualify_trunks(
        &mut self,
        now: Instant,
        local_ip_for: &mut dyn FnMut(IpAddr) -> IpAddr,
    ) {
        if self.config.sip.qualify_interval.is_none() {
            return;
        }
        for trunk in &self.config.trunks {
            let Some(proxy) = trunk.proxy.filter(|_| trunk.qualify) else {
                continue;
            };
            let local_ip = self
                .config
                .sip
                .advertise
                .unwrap_or_else(|| local_ip_for(proxy.ip()));
            self.trunk_qualify.insert(
                trunk.name.clone(),
                TrunkQualify {
                    state: Qualify {
                        next: now,
                        pending: None,
                        reachable: true,
                    },
                    peer: Peer::new(Transport::Udp, proxy),
                    local_ip,
                },
            );
        }
        self.handle_qualify_timeouts(now);
    }

    /// Whether dial rules may send calls to `trunk` (unknown until its first answer: yes).
    pub(super) fn trunk_reachable(&self, trunk: &str) -> bool {
        self.trunk_qualify
            .get(trunk)
            .is_none_or(|t| t.state.reachable)
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
            let tx = self.send_phone_options(&user, now);
            if let Some(q) = self.qualify.get_mut(&user) {
                q.next = now + interval;
                q.pending = tx;
            }
        }
        let due: Vec<(String, TrunkQualify)> = self
            .trunk_qualify
            .iter()
            .filter(|(_, t)| t.state.pending.is_none() && t.state.next <= now)
            .map(|(name, t)| (name.clone(), *t))
            .collect();
        for (name, t) in due {
            let uri = Uri::parse(&format!("sip:{}", t.peer.addr)).ok();
            let tx = uri.and_then(|uri| {
                self.send_options(uri, t.peer, t.local_ip, Target::Trunk(name.clone()), now)
            });
            if let Some(t) = self.trunk_qualify.get_mut(&name) {
                t.state.next = now + interval;
                t.state.pending = tx;
            }
        }
    }

    fn send_phone_options(&mut self, user: &str, now: Instant) -> Option<TxId> {
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
        self.send_options(
            contact,
            peer,
            local_ip,
            Target::Phone(user.to_string()),
            now,
        )
    }

    fn send_options(
        &mut self,
        contact: Uri,
        peer: Peer,
        local_ip: IpAddr,
        target: Target,
        now: Instant,
    ) -> Option<TxId> {
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
                self.client_tx.insert(tx, ClientTx::Qualify { target });
                Some(tx)
            }
            Err(e) => {
                tracing::debug!(error = %e, "OPTIONS not sent");
                None
            }
        }
    }

    /// An OPTIONS of ours was answered (any final response) or timed out.
    pub(super) fn qualify_result(
        &mut self,
        tx: TxId,
        target: &Target,
        answered: bool,
        now: Instant,
    ) {
        match target {
            Target::Phone(user) => self.phone_qualify_result(tx, user, answered, now),
            Target::Trunk(trunk) => {
                self.client_tx.remove(&tx);
                let Some(t) = self.trunk_qualify.get_mut(trunk) else {
                    return;
                };
                if t.state.pending != Some(tx) {
                    return;
                }
                t.state.pending = None;
                let was = std::mem::replace(&mut t.state.reachable, answered);
                match (was, answered) {
                    (true, false) => {
                        tracing::warn!(%trunk, "trunk does not answer OPTIONS; dial rules skip it")
                    }
                    (false, true) => tracing::info!(%trunk, "trunk reachable again"),
                    _ => {}
                }
            }
        }
    }

    fn phone_qualify_result(&mut self, tx: TxId, user: &str, answered: bool, now: Instant) {
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
            if is_agent && !self.logged_off.contains(user) {
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
