//! The transaction layer endpoint (RFC 3261 §17): routes every message to the one transaction that
//! owns it, creates and forgets transactions, and queues transmissions and TU events.
//!
//! Incoming requests are matched by §17.2.3 (branch, sent-by, method; ACK with its INVITE),
//! CANCEL by §9.2 (the INVITE with the same branch and sent-by), responses by §17.1.3 (branch and
//! CSeq method); see `key.rs`. Before a request goes up, its top Via gets `received` and `rport`
//! (§18.2.1, RFC 3581) so that responses and the TU know where it really came from. Responses of
//! a server transaction go back to the request's source: the same connection on stream
//! transports, the source address (received IP and rport) on UDP.
//!
//! Each live transaction has at most one entry in a deadline index ordered by time, so
//! `poll_timeout` is the first entry and `handle_timeout` visits only the transactions that are due.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
#[cfg(test)]
use std::time::Duration;
use std::time::Instant;

use bytes::Bytes;

use super::build;
use super::client_invite::{ClientInvite, ResponseAction};
use super::client_non_invite::ClientNonInvite;
use super::key::{ClientKey, ServerKey};
use super::server_invite::{AckAction, ServerInvite};
use super::server_non_invite::ServerNonInvite;
use super::timers::{TimerConfig, TimerOutcome};
use crate::Error;
use crate::message::header::Via;
use crate::message::{HeaderName, Headers, Host, Message, Method, Request, Response};
use crate::transport::Peer;

/// Identifies one transaction for the lifetime of the layer (never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TxId(u64);

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tx-{}", self.0)
    }
}

/// Bytes to send to a peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub dest: Peer,
    pub data: Bytes,
}

/// What the transaction layer tells its user (the UA core, dialogs, the registrar).
#[derive(Debug, Clone)]
pub enum TxEvent {
    /// A request that created a new server transaction; answer it with
    /// [`TransactionLayer::send_response`]. Retransmissions are absorbed (the last response is
    /// resent) and never show up here.
    Request {
        tx: TxId,
        request: Request,
        source: Peer,
    },
    /// An ACK that belongs to no transaction (the ACK of a 2xx, RFC 3261 §13.3.1.4), or one that
    /// reached an INVITE server transaction in its Accepted state (RFC 6026).
    Ack { request: Request, source: Peer },
    /// A CANCEL matched `invite_tx`, which has not sent a final response yet. The layer already
    /// answered the CANCEL with 200; the TU should now answer the INVITE with 487 (RFC 3261 §9.2).
    Cancelled { invite_tx: TxId, cancel: Request },
    /// A response to one of our client transactions: provisional or final, and every 2xx
    /// retransmission while the INVITE is Accepted so the TU can send its ACK again.
    Response { tx: TxId, response: Response },
    /// Timer B, F or H fired (no response to our request, or no ACK for our final response), or
    /// the transport reported the peer unreachable ([`TransactionLayer::handle_transport_error`]).
    Timeout { tx: TxId },
}

/// A transaction with whatever the layer needs beside its state machine.
// The variants are named after the four RFC 3261 transaction kinds they hold.
#[allow(clippy::enum_variant_names)]
#[derive(Debug)]
enum Machine {
    ClientInvite {
        tx: ClientInvite,
        /// The INVITE, to build the ACK of a non-2xx final response.
        invite: Box<Request>,
        /// That ACK once built, resent for every retransmitted final response.
        ack: Option<Bytes>,
    },
    ClientNonInvite(ClientNonInvite),
    ServerInvite(ServerInvite),
    ServerNonInvite(ServerNonInvite),
}

impl Machine {
    fn poll_timeout(&self) -> Option<Instant> {
        match self {
            Machine::ClientInvite { tx, .. } => tx.poll_timeout(),
            Machine::ClientNonInvite(tx) => tx.poll_timeout(),
            Machine::ServerInvite(tx) => tx.poll_timeout(),
            Machine::ServerNonInvite(tx) => tx.poll_timeout(),
        }
    }

    fn handle_timeout(&mut self, now: Instant) -> Option<TimerOutcome> {
        match self {
            Machine::ClientInvite { tx, .. } => tx.handle_timeout(now),
            Machine::ClientNonInvite(tx) => tx.handle_timeout(now),
            Machine::ServerInvite(tx) => tx.handle_timeout(now),
            Machine::ServerNonInvite(tx) => tx.handle_timeout(now),
        }
    }

