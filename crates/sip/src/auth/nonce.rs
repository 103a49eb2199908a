//! Stateless server nonces (RFC 7616 §3.3 and §5.4 "the nonce ... should be uniquely generated
//! each time a 401 response is made", §3.4 `stale`).
//!
//! A nonce is `hex(issued_at) || hex(salt) || hex(HMAC-SHA256(key, issued_at || salt || realm))`,
//! the MAC truncated to 128 bits. The registrar keeps no state per challenge: any nonce whose MAC
//! verifies was issued by us for this realm, and its age says whether it is still fresh. The salt
//! makes two nonces issued in the same second differ, which the nonce-count window relies on.
//! Time comes in as unix seconds from the caller; nothing here reads a clock.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::digest::hex;
use crate::Error;

type HmacSha256 = Hmac<Sha256>;

/// How long a nonce is accepted, in seconds, unless configured otherwise.
pub const DEFAULT_NONCE_LIFETIME: u64 = 300;
/// Nonces stamped this far in the future (a clock stepped back) still count as ours but stale.
const CLOCK_SKEW: u64 = 5;
const MAC_LEN: usize = 16;
const NONCE_LEN: usize = 16 + 16 + MAC_LEN * 2;

/// What [`NonceService::verify`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceStatus {
    /// Ours and within its lifetime; `issued_at` is its unix time.
    Fresh { issued_at: u64 },
    /// Ours but expired: challenge again with `stale=true` (the password was not the problem).
    Stale,
    /// Not a nonce we issued for this realm (forged, truncated, or from another server).
    Invalid,
}

/// Issues and checks HMAC nonces with a secret key.
pub struct NonceService {
    key: [u8; 32],
    lifetime: u64,
    salt: fastrand::Rng,
}

impl fmt::Debug for NonceService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key must never reach a log.
        f.debug_struct("NonceService")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl NonceService {
    /// A service with a fresh 32-byte key from the operating system's random source.
    pub fn new(lifetime_secs: u64) -> Result<NonceService, Error> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|_| Error::RandomUnavailable)?;
        Ok(NonceService::with_key(key, lifetime_secs))
    }

    /// A service with a given key: for tests, and for several processes sharing one key.
    pub fn with_key(key: [u8; 32], lifetime_secs: u64) -> NonceService {
        // The salt only has to be unique, not secret; seed it from the key so tests stay
        // reproducible.
        let seed = key
            .iter()
            .fold(0u64, |acc, b| acc.rotate_left(8) ^ u64::from(*b));
        NonceService {
            key,
            lifetime: lifetime_secs,
            salt: fastrand::Rng::with_seed(seed),
        }
    }

    /// Seconds a nonce stays fresh.
    pub fn lifetime(&self) -> u64 {
        self.lifetime
    }

    /// A new nonce for `realm`, stamped `unix_now`.
    pub fn issue(&mut self, realm: &str, unix_now: u64) -> String {
        let salt = self.salt.u64(..);
        let mac = self.mac(unix_now, salt, realm);
        let mut nonce = format!("{unix_now:016x}{salt:016x}");
        nonce.push_str(&hex(&mac));
        nonce
    }

    /// Checks that `nonce` is ours for `realm` and how old it is at `unix_now`.
    pub fn verify(&self, nonce: &str, realm: &str, unix_now: u64) -> NonceStatus {
        let Some((issued_at, salt, mac)) = split(nonce) else {
            return NonceStatus::Invalid;
        };
        // `verify_truncated_left` compares in constant time.
        if self
            .hmac(issued_at, salt, realm)
            .verify_truncated_left(&mac)
            .is_err()
        {
            return NonceStatus::Invalid;
        }
        let too_old = unix_now.saturating_sub(issued_at) > self.lifetime;
        let from_future = issued_at > unix_now.saturating_add(CLOCK_SKEW);
        if too_old || from_future {
            NonceStatus::Stale
        } else {
            NonceStatus::Fresh { issued_at }
        }
    }

    fn hmac(&self, issued_at: u64, salt: u64, realm: &str) -> HmacSha256 {
        // An HMAC takes keys of any length, so this cannot fail; the fallback is unreachable.
        let mut m = HmacSha256::new_from_slice(&self.key)
            .unwrap_or_else(|_| HmacSha256::new(&Default::default()));
        m.update(&issued_at.to_be_bytes());
        m.update(&salt.to_be_bytes());
        m.update(realm.as_bytes());
        m
    }

    fn mac(&self, issued_at: u64, salt: u64, realm: &str) -> [u8; MAC_LEN] {
        let full = self.hmac(issued_at, salt, realm).finalize().into_bytes();
        let mut out = [0u8; MAC_LEN];
        out.copy_from_slice(&full[..MAC_LEN]);
        out
    }
}

