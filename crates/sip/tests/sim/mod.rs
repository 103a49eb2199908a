//! Deterministic two-party harness for the transaction layer scenario tests.
//!
//! Two [`TransactionLayer`]s (the UAC at 10.0.0.1, the UAS at 10.0.0.2), each with a small
//! scripted TU, exchange datagrams over a simulated network that loses and delays packets with a
//! seeded generator. The clock jumps straight to the earliest deadline: both layers'
//! `poll_timeout`, both TUs' own timers and the next packet delivery. Nothing sleeps, and a seed
//! always replays the same run.

// Each scenario file uses a different part of the harness.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sip::message::{HeaderName, Message, Request, Response};
use sip::transaction::{TimerConfig, TransactionLayer, TxEvent};
use sip::transport::{Peer, Transport};

pub mod tu;

/// Which end of the simulated link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Uac,
    Uas,
}

pub const UAC_ADDR: &str = "10.0.0.1:5060";
pub const UAS_ADDR: &str = "10.0.0.2:5060";

pub fn addr(s: &str) -> SocketAddr {
    s.parse()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 5060)))
}

/// A transaction user script driven by the harness.
pub trait Tu {
    /// The layer reported `event`.
    fn on_event(&mut self, layer: &mut TransactionLayer, event: TxEvent, now: Instant);
    /// The TU's own next deadline (e.g. 2xx retransmission, a delayed answer).
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
    /// The clock reached [`Tu::poll_timeout`].
    fn handle_timeout(&mut self, _layer: &mut TransactionLayer, _now: Instant) {}
}

/// How the simulated network treats packets.
#[derive(Debug, Clone, Copy)]
pub struct NetConfig {
    pub transport: Transport,
    /// Probability in 0..=1 that a packet is lost.
    pub loss: f64,
    pub min_delay: Duration,
    /// With `max_delay > min_delay` packets may overtake each other.
    pub max_delay: Duration,
}

impl NetConfig {
    /// UDP with `loss` and 20..80 ms of jitter.
    pub fn udp(loss: f64) -> NetConfig {
        NetConfig {
            transport: Transport::Udp,
            loss,
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(80),
        }
    }

    /// UDP with `loss` and a fixed 40 ms delay, so packets keep their order.
    pub fn udp_in_order(loss: f64) -> NetConfig {
        NetConfig {
            transport: Transport::Udp,
            loss,
            min_delay: Duration::from_millis(40),
            max_delay: Duration::from_millis(40),
        }
    }

    /// A loss-free, in-order stream transport with a fixed 30 ms delay.
    pub fn tcp() -> NetConfig {
        NetConfig {
            transport: Transport::Tcp,
            loss: 0.0,
            min_delay: Duration::from_millis(30),
            max_delay: Duration::from_millis(30),
        }
    }
}

/// One message put on the wire (whether or not the network then lost it).
#[derive(Debug, Clone)]
pub struct Wire {
    pub at: Duration,
    pub from: Side,
    pub first_line: String,
    pub delivered: bool,
}

/// A layer and its TU.
pub struct Endpoint<T> {
    pub layer: TransactionLayer,
    pub tu: T,
    pub addr: SocketAddr,
}

struct Packet {
    at: Instant,
    seq: u64,
    to: Side,
    data: Bytes,
}

/// The simulation: two endpoints, the network and the clock.
pub struct Sim<A, B> {
    pub start: Instant,
    pub now: Instant,
    pub uac: Endpoint<A>,
    pub uas: Endpoint<B>,
    pub net: NetConfig,
    rng: fastrand::Rng,
    in_flight: Vec<Packet>,
    seq: u64,
    pub wire: Vec<Wire>,
}

impl<A: Tu, B: Tu> Sim<A, B> {
    pub fn new(seed: u64, net: NetConfig, uac: A, uas: B) -> Sim<A, B> {
        let start = Instant::now();
        Sim {
            start,
            now: start,
            uac: Endpoint {
                layer: TransactionLayer::new(TimerConfig::default()),
                tu: uac,
                addr: addr(UAC_ADDR),
            },
            uas: Endpoint {
                layer: TransactionLayer::new(TimerConfig::default()),
                tu: uas,
                addr: addr(UAS_ADDR),
            },
            net,
            rng: fastrand::Rng::with_seed(seed),
            in_flight: Vec::new(),
            seq: 0,
            wire: Vec::new(),
        }
    }

