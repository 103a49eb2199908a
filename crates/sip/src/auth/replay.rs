//! The nonce-count replay window (RFC 7616 §3.4 and §5.5: "the server ... can detect replays by
//! checking that the nonce-count value is not repeated").
//!
//! For each nonce that authenticated a request we keep the highest `nc` seen and a 64-bit bitmap
//! of the counts just below it, like an IPsec anti-replay window: a client may send several
//! requests with one nonce that arrive out of order, but no count is accepted twice.
//!
//! Memory is bounded. Entries leave when their nonce expires, or, under pressure, oldest first;
//! then every nonce issued no later than the evicted one is answered "forgotten" (the caller
//! challenges again with `stale=true`) so that eviction never reopens a replay.

use std::collections::{HashMap, VecDeque};

/// Nonces tracked at once unless configured otherwise.
pub const DEFAULT_WINDOW_CAPACITY: usize = 16_384;
const WINDOW_BITS: u32 = 64;

/// The verdict on one nonce count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceCountCheck {
    /// First use of this count with this nonce: accept, it is now recorded.
    Accepted,
    /// Seen before (or zero, or too far behind the highest): a replay.
    Replayed,
    /// This nonce may have been evicted from memory: challenge again with `stale=true`.
    Forgotten,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    issued_at: u64,
    highest: u32,
    /// Bit i set: count `highest - i` was seen.
    seen: u64,
}

/// Bounded map of nonces that authenticated something → the counts they were used with.
#[derive(Debug)]
pub struct NonceCounts {
    windows: HashMap<String, Window>,
    order: VecDeque<String>,
    capacity: usize,
    /// Nonces issued at or before this time and absent from `windows` may have been evicted.
    forgotten_up_to: Option<u64>,
}

impl NonceCounts {
    /// A window for at most `capacity` nonces (at least one).
    pub fn new(capacity: usize) -> NonceCounts {
        NonceCounts {
            windows: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
            forgotten_up_to: None,
        }
    }

    /// Nonces currently remembered.
    pub fn len(&self) -> usize {
        self.windows.len()
    }

    /// Whether no nonce is remembered.
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// Checks count `nc` for a verified `nonce` issued at `issued_at` and records it when
    /// accepted. Call only after the digest itself verified, or a forger could burn counts.
    /// `lifetime` is the nonce lifetime, used to drop entries that can no longer be fresh.
    pub fn check(
        &mut self,
        nonce: &str,
        issued_at: u64,
        nc: u32,
        unix_now: u64,
        lifetime: u64,
    ) -> NonceCountCheck {
        if nc == 0 {
            return NonceCountCheck::Replayed;
        }
        self.drop_expired(unix_now, lifetime);
        if let Some(w) = self.windows.get_mut(nonce) {
            return w.record(nc);
        }
        if self.forgotten_up_to.is_some_and(|t| issued_at <= t) {
            return NonceCountCheck::Forgotten;
        }
        while self.windows.len() >= self.capacity {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(w) = self.windows.remove(&oldest) {
                self.forgotten_up_to = Some(
                    self.forgotten_up_to
                        .map_or(w.issued_at, |t| t.max(w.issued_at)),
                );
            }
        }
        let mut w = Window {
            issued_at,
            highest: 0,
            seen: 0,
        };
        let verdict = w.record(nc);
        self.windows.insert(nonce.to_owned(), w);
        self.order.push_back(nonce.to_owned());
        verdict
    }

    /// Drops entries from the front whose nonce is past its lifetime (they verify as stale, so
    /// no count of theirs can be accepted any more).
    fn drop_expired(&mut self, unix_now: u64, lifetime: u64) {
        while let Some(front) = self.order.front() {
            let expired = self
                .windows
                .get(front)
                .is_none_or(|w| w.issued_at.saturating_add(lifetime) < unix_now);
            if !expired {
                break;
            }
            if let Some(front) = self.order.pop_front() {
                self.windows.remove(&front);
            }
        }
    }
}

