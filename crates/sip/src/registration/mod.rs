//! Outbound registration (RFC 3261 §10.2): switchboard registering its Contact with a carrier's
//! registrar, answering digest challenges (RFC 3261 §22.2, RFC 7616, RFC 8760) and refreshing
//! the binding before it expires.
//!
//! ```text
//!               401/407 answered,
//!               423 with Min-Expires
//!                     ┌────┐
//!                     ▼    │                2xx
//!   new ───────▶ Registering ───────────────────────────▶ Registered ──┐ refresh due: REGISTER
//!                  ▲     │  ◀──── binding lapsed ───────   │    ▲      │ again (challenges and
//!         retry_at │     │ failure                         │    └──────┘ 423 answered), 2xx
//!                  │     ▼                                 │
//!                 Failed ◀────── failure of a refresh ─────┘
//!
//!   unregister(), any state ──▶ Unregistering ── final response or timeout ──▶ Unregistered
//!                                (challenges answered)
//! ```
//!
//! Sans-IO: the caller owns the transaction layer. Run loop:
//!
//! 1. [`Registration::poll_request`] until `None`; send each request with
//!    `TransactionLayer::send_request` to [`Registration::peer`]. At most one REGISTER is
//!    outstanding at any time.
//! 2. Feed the final response of that transaction to [`Registration::handle_response`], or its
//!    timeout (or a failure to send it) to [`Registration::handle_transaction_timeout`].
//!    Provisional responses and responses to older requests are ignored.
//! 3. At [`Registration::poll_timeout`] call [`Registration::handle_timeout`], then go to 1.
//!
//! Choices made here:
//!
//! - **Challenges.** From a 401 (`WWW-Authenticate`) or 407 (`Proxy-Authenticate`) we take the
//!   SHA-256 challenge when offered, else the first MD5 one; other algorithms are skipped. The
//!   chosen challenge is answered at once with `qop=auth` (when offered), a fresh `cnonce` and the
//!   nonce count incremented per request. It stays cached, so refreshes carry credentials up front
//!   and usually need no extra round trip (RFC 3261 §22.3). A 401/407 without `stale=true` to a
//!   request whose credentials answered the immediately preceding challenge, or that reused the
//!   same nonce, means the credentials are wrong: `Failed` (RFC 3261 §22.2: do not retry rejected
//!   credentials). This also stops a carrier that answers a wrong password with a fresh nonce
//!   each time. `stale=true` is answered with the new nonce and is not a failure.
//! - **Immediate resends** (challenge answers, 423 with a larger Min-Expires) are limited to
//!   [`MAX_IMMEDIATE_RESENDS`] per attempt; a registrar that keeps asking gets `Failed`.
//! - **Granted expiry**: the `expires` parameter of our Contact in the 2xx, else the 2xx's
//!   Expires header, else what we asked for. It counts from when the request was sent. A grant of
//!   0 means we are not bound: `Failed`.
//! - **Refresh** at `granted − min(granted / 2, 90 s)` after sending, never sooner than
//!   [`MIN_REFRESH_INTERVAL`] after the 2xx: 510 s for 600 s, 3510 s for 3600 s, half for short
//!   grants. 90 s before expiry leaves room for a refresh that times out over UDP (Timer F,
//!   32 s), one retry after backoff and a stale-nonce round trip before the binding lapses.
//!   While a refresh is under way the state stays `Registered`; when `expires_at` passes without
//!   a new 2xx it becomes `Registering`.
//! - **Backoff** after a failure: 30 s doubling per consecutive failure up to 30 min, each minus
//!   up to a quarter at random (so trunks that failed together do not retry together). A
//!   `Retry-After` longer than that is honoured, up to one hour. A 2xx resets the count.
//!   A transaction timeout counts as 408 (RFC 3261 §8.1.3.1); 3xx is not followed.
//! - **Unregister** sends our Contact with `Expires: 0` (never `*`, which would also remove other
//!   devices' bindings of the address-of-record), waiting for an outstanding REGISTER first. A
//!   challenge to it is answered like any other; any other final response or a timeout ends in
//!   `Unregistered`. Nothing is sent when no REGISTER ever was.
//! - **Response guard**: should a driver never report the outcome of a request, the request is
//!   treated as timed out [`RESPONSE_GUARD`] after it was handed out.