    /// The UAS as the UAC addresses it.
    pub fn uas_peer(&self) -> Peer {
        Peer::new(self.net.transport, self.uas.addr)
    }

    /// Time since the start of the run.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Lets the UAC's TU act now (e.g. send the first request).
    pub fn uac_acts(&mut self, f: impl FnOnce(&mut TransactionLayer, &mut A, Instant)) {
        f(&mut self.uac.layer, &mut self.uac.tu, self.now);
        self.drain();
    }

    /// Runs until nothing is left to happen or `limit` of simulated time has passed.
    pub fn run_for(&mut self, limit: Duration) {
        let end = self.start + limit;
        self.drain();
        while let Some(next) = self.next_deadline() {
            if next > end {
                break;
            }
            self.now = self.now.max(next);
            self.deliver_due();
            self.uac.layer.handle_timeout(self.now);
            self.uas.layer.handle_timeout(self.now);
            if self.uac.tu.poll_timeout().is_some_and(|t| t <= self.now) {
                self.uac.tu.handle_timeout(&mut self.uac.layer, self.now);
            }
            if self.uas.tu.poll_timeout().is_some_and(|t| t <= self.now) {
                self.uas.tu.handle_timeout(&mut self.uas.layer, self.now);
            }
            self.drain();
        }
    }

    /// How many messages `from` put on the wire whose first line starts with `prefix`.
    pub fn sent(&self, from: Side, prefix: &str) -> usize {
        self.wire
            .iter()
            .filter(|w| w.from == from && w.first_line.starts_with(prefix))
            .count()
    }

    /// The first lines `from` sent, in order (for failure messages).
    pub fn lines(&self, from: Side) -> Vec<String> {
        self.wire
            .iter()
            .filter(|w| w.from == from)
            .map(|w| {
                format!(
                    "{:?} {}{}",
                    w.at,
                    w.first_line,
                    if w.delivered { "" } else { " (lost)" }
                )
            })
            .collect()
    }