    fn on_transport_error(&mut self) -> bool {
        match self {
            Machine::ClientInvite { tx, .. } => tx.on_transport_error(),
            Machine::ClientNonInvite(tx) => tx.on_transport_error(),
            Machine::ServerInvite(tx) => tx.on_transport_error(),
            Machine::ServerNonInvite(tx) => tx.on_transport_error(),
        }
    }

    fn is_terminated(&self) -> bool {
        match self {
            Machine::ClientInvite { tx, .. } => tx.is_terminated(),
            Machine::ClientNonInvite(tx) => tx.is_terminated(),
            Machine::ServerInvite(tx) => tx.is_terminated(),
            Machine::ServerNonInvite(tx) => tx.is_terminated(),
        }
    }
}

#[derive(Debug, Clone)]
enum Key {
    Client(ClientKey),
    Server(ServerKey),
}

#[derive(Debug)]
struct Entry {
    machine: Machine,
    key: Key,
    /// Where this transaction's messages go: the request's destination (client) or source
    /// (server).
    peer: Peer,
    /// This transaction's entry in `TransactionLayer::deadlines`.
    scheduled: Option<Instant>,
}

/// The sans-IO transaction layer; see the module docs and the run loop in the parent module.
#[derive(Debug)]
pub struct TransactionLayer {
    config: TimerConfig,
    next_id: u64,
    entries: HashMap<TxId, Entry>,
    clients: HashMap<ClientKey, TxId>,
    servers: HashMap<ServerKey, TxId>,
    deadlines: BTreeSet<(Instant, TxId)>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<TxEvent>,
    stray_responses: u64,
    dropped_requests: u64,
    max_transactions: usize,
    refused_requests: u64,
}

/// The default bound on live transactions; see [`TransactionLayer::with_max_transactions`].
pub const DEFAULT_MAX_TRANSACTIONS: usize = 100_000;

impl TransactionLayer {
    /// An empty layer using `timers` for every transaction (T1 is raised to at least 1 ms and
    /// T2 to at least T1).
    pub fn new(timers: TimerConfig) -> TransactionLayer {
        TransactionLayer {
            config: timers.sanitized(),
            next_id: 0,
            entries: HashMap::new(),
            clients: HashMap::new(),
            servers: HashMap::new(),
            deadlines: BTreeSet::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stray_responses: 0,
            dropped_requests: 0,
            max_transactions: DEFAULT_MAX_TRANSACTIONS,
            refused_requests: 0,
        }
    }

    /// Bounds the number of live transactions, so that a flood of requests cannot grow the
    /// tables without limit. Past it, new requests from the network are answered 503 without
    /// creating a transaction, and [`TransactionLayer::send_request`] fails.
    pub fn with_max_transactions(mut self, max: usize) -> TransactionLayer {
        self.max_transactions = max;
        self
    }

    /// Handles a message parsed from the network, received from `source`.
    pub fn handle_message(&mut self, msg: Message, source: Peer, now: Instant) {
        match msg {
            Message::Request(request) => self.handle_request(request, source, now),
            Message::Response(response) => self.handle_response(response, now),
        }
    }

    /// Starts a client transaction for `req` and sends it to `dest`. The request must already
    /// carry our top Via with a fresh branch ([`super::new_branch`]). Sending a CANCEL through
    /// here also bounds the wait of the INVITE it cancels (RFC 3261 §9.1).
    pub fn send_request(&mut self, req: Request, dest: Peer, now: Instant) -> Result<TxId, Error> {
        if req.method == Method::Ack {
            return Err(Error::AckNotATransaction);
        }
        let via = req.top_via()?;
        let branch = via.branch().ok_or(Error::MissingBranch)?.to_owned();
        let key = ClientKey::new(&branch, req.method.clone());
        if self.clients.contains_key(&key) {
            return Err(Error::DuplicateBranch(branch));
        }
        if self.entries.len() >= self.max_transactions {
            return Err(Error::TooManyTransactions {
                limit: self.max_transactions,
            });
        }
        if req.method == Method::Cancel {
            let invite = ClientKey::new(&branch, Method::Invite);
            if let Some(id) = self.clients.get(&invite).copied() {
                if let Some(Entry {
                    machine: Machine::ClientInvite { tx, .. },
                    ..
                }) = self.entries.get_mut(&id)
                {
                    tx.on_cancel_sent(now);
                }
                self.reschedule(id);
            }
        }
        let data = req.encode();
        let reliable = dest.transport.is_reliable();
        let machine = if req.method == Method::Invite {
            Machine::ClientInvite {
                tx: ClientInvite::new(data.clone(), reliable, self.config, now),
                invite: Box::new(req),
                ack: None,
            }
        } else {
            Machine::ClientNonInvite(ClientNonInvite::new(
                data.clone(),
                reliable,
                self.config,
                now,
            ))
        };
        self.transmits.push_back(Transmit { dest, data });
        Ok(self.insert(machine, Key::Client(key), dest))
    }