use std::fmt;
use std::time::{Duration, Instant};

mod response;

use response::{AuthKind, answers, granted_expires, min_expires, pick_challenge, retry_after};

use crate::auth::{Challenge, DigestRequest, client_response};
use crate::dialog::MAX_FORWARDS;
use crate::ids;
use crate::message::header::{NameAddr, Via};
use crate::message::{HeaderName, Host, Method, Request, Response, Uri};
use crate::transport::Peer;

/// Challenge answers and 423 retries allowed in a row before the attempt counts as failed.
pub const MAX_IMMEDIATE_RESENDS: u32 = 4;
/// The shortest time from a 2xx to the next refresh, whatever the registrar granted.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(30);
/// How long before the binding expires a refresh is sent, at most (see the module docs).
pub const REFRESH_MARGIN: Duration = Duration::from_secs(90);
/// The first retry delay after a failure.
pub const BACKOFF_INITIAL: Duration = Duration::from_secs(30);
/// The longest retry delay computed by backoff.
pub const BACKOFF_MAX: Duration = Duration::from_secs(30 * 60);
/// The longest `Retry-After` honoured.
pub const RETRY_AFTER_MAX: Duration = Duration::from_secs(60 * 60);
/// A request whose outcome was never reported counts as timed out after this long (well past
/// Timer F, 64·T1 = 32 s with the default T1).
pub const RESPONSE_GUARD: Duration = Duration::from_secs(60);

/// The status a transaction timeout stands for (RFC 3261 §8.1.3.1).
const TIMEOUT_STATUS: u16 = 408;

/// What to register where.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistrationConfig {
    /// The Request-URI: the carrier's registrar, e.g. `sip:sip.carrier.example`.
    pub registrar: Uri,
    /// The address-of-record put in From and To, e.g. `sip:user@carrier.example`.
    pub aor: Uri,
    /// Our Contact: where the carrier sends calls for the address-of-record.
    pub contact: Uri,
    /// The digest user name.
    pub username: String,
    /// The digest password; used only to answer challenges and never printed by `Debug`.
    pub password: String,
    /// The expiry asked for, in seconds.
    pub expires: u32,
    /// The sent-by host of our Via.
    pub via_host: Host,
    /// The sent-by port of our Via; `None` for the transport's default.
    pub via_port: Option<u16>,
    /// The Call-ID, kept across every REGISTER of this registration (RFC 3261 §10.2.4).
    pub call_id: String,
    /// Where to send, resolved by the caller; its transport goes into the Via.
    pub peer: Peer,
}

impl fmt::Debug for RegistrationConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistrationConfig")
            .field("registrar", &self.registrar.to_string())
            .field("aor", &self.aor.to_string())
            .field("contact", &self.contact.to_string())
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("expires", &self.expires)
            .field("via_host", &self.via_host)
            .field("via_port", &self.via_port)
            .field("call_id", &self.call_id)
            .field("peer", &self.peer)
            .finish()
    }
}

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationState {
    /// Not bound yet (first attempt, a retry, or a binding that lapsed): a REGISTER is due or
    /// under way.
    Registering,
    /// Bound until `expires_at`; a refresh is sent before then.
    Registered { expires_at: Instant },
    /// The last attempt failed with `status` (408 for no response); the next one is at `retry_at`.
    Failed { status: u16, retry_at: Instant },
    /// A REGISTER with `Expires: 0` is due or under way.
    Unregistering,
    /// Done: nothing more is sent.
    Unregistered,
}

/// The timers of a registration, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    /// A REGISTER is due: immediate resend, refresh, or retry after backoff.
    Send,
    /// The binding lapses.
    Expiry,
    /// The outstanding request's outcome is overdue.
    Guard,
}