impl Window {
    fn record(&mut self, nc: u32) -> NonceCountCheck {
        if nc > self.highest {
            let shift = nc - self.highest;
            self.seen = if shift >= WINDOW_BITS {
                0
            } else {
                self.seen << shift
            };
            self.seen |= 1;
            self.highest = nc;
            return NonceCountCheck::Accepted;
        }
        let behind = self.highest - nc;
        if behind >= WINDOW_BITS {
            return NonceCountCheck::Replayed;
        }
        let bit = 1u64 << behind;
        if self.seen & bit != 0 {
            return NonceCountCheck::Replayed;
        }
        self.seen |= bit;
        NonceCountCheck::Accepted
    }
}

#[cfg(test)]
mod tests {
    use super::NonceCountCheck::{Accepted, Forgotten, Replayed};
    use super::*;

    const T0: u64 = 1_780_000_000;

    #[test]
    fn each_count_is_accepted_once() {
        let mut w = NonceCounts::new(8);
        assert_eq!(w.check("n", T0, 1, T0, 300), Accepted);
        assert_eq!(w.check("n", T0, 1, T0, 300), Replayed);
        assert_eq!(w.check("n", T0, 2, T0, 300), Accepted);
        assert_eq!(w.check("n", T0, 0, T0, 300), Replayed);
        assert_eq!(
            w.check("m", T0, 1, T0, 300),
            Accepted,
            "counts are per nonce"
        );
    }

    #[test]
    fn out_of_order_counts_inside_the_window_are_accepted_once() {
        let mut w = NonceCounts::new(8);
        assert_eq!(w.check("n", T0, 5, T0, 300), Accepted);
        assert_eq!(w.check("n", T0, 3, T0, 300), Accepted);
        assert_eq!(w.check("n", T0, 3, T0, 300), Replayed);
        assert_eq!(w.check("n", T0, 100, T0, 300), Accepted);
        assert_eq!(
            w.check("n", T0, 37, T0, 300),
            Accepted,
            "63 behind: last slot of the window"
        );
        assert_eq!(w.check("n", T0, 37, T0, 300), Replayed);
        assert_eq!(
            w.check("n", T0, 36, T0, 300),
            Replayed,
            "64 behind: outside the window"
        );
        assert_eq!(
            w.check("n", T0, 5, T0, 300),
            Replayed,
            "too far behind the highest"
        );
    }

    #[test]
    fn memory_stays_bounded_and_evicted_nonces_are_forgotten_not_replayable() {
        let mut w = NonceCounts::new(2);
        assert_eq!(w.check("a", T0, 1, T0, 300), Accepted);
        assert_eq!(w.check("b", T0 + 1, 1, T0 + 1, 300), Accepted);
        assert_eq!(w.check("c", T0 + 2, 1, T0 + 2, 300), Accepted);
        assert_eq!(w.len(), 2);
        // `a` was evicted: replaying its count must not succeed.
        assert_eq!(w.check("a", T0, 1, T0 + 2, 300), Forgotten);
        // A nonce issued after the eviction point is tracked normally.
        assert_eq!(w.check("d", T0 + 3, 1, T0 + 3, 300), Accepted);
    }

    proptest::proptest! {
        /// Against a model that remembers every count: a count is accepted exactly when it is
        /// new and not 64 or more behind the highest accepted so far.
        #[test]
        fn window_matches_a_model(counts in proptest::collection::vec(0u32..200, 1..200)) {
            let mut w = NonceCounts::new(4);
            let mut seen = std::collections::HashSet::new();
            let mut highest = 0u32;
            for nc in counts {
                let fresh = nc > 0 && !seen.contains(&nc) && (nc > highest || highest - nc < WINDOW_BITS);
                let expected = if fresh { Accepted } else { Replayed };
                proptest::prop_assert_eq!(w.check("n", T0, nc, T0, 300), expected, "nc {}", nc);
                if fresh {
                    seen.insert(nc);
                    highest = highest.max(nc);
                }
            }
        }
    }

    #[test]
    fn expired_nonces_are_dropped() {
        let mut w = NonceCounts::new(8);
        assert_eq!(w.check("a", T0, 1, T0, 300), Accepted);
        assert_eq!(w.check("b", T0 + 400, 1, T0 + 400, 300), Accepted);
        assert_eq!(w.len(), 1);
    }
}
