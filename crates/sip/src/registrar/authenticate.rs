//! The registrar's digest check (RFC 3261 §22.4, RFC 7616 §3.4–§3.5, RFC 8760 §2.4): building
//! the 401 challenges and verifying `Authorization` credentials. The policy (which failure gives
//! which status) is described in the parent module's docs.

use super::location::uri_equivalent;
use super::{Registrar, Reject, response_to};
use crate::Error;
use crate::auth::{Challenge, Credentials, NonceCountCheck, NonceStatus, Qop};
use crate::message::{HeaderName, Request, Response, Uri};

/// Stands in for the HA1 of a user that does not exist, so that an unknown user costs the same
/// hashing as a known one.
const ABSENT_HA1: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl Registrar {
    /// A 401 with one challenge per configured algorithm, in the configured order, sharing one
    /// fresh nonce.
    pub(crate) fn challenge(&mut self, req: &Request, stale: bool, unix_now: u64) -> Response {
        let nonce = self.nonces.issue(&self.config.realm, unix_now);
        let mut r = response_to(req, 401);
        for &algorithm in &self.config.algorithms {
            let c = Challenge {
                realm: self.config.realm.clone(),
                nonce: nonce.clone(),
                algorithm,
                qop: vec![Qop::Auth],
                stale,
                opaque: None,
            };
            r.headers.push(HeaderName::WwwAuthenticate, c.to_string());
        }
        r
    }

    /// Checks the request's credentials for the address-of-record `aor_user`.
    pub(crate) fn authenticate(
        &mut self,
        req: &Request,
        aor_user: &str,
        unix_now: u64,
    ) -> Result<(), Reject> {
        let creds = self.credentials_for_realm(req)?;
        if !self.config.algorithms.contains(&creds.algorithm.base()) {
            return Err(Reject::Challenge { stale: false });
        }
        let issued_at = match self
            .nonces
            .verify(&creds.nonce, &self.config.realm, unix_now)
        {
            NonceStatus::Fresh { issued_at } => issued_at,
            NonceStatus::Stale => return Err(Reject::Challenge { stale: true }),
            NonceStatus::Invalid => return Err(Reject::Challenge { stale: false }),
        };
        if !names_request_uri(&creds.uri, &req.uri) {
            return Err(Reject::Status(400));
        }
        let account = self.accounts.get(&creds.username);
        let ha1 = account.map_or(ABSENT_HA1, |a| a.ha1(creds.algorithm));
        let verified = creds.verify(ha1, req.method.as_str(), &req.body);
        if !verified || account.is_none() || creds.username != aor_user {
            return Err(Reject::Status(403));
        }
        // We always challenge with qop="auth"; answering without qop leaves no nonce count to
        // stop replays.
        let Some(nc) = creds.nc.filter(|_| creds.qop.is_some()) else {
            return Err(Reject::Status(403));
        };
        // Only now, with the digest verified, may the count be recorded: otherwise a forger
        // could use up counts and lock the real client out.
        match self.counts.check(
            &creds.nonce,
            issued_at,
            nc,
            unix_now,
            self.nonces.lifetime(),
        ) {
            NonceCountCheck::Accepted => Ok(()),
            NonceCountCheck::Replayed | NonceCountCheck::Forgotten => {
                Err(Reject::Challenge { stale: true })
            }
        }
    }

    /// The Digest credentials for our realm, if any. Credentials for other realms and other
    /// schemes are ignored (RFC 3261 §22.4); unparseable ones give 400 unless usable ones exist.
    fn credentials_for_realm(&self, req: &Request) -> Result<Credentials, Reject> {
        let mut malformed = false;
        for value in req.headers.get_all(&HeaderName::Authorization) {
            match Credentials::parse(value) {
                Ok(c) if c.realm == self.config.realm => return Ok(c),
                Ok(_) | Err(Error::AuthSchemeNotDigest | Error::DigestUnsupportedAlgorithm(_)) => {}
                Err(_) => malformed = true,
            }
        }
        Err(if malformed {
            Reject::Status(400)
        } else {
            Reject::Challenge { stale: false }
        })
    }
}

/// Whether the digest `uri` directive names the Request-URI: compared as URIs when it parses
/// (clients differ in case and parameter order), else as text.
fn names_request_uri(digest_uri: &str, request_uri: &Uri) -> bool {
    match Uri::parse(digest_uri) {
        Ok(u) => uri_equivalent(&u, request_uri),
        Err(_) => digest_uri.eq_ignore_ascii_case(&request_uri.to_string()),
    }
}