    /// Sends the TU's response on server transaction `tx`, to where the request came from.
    pub fn send_response(&mut self, tx: TxId, resp: Response, now: Instant) -> Result<(), Error> {
        let entry = self
            .entries
            .get_mut(&tx)
            .ok_or(Error::UnknownTransaction(tx))?;
        let data = resp.encode();
        match &mut entry.machine {
            Machine::ServerInvite(st) => st.send_response(resp.status, data.clone(), now)?,
            Machine::ServerNonInvite(st) => st.send_response(resp.status, data.clone(), now)?,
            Machine::ClientInvite { .. } | Machine::ClientNonInvite(_) => {
                return Err(Error::UnknownTransaction(tx));
            }
        }
        self.transmits.push_back(Transmit {
            dest: entry.peer,
            data,
        });
        self.reschedule(tx);
        Ok(())
    }

    /// Sends a message outside any transaction, e.g. the ACK of a 2xx or a 2xx retransmission
    /// after the server transaction has ended.
    pub fn send_stateless(&mut self, msg: Message, dest: Peer) {
        let data = match &msg {
            Message::Request(r) => r.encode(),
            Message::Response(r) => r.encode(),
        };
        self.transmits.push_back(Transmit { dest, data });
    }

    /// Builds the CANCEL for a client INVITE (RFC 3261 §9.1): same Request-URI, Call-ID, From, To,
    /// CSeq number, Route set and top Via (so the same branch). Send it with
    /// [`TransactionLayer::send_request`], only once a provisional response has arrived.
    pub fn cancel_request(invite: &Request) -> Request {
        build::cancel(invite)
    }

