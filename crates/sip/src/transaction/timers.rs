//! Transaction timers of RFC 3261 §17 (table in Appendix A) and RFC 6026 §8 (Timers L and M).
//!
//! Timers are data: each transaction owns a [`Deadlines`] table holding at most one deadline per
//! [`Timer`], and its next wake-up is the minimum of that table. Nothing here sleeps or spawns; the
//! transaction layer asks for the earliest deadline and calls back when the clock passes it.

use std::time::{Duration, Instant};

use bytes::Bytes;

/// Timer D on unreliable transports: "> 32 s" (RFC 3261 Appendix A), long enough to absorb every
/// retransmission of a non-2xx final response the server could still send.
const TIMER_D: Duration = Duration::from_secs(32);

/// The base timer values of RFC 3261 §17; every transaction timer is derived from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    /// RTT estimate: the first retransmission interval (default 500 ms).
    pub t1: Duration,
    /// Upper bound of the retransmission interval for non-INVITE requests and INVITE responses
    /// (default 4 s).
    pub t2: Duration,
    /// How long the network may still hold a message (default 5 s).
    pub t4: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

/// The smallest retransmission interval the layer uses, whatever the configuration says.
const MIN_INTERVAL: Duration = Duration::from_millis(1);

impl TimerConfig {
    /// The configuration with T1 at least 1 ms and T2 at least T1: a zero interval would re-arm
    /// a retransmission timer at the instant it fired and never let the clock move on.
    pub(crate) fn sanitized(self) -> TimerConfig {
        let t1 = self.t1.max(MIN_INTERVAL);
        TimerConfig {
            t1,
            t2: self.t2.max(t1),
            t4: self.t4,
        }
    }

    /// 64·T1: the lifetime bound shared by Timers B, F, H, J, L and M.
    pub fn timeout(&self) -> Duration {
        self.t1.saturating_mul(64)
    }

    /// Timer D: how long a completed client INVITE transaction keeps absorbing final responses.
    pub fn timer_d(&self, reliable: bool) -> Duration {
        if reliable {
            Duration::ZERO
        } else {
            TIMER_D.max(self.timeout())
        }
    }

    /// Timer I (Confirmed → Terminated) and Timer K (client non-INVITE Completed → Terminated).
    pub fn t4_or_zero(&self, reliable: bool) -> Duration {
        if reliable { Duration::ZERO } else { self.t4 }
    }

    /// Timer J: how long a completed non-INVITE server transaction absorbs retransmissions.
    pub fn timer_j(&self, reliable: bool) -> Duration {
        if reliable {
            Duration::ZERO
        } else {
            self.timeout()
        }
    }
}

/// Every transaction timer, named as in RFC 3261 Appendix A and RFC 6026 §8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    /// INVITE request retransmission (client, unreliable transports only).
    A,
    /// INVITE transaction timeout (client).
    B,
    /// Wait time for response retransmissions (client INVITE, Completed).
    D,
    /// Non-INVITE request retransmission (client, unreliable transports only).
    E,
    /// Non-INVITE transaction timeout (client).
    F,
    /// INVITE final response retransmission (server, unreliable transports only).
    G,
    /// Wait time for the ACK (server INVITE, Completed).
    H,
    /// Wait time for ACK retransmissions (server INVITE, Confirmed).
    I,
    /// Wait time for non-INVITE request retransmissions (server, Completed).
    J,
    /// Wait time for response retransmissions (client non-INVITE, Completed).
    K,
    /// Wait time for INVITE retransmissions and ACKs after a 2xx (server INVITE, Accepted).
    L,
    /// Wait time for 2xx retransmissions (client INVITE, Accepted).
    M,
}

impl Timer {
    const COUNT: usize = 12;

    const ALL: [Timer; Timer::COUNT] = [
        Timer::A,
        Timer::B,
        Timer::D,
        Timer::E,
        Timer::F,
        Timer::G,
        Timer::H,
        Timer::I,
        Timer::J,
        Timer::K,
        Timer::L,
        Timer::M,
    ];

    fn index(self) -> usize {
        // The discriminants are 0..COUNT in declaration order, matching `ALL`.
        self as usize
    }
}

