//! Call control: the sans-IO core of the switch.
//!
//! `Switch` owns the transaction layer, the registrar, the ACD engine, the RTP port pool and
//! every call. Drivers feed it parsed SIP messages (with the peer they came from and the local
//! IP that peer reaches us on), media events and the clock; it answers with datagrams to send
//! and media commands. No IO and no clock of its own, so every race is a deterministic test.
//!
//! Run loop (see `driver`):
//! ```text
//!   loop {
//!       select! { sip message, media event, sleep_until(switch.poll_timeout()), shutdown }
//!       switch.handle_*(…, now)            // or handle_timeout(now)
//!       while let Some(out) = switch.poll_output() { send datagram / media command }
//!   }
//! ```
//!
//! Object graph: `Call` → `CallerLeg` (dialog, server INVITE transaction, media side `Caller`)
//! and at most one live `AgentLeg` (client INVITE transaction, later a dialog, media side
//! `Agent`); cancelled agent INVITEs live on in `client_tx` until their final response.

mod agent;
mod announce;
mod call;
mod callback;
mod caller;
mod feature;
mod media;
mod outbound;
mod qualify;
mod register;
mod renegotiate;
mod session_timer;
mod stats;
mod transfer;
mod trunk_register;

#[cfg(test)]
mod callback_tests;
#[cfg(test)]
mod feature_tests;
#[cfg(test)]
mod outbound_tests;
#[cfg(test)]
mod qualify_tests;
#[cfg(test)]
mod renegotiate_tests;
#[cfg(test)]
mod session_timer_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod transfer_tests;
#[cfg(test)]
mod trunk_register_tests;

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sip::registrar::{Account, Registrar, RegistrarConfig};
use sip::transaction::{TimerConfig, TransactionLayer, Transmit, TxEvent, TxId};
use sip::transport::{Peer, Transport};
use sip::{HeaderName, Message, Method, Request, Response, Via};

pub use announce::prompts as announcement_prompts;
pub use callback::PROMPTS as CALLBACK_PROMPTS;
pub use feature::PROMPTS as FEATURE_PROMPTS;
pub use media::{MediaCommand, MediaEvent, SessionId, Side};

use crate::config::{Config, Role, Secret};
use call::Call;

/// Methods we answer; sent in Allow.
pub const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE, REFER, NOTIFY, REGISTER";

/// What the core asks the drivers to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Send SIP bytes.
    Transmit(Transmit),
    /// Act on media.
    Media(MediaCommand),
}

/// What a client transaction of ours is for.
#[derive(Debug)]
enum ClientTx {
    /// An INVITE ringing an agent for `call`.
    AgentInvite(Box<agent::Offer>),
    /// A BYE or CANCEL: only its completion matters (for a clean shutdown).
    Teardown,
    /// Our re-INVITE on one leg of a call, until its final response.
    Reinvite { call: u64, side: Side },
    /// An OPTIONS qualifying a registered phone or a trunk.
    Qualify { target: qualify::Target },
    /// A REGISTER to the carrier of `trunk_regs[index]`.
    TrunkRegister { index: usize },
    /// Our INVITE calling a caller back (virtual hold), until its final response.
    Callback {
        call: u64,
        invite: Box<Request>,
        peer: Peer,
    },
    /// A re-INVITE answered 2xx: its ACK, resent for 2xx retransmissions until `expires`.
    FinishedReinvite {
        ack: Option<Box<Request>>,
        expires: Instant,
    },
}

impl ClientTx {
    /// When a finished entry may be forgotten; `None` while it is still live.
    fn expires(&self) -> Option<Instant> {
        match self {
            ClientTx::AgentInvite(offer) => offer.expires,
            ClientTx::FinishedReinvite { expires, .. } => Some(*expires),
            ClientTx::Teardown
            | ClientTx::Callback { .. }
            | ClientTx::Reinvite { .. }
            | ClientTx::Qualify { .. }
            | ClientTx::TrunkRegister { .. } => None,
        }
    }
}

/// Key of a dialog in which we are a party: Call-ID and our own tag.
type DialogKey = (String, String);

/// Counters for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    pub calls_accepted: u64,
    pub calls_refused: u64,
    pub offers: u64,
    pub bridged: u64,
}