    /// Fires every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&(at, id)) = self.deadlines.first() {
            if at > now {
                break;
            }
            let Some(entry) = self.entries.get_mut(&id) else {
                self.deadlines.remove(&(at, id));
                continue;
            };
            while let Some(outcome) = entry.machine.handle_timeout(now) {
                match outcome {
                    TimerOutcome::Retransmit(data) => self.transmits.push_back(Transmit {
                        dest: entry.peer,
                        data,
                    }),
                    TimerOutcome::Timeout => self.events.push_back(TxEvent::Timeout { tx: id }),
                    TimerOutcome::Terminated => {}
                }
            }
            self.reschedule(id);
        }
    }

    /// The driver could not send to `peer` (connection refused or closed, ICMP unreachable):
    /// every transaction with that peer ends (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.4), and each
    /// whose TU was still waiting is reported as [`TxEvent::Timeout`] so the TU fails it at once
    /// instead of after 64·T1.
    pub fn handle_transport_error(&mut self, peer: Peer) {
        let mut ids: Vec<TxId> = self
            .entries
            .iter()
            .filter(|(_, e)| e.peer == peer)
            .map(|(id, _)| *id)
            .collect();
        // Creation order, so the TU hears about them deterministically.
        ids.sort_unstable();
        for id in ids {
            let tell = self
                .entries
                .get_mut(&id)
                .is_some_and(|e| e.machine.on_transport_error());
            if tell {
                self.events.push_back(TxEvent::Timeout { tx: id });
            }
            self.reschedule(id);
        }
    }

    /// The earliest deadline of any transaction.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// The next datagram or stream write to perform.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event for the TU.
    pub fn poll_event(&mut self) -> Option<TxEvent> {
        self.events.pop_front()
    }

    /// The number of live transactions.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no transaction is live.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Responses dropped because they matched no client transaction (RFC 3261 §17.1.3).
    pub fn stray_responses(&self) -> u64 {
        self.stray_responses
    }

    /// Requests dropped because their top Via could not be read.
    pub fn dropped_requests(&self) -> u64 {
        self.dropped_requests
    }

    /// New requests answered 503 because the transaction limit was reached.
    pub fn refused_requests(&self) -> u64 {
        self.refused_requests
    }

    fn handle_request(&mut self, mut request: Request, source: Peer, now: Instant) {
        let via = match stamp_top_via(&mut request, source.addr) {
            Ok(via) => via,
            Err(_) if request.method == Method::Ack => {
                // Not ours to judge: an ACK that fits no transaction goes to the TU anyway.
                self.events.push_back(TxEvent::Ack { request, source });
                return;
            }
            Err(_) => {
                self.dropped_requests += 1;
                return;
            }
        };
        let Ok(key) = ServerKey::for_request(&request, &via) else {
            self.dropped_requests += 1;
            return;
        };
        match request.method {
            Method::Ack => self.handle_ack(request, key, source, now),
            _ => {
                if let Some(id) = self.servers.get(&key).copied() {
                    self.handle_retransmission(id, source);
                } else if self.entries.len() >= self.max_transactions {
                    // Stateless and 1:1 with the request, so it cannot amplify a flood.
                    self.refused_requests += 1;
                    let data = Response::for_request(&request, 503).encode();
                    self.transmits.push_back(Transmit { dest: source, data });
                } else if request.method == Method::Cancel {
                    self.handle_cancel(request, &via, key, source, now);
                } else {
                    self.handle_new_request(request, key, source, now);
                }
            }
        }
    }

    fn handle_ack(&mut self, request: Request, key: ServerKey, source: Peer, now: Instant) {
        let id = self.servers.get(&key).copied();
        let action = match id.and_then(|id| self.entries.get_mut(&id)) {
            Some(Entry {
                machine: Machine::ServerInvite(st),
                ..
            }) => st.on_ack(now),
            _ => AckAction::PassUp,
        };
        if let Some(id) = id {
            self.reschedule(id);
        }
        if action == AckAction::PassUp {
            self.events.push_back(TxEvent::Ack { request, source });
        }
    }

    fn handle_retransmission(&mut self, id: TxId, source: Peer) {
        let resend = match self.entries.get(&id).map(|e| &e.machine) {
            Some(Machine::ServerInvite(st)) => st.on_request_retransmit(),
            Some(Machine::ServerNonInvite(st)) => st.on_request_retransmit(),
            _ => None,
        };
        if let Some(data) = resend {
            self.transmits.push_back(Transmit { dest: source, data });
        }
    }

    fn handle_new_request(&mut self, request: Request, key: ServerKey, source: Peer, now: Instant) {
        let reliable = source.transport.is_reliable();
        let id = if request.method == Method::Invite {
            let mut st = ServerInvite::new(reliable, self.config);
            // §17.2.1: answer 100 at once so the client stops retransmitting; the TU may take
            // longer than 200 ms.
            let trying = Response::for_request(&request, 100).encode();
            if st.send_response(100, trying.clone(), now).is_ok() {
                self.transmits.push_back(Transmit {
                    dest: source,
                    data: trying,
                });
            }
            self.insert(Machine::ServerInvite(st), Key::Server(key), source)
        } else {
            let st = ServerNonInvite::new(reliable, self.config);
            self.insert(Machine::ServerNonInvite(st), Key::Server(key), source)
        };
        self.events.push_back(TxEvent::Request {
            tx: id,
            request,
            source,
        });
    }

    /// A new CANCEL (RFC 3261 §9.2): 200 if it matches an INVITE server transaction, else 481.
    fn handle_cancel(
        &mut self,
        cancel: Request,
        via: &Via,
        key: ServerKey,
        source: Peer,
        now: Instant,
    ) {
        let invite_tx = ServerKey::cancelled_invite(&cancel, via)
            .ok()
            .and_then(|k| self.servers.get(&k).copied());
        let pending = match invite_tx.and_then(|id| self.entries.get(&id)) {
            Some(Entry {
                machine: Machine::ServerInvite(st),
                ..
            }) => Some(st.is_proceeding()),
            _ => None,
        };
        let status = if pending.is_some() { 200 } else { 481 };
        let data = Response::for_request(&cancel, status).encode();
        let mut st = ServerNonInvite::new(source.transport.is_reliable(), self.config);
        if st.send_response(status, data.clone(), now).is_ok() {
            self.transmits.push_back(Transmit { dest: source, data });
        }
        // Over a reliable transport the CANCEL's transaction is already over (Timer J = 0);
        // `insert` forgets it at once.
        self.insert(Machine::ServerNonInvite(st), Key::Server(key), source);
        if let (Some(invite_tx), Some(true)) = (invite_tx, pending) {
            self.events
                .push_back(TxEvent::Cancelled { invite_tx, cancel });
        }
    }

    fn handle_response(&mut self, response: Response, now: Instant) {
        let key = match (response.top_via(), response.cseq()) {
            (Ok(via), Ok(cseq)) => match via.branch() {
                Some(branch) => ClientKey::new(branch, cseq.method),
                None => {
                    self.stray_responses += 1;
                    return;
                }
            },
            _ => {
                self.stray_responses += 1;
                return;
            }
        };
        let Some(id) = self.clients.get(&key).copied() else {
            self.stray_responses += 1;
            return;
        };
        let Some(entry) = self.entries.get_mut(&id) else {
            self.stray_responses += 1;
            return;
        };
        let pass_up = match &mut entry.machine {
            Machine::ClientInvite { tx, invite, ack } => {
                match tx.on_response(response.status, now) {
                    ResponseAction::PassUp => true,
                    ResponseAction::PassUpAndAck => {
                        let data = build::ack(invite, &response).encode();
                        *ack = Some(data.clone());
                        self.transmits.push_back(Transmit {
                            dest: entry.peer,
                            data,
                        });
                        true
                    }
                    ResponseAction::Ack => {
                        if let Some(data) = ack.clone() {
                            self.transmits.push_back(Transmit {
                                dest: entry.peer,
                                data,
                            });
                        }
                        false
                    }
                    ResponseAction::Absorb => false,
                }
            }
            Machine::ClientNonInvite(tx) => tx.on_response(response.status, now),
            Machine::ServerInvite(_) | Machine::ServerNonInvite(_) => false,
        };
        self.reschedule(id);
        if pass_up {
            self.events
                .push_back(TxEvent::Response { tx: id, response });
        }
    }

    /// Registers a new transaction under `key` and schedules it (or forgets it right away if it
    /// is already over).
    fn insert(&mut self, machine: Machine, key: Key, peer: Peer) -> TxId {
        let id = TxId(self.next_id);
        self.next_id += 1;
        match &key {
            Key::Client(k) => self.clients.insert(k.clone(), id),
            Key::Server(k) => self.servers.insert(k.clone(), id),
        };
        self.entries.insert(
            id,
            Entry {
                machine,
                key,
                peer,
                scheduled: None,
            },
        );
        self.reschedule(id);
        id
    }

    /// Brings the deadline index up to date for `id` after its machine moved, and forgets it once
    /// terminated.
    fn reschedule(&mut self, id: TxId) {
        let Some(entry) = self.entries.get_mut(&id) else {
            return;
        };
        if let Some(old) = entry.scheduled.take() {
            self.deadlines.remove(&(old, id));
        }
        if entry.machine.is_terminated() {
            if let Some(entry) = self.entries.remove(&id) {
                match entry.key {
                    Key::Client(k) if self.clients.get(&k) == Some(&id) => {
                        self.clients.remove(&k);
                    }
                    Key::Server(k) if self.servers.get(&k) == Some(&id) => {
                        self.servers.remove(&k);
                    }
                    Key::Client(_) | Key::Server(_) => {}
                }
            }
            return;
        }
        entry.scheduled = entry.machine.poll_timeout();
        if let Some(at) = entry.scheduled {
            self.deadlines.insert((at, id));
        }
    }
}