/// A deadline per [`Timer`].
#[derive(Debug, Clone, Default)]
struct Timers([Option<Instant>; 3]);

impl Timers {
    fn slot(&mut self, t: Timer) -> &mut Option<Instant> {
        &mut self.0[t as usize]
    }
    fn get(&self, t: Timer) -> Option<Instant> {
        self.0[t as usize]
    }
    fn set(&mut self, t: Timer, at: Instant) {
        *self.slot(t) = Some(at);
    }
    fn clear(&mut self, t: Timer) {
        *self.slot(t) = None;
    }
    fn is_due(&self, t: Timer, now: Instant) -> bool {
        self.get(t).is_some_and(|at| at <= now)
    }
    fn next(&self) -> Option<Instant> {
        self.0.iter().flatten().min().copied()
    }
}

/// The challenge we answer for one header pair.
#[derive(Debug, Clone)]
struct Answer {
    challenge: Challenge,
    /// The last nonce count used with this nonce.
    nc: u32,
    /// Not yet sent since the challenge arrived.
    fresh: bool,
}

/// Credentials carried by the outstanding request.
#[derive(Debug, Clone)]
struct Sent {
    nonce: String,
    /// They answered the challenge of the response just before.
    fresh: bool,
}

/// The REGISTER handed out and not yet answered.
#[derive(Debug, Clone)]
struct InFlight {
    cseq: u32,
    /// The Expires asked for.
    expires: u32,
    /// It is the un-REGISTER.
    unregister: bool,
    sent_at: Instant,
    www: Option<Sent>,
    proxy: Option<Sent>,
}

/// One outbound registration; see the module docs.
#[derive(Debug)]
pub struct Registration {
    config: RegistrationConfig,
    state: RegistrationState,
    timers: Timers,
    /// The CSeq of the last request; requests number from 1.
    cseq: u32,
    /// Our From tag, the same on every request.
    from_tag: String,
    /// The expiry to ask for (raised by 423).
    expires: u32,
    in_flight: Option<InFlight>,
    www: Option<Answer>,
    proxy: Option<Answer>,
    /// Immediate resends in the current attempt.
    resends: u32,
    /// Consecutive failed attempts, for backoff.
    failures: u32,
    /// Responses that matched no outstanding request.
    stray_responses: u64,
    rng: fastrand::Rng,
}

