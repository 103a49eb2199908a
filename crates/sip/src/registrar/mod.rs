//! The registrar (RFC 3261 §10.3) with its location service, authenticating REGISTERs with
//! digest (RFC 3261 §22, RFC 7616, RFC 8760).
//!
//! Sans-IO: [`Registrar::handle_register`] takes a parsed REGISTER, the peer it came from, the
//! monotonic `now` (binding expiry) and the wall-clock `unix_now` (nonce timestamps), and returns
//! the response to send and the binding changes to act on (an agent whose first binding appears is
//! logged in; one whose last binding goes is logged out). The driver calls
//! [`Registrar::expire`] at [`Registrar::poll_timeout`].
//!
//! Request processing, in the order of RFC 3261 §10.3:
//!
//! 1. The address-of-record is the user part of To; none gives 404.
//! 2. Authentication (`authenticate.rs`): no usable credentials for our realm, an unknown
//!    or forged nonce, or an unsupported algorithm give 401 with one challenge per configured
//!    algorithm, both `qop="auth"`. The default order is MD5 first, then SHA-256: RFC 8760 §2.4
//!    has the client use the first challenge it supports, but many deployed phones (and sipp)
//!    read only the first WWW-Authenticate and fail on SHA-256; deployments whose phones all
//!    support SHA-256 put it first or alone (`RegistrarConfig::algorithms`).
//!    An expired nonce or a nonce count already used gives 401 with `stale=true`. Wrong
//!    credentials give **403**, not another 401: a phone configured with a wrong password
//!    retries a 401 at once and forever, and a password guesser gets nothing new from a fresh
//!    challenge either. Unknown users get the same 403 after the same amount of hashing, so
//!    responses do not tell which users exist. Credentials for another user than the To user
//!    (third-party registration) give 403. A digest `uri` that does not name the Request-URI gives
//!    400 (RFC 7616 §3.4.6).
//! 3. Binding updates (`bindings.rs`), all-or-nothing (§10.3 step 8): `Contact: *` needs
//!    `Expires: 0` and no other Contact (else 400); an expiry below the minimum but not 0 gives
//!    423 with Min-Expires; expiries above the maximum are shortened; a REGISTER with the same
//!    Call-ID as a binding and a CSeq not above it is out of order and fails with 500
//!    (§10.3 step 7 aborts the update; step 8 names 500 for a failed update).
//! 4. 200 lists every current binding with its remaining `expires`; a REGISTER without Contact
//!    is a query and changes nothing.

mod account;
mod authenticate;
mod bindings;
mod location;

use std::collections::HashMap;
use std::time::Instant;

pub use account::Account;
pub use location::{Binding, BindingChange, ChangeKind, Location, uri_equivalent};

use crate::Error;
use crate::auth::{DEFAULT_NONCE_LIFETIME, DEFAULT_WINDOW_CAPACITY, NonceCounts, NonceService};
use crate::ids;
use crate::message::{HeaderName, Method, Request, Response};
use crate::transport::Peer;

/// Registrar policy; [`RegistrarConfig::new`] gives the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrarConfig {
    /// The digest realm challenged with.
    pub realm: String,
    /// Expiries below this (except 0) get 423 Interval Too Brief (RFC 3261 §10.3 step 7).
    pub min_expires: u32,
    /// Expiries above this are shortened to it.
    pub max_expires: u32,
    /// Expiry when neither the Contact nor the request says (RFC 3261 §10.2.1.1 suggests 3600).
    pub default_expires: u32,
    /// Seconds a nonce stays fresh.
    pub nonce_lifetime: u64,
    /// Nonces tracked by the nonce-count replay window.
    pub nonce_window: usize,
    /// Bindings kept per user; beyond it the binding closest to expiry is dropped.
    pub max_bindings_per_user: usize,
    /// Digest algorithms challenged with, in this order; credentials using another algorithm
    /// are challenged again. Must not be empty.
    pub algorithms: Vec<crate::auth::Algorithm>,
}

impl RegistrarConfig {
    /// Defaults: expiries 60..=3600 s (default 3600), nonces fresh for 5 minutes, 10 bindings per
    /// user.
    pub fn new(realm: &str) -> RegistrarConfig {
        RegistrarConfig {
            realm: realm.to_owned(),
            min_expires: 60,
            max_expires: 3600,
            default_expires: 3600,
            nonce_lifetime: DEFAULT_NONCE_LIFETIME,
            nonce_window: DEFAULT_WINDOW_CAPACITY,
            max_bindings_per_user: 10,
            algorithms: vec![crate::auth::Algorithm::Md5, crate::auth::Algorithm::Sha256],
        }
    }
}

/// What a REGISTER produced: the response to send back, and the binding changes it made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterOutcome {
    pub response: Response,
    pub changes: Vec<BindingChange>,
}

/// Why a REGISTER was not applied; turned into a response in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reject {
    /// 401 with fresh challenges.
    Challenge { stale: bool },
    /// 423 with Min-Expires.
    IntervalTooBrief,
    /// Any other final status.
    Status(u16),
}