/// The core of the switch; see the module docs.
pub struct Switch {
    config: Arc<Config>,
    txl: TransactionLayer,
    registrar: Registrar,
    acd: acd::Engine,
    ports: ::media::ports::PortPool,
    calls: HashMap<u64, Call>,
    next_call: u64,
    /// The caller's INVITE server transaction → call.
    invite_tx: HashMap<TxId, u64>,
    /// Our client transactions.
    client_tx: HashMap<TxId, ClientTx>,
    /// Dialogs we are in → call and side.
    dialogs: HashMap<DialogKey, (u64, Side)>,
    /// The local IP each agent's phone reached us on (for Via, Contact and SDP).
    agent_local_ip: HashMap<String, IpAddr>,
    /// Agents who logged out with `*46`: their phones' registrations do not log them in.
    logged_off: std::collections::HashSet<String>,
    /// OPTIONS qualifying of registered phones, by user.
    qualify: HashMap<String, qualify::Qualify>,
    /// OPTIONS qualifying of trunks' outbound proxies, by trunk name.
    trunk_qualify: HashMap<String, qualify::TrunkQualify>,
    /// Registrations to carriers, one per trunk that registers.
    trunk_regs: Vec<trunk_register::TrunkRegistration>,
    /// The periodic statistics lines.
    stats: stats::StatsLog,
    sip_port: u16,
    timers: TimerConfig,
    out: VecDeque<Output>,
    draining: bool,
    counters: Counters,
}