impl Registration {
    /// A registration whose first REGISTER is due at `now`.
    pub fn new(config: RegistrationConfig, now: Instant) -> Registration {
        let mut timers = Timers::default();
        timers.set(Timer::Send, now);
        Registration {
            expires: config.expires,
            config,
            state: RegistrationState::Registering,
            timers,
            cseq: 0,
            from_tag: ids::new_tag(),
            in_flight: None,
            www: None,
            proxy: None,
            resends: 0,
            failures: 0,
            stray_responses: 0,
            rng: fastrand::Rng::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RegistrationConfig {
        &self.config
    }

    /// Where requests go.
    pub fn peer(&self) -> Peer {
        self.config.peer
    }

    /// Where the registration stands.
    pub fn state(&self) -> RegistrationState {
        self.state
    }

    /// Responses ignored because they answered no outstanding request (late, duplicated or
    /// foreign).
    pub fn stray_responses(&self) -> u64 {
        self.stray_responses
    }

    /// The next deadline: call [`Registration::handle_timeout`] then (and
    /// [`Registration::poll_request`] after it).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// The REGISTER to send now, if one is due and none is outstanding.
    pub fn poll_request(&mut self, now: Instant) -> Option<Request> {
        if self.in_flight.is_some() || !self.timers.is_due(Timer::Send, now) {
            return None;
        }
        self.timers.clear(Timer::Send);
        let unregister = self.state == RegistrationState::Unregistering;
        let expires = match self.state {
            RegistrationState::Unregistered => return None,
            RegistrationState::Unregistering => 0,
            RegistrationState::Failed { .. } => {
                self.state = RegistrationState::Registering;
                self.expires
            }
            RegistrationState::Registering | RegistrationState::Registered { .. } => self.expires,
        };
        self.cseq = self.cseq.wrapping_add(1).max(1);
        let mut req = self.base_request(expires);
        let www = self.add_credentials(&mut req, AuthKind::Www);
        let proxy = self.add_credentials(&mut req, AuthKind::Proxy);
        self.in_flight = Some(InFlight {
            cseq: self.cseq,
            expires,
            unregister,
            sent_at: now,
            www,
            proxy,
        });
        self.timers.set(Timer::Guard, now + RESPONSE_GUARD);
        Some(req)
    }

    /// Handles a response to one of our REGISTERs.
    pub fn handle_response(&mut self, resp: &Response, now: Instant) {
        if resp.is_provisional() {
            return;
        }
        let Some(sent) = self
            .in_flight
            .take_if(|f| answers(resp, f.cseq, &self.config.call_id))
        else {
            self.stray_responses += 1;
            return;
        };
        self.timers.clear(Timer::Guard);
        if self.state == RegistrationState::Unregistering {
            self.finish_unregister(Some(resp), &sent, now);
            return;
        }
        match resp.status {
            200..=299 => self.on_success(resp, &sent, now),
            401 | 407 => {
                if self.take_challenge(resp, &sent) {
                    self.resend(resp.status, now);
                } else {
                    self.fail(resp.status, None, now);
                }
            }
            423 => match min_expires(resp) {
                Some(min) if min > self.expires => {
                    self.expires = min;
                    self.resend(423, now);
                }
                _ => self.fail(423, None, now),
            },
            status => self.fail(status, retry_after(resp), now),
        }
    }

    /// The outstanding request's transaction timed out or could not be sent.
    pub fn handle_transaction_timeout(&mut self, now: Instant) {
        let Some(sent) = self.in_flight.take() else {
            return;
        };
        self.timers.clear(Timer::Guard);
        if self.state == RegistrationState::Unregistering {
            self.finish_unregister(None, &sent, now);
        } else {
            self.fail(TIMEOUT_STATUS, None, now);
        }
    }

    /// Acts on the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.timers.is_due(Timer::Guard, now) {
            self.timers.clear(Timer::Guard);
            self.handle_transaction_timeout(now);
        }
        if self.timers.is_due(Timer::Expiry, now) {
            self.timers.clear(Timer::Expiry);
            if matches!(self.state, RegistrationState::Registered { .. }) {
                self.state = RegistrationState::Registering;
            }
        }
        if self.timers.is_due(Timer::Send, now) {
            if let RegistrationState::Failed { .. } = self.state {
                self.state = RegistrationState::Registering;
            }
        }
    }

    /// Removes our binding: sends our Contact with `Expires: 0` (after the outstanding
    /// REGISTER, if any) and ends in `Unregistered`.
    pub fn unregister(&mut self, now: Instant) {
        if matches!(
            self.state,
            RegistrationState::Unregistering | RegistrationState::Unregistered
        ) {
            return;
        }
        self.timers.clear(Timer::Expiry);
        self.timers.clear(Timer::Send);
        self.resends = 0;
        if self.cseq == 0 {
            self.state = RegistrationState::Unregistered;
            return;
        }
        self.state = RegistrationState::Unregistering;
        if self.in_flight.is_none() {
            self.timers.set(Timer::Send, now);
        }
    }

