//! A simulated carrier for the outbound registration tests: switchboard's [`Registration`]
//! sends through a real client [`TransactionLayer`] to a carrier that is the project's own
//! [`Registrar`], optionally overridden by scripted answers. The clock jumps to the next deadline
//! of either state machine; nothing sleeps.
//!
//! Test files declare `mod registrar_support;` before `mod registration_support;`.

#![allow(dead_code)]

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;
use sip::auth::{Algorithm, Challenge, Credentials, Qop};
use sip::registrar::{Registrar, RegistrarConfig};
use sip::registration::{Registration, RegistrationConfig, RegistrationState};
use sip::transaction::{TimerConfig, TransactionLayer, TxEvent};
use sip::transport::{Peer, Transport};
use sip::{HeaderName, Host, Message, Request, Response, Uri};

use crate::registrar_support::{REALM, UNIX0, registrar_with};

/// Where switchboard sends its REGISTERs, and where it says it is.
pub const CARRIER_ADDR: &str = "203.0.113.5:5060";
pub const OUR_ADDR: &str = "198.51.100.7:5060";
pub const CALL_ID: &str = "trunk-reg-1@198.51.100.7";

/// The registration of user 1001 at the test registrar's realm.
pub fn config(password: &str, expires: u32) -> RegistrationConfig {
    RegistrationConfig {
        registrar: Uri::parse(&format!("sip:{REALM}")).expect("registrar uri"),
        aor: Uri::parse(&format!("sip:1001@{REALM}")).expect("aor"),
        contact: Uri::parse(&format!("sip:1001@{OUR_ADDR}")).expect("contact"),
        username: "1001".into(),
        password: password.into(),
        expires,
        via_host: Host::parse("198.51.100.7").expect("host"),
        via_port: Some(5060),
        call_id: CALL_ID.into(),
        peer: Peer::new(
            Transport::Udp,
            CARRIER_ADDR.parse().expect("carrier address"),
        ),
    }
}

/// How the carrier answers one REGISTER.
pub enum Answer {
    /// The registrar decides.
    Registrar,
    /// This status with these extra headers.
    Status(u16, Vec<(HeaderName, String)>),
    /// No answer at all (the client transaction times out).
    Drop,
}

/// A rule consulted once the script is used up; `None` lets the registrar answer.
pub type Rule = Box<dyn FnMut(&Request, u64) -> Option<Answer>>;

/// The registrar behind scripted answers.
pub struct Carrier {
    pub registrar: Registrar,
    /// Answers for the next REGISTERs, in order, before the rule and the registrar.
    pub script: VecDeque<Answer>,
    pub rule: Option<Rule>,
    /// REGISTERs answered so far, including dropped ones.
    pub seen: u64,
}

impl Carrier {
    fn answer(&mut self, req: &Request, now: Instant, unix: u64) -> Option<Response> {
        self.seen += 1;
        let seen = self.seen;
        let answer = self
            .script
            .pop_front()
            .or_else(|| self.rule.as_mut().and_then(|r| r(req, seen)))
            .unwrap_or(Answer::Registrar);
        let source = Peer::new(Transport::Udp, OUR_ADDR.parse().expect("our address"));
        match answer {
            Answer::Registrar => Some(
                self.registrar
                    .handle_register(req, source, now, unix)
                    .response,
            ),
            Answer::Status(status, headers) => {
                let mut r = Response::for_request(req, status);
                r.headers
                    .set(HeaderName::To, format!("<sip:1001@{REALM}>;tag=carrier"));
                for (name, value) in headers {
                    r.headers.push(name, value);
                }
                Some(r)
            }
            Answer::Drop => None,
        }
    }
}

/// A request as sent, with the simulated time it left.
#[derive(Debug, Clone)]
pub struct Sent {
    pub at: Duration,
    pub request: Request,
}

impl Sent {
    pub fn cseq(&self) -> u32 {
        self.request.cseq().expect("CSeq").seq
    }
    pub fn expires(&self) -> Option<u32> {
        self.request.expires().expect("Expires")
    }
    pub fn credentials(&self) -> Option<Credentials> {
        self.request
            .headers
            .get(&HeaderName::Authorization)
            .map(|v| Credentials::parse(v).expect("our credentials parse"))
    }
    pub fn secs(&self) -> f64 {
        self.at.as_secs_f64()
    }
}

/// The registration, the client transaction layer, the carrier and the clock.
pub struct Sim {
    pub start: Instant,
    pub now: Instant,
    pub registration: Registration,
    pub layer: TransactionLayer,
    pub carrier: Carrier,
    /// Every REGISTER handed out by the registration, in order.
    pub sent: Vec<Sent>,
    /// Every state the registration was seen in, with the time, when it changed.
    pub states: Vec<(Duration, RegistrationState)>,
    /// Bindings the registrar let lapse.
    pub lapses: usize,
    branches: HashSet<String>,
}

