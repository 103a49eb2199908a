//! REGISTER from agents' phones: the registrar answers, and bindings that come and go log
//! agents in and out of the ACD (an agent that registers is logged in and available).

use std::net::IpAddr;
use std::time::Instant;

use sip::Request;
use sip::registrar::{BindingChange, ChangeKind};
use sip::transaction::TxId;
use sip::transport::Peer;

use super::Switch;
use crate::config::Role;

impl Switch {
    pub(super) fn handle_register(
        &mut self,
        tx: TxId,
        req: &Request,
        source: Peer,
        local_ip: IpAddr,
        now: Instant,
    ) {
        let outcome = self
            .registrar
            .handle_register(req, source, now, Self::unix_now());
        let status = outcome.response.status;
        let user = req.to().ok().and_then(|t| t.uri.user).unwrap_or_default();
        match status {
            200 => tracing::debug!(user = ?user, "REGISTER accepted"),
            401 => tracing::debug!(user = ?user, "REGISTER challenged"),
            // Guessers and scanners must not flood the logs; `user` is theirs, so escaped.
            _ => tracing::debug!(user = ?user, status, "REGISTER refused"),
        }
        self.respond(tx, outcome.response, now);
        self.apply_binding_changes(outcome.changes, Some(local_ip), now);
    }

    /// Logs agents in when their first binding appears and out when their last one goes.
    pub(super) fn apply_binding_changes(
        &mut self,
        changes: Vec<BindingChange>,
        local_ip: Option<IpAddr>,
        now: Instant,
    ) {
        for change in changes {
            let is_agent = self
                .config
                .agent(&change.user)
                .is_some_and(|a| a.role == Role::Agent);
            match change.kind {
                ChangeKind::Added | ChangeKind::Refreshed => {
                    self.qualify_start(&change.user, now);
                    if let Some(ip) = local_ip {
                        self.agent_local_ip.insert(change.user.clone(), ip);
                    }
                    // Every fresh binding logs the agent in: after a logout (binding expired
                    // mid-call, say) a re-registration must bring the agent back even if the
                    // ACD still holds it OnCall. AlreadyLoggedIn is the common, harmless answer.
                    if is_agent && !self.logged_off.contains(&change.user) {
                        match self.acd.handle(
                            now,
                            acd::Event::AgentLogin {
                                agent: change.user.clone(),
                            },
                        ) {
                            Ok(()) => tracing::info!(agent = %change.user, "agent logged in"),
                            Err(acd::Error::AlreadyLoggedIn { .. }) => {}
                            Err(e) => {
                                tracing::warn!(agent = %change.user, error = %e, "ACD refused login")
                            }
                        }
                    }
                }
                ChangeKind::Removed | ChangeKind::Expired => {
                    if self.registrar.location().is_registered(&change.user) {
                        continue;
                    }
                    self.agent_local_ip.remove(&change.user);
                    self.qualify_stop(&change.user);
                    if is_agent
                        && !matches!(
                            self.acd.agent_state(&change.user),
                            None | Some(acd::AgentState::LoggedOut)
                        )
                    {
                        tracing::info!(agent = %change.user, "agent logged out");
                        if let Err(e) = self.acd.handle(
                            now,
                            acd::Event::AgentLogout {
                                agent: change.user.clone(),
                            },
                        ) {
                            tracing::warn!(agent = %change.user, error = %e, "ACD refused logout");
                        }
                    }
                }
            }
        }
    }
}