    /// The REGISTER without credentials.
    fn base_request(&self, expires: u32) -> Request {
        let cfg = &self.config;
        let mut req = Request::new(Method::Register, cfg.registrar.clone());
        let mut via = Via::new(
            cfg.peer.transport,
            cfg.via_host.clone(),
            cfg.via_port,
            &ids::new_branch(),
        );
        via.params.set("rport", None);
        let mut from = NameAddr::new(cfg.aor.clone());
        from.set_tag(&self.from_tag);
        let h = &mut req.headers;
        h.push(HeaderName::Via, via.to_string());
        h.push(HeaderName::MaxForwards, MAX_FORWARDS.to_string());
        h.push(HeaderName::From, from.to_string());
        h.push(HeaderName::To, NameAddr::new(cfg.aor.clone()).to_string());
        h.push(HeaderName::CallId, cfg.call_id.clone());
        h.push(HeaderName::CSeq, format!("{} REGISTER", self.cseq));
        h.push(
            HeaderName::Contact,
            NameAddr::new(cfg.contact.clone()).to_string(),
        );
        h.push(HeaderName::Expires, expires.to_string());
        req
    }

    /// Adds credentials for the cached challenge of `kind`, if any, and says what was sent.
    fn add_credentials(&mut self, req: &mut Request, kind: AuthKind) -> Option<Sent> {
        let uri = req.uri.to_string();
        let cfg = &self.config;
        let answer = match kind {
            AuthKind::Www => self.www.as_mut(),
            AuthKind::Proxy => self.proxy.as_mut(),
        }?;
        answer.nc = answer.nc.saturating_add(1);
        let digest_req = DigestRequest {
            method: Method::Register.as_str(),
            uri: &uri,
            body: &req.body,
        };
        let creds = client_response(
            &answer.challenge,
            &cfg.username,
            &cfg.password,
            &digest_req,
            &ids::new_cnonce(),
            answer.nc,
        );
        req.headers
            .push(kind.credentials_header(), creds.to_string());
        let sent = Sent {
            nonce: answer.challenge.nonce.clone(),
            fresh: answer.fresh,
        };
        answer.fresh = false;
        Some(sent)
    }

    /// Takes the challenge of a 401/407 if it should be answered (see the module docs).
    fn take_challenge(&mut self, resp: &Response, sent: &InFlight) -> bool {
        let kind = if resp.status == 407 {
            AuthKind::Proxy
        } else {
            AuthKind::Www
        };
        let Some(challenge) = pick_challenge(resp, kind) else {
            return false;
        };
        let previous = match kind {
            AuthKind::Www => &sent.www,
            AuthKind::Proxy => &sent.proxy,
        };
        if !challenge.stale {
            if let Some(p) = previous {
                if p.fresh || p.nonce == challenge.nonce {
                    return false;
                }
            }
        }
        let answer = Some(Answer {
            challenge,
            nc: 0,
            fresh: true,
        });
        match kind {
            AuthKind::Www => self.www = answer,
            AuthKind::Proxy => self.proxy = answer,
        }
        true
    }

    /// Sends again at once, unless this attempt already did so too often.
    fn resend(&mut self, status: u16, now: Instant) {
        self.resends += 1;
        if self.resends > MAX_IMMEDIATE_RESENDS {
            self.fail(status, None, now);
        } else {
            self.timers.set(Timer::Send, now);
        }
    }

    fn on_success(&mut self, resp: &Response, sent: &InFlight, now: Instant) {
        let granted = granted_expires(resp, &self.config.contact).unwrap_or(sent.expires);
        if granted == 0 {
            self.fail(resp.status, None, now);
            return;
        }
        self.resends = 0;
        self.failures = 0;
        let granted = Duration::from_secs(granted.into());
        let expires_at = sent.sent_at + granted;
        let margin = (granted / 2).min(REFRESH_MARGIN);
        let refresh_at = (sent.sent_at + (granted - margin)).max(now + MIN_REFRESH_INTERVAL);
        self.state = RegistrationState::Registered { expires_at };
        self.timers.set(Timer::Expiry, expires_at);
        self.timers.set(Timer::Send, refresh_at);
    }

    /// Ends the attempt with `status` and schedules the retry.
    fn fail(&mut self, status: u16, retry_after: Option<Duration>, now: Instant) {
        self.resends = 0;
        self.failures = self.failures.saturating_add(1);
        let delay = self
            .backoff()
            .max(retry_after.unwrap_or_default().min(RETRY_AFTER_MAX));
        let retry_at = now + delay;
        self.state = RegistrationState::Failed { status, retry_at };
        self.timers.clear(Timer::Expiry);
        self.timers.set(Timer::Send, retry_at);
    }