    fn next_deadline(&self) -> Option<Instant> {
        [
            self.uac.layer.poll_timeout(),
            self.uas.layer.poll_timeout(),
            self.uac.tu.poll_timeout(),
            self.uas.tu.poll_timeout(),
            self.in_flight.iter().map(|p| p.at).min(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Moves every output of both layers onto the network and every event to its TU, until both
    /// are quiet (a TU reacting to an event produces more output).
    fn drain(&mut self) {
        loop {
            let mut busy = false;
            while let Some(t) = self.uac.layer.poll_transmit() {
                assert_eq!(t.dest.addr, self.uas.addr, "UAC sends only to the UAS");
                self.send(Side::Uac, t.data);
                busy = true;
            }
            while let Some(t) = self.uas.layer.poll_transmit() {
                assert_eq!(
                    t.dest.addr, self.uac.addr,
                    "UAS answers to the source address"
                );
                self.send(Side::Uas, t.data);
                busy = true;
            }
            while let Some(ev) = self.uac.layer.poll_event() {
                self.uac.tu.on_event(&mut self.uac.layer, ev, self.now);
                busy = true;
            }
            while let Some(ev) = self.uas.layer.poll_event() {
                self.uas.tu.on_event(&mut self.uas.layer, ev, self.now);
                busy = true;
            }
            if !busy {
                return;
            }
        }
    }

    fn send(&mut self, from: Side, data: Bytes) {
        let first_line = data
            .split(|b| *b == b'\r')
            .next()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .unwrap_or_default();
        let lost = self.rng.f64() < self.net.loss;
        self.wire.push(Wire {
            at: self.elapsed(),
            from,
            first_line,
            delivered: !lost,
        });
        if lost {
            return;
        }
        let spread = self.net.max_delay.saturating_sub(self.net.min_delay);
        let jitter = spread.mul_f64(self.rng.f64());
        let to = match from {
            Side::Uac => Side::Uas,
            Side::Uas => Side::Uac,
        };
        self.seq += 1;
        self.in_flight.push(Packet {
            at: self.now + self.net.min_delay + jitter,
            seq: self.seq,
            to,
            data,
        });
    }

    fn deliver_due(&mut self) {
        let now = self.now;
        let mut due: Vec<Packet> = Vec::new();
        let mut i = 0;
        while i < self.in_flight.len() {
            if self.in_flight[i].at <= now {
                due.push(self.in_flight.swap_remove(i));
            } else {
                i += 1;
            }
        }
        due.sort_by_key(|p| (p.at, p.seq));
        for p in due {
            let msg = match Message::parse(p.data.clone()) {
                Ok(msg) => msg,
                Err(e) => panic!("unparseable message on the wire: {e}: {:?}", p.data),
            };
            let transport = self.net.transport;
            match p.to {
                Side::Uas => {
                    let source = Peer::new(transport, self.uac.addr);
                    self.uas.layer.handle_message(msg, source, now);
                }
                Side::Uac => {
                    let source = Peer::new(transport, self.uas.addr);
                    self.uac.layer.handle_message(msg, source, now);
                }
            }
            self.drain();
        }
    }
}

/// The identity of one call as the UAC sees it, and a builder for its requests.
#[derive(Debug, Clone)]
pub struct Call {
    pub transport: Transport,
    pub call_id: String,
    pub from_tag: String,
    /// The UAS's tag once a response carried it.
    pub to_tag: Option<String>,
}

impl Call {
    pub fn new(transport: Transport, call_id: &str) -> Call {
        Call {
            transport,
            call_id: call_id.to_owned(),
            from_tag: "uac-tag".to_owned(),
            to_tag: None,
        }
    }

    /// A request of this call with a fresh branch.
    pub fn request(&self, method: &str, cseq: u32) -> Request {
        self.request_with_branch(method, cseq, &sip::transaction::new_branch())
    }

    pub fn request_with_branch(&self, method: &str, cseq: u32, branch: &str) -> Request {
        let to_tag = self
            .to_tag
            .as_deref()
            .map(|t| format!(";tag={t}"))
            .unwrap_or_default();
        let text = format!(
            "{method} sip:100@{UAS_ADDR} SIP/2.0\r\n\
             Via: SIP/2.0/{} {UAC_ADDR};branch={branch};rport\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:caller@{UAC_ADDR}>;tag={}\r\n\
             To: <sip:100@{UAS_ADDR}>{to_tag}\r\n\
             Call-ID: {}\r\n\
             CSeq: {cseq} {method}\r\n\
             Contact: <sip:caller@{UAC_ADDR}>\r\n\
             Content-Length: 0\r\n\r\n",
            self.transport, self.from_tag, self.call_id
        );
        parse_request(&text)
    }
}

/// Parses a request written by a test.
pub fn parse_request(text: &str) -> Request {
    match Message::parse(Bytes::from(text.to_owned())) {
        Ok(Message::Request(r)) => r,
        other => panic!("test request does not parse: {other:?}"),
    }
}

/// A response to `req`, with `to_tag` added to To (except on 100 Trying).
pub fn respond(req: &Request, status: u16, to_tag: &str) -> Response {
    let mut resp = Response::for_request(req, status);
    if status > 100 {
        if let Some(to) = resp.headers.get(&HeaderName::To).map(str::to_owned) {
            if !to.contains(";tag=") {
                resp.headers
                    .set(HeaderName::To, format!("{to};tag={to_tag}"));
            }
        }
    }
    resp
}

/// The tag in a response's To header.
pub fn to_tag(resp: &Response) -> Option<String> {
    resp.headers
        .get(&HeaderName::To)
        .and_then(|to| to.split(";tag=").nth(1))
        .map(|t| t.split(';').next().unwrap_or(t).to_owned())
}