/// What a transaction asks of the layer when one of its timers fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TimerOutcome {
    /// Send these bytes to the peer again (Timers A, E, G).
    Retransmit(Bytes),
    /// The transaction gave up (Timers B, F, H); it is now terminated and the TU must be told.
    Timeout,
    /// The transaction ended quietly (Timers D, I, J, K, L, M).
    Terminated,
}

/// The deadline table of one transaction: at most one deadline per timer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Deadlines {
    at: [Option<Instant>; Timer::COUNT],
}

impl Deadlines {
    /// Arms `timer` to fire at `at`, replacing any earlier setting.
    pub fn set(&mut self, timer: Timer, at: Instant) {
        if let Some(slot) = self.at.get_mut(timer.index()) {
            *slot = Some(at);
        }
    }

    /// Disarms `timer`.
    pub fn stop(&mut self, timer: Timer) {
        if let Some(slot) = self.at.get_mut(timer.index()) {
            *slot = None;
        }
    }

    /// Disarms every timer (the transaction terminated).
    pub fn clear(&mut self) {
        self.at = [None; Timer::COUNT];
    }

    /// The deadline of `timer`, if armed.
    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.at.get(timer.index()).copied().flatten()
    }

    /// The earliest armed deadline.
    pub fn next(&self) -> Option<Instant> {
        self.at.iter().flatten().min().copied()
    }

    /// Disarms and returns the earliest timer whose deadline is at or before `now`.
    pub fn pop_expired(&mut self, now: Instant) -> Option<Timer> {
        let (timer, _) = Timer::ALL
            .iter()
            .filter_map(|t| self.get(*t).map(|at| (*t, at)))
            .filter(|(_, at)| *at <= now)
            .min_by_key(|(_, at)| *at)?;
        self.stop(timer);
        Some(timer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_rfc_values() {
        let c = TimerConfig::default();
        assert_eq!(c.t1, Duration::from_millis(500));
        assert_eq!(c.t2, Duration::from_secs(4));
        assert_eq!(c.t4, Duration::from_secs(5));
        assert_eq!(c.timeout(), Duration::from_secs(32));
    }

    #[test]
    fn reliable_transports_wait_zero_for_d_i_j_k() {
        let c = TimerConfig::default();
        assert_eq!(c.timer_d(true), Duration::ZERO);
        assert_eq!(c.t4_or_zero(true), Duration::ZERO);
        assert_eq!(c.timer_j(true), Duration::ZERO);
        assert_eq!(c.timer_d(false), Duration::from_secs(32));
        assert_eq!(c.t4_or_zero(false), Duration::from_secs(5));
        assert_eq!(c.timer_j(false), Duration::from_secs(32));
    }

    #[test]
    fn zero_intervals_are_raised_so_time_always_moves_on() {
        let c = TimerConfig {
            t1: Duration::ZERO,
            t2: Duration::ZERO,
            t4: Duration::ZERO,
        }
        .sanitized();
        assert_eq!(c.t1, Duration::from_millis(1));
        assert_eq!(c.t2, Duration::from_millis(1));
        assert_eq!(c.t4, Duration::ZERO);
        assert_eq!(TimerConfig::default().sanitized(), TimerConfig::default());
    }

    #[test]
    fn next_is_the_minimum_of_the_table() {
        let now = Instant::now();
        let mut d = Deadlines::default();
        assert_eq!(d.next(), None);
        d.set(Timer::B, now + Duration::from_secs(32));
        d.set(Timer::A, now + Duration::from_millis(500));
        assert_eq!(d.next(), Some(now + Duration::from_millis(500)));
        d.stop(Timer::A);
        assert_eq!(d.next(), Some(now + Duration::from_secs(32)));
    }

    #[test]
    fn expired_timers_pop_earliest_first_and_only_once() {
        let now = Instant::now();
        let mut d = Deadlines::default();
        d.set(Timer::B, now + Duration::from_secs(2));
        d.set(Timer::A, now + Duration::from_secs(1));
        d.set(Timer::D, now + Duration::from_secs(9));
        let later = now + Duration::from_secs(3);
        assert_eq!(d.pop_expired(later), Some(Timer::A));
        assert_eq!(d.pop_expired(later), Some(Timer::B));
        assert_eq!(d.pop_expired(later), None);
        assert_eq!(d.get(Timer::D), Some(now + Duration::from_secs(9)));
        d.clear();
        assert_eq!(d.next(), None);
    }
}