/// Reads the top Via of a received request and records where the request really came from
/// (RFC 3261 §18.2.1, RFC 3581 §4): `received` when the source IP differs from the sent-by host,
/// and both `received` and `rport` when the client asked for `rport`.
fn stamp_top_via(request: &mut Request, source: SocketAddr) -> Result<Via, Error> {
    let mut via = request.top_via()?;
    let wants_rport = via.params.get("rport") == Some(None);
    let same_ip = match &via.host {
        Host::Ipv4(ip) => IpAddr::V4(*ip) == source.ip(),
        Host::Ipv6(ip) => IpAddr::V6(*ip) == source.ip(),
        Host::Domain(_) => false,
    };
    if !same_ip || wants_rport {
        via.set_received(source.ip());
    }
    if wants_rport {
        via.set_rport(source.port());
    }
    if !same_ip || wants_rport {
        replace_top_via(&mut request.headers, &via);
    }
    Ok(via)
}

/// Rewrites the first Via element, keeping the others in order.
fn replace_top_via(headers: &mut Headers, via: &Via) {
    let rest: Vec<String> = headers
        .get_all(&HeaderName::Via)
        .skip(1)
        .map(str::to_owned)
        .collect();
    // `set` keeps the position of the first Via; the others follow it in their order (only the
    // relative order of Via values matters, RFC 3261 §7.3.1).
    headers.set(HeaderName::Via, via.to_string());
    for v in rest {
        headers.push(HeaderName::Via, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Transport;

    fn parse_request(text: &str) -> Request {
        match Message::parse(Bytes::from(text.to_owned())) {
            Ok(Message::Request(r)) => r,
            other => panic!("test request does not parse: {other:?}"),
        }
    }

    fn request(method: &str, transport: &str) -> Request {
        parse_request(&format!(
            "{method} sip:100@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/{transport} 10.0.0.1;branch=z9hG4bKx\r\n\
             From: <sip:a@x>;tag=f\r\nTo: <sip:100@10.0.0.2>\r\nCall-ID: t\r\n\
             CSeq: 1 {method}\r\n\r\n"
        ))
    }

    impl TransactionLayer {
        /// Every index agrees with the transaction table.
        fn assert_consistent(&self) {
            let keyed = self.clients.len() + self.servers.len();
            assert_eq!(keyed, self.entries.len(), "one key per live transaction");
            let scheduled = self
                .entries
                .values()
                .filter(|e| e.scheduled.is_some())
                .count();
            assert_eq!(
                self.deadlines.len(),
                scheduled,
                "one deadline per scheduled transaction"
            );
        }
    }

    #[test]
    fn cancel_over_tcp_leaves_no_key_behind() {
        let now = Instant::now();
        let tcp = Peer::new(Transport::Tcp, SocketAddr::from(([10, 0, 0, 1], 5060)));
        let mut layer = TransactionLayer::new(TimerConfig::default());
        layer.handle_message(Message::Request(request("CANCEL", "TCP")), tcp, now);
        assert!(
            layer
                .poll_transmit()
                .is_some_and(|t| t.data.starts_with(b"SIP/2.0 481"))
        );
        assert_eq!(layer.len(), 0);
        layer.assert_consistent();
    }

    #[test]
    fn tables_stay_consistent_through_a_transaction_life() {
        let now = Instant::now();
        let udp = Peer::new(Transport::Udp, SocketAddr::from(([10, 0, 0, 1], 5060)));
        let mut layer = TransactionLayer::new(TimerConfig::default());
        layer.handle_message(Message::Request(request("INVITE", "UDP")), udp, now);
        layer.assert_consistent();
        let Some(TxEvent::Request { tx, request, .. }) = layer.poll_event() else {
            panic!("INVITE goes up");
        };
        assert_eq!(tx.to_string(), "tx-0");
        layer.handle_message(Message::Request(self::request("CANCEL", "UDP")), udp, now);
        assert!(
            matches!(layer.poll_event(), Some(TxEvent::Cancelled { invite_tx, .. }) if invite_tx == tx)
        );
        layer.assert_consistent();
        assert_eq!(
            layer.send_response(tx, Response::for_request(&request, 487), now),
            Ok(())
        );
        assert_eq!(
            layer.send_response(tx, Response::for_request(&request, 200), now),
            Err(Error::ResponseNotAllowed {
                status: 200,
                state: "Completed"
            })
        );
        layer.assert_consistent();
        layer.handle_timeout(now + Duration::from_secs(40));
        layer.assert_consistent();
        assert_eq!(layer.len(), 0);
        assert_eq!(
            layer.send_response(tx, Response::for_request(&request, 200), now),
            Err(Error::UnknownTransaction(tx))
        );
    }

    #[test]
    fn client_requests_need_a_branch_and_ack_is_refused() {
        let now = Instant::now();
        let dest = Peer::new(Transport::Udp, SocketAddr::from(([10, 0, 0, 2], 5060)));
        let mut layer = TransactionLayer::new(TimerConfig::default());
        assert_eq!(
            layer.send_request(request("ACK", "UDP"), dest, now),
            Err(Error::AckNotATransaction)
        );
        let mut no_branch = request("OPTIONS", "UDP");
        no_branch
            .headers
            .set(crate::message::HeaderName::Via, "SIP/2.0/UDP 10.0.0.1");
        assert_eq!(
            layer.send_request(no_branch, dest, now),
            Err(Error::MissingBranch)
        );
        assert!(
            layer
                .send_request(request("OPTIONS", "UDP"), dest, now)
                .is_ok()
        );
        assert_eq!(
            layer.send_request(request("OPTIONS", "UDP"), dest, now),
            Err(Error::DuplicateBranch("z9hG4bKx".to_owned()))
        );
        layer.assert_consistent();
    }
}