/// The registrar: accounts, nonces, replay window and the location service.
#[derive(Debug)]
pub struct Registrar {
    config: RegistrarConfig,
    accounts: HashMap<String, Account>,
    location: Location,
    nonces: NonceService,
    counts: NonceCounts,
}

impl Registrar {
    /// A registrar with a nonce key from the operating system's random source.
    pub fn new(config: RegistrarConfig) -> Result<Registrar, Error> {
        let nonces = NonceService::new(config.nonce_lifetime)?;
        Ok(Registrar::with_nonces(config, nonces))
    }

    /// A registrar with a given nonce key (tests; several processes sharing nonces).
    pub fn with_nonce_key(config: RegistrarConfig, key: [u8; 32]) -> Registrar {
        let nonces = NonceService::with_key(key, config.nonce_lifetime);
        Registrar::with_nonces(config, nonces)
    }

    fn with_nonces(config: RegistrarConfig, nonces: NonceService) -> Registrar {
        Registrar {
            counts: NonceCounts::new(config.nonce_window),
            config,
            accounts: HashMap::new(),
            location: Location::new(),
            nonces,
        }
    }

    /// The policy in force.
    pub fn config(&self) -> &RegistrarConfig {
        &self.config
    }

    /// Adds or replaces an account (keyed by user name).
    pub fn add_account(&mut self, account: Account) {
        self.accounts.insert(account.user.clone(), account);
    }

    /// Removes an account and its bindings.
    pub fn remove_account(&mut self, user: &str) -> Vec<BindingChange> {
        self.accounts.remove(user);
        self.location.remove_user(user)
    }

    /// The location service, for routing requests to users.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The next binding expiry: call [`Registrar::expire`] then.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.location.poll_timeout()
    }

    /// Drops the bindings that expired at or before `now`.
    pub fn expire(&mut self, now: Instant) -> Vec<BindingChange> {
        self.location.expire(now)
    }

    /// Processes a REGISTER (see the module docs for the rules).
    pub fn handle_register(
        &mut self,
        req: &Request,
        source: Peer,
        now: Instant,
        unix_now: u64,
    ) -> RegisterOutcome {
        match self.process(req, source, now, unix_now) {
            Ok((response, changes)) => RegisterOutcome { response, changes },
            Err(reject) => RegisterOutcome {
                response: self.reject(req, reject, unix_now),
                changes: Vec::new(),
            },
        }
    }

    fn process(
        &mut self,
        req: &Request,
        source: Peer,
        now: Instant,
        unix_now: u64,
    ) -> Result<(Response, Vec<BindingChange>), Reject> {
        if req.method != Method::Register {
            return Err(Reject::Status(405));
        }
        let to = req.to().map_err(|_| Reject::Status(400))?;
        let user = to
            .uri
            .user
            .clone()
            .filter(|u| !u.is_empty())
            .ok_or(Reject::Status(404))?;
        self.authenticate(req, &user, unix_now)?;
        let update = bindings::Update {
            user: &user,
            call_id: req.call_id().map_err(|_| Reject::Status(400))?,
            cseq: req.cseq().map_err(|_| Reject::Status(400))?.seq,
            header_expires: req.expires().map_err(|_| Reject::Status(400))?,
            contacts: req.contacts().map_err(|_| Reject::Status(400))?,
            source,
            now,
        };
        let changes = bindings::apply(&mut self.location, &self.config, &update)?;
        let mut ok = response_to(req, 200);
        for b in self.location.lookup(&user) {
            ok.headers
                .push(HeaderName::Contact, bindings::contact_value(b, now));
        }
        Ok((ok, changes))
    }

    /// Authenticates any request of `user` (e.g. a phone's INVITE dialling out) by the same
    /// digest rules as REGISTER: `Ok` for valid fresh credentials of that account, else the
    /// response to send (401 with challenges, 403, 400).
    pub fn authorize(&mut self, req: &Request, user: &str, unix_now: u64) -> Result<(), Response> {
        match self.authenticate(req, user, unix_now) {
            Ok(()) => Ok(()),
            Err(reject) => Err(self.reject(req, reject, unix_now)),
        }
    }

    fn reject(&mut self, req: &Request, reject: Reject, unix_now: u64) -> Response {
        match reject {
            Reject::Challenge { stale } => self.challenge(req, stale, unix_now),
            Reject::IntervalTooBrief => {
                let mut r = response_to(req, 423);
                r.headers
                    .push(HeaderName::MinExpires, self.config.min_expires.to_string());
                r
            }
            Reject::Status(status) => response_to(req, status),
        }
    }
}

/// A response to `req` with a To tag added when the request had none (RFC 3261 §8.2.6.2).
pub(crate) fn response_to(req: &Request, status: u16) -> Response {
    let mut r = Response::for_request(req, status);
    if let Ok(mut to) = r.to() {
        if to.tag().is_none() {
            to.set_tag(&ids::new_tag());
            r.headers.set(HeaderName::To, to.to_string());
        }
    }
    r
}