/// Why building the core failed.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The ACD refused a queue or agent from the configuration.
    #[error("ACD setup: {0}")]
    Acd(#[from] acd::Error),
    /// The registrar could not start (no OS randomness for its nonce key).
    #[error("registrar setup: {0}")]
    Sip(#[from] sip::Error),
    /// The RTP port range is unusable.
    #[error("RTP ports: {0}")]
    Media(#[from] ::media::Error),
}

impl Switch {
    /// Builds the core from a validated configuration.
    pub fn new(config: Arc<Config>) -> Result<Switch, SetupError> {
        let mut registrar_config = RegistrarConfig::new(&config.sip.realm);
        registrar_config.algorithms = config.sip.digest.clone();
        let mut registrar = Registrar::new(registrar_config)?;
        let mut acd = acd::Engine::with_config(acd::EngineConfig {
            auto_pause_after: config.auto_pause_after,
            seed: fastrand::u64(1..),
            ..acd::EngineConfig::default()
        });
        for q in &config.queues {
            acd.add_queue(acd::QueueConfig {
                name: q.name.clone(),
                requires: q.skill.iter().map(|s| (s.clone(), q.min_level)).collect(),
                widen: q
                    .widen
                    .iter()
                    .map(|(after, min_level)| acd::Widening {
                        after: *after,
                        min_level: *min_level,
                    })
                    .collect(),
                strategy: q.strategy,
                overflow: q.overflow.clone(),
                ring_timeout: q.ring_timeout,
                service_level: q.service_level,
                wrap_up: q.wrap_up,
            })?;
        }
        for a in &config.agents {
            let account = match &a.secret {
                Secret::Password(p) => Account::from_password(&a.extension, &config.sip.realm, p),
                Secret::Ha1 { md5, sha256 } => Account::from_ha1(
                    &a.extension,
                    &config.sip.realm,
                    md5.as_deref().unwrap_or(""),
                    sha256.as_deref().unwrap_or(""),
                ),
            };
            registrar.add_account(account);
            if a.role == Role::Agent {
                acd.add_agent(acd::AgentConfig {
                    id: a.extension.clone(),
                    skills: a.skills.clone(),
                })?;
            }
        }
        let (lo, hi) = config.rtp_ports;
        let ports = ::media::ports::PortPool::new(lo..=hi)?;
        Ok(Switch {
            sip_port: config.sip.listen.port(),
            config,
            txl: TransactionLayer::new(TimerConfig::default()),
            registrar,
            acd,
            ports,
            calls: HashMap::new(),
            next_call: 1,
            invite_tx: HashMap::new(),
            client_tx: HashMap::new(),
            dialogs: HashMap::new(),
            agent_local_ip: HashMap::new(),
            logged_off: std::collections::HashSet::new(),
            qualify: HashMap::new(),
            trunk_qualify: HashMap::new(),
            trunk_regs: Vec::new(),
            stats: stats::StatsLog::default(),
            timers: TimerConfig::default(),
            out: VecDeque::new(),
            draining: false,
            counters: Counters::default(),
        })
    }

    /// A SIP message parsed from the network. `local_ip` is our address as seen by that peer.
    pub fn handle_sip(&mut self, msg: Message, source: Peer, local_ip: IpAddr, now: Instant) {
        let local_ip = self.config.sip.advertise.unwrap_or(local_ip);
        self.txl.handle_message(msg, source, now);
        self.drain(local_ip, now);
    }

    /// An event from the media driver.
    pub fn handle_media(&mut self, event: MediaEvent, now: Instant) {
        match event {
            MediaEvent::Digit { session, digit } => self.on_digit(session, digit, now),
            MediaEvent::PlaybackDone { session } => self.on_playback_done(session, now),
            MediaEvent::Failed {
                session,
                side: Side::Agent,
            } => {
                // The agent leg has no media: try another agent, the caller keeps waiting.
                tracing::warn!(
                    call = session,
                    "agent leg media failed; offering the call again"
                );
                let tx = self
                    .calls
                    .get(&session)
                    .and_then(|c| c.agent.as_ref())
                    .map(|a| a.tx);
                if let Some(tx) = tx {
                    self.fail_live_offer(session, tx, now);
                }
            }
            MediaEvent::Inactive { session } => {
                tracing::info!(
                    call = session,
                    "no RTP from a party for rtp.timeout; ending the call"
                );
                self.end_call(session, None, now);
            }
            MediaEvent::Failed {
                session,
                side: Side::Caller,
            } => {
                tracing::warn!(call = session, "caller media failed; ending the call");
                self.end_call(session, None, now);
            }
        }
        self.drain_unaddressed(now);
    }

    /// Time passed: fire whatever is due.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.txl.handle_timeout(now);
        let changes = self.registrar.expire(now);
        self.apply_binding_changes(changes, None, now);
        self.acd.handle_timeout(now);
        self.handle_qualify_timeouts(now);
        self.handle_trunk_registration_timeouts(now);
        self.handle_stats_timeout(now);
        let due: Vec<u64> = self
            .calls
            .values()
            .filter(|c| c.poll_timeout().is_some_and(|t| t <= now))
            .map(|c| c.id)
            .collect();
        for id in due {
            self.handle_call_timeout(id, now);
        }
        // Answered INVITEs are kept while 2xx retransmissions may come (64·T1).
        self.client_tx
            .retain(|_, c| c.expires().is_none_or(|t| t > now));
        self.drain_unaddressed(now);
    }

    /// The earliest instant at which `handle_timeout` has work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.txl.poll_timeout(),
            self.registrar.poll_timeout(),
            self.acd.poll_timeout(),
            self.qualify_poll_timeout(),
            self.trunk_registration_timeout(),
            self.stats_timeout(),
        ]
        .into_iter()
        .chain(self.calls.values().map(Call::poll_timeout))
        .chain(self.client_tx.values().map(ClientTx::expires))
        .flatten()
        .min()
    }

    /// The next thing to send or do.
    pub fn poll_output(&mut self) -> Option<Output> {
        if let Some(t) = self.txl.poll_transmit() {
            return Some(Output::Transmit(t));
        }
        self.out.pop_front()
    }

    /// Stops taking calls and ends the active ones (BYE to every party, CANCEL to ringing
    /// agents). Drivers keep running the core until `is_drained`.
    pub fn begin_shutdown(&mut self, now: Instant) {
        self.draining = true;
        self.unregister_trunks(now);
        let ids: Vec<u64> = self.calls.keys().copied().collect();
        for id in ids {
            self.end_call(id, None, now);
        }
        self.drain_unaddressed(now);
    }

    /// No call left and every BYE/CANCEL we sent has been answered or timed out.
    pub fn is_drained(&self) -> bool {
        // Qualifying OPTIONS do not hold a shutdown back.
        self.calls.is_empty()
            && self.client_tx.values().all(|c| {
                c.expires().is_some()
                    || matches!(c, ClientTx::Qualify { .. } | ClientTx::TrunkRegister { .. })
            })
    }

    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Number of live calls.
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    /// RTP ports free in the pool (for tests).
    #[cfg(test)]
    pub fn ports_available(&self) -> usize {
        self.ports.available()
    }

    /// The ACD's view of an agent (for tests and status).
    #[cfg(test)]
    pub fn agent_state(&self, agent: &str) -> Option<acd::AgentState> {
        self.acd.agent_state(agent)
    }

    /// Processes everything the transaction layer and the ACD produced.
    fn drain(&mut self, local_ip: IpAddr, now: Instant) {
        loop {
            if let Some(ev) = self.txl.poll_event() {
                self.handle_tx_event(ev, local_ip, now);
                continue;
            }
            if let Some(action) = self.acd.poll_action() {
                self.handle_acd_action(action, now);
                continue;
            }
            break;
        }
    }

    /// `drain` when no message gave us a local IP: events that need one (a new request) are
    /// not expected from timers; the listen IP serves as fallback.
    fn drain_unaddressed(&mut self, now: Instant) {
        let ip = self
            .config
            .sip
            .advertise
            .unwrap_or(self.config.sip.listen.ip());
        self.drain(ip, now);
    }

    fn handle_tx_event(&mut self, ev: TxEvent, local_ip: IpAddr, now: Instant) {
        match ev {
            TxEvent::Request {
                tx,
                request,
                source,
            } => self.handle_request(tx, request, source, local_ip, now),
            TxEvent::Ack { request, source: _ } => self.handle_ack(&request, now),
            TxEvent::Cancelled { invite_tx, cancel } => {
                self.handle_cancelled(invite_tx, &cancel, now)
            }
            TxEvent::Response { tx, response } => self.handle_response(tx, response, now),
            TxEvent::Timeout { tx } => self.handle_tx_timeout(tx, now),
        }
    }

    fn handle_request(
        &mut self,
        tx: TxId,
        req: Request,
        source: Peer,
        local_ip: IpAddr,
        now: Instant,
    ) {
        let in_dialog = req.to().ok().and_then(|to| to.tag().map(str::to_owned));
        match (&req.method, in_dialog) {
            (Method::Register, _) => self.handle_register(tx, &req, source, local_ip, now),
            (Method::Invite, None) => self.handle_new_invite(tx, req, source, local_ip, now),
            (Method::Options, None) => {
                let mut resp = Response::for_request(&req, 200);
                resp.headers.push(HeaderName::Allow, ALLOW);
                resp.headers
                    .push(HeaderName::Other("Accept".into()), "application/sdp");
                self.respond(tx, resp, now);
            }
            (_, Some(tag)) => self.handle_in_dialog(tx, req, tag, now),
            (Method::Bye | Method::Info | Method::Update | Method::Prack, None) => {
                self.respond(tx, Response::for_request(&req, 481), now)
            }
            (Method::Other(_), None) => self.respond(tx, Response::for_request(&req, 501), now),
            (_, None) => {
                let mut resp = Response::for_request(&req, 405);
                resp.headers.push(HeaderName::Allow, ALLOW);
                self.respond(tx, resp, now);
            }
        }
    }

    /// Sends a response on a server transaction; a failure means the transaction is gone,
    /// which only happens if the peer gave up first.
    fn respond(&mut self, tx: TxId, resp: Response, now: Instant) {
        if let Err(e) = self.txl.send_response(tx, resp, now) {
            tracing::debug!(%tx, error = %e, "response not sent");
        }
    }

    fn handle_response(&mut self, tx: TxId, response: Response, now: Instant) {
        match self.client_tx.get(&tx) {
            Some(ClientTx::AgentInvite(_)) => self.handle_agent_response(tx, response, now),
            Some(&ClientTx::Callback { call, .. }) => {
                self.handle_callback_response(tx, call, response, now)
            }
            Some(ClientTx::Teardown) if response.is_final() => {
                self.client_tx.remove(&tx);
            }
            Some(ClientTx::Teardown) => {}
            Some(&ClientTx::Reinvite { call, side }) => {
                self.handle_reinvite_response(tx, call, side, response, now)
            }
            Some(ClientTx::FinishedReinvite { ack, .. }) => {
                // A retransmitted 2xx of a finished re-INVITE: the same ACK again.
                if let (true, Some(ack)) = (response.is_success(), ack.clone()) {
                    if let Ok(peer) = self.peer_of_dialog(&ack) {
                        self.txl.send_stateless(Message::Request(*ack), peer);
                    }
                }
            }
            Some(ClientTx::Qualify { target }) if response.is_final() => {
                let target = target.clone();
                self.qualify_result(tx, &target, true, now);
            }
            Some(&ClientTx::TrunkRegister { index }) if response.is_final() => {
                self.trunk_register_result(tx, index, Some(&response), now)
            }
            Some(ClientTx::Qualify { .. } | ClientTx::TrunkRegister { .. }) | None => {}
        }
    }

    fn handle_tx_timeout(&mut self, tx: TxId, now: Instant) {
        if let Some(call) = self.invite_tx.remove(&tx) {
            // Timer H: we answered non-2xx and no ACK came; nothing more to do for the call.
            tracing::debug!(call, %tx, "no ACK for our final response");
            return;
        }
        match self.client_tx.get(&tx) {
            Some(ClientTx::AgentInvite(_)) => self.handle_agent_timeout(tx, now),
            Some(&ClientTx::Callback { call, .. }) => self.handle_callback_timeout(tx, call, now),
            Some(ClientTx::Teardown) => {
                self.client_tx.remove(&tx);
            }
            Some(&ClientTx::Reinvite { call, side }) => {
                // Timer B on a re-INVITE: the dialog is gone (§12.2.1.2, as for 408).
                self.client_tx.remove(&tx);
                tracing::info!(call, %side, "re-INVITE timed out; ending the call");
                self.end_call(call, Some(side), now);
            }
            Some(&ClientTx::TrunkRegister { index }) => {
                self.trunk_register_result(tx, index, None, now)
            }
            Some(ClientTx::Qualify { target }) => {
                let target = target.clone();
                self.qualify_result(tx, &target, false, now);
            }
            Some(ClientTx::FinishedReinvite { .. }) | None => {}
        }
    }

    /// Where in-dialog requests of the dialog that `req` belongs to go: the peer of that leg.
    fn peer_of_dialog(&self, req: &Request) -> Result<Peer, ()> {
        let call_id = req.call_id().map_err(|_| ())?;
        let tag = req.from().map_err(|_| ())?.tag().ok_or(())?.to_string();
        let &(id, side) = self.dialogs.get(&(call_id.to_string(), tag)).ok_or(())?;
        let call = self.calls.get(&id).ok_or(())?;
        match side {
            Side::Caller => Ok(call.caller.peer),
            Side::Agent => call.agent.as_ref().map(|a| a.peer).ok_or(()),
        }
    }

    fn handle_acd_action(&mut self, action: acd::Action, now: Instant) {
        match action {
            acd::Action::Offer {
                call,
                agent,
                ring_deadline: _,
            } => self.offer_agent(call.0, &agent, now),
            acd::Action::CancelOffer { call, agent } => self.cancel_offer(call.0, &agent, now),
            acd::Action::AgentPaused { agent, reason } => {
                tracing::info!(%agent, %reason, "agent paused by the ACD after unanswered calls");
            }
            acd::Action::Overflowed { call, from, to } => self.overflowed(call.0, &from, &to, now),
            acd::Action::Released { call, from, to } => self.released(call.0, &from, &to, now),
            #[allow(unreachable_patterns)]
            other => tracing::debug!(?other, "ACD action not handled yet"),
        }
    }

    /// Our Via for a request sent to `peer`.
    fn via(&self, local_ip: IpAddr, peer: Peer) -> Via {
        let text = format!(
            "SIP/2.0/{} {}:{};branch={};rport",
            peer.transport,
            ip_for_uri(local_ip),
            self.listen_port(peer.transport),
            sip::ids::new_branch()
        );
        Via::parse(&text).unwrap_or_else(|_| unreachable_via())
    }

    /// Our Contact for dialogs created over `transport`. Secure WebSocket is a SIPS URI with
    /// `transport=ws`: RFC 7118 §5.2 defines one URI value, `ws`, for both WS and WSS.
    fn contact(&self, local_ip: IpAddr, transport: Transport) -> String {
        let (scheme, t) = match transport {
            Transport::Udp => ("sip", ""),
            Transport::Tcp => ("sip", ";transport=tcp"),
            Transport::Tls => ("sip", ";transport=tls"),
            Transport::Ws => ("sip", ";transport=ws"),
            Transport::Wss => ("sips", ";transport=ws"),
        };
        format!(
            "<{scheme}:switchboard@{}:{}{t}>",
            ip_for_uri(local_ip),
            self.listen_port(transport),
        )
    }

    /// The port we listen on for `transport`: the TLS and WebSocket listeners have their own.
    fn listen_port(&self, transport: Transport) -> u16 {
        let sip = &self.config.sip;
        let own = match transport {
            Transport::Udp | Transport::Tcp => None,
            Transport::Tls => sip.tls_listen,
            Transport::Ws => sip.ws_listen,
            Transport::Wss => sip.wss_listen,
        };
        own.map_or(self.sip_port, |a| a.port())
    }

    fn unix_now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    fn t1(&self) -> Duration {
        self.timers.t1
    }
}

/// An IP as written in a SIP URI or Via (IPv6 in brackets).
pub fn ip_for_uri(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// Our own Via text always parses; this is the value used if that ever stopped being true.
fn unreachable_via() -> Via {
    Via {
        transport: Transport::Udp,
        host: sip::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST),
        port: None,
        params: sip::Params::new(),
    }
}