/// Splits a nonce into its time, salt and MAC; `None` for anything not shaped like ours.
fn split(nonce: &str) -> Option<(u64, u64, [u8; MAC_LEN])> {
    if nonce.len() != NONCE_LEN || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let issued_at = u64::from_str_radix(nonce.get(..16)?, 16).ok()?;
    let salt = u64::from_str_radix(nonce.get(16..32)?, 16).ok()?;
    let mut mac = [0u8; MAC_LEN];
    for (i, byte) in mac.iter_mut().enumerate() {
        let at = 32 + i * 2;
        *byte = u8::from_str_radix(nonce.get(at..at + 2)?, 16).ok()?;
    }
    Some((issued_at, salt, mac))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_780_000_000;

    fn service() -> NonceService {
        NonceService::with_key([7; 32], 300)
    }

    #[test]
    fn a_fresh_nonce_verifies_until_its_lifetime_ends() {
        let mut s = service();
        let n = s.issue("switchboard", T0);
        assert_eq!(n.len(), NONCE_LEN);
        assert_eq!(
            s.verify(&n, "switchboard", T0),
            NonceStatus::Fresh { issued_at: T0 }
        );
        assert_eq!(
            s.verify(&n, "switchboard", T0 + 300),
            NonceStatus::Fresh { issued_at: T0 }
        );
        assert_eq!(s.verify(&n, "switchboard", T0 + 301), NonceStatus::Stale);
    }

    #[test]
    fn nonces_issued_in_the_same_second_differ() {
        let mut s = service();
        assert_ne!(s.issue("r", T0), s.issue("r", T0));
    }

    #[test]
    fn another_realm_or_key_or_a_tampered_nonce_is_invalid() {
        let mut s = service();
        let n = s.issue("switchboard", T0);
        assert_eq!(s.verify(&n, "other", T0), NonceStatus::Invalid);
        assert_eq!(
            NonceService::with_key([8; 32], 300).verify(&n, "switchboard", T0),
            NonceStatus::Invalid
        );
        // Moving the timestamp forward to extend the lifetime breaks the MAC.
        let forged = format!("{:016x}{}", T0 + 1000, &n[16..]);
        assert_eq!(
            s.verify(&forged, "switchboard", T0 + 1000),
            NonceStatus::Invalid
        );
        assert_eq!(
            s.verify(&n[..NONCE_LEN - 1], "switchboard", T0),
            NonceStatus::Invalid
        );
        assert_eq!(s.verify("", "switchboard", T0), NonceStatus::Invalid);
        let non_hex = format!("{}g", &n[..NONCE_LEN - 1]);
        assert_eq!(s.verify(&non_hex, "switchboard", T0), NonceStatus::Invalid);
    }

    #[test]
    fn a_nonce_from_the_future_is_stale_not_fresh() {
        let mut s = service();
        let n = s.issue("r", T0 + 60);
        assert_eq!(s.verify(&n, "r", T0), NonceStatus::Stale);
    }

    #[test]
    fn os_keys_differ_and_debug_hides_them() {
        let a = NonceService::new(300).expect("OS random source");
        let b = NonceService::new(300).expect("OS random source");
        assert_ne!(a.key, b.key);
        assert!(!format!("{a:?}").contains("key"));
    }
}