    /// The backoff for the current failure count, less up to a quarter at random.
    fn backoff(&mut self) -> Duration {
        let doublings = self.failures.saturating_sub(1).min(16);
        let base = BACKOFF_INITIAL
            .saturating_mul(1 << doublings)
            .min(BACKOFF_MAX);
        let millis = u64::try_from(base.as_millis()).unwrap_or(u64::MAX);
        base - Duration::from_millis(self.rng.u64(0..=millis / 4))
    }

    /// The un-REGISTER's outcome (or that of the REGISTER it waited for): answer a challenge,
    /// send the un-REGISTER if it was waiting, else done.
    fn finish_unregister(&mut self, resp: Option<&Response>, sent: &InFlight, now: Instant) {
        let challenged = resp.is_some_and(|r| matches!(r.status, 401 | 407));
        let waiting = !sent.unregister;
        let answer = challenged && resp.is_some_and(|r| self.take_challenge(r, sent));
        if waiting || (answer && self.resends < MAX_IMMEDIATE_RESENDS) {
            self.resends += 1;
            self.timers.set(Timer::Send, now);
        } else {
            self.state = RegistrationState::Unregistered;
            self.timers = Timers::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Algorithm, Credentials, Qop};
    use crate::transport::Transport;

    fn config() -> RegistrationConfig {
        RegistrationConfig {
            registrar: Uri::parse("sip:sip.carrier.example").expect("uri"),
            aor: Uri::parse("sip:trunk1@carrier.example").expect("uri"),
            contact: Uri::parse("sip:trunk1@198.51.100.7:5060").expect("uri"),
            username: "trunk1".into(),
            password: "secret".into(),
            expires: 600,
            via_host: Host::parse("198.51.100.7").expect("host"),
            via_port: Some(5060),
            call_id: "reg-1@198.51.100.7".into(),
            peer: Peer::new(Transport::Udp, "203.0.113.5:5060".parse().expect("addr")),
        }
    }

    fn challenge(alg: Algorithm, nonce: &str, stale: bool) -> String {
        Challenge {
            realm: "carrier.example".into(),
            nonce: nonce.into(),
            algorithm: alg,
            qop: vec![Qop::Auth],
            stale,
            opaque: None,
        }
        .to_string()
    }

    fn respond(req: &Request, status: u16, headers: &[(HeaderName, String)]) -> Response {
        let mut r = Response::for_request(req, status);
        for (n, v) in headers {
            r.headers.push(n.clone(), v.clone());
        }
        r
    }

    #[test]
    fn request_carries_the_mandatory_headers_and_parses() {
        let now = Instant::now();
        let mut reg = Registration::new(config(), now);
        let req = reg.poll_request(now).expect("first REGISTER");
        assert!(reg.poll_request(now).is_none(), "one at a time");
        let parsed = match crate::Message::parse(req.encode()) {
            Ok(crate::Message::Request(r)) => r,
            other => panic!("REGISTER does not parse: {other:?}"),
        };
        assert_eq!(parsed.method, Method::Register);
        assert_eq!(parsed.cseq().map(|c| c.seq), Ok(1));
        assert_eq!(parsed.call_id(), Ok("reg-1@198.51.100.7"));
        assert_eq!(parsed.expires(), Ok(Some(600)));
        let via = parsed.top_via().expect("via");
        assert!(via.branch().is_some_and(|b| b.starts_with("z9hG4bK")));
        assert_eq!(via.rport(), Some(None));
        assert!(parsed.from().expect("from").tag().is_some());
        assert!(parsed.to().expect("to").tag().is_none());
        assert!(!format!("{:?}", reg.config()).contains("secret"));
    }

    #[test]
    fn prefers_sha256_and_answers_proxy_challenges_with_proxy_authorization() {
        let now = Instant::now();
        let mut reg = Registration::new(config(), now);
        let req = reg.poll_request(now).expect("REGISTER");
        let md5 = challenge(Algorithm::Md5, "n1", false);
        let sha = challenge(Algorithm::Sha256, "n1", false);
        let resp = respond(
            &req,
            407,
            &[
                (HeaderName::ProxyAuthenticate, md5),
                (HeaderName::ProxyAuthenticate, sha),
            ],
        );
        reg.handle_response(&resp, now);
        let req = reg.poll_request(now).expect("answer");
        assert!(req.headers.get(&HeaderName::Authorization).is_none());
        let creds = Credentials::parse(
            req.headers
                .get(&HeaderName::ProxyAuthorization)
                .expect("proxy credentials"),
        )
        .expect("credentials parse");
        assert_eq!(creds.algorithm, Algorithm::Sha256);
        assert_eq!(creds.nc, Some(1));
        assert_eq!(creds.uri, "sip:sip.carrier.example");
    }

    #[test]
    fn unsupported_algorithms_only_is_a_failure() {
        let now = Instant::now();
        let mut reg = Registration::new(config(), now);
        let req = reg.poll_request(now).expect("REGISTER");
        let v = "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256".to_owned();
        reg.handle_response(
            &respond(&req, 401, &[(HeaderName::WwwAuthenticate, v)]),
            now,
        );
        assert!(matches!(
            reg.state(),
            RegistrationState::Failed { status: 401, .. }
        ));
    }

    #[test]
    fn responses_to_other_requests_are_strays() {
        let now = Instant::now();
        let mut reg = Registration::new(config(), now);
        let req = reg.poll_request(now).expect("REGISTER");
        let mut other = respond(&req, 200, &[]);
        other.headers.set(HeaderName::CSeq, "7 REGISTER");
        reg.handle_response(&other, now);
        reg.handle_response(&respond(&req, 100, &[]), now);
        assert_eq!(reg.stray_responses(), 1);
        assert_eq!(reg.state(), RegistrationState::Registering);
        reg.handle_response(&respond(&req, 200, &[]), now);
        assert!(matches!(reg.state(), RegistrationState::Registered { .. }));
    }

    #[test]
    fn granted_expiry_prefers_our_contact_then_the_header() {
        let now = Instant::now();
        let mut reg = Registration::new(config(), now);
        let req = reg.poll_request(now).expect("REGISTER");
        let resp = respond(
            &req,
            200,
            &[
                (
                    HeaderName::Contact,
                    "<sip:other@192.0.2.1>;expires=50".into(),
                ),
                (
                    HeaderName::Contact,
                    "<sip:trunk1@198.51.100.7:5060>;expires=300".into(),
                ),
                (HeaderName::Expires, "900".into()),
            ],
        );
        assert_eq!(granted_expires(&resp, &reg.config.contact), Some(300));
        let only_header = respond(&req, 200, &[(HeaderName::Expires, "900".into())]);
        assert_eq!(
            granted_expires(&only_header, &reg.config.contact),
            Some(900)
        );
        reg.handle_response(&resp, now);
        assert_eq!(
            reg.state(),
            RegistrationState::Registered {
                expires_at: now + Duration::from_secs(300)
            }
        );
        // Half of 300 s is less than the 90 s margin allows: refresh at 210 s.
        assert_eq!(reg.poll_timeout(), Some(now + Duration::from_secs(210)));
    }

    #[test]
    fn backoff_doubles_to_the_cap_with_bounded_jitter() {
        let mut reg = Registration::new(config(), Instant::now());
        for n in 1..=12u32 {
            reg.failures = n;
            let base = BACKOFF_INITIAL
                .saturating_mul(1 << (n - 1).min(16))
                .min(BACKOFF_MAX);
            let d = reg.backoff();
            assert!(d <= base && d >= base * 3 / 4, "{n}: {d:?} vs {base:?}");
        }
    }
}
