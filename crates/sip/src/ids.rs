//! Identifier generation for the UA core: tags (RFC 3261 §19.3), Call-IDs (§8.1.1.4), branches
//! (§8.1.1.7, with the `z9hG4bK` magic cookie) and client nonces for digest (RFC 7616 §3.4).
//!
//! Identifiers must be unique across space and time and hard to guess: a predictable tag or
//! branch lets an off-path attacker forge a BYE or CANCEL. Each thread keeps a fast generator
//! seeded once from the operating system's random source; secrets (the nonce key) never come from
//! here but straight from the OS (see `auth::NonceService`).

use std::cell::RefCell;
use std::fmt::Write as _;

/// The RFC 3261 §8.1.1.7 magic cookie that marks a branch as globally unique.
pub const BRANCH_COOKIE: &str = "z9hG4bK";

thread_local! {
    static RNG: RefCell<fastrand::Rng> = RefCell::new(seeded_rng());
}

/// A generator seeded from the OS. Should the OS source fail, fastrand's own seeding (time and
/// thread identity) still gives distinct values, only less unpredictable ones.
fn seeded_rng() -> fastrand::Rng {
    let mut seed = [0u8; 8];
    match getrandom::fill(&mut seed) {
        Ok(()) => fastrand::Rng::with_seed(u64::from_le_bytes(seed)),
        Err(_) => fastrand::Rng::new(),
    }
}

/// `words` random 64-bit words as lowercase hex.
fn random_hex(words: usize) -> String {
    RNG.with(|rng| {
        let mut rng = rng.borrow_mut();
        let mut out = String::with_capacity(words * 16);
        for _ in 0..words {
            // Writing to a String cannot fail.
            let _ = write!(out, "{:016x}", rng.u64(..));
        }
        out
    })
}

/// A From/To tag: 64 random bits (RFC 3261 §19.3 asks for at least 32).
pub fn new_tag() -> String {
    random_hex(1)
}

/// A Call-ID: 128 random bits, then `@host` so ids from different hosts never collide.
pub fn new_call_id(host: &str) -> String {
    let mut id = random_hex(2);
    if !host.is_empty() {
        id.push('@');
        id.push_str(host);
    }
    id
}

/// A Via branch: the magic cookie followed by 128 random bits.
pub fn new_branch() -> String {
    let mut branch = String::with_capacity(BRANCH_COOKIE.len() + 32);
    branch.push_str(BRANCH_COOKIE);
    branch.push_str(&random_hex(2));
    branch
}

/// A digest client nonce (`cnonce`, RFC 7616 §3.4): 128 random bits.
pub fn new_cnonce() -> String {
    random_hex(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn branches_carry_the_magic_cookie_and_are_unique() {
        let branches: HashSet<String> = (0..10_000).map(|_| new_branch()).collect();
        assert_eq!(branches.len(), 10_000);
        assert!(
            branches
                .iter()
                .all(|b| b.starts_with(BRANCH_COOKIE) && b.len() == 39)
        );
    }

    #[test]
    fn call_ids_end_with_the_host() {
        let id = new_call_id("pbx.example.com");
        assert!(id.ends_with("@pbx.example.com"));
        assert_eq!(id.len(), 32 + 1 + "pbx.example.com".len());
        assert_ne!(new_call_id("h"), new_call_id("h"));
        assert!(!new_call_id("").contains('@'));
    }

    #[test]
    fn tags_and_cnonces_are_hex_tokens() {
        let tag = new_tag();
        assert_eq!(tag.len(), 16);
        assert!(tag.bytes().all(|b| b.is_ascii_hexdigit()));
        let cnonce = new_cnonce();
        assert_eq!(cnonce.len(), 32);
        assert_ne!(cnonce, new_cnonce());
    }

    #[test]
    fn threads_get_independent_streams() {
        let here = new_tag();
        let there = std::thread::spawn(new_tag).join().ok();
        assert_ne!(Some(here), there);
    }
}