impl Sim {
    /// A registration with `config` against a registrar with `registrar` policy.
    pub fn new(config: RegistrationConfig, registrar: RegistrarConfig) -> Sim {
        let start = Instant::now();
        let registration = Registration::new(config, start);
        let state = registration.state();
        Sim {
            start,
            now: start,
            registration,
            layer: TransactionLayer::new(TimerConfig::default()),
            carrier: Carrier {
                registrar: registrar_with(registrar),
                script: VecDeque::new(),
                rule: None,
                seen: 0,
            },
            sent: Vec::new(),
            states: vec![(Duration::ZERO, state)],
            lapses: 0,
            branches: HashSet::new(),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    pub fn unix(&self) -> u64 {
        UNIX0 + self.elapsed().as_secs()
    }

    pub fn state(&self) -> RegistrationState {
        self.registration.state()
    }

    /// Runs until `secs` seconds after the start.
    pub fn run_until(&mut self, secs: u64) {
        let end = self.start + Duration::from_secs(secs);
        let mut steps = 0u32;
        loop {
            self.pump();
            let next = [
                self.registration.poll_timeout(),
                self.layer.poll_timeout(),
                self.carrier.registrar.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.registration.handle_timeout(self.now);
                    self.layer.handle_timeout(self.now);
                    let lapsed = self.carrier.registrar.expire(self.now);
                    self.lapses += lapsed.len();
                }
                _ => break,
            }
            steps += 1;
            assert!(steps < 100_000, "no progress at {:?}", self.elapsed());
        }
        self.now = self.now.max(end);
        self.pump();
    }

    /// Runs for `secs` more seconds.
    pub fn run_for(&mut self, secs: u64) {
        let until = self.elapsed().as_secs() + secs;
        self.run_until(until);
    }

    /// Exchanges everything that can be exchanged at `now`.
    pub fn pump(&mut self) {
        loop {
            let mut progress = false;
            while let Some(req) = self.registration.poll_request(self.now) {
                progress = true;
                let branch = req
                    .top_via()
                    .expect("Via")
                    .branch()
                    .expect("branch")
                    .to_owned();
                assert!(self.branches.insert(branch), "a branch was reused");
                self.sent.push(Sent {
                    at: self.elapsed(),
                    request: req.clone(),
                });
                let peer = self.registration.peer();
                if self.layer.send_request(req, peer, self.now).is_err() {
                    self.registration.handle_transaction_timeout(self.now);
                }
            }
            while let Some(t) = self.layer.poll_transmit() {
                let Ok(Message::Request(req)) = Message::parse(t.data) else {
                    continue;
                };
                let branch = req.top_via().expect("Via").branch().map(str::to_owned);
                // Retransmissions of a REGISTER the carrier chose to ignore stay ignored.
                let first = self.carrier_seen_branch(branch);
                if !first {
                    continue;
                }
                let (now, unix) = (self.now, self.unix());
                if let Some(resp) = self.carrier.answer(&req, now, unix) {
                    let wire = Message::parse(Bytes::from(resp.encode().to_vec()))
                        .expect("the carrier's response parses");
                    self.layer
                        .handle_message(wire, self.registration.peer(), self.now);
                }
                progress = true;
            }
            while let Some(event) = self.layer.poll_event() {
                progress = true;
                match event {
                    TxEvent::Response { response, .. } => {
                        self.registration.handle_response(&response, self.now)
                    }
                    TxEvent::Timeout { .. } => {
                        self.registration.handle_transaction_timeout(self.now)
                    }
                    _ => {}
                }
            }
            self.record_state();
            if !progress {
                break;
            }
        }
    }

    fn carrier_seen_branch(&mut self, branch: Option<String>) -> bool {
        let key = format!("carrier:{}", branch.unwrap_or_default());
        self.branches.insert(key)
    }

    fn record_state(&mut self) {
        let state = self.registration.state();
        if self.states.last().map(|(_, s)| *s) != Some(state) {
            self.states.push((self.elapsed(), state));
        }
    }

    /// The requests sent within `[from, to)` seconds.
    pub fn sent_between(&self, from: u64, to: u64) -> Vec<&Sent> {
        self.sent
            .iter()
            .filter(|s| s.at >= Duration::from_secs(from) && s.at < Duration::from_secs(to))
            .collect()
    }

    /// Whether the registrar holds our binding now.
    pub fn bound(&self) -> bool {
        self.carrier
            .registrar
            .location()
            .lookup("1001")
            .iter()
            .any(|b| b.contact.to_string() == format!("sip:1001@{OUR_ADDR}"))
    }
}

/// A `WWW-Authenticate` value for the test realm.
pub fn challenge(algorithm: Algorithm, nonce: &str, stale: bool) -> String {
    Challenge {
        realm: REALM.into(),
        nonce: nonce.into(),
        algorithm,
        qop: vec![Qop::Auth],
        stale,
        opaque: None,
    }
    .to_string()
}

/// Whether a state is `Failed` with `status`.
pub fn failed_with(state: RegistrationState, status: u16) -> bool {
    matches!(state, RegistrationState::Failed { status: s, .. } if s == status)
}
