//! What a registrar's final response to our REGISTER says (RFC 3261 §10.2): whether it answers
//! the outstanding request, the digest challenge to answer (RFC 3261 §22.2, RFC 8760 §2.4), the
//! expiry granted (§10.2.4), Min-Expires (§10.2.8) and Retry-After (§20.33).

use std::time::Duration;

use crate::auth::{Algorithm, Challenge};
use crate::message::header::Contact;
use crate::message::{HeaderName, Method, Response, Uri};
use crate::registrar::uri_equivalent;

/// Which authentication header pair a challenge came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AuthKind {
    /// 401: `WWW-Authenticate` answered by `Authorization`.
    Www,
    /// 407: `Proxy-Authenticate` answered by `Proxy-Authorization`.
    Proxy,
}

impl AuthKind {
    pub(super) fn challenge_header(self) -> HeaderName {
        match self {
            AuthKind::Www => HeaderName::WwwAuthenticate,
            AuthKind::Proxy => HeaderName::ProxyAuthenticate,
        }
    }
    pub(super) fn credentials_header(self) -> HeaderName {
        match self {
            AuthKind::Www => HeaderName::Authorization,
            AuthKind::Proxy => HeaderName::ProxyAuthorization,
        }
    }
}

/// Whether `resp` is the final response to our REGISTER with CSeq `cseq`.
pub(super) fn answers(resp: &Response, cseq: u32, call_id: &str) -> bool {
    resp.cseq()
        .is_ok_and(|c| c.seq == cseq && c.method == Method::Register)
        && resp.call_id().is_ok_and(|id| id == call_id)
}

/// The challenge of `kind` to answer: SHA-256 when offered, else the first MD5 one.
pub(super) fn pick_challenge(resp: &Response, kind: AuthKind) -> Option<Challenge> {
    let header = kind.challenge_header();
    let usable: Vec<Challenge> = resp
        .headers
        .get_all(&header)
        .filter_map(|v| Challenge::parse(v).ok())
        .filter(|c| matches!(c.algorithm, Algorithm::Sha256 | Algorithm::Md5))
        .collect();
    let sha256 = usable.iter().position(|c| c.algorithm == Algorithm::Sha256);
    let index = sha256.unwrap_or(0);
    usable.into_iter().nth(index)
}

/// The expiry a 2xx granted our contact: its `expires` parameter, else the Expires header.
pub(super) fn granted_expires(resp: &Response, ours: &Uri) -> Option<u32> {
    let contacts = resp.contacts().unwrap_or_default();
    let listed = contacts.iter().find_map(|c| match c {
        Contact::Addr { addr } if uri_equivalent(&addr.uri, ours) => c.expires(),
        _ => None,
    });
    listed.or_else(|| resp.expires().ok().flatten())
}

/// The Min-Expires of a 423.
pub(super) fn min_expires(resp: &Response) -> Option<u32> {
    leading_number(resp.headers.get(&HeaderName::MinExpires)?)
}

/// The delta-seconds of a Retry-After (RFC 3261 §20.33), comment and parameters ignored.
pub(super) fn retry_after(resp: &Response) -> Option<Duration> {
    let value = resp.headers.get(&HeaderName::Other("Retry-After".into()))?;
    leading_number(value).map(|s| Duration::from_secs(s.into()))
}

/// The decimal number at the start of `value`, saturating at `u32::MAX`.
fn leading_number(value: &str) -> Option<u32> {
    let value = value.trim_start();
    let end = value
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(value.len());
    let digits = value.get(..end).filter(|d| !d.is_empty())?;
    Some(digits.parse().unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Qop;

    fn challenge(algorithm: Algorithm, nonce: &str) -> String {
        Challenge {
            realm: "carrier.example".into(),
            nonce: nonce.into(),
            algorithm,
            qop: vec![Qop::Auth],
            stale: false,
            opaque: None,
        }
        .to_string()
    }

    #[test]
    fn sha256_is_preferred_then_the_first_md5() {
        let mut r = Response::new(401);
        r.headers.push(
            HeaderName::WwwAuthenticate,
            "Digest realm=\"r\", nonce=\"a\", algorithm=AKAv1-MD5",
        );
        r.headers
            .push(HeaderName::WwwAuthenticate, challenge(Algorithm::Md5, "m1"));
        r.headers
            .push(HeaderName::WwwAuthenticate, challenge(Algorithm::Md5, "m2"));
        let nonce = |r: &Response| pick_challenge(r, AuthKind::Www).map(|c| c.nonce);
        assert_eq!(nonce(&r), Some("m1".into()));
        r.headers.push(
            HeaderName::WwwAuthenticate,
            challenge(Algorithm::Sha256, "s1"),
        );
        assert_eq!(nonce(&r), Some("s1".into()));
        assert_eq!(pick_challenge(&r, AuthKind::Proxy), None);
    }

    #[test]
    fn leading_numbers() {
        assert_eq!(leading_number("120 (maintenance);duration=60"), Some(120));
        assert_eq!(leading_number(" 5"), Some(5));
        assert_eq!(leading_number("x"), None);
        assert_eq!(leading_number("99999999999"), Some(u32::MAX));
    }
}
