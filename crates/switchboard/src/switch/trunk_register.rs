//! Registering to carriers: one `sip::registration::Registration` per trunk that has a
//! `register` table. The state machine decides what to send and when; this glue sends its
//! REGISTERs as client transactions, feeds the outcomes back and logs state changes. On
//! shutdown the registrations are removed (Expires: 0).

use std::net::IpAddr;
use std::time::Instant;

use sip::registration::{Registration, RegistrationConfig, RegistrationState};
use sip::transaction::TxId;
use sip::transport::Peer;
use sip::{Host, Response, Uri};

use super::{ClientTx, Switch, ip_for_uri};

/// One trunk's registration and its REGISTER in flight.
pub(super) struct TrunkRegistration {
    pub trunk: String,
    pub machine: Registration,
    pub pending: Option<TxId>,
    /// Last state logged, to log changes only.
    pub logged: Option<&'static str>,
}

fn state_name(s: RegistrationState) -> &'static str {
    match s {
        RegistrationState::Registering => "registering",
        RegistrationState::Registered { .. } => "registered",
        RegistrationState::Failed { .. } => "failed",
        RegistrationState::Unregistering => "unregistering",
        RegistrationState::Unregistered => "unregistered",
    }
}

impl Switch {
    /// Starts the trunk registrations and trunk qualifying; `local_ip_for` tells our address
    /// towards a peer.
    pub fn start(&mut self, now: Instant, local_ip_for: &mut dyn FnMut(IpAddr) -> IpAddr) {
        for trunk in self.config.trunks.clone() {
            let Some(reg) = trunk.register else { continue };
            let local_ip = self
                .config
                .sip
                .advertise
                .unwrap_or_else(|| local_ip_for(reg.proxy.ip()));
            let host = match local_ip {
                IpAddr::V4(v4) => Host::Ipv4(v4),
                IpAddr::V6(v6) => Host::Ipv6(v6),
            };
            let Ok(contact) = Uri::parse(&format!(
                "sip:{}@{}:{}",
                reg.user,
                ip_for_uri(local_ip),
                self.sip_port
            )) else {
                continue;
            };
            let config = RegistrationConfig {
                registrar: reg.registrar.clone(),
                aor: reg.aor.clone(),
                contact,
                username: reg.user.clone(),
                password: reg.password.clone(),
                expires: reg.expires,
                via_host: host,
                via_port: Some(self.sip_port),
                call_id: sip::ids::new_call_id(&ip_for_uri(local_ip)),
                peer: Peer::new(reg.transport, reg.proxy),
            };
            self.trunk_regs.push(TrunkRegistration {
                trunk: trunk.name.clone(),
                machine: Registration::new(config, now),
                pending: None,
                logged: None,
            });
        }
        self.pump_trunk_registrations(now);
        self.qualify_trunks(now, local_ip_for);
        self.start_stats(now);
    }

    pub(super) fn trunk_registration_timeout(&self) -> Option<Instant> {
        self.trunk_regs
            .iter()
            .filter_map(|r| r.machine.poll_timeout())
            .min()
    }

    /// Timers, then whatever each registration wants to send.
    pub(super) fn handle_trunk_registration_timeouts(&mut self, now: Instant) {
        for r in &mut self.trunk_regs {
            r.machine.handle_timeout(now);
        }
        self.pump_trunk_registrations(now);
    }

    /// Sends the REGISTERs that are due and logs state changes.
    fn pump_trunk_registrations(&mut self, now: Instant) {
        for i in 0..self.trunk_regs.len() {
            let Some(r) = self.trunk_regs.get_mut(i) else {
                continue;
            };
            if r.pending.is_none() {
                if let Some(req) = r.machine.poll_request(now) {
                    let peer = r.machine.peer();
                    match self.txl.send_request(req, peer, now) {
                        Ok(tx) => {
                            self.client_tx
                                .insert(tx, ClientTx::TrunkRegister { index: i });
                            if let Some(r) = self.trunk_regs.get_mut(i) {
                                r.pending = Some(tx);
                            }
                        }
                        Err(e) => tracing::debug!(error = %e, "REGISTER to carrier not sent"),
                    }
                }
            }
            let Some(r) = self.trunk_regs.get_mut(i) else {
                continue;
            };
            let state = r.machine.state();
            let name = state_name(state);
            if r.logged != Some(name) {
                r.logged = Some(name);
                match state {
                    RegistrationState::Failed { status, .. } => {
                        tracing::warn!(trunk = %r.trunk, status, "registration to the carrier failed; retrying later")
                    }
                    _ => tracing::info!(trunk = %r.trunk, state = name, "carrier registration"),
                }
            }
        }
    }

    /// A final response (or none, `resp` = `None` on timeout) to a trunk REGISTER.
    pub(super) fn trunk_register_result(
        &mut self,
        tx: TxId,
        index: usize,
        resp: Option<&Response>,
        now: Instant,
    ) {
        self.client_tx.remove(&tx);
        let Some(r) = self.trunk_regs.get_mut(index) else {
            return;
        };
        if r.pending != Some(tx) {
            return;
        }
        r.pending = None;
        match resp {
            Some(resp) => r.machine.handle_response(resp, now),
            None => r.machine.handle_transaction_timeout(now),
        }
        self.pump_trunk_registrations(now);
    }

    /// At shutdown: remove our bindings at the carriers.
    pub(super) fn unregister_trunks(&mut self, now: Instant) {
        for r in &mut self.trunk_regs {
            r.machine.unregister(now);
        }
        self.pump_trunk_registrations(now);
    }

    /// Each trunk's registration state, for tests and status.
    #[cfg(test)]
    pub fn trunk_registration_states(&self) -> Vec<(String, RegistrationState)> {
        self.trunk_regs
            .iter()
            .map(|r| (r.trunk.clone(), r.machine.state()))
            .collect()
    }
}
