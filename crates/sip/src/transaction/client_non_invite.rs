//! The non-INVITE client transaction: RFC 3261 §17.1.2 (Figure 6).
//!
//! ```text
//!                      | Request from TU, request sent
//!   Timer E fires      V
//!   request sent  +-----------+  Timer F fires: inform TU
//!        +--------|  Trying   |-------------------------------+
//!        +------->|           |                               |
//!                 +-----------+                               |
//!   200-699: resp. to TU |  | 1xx: resp. to TU                |
//!        +---------------+  V                                 |
//!        |        +-----------+  Timer F fires: inform TU     |
//!        |  +-----| Proceeding|------------------------------>|
//!        |  |  +->|           |--+ Timer E fires: request sent|
//!        |  |  +--+-----------+<-+ 1xx: resp. to TU          |
//!        |  | 200-699: resp. to TU                            |
//!        V  V                                                 |
//!   +-----------+                                             |
//!   | Completed |--+ any response: absorb                     |
//!   |           |<-+                                          |
//!   +-----------+                                             |
//!        | Timer K fires                                      |
//!        V                                                    |
//!   +-----------+                                             |
//!   | Terminated|<--------------------------------------------+
//!   +-----------+
//! ```
//!
//! Retransmissions back off from T1 up to T2 in Trying; once a provisional response shows the
//! request arrived, they continue every T2 so that a lost final response is still recovered.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::timers::{Deadlines, Timer, TimerConfig, TimerOutcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

/// One non-INVITE client transaction.
#[derive(Debug)]
pub(crate) struct ClientNonInvite {
    state: State,
    request: Bytes,
    reliable: bool,
    config: TimerConfig,
    /// The current Timer E interval (§17.1.2.2).
    interval_e: Duration,
    timers: Deadlines,
}

impl ClientNonInvite {
    /// Starts the transaction in Trying. The layer sends `request` once right away.
    pub fn new(
        request: Bytes,
        reliable: bool,
        config: TimerConfig,
        now: Instant,
    ) -> ClientNonInvite {
        let mut timers = Deadlines::default();
        if !reliable {
            timers.set(Timer::E, now + config.t1);
        }
        timers.set(Timer::F, now + config.timeout());
        ClientNonInvite {
            state: State::Trying,
            request,
            reliable,
            config,
            interval_e: config.t1,
            timers,
        }
    }

    /// Feeds the status code of a response that matched this transaction; returns whether the
    /// response goes up to the TU.
    pub fn on_response(&mut self, status: u16, now: Instant) -> bool {
        match (self.state, status) {
            (State::Trying | State::Proceeding, 100..=199) => {
                self.state = State::Proceeding;
                true
            }
            (State::Trying | State::Proceeding, 200..=699) => {
                self.timers.clear();
                let k = self.config.t4_or_zero(self.reliable);
                if k.is_zero() {
                    self.state = State::Terminated;
                } else {
                    self.timers.set(Timer::K, now + k);
                    self.state = State::Completed;
                }
                true
            }
            _ => false,
        }
    }

    /// The earliest deadline of this transaction.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// Fires the earliest expired timer, if any; call until it returns `None`.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<TimerOutcome> {
        let timer = self.timers.pop_expired(now)?;
        match (self.state, timer) {
            (State::Trying | State::Proceeding, Timer::E) => {
                self.interval_e = if self.state == State::Trying {
                    self.interval_e.saturating_mul(2).min(self.config.t2)
                } else {
                    self.config.t2
                };
                self.timers.set(Timer::E, now + self.interval_e);
                Some(TimerOutcome::Retransmit(self.request.clone()))
            }
            (State::Trying | State::Proceeding, Timer::F) => {
                self.terminate();
                Some(TimerOutcome::Timeout)
            }
            (State::Completed, Timer::K) => {
                self.terminate();
                Some(TimerOutcome::Terminated)
            }
            _ => self.handle_timeout(now),
        }
    }

    /// The transport could not deliver to the peer (RFC 3261 §17.1.2.2): the transaction ends;
    /// returns whether the TU was still waiting for a final response and must be told.
    pub fn on_transport_error(&mut self) -> bool {
        let waiting = matches!(self.state, State::Trying | State::Proceeding);
        self.terminate();
        waiting
    }

    /// True once the transaction is over and can be forgotten.
    pub fn is_terminated(&self) -> bool {
        self.state == State::Terminated
    }

    fn terminate(&mut self) {
        self.timers.clear();
        self.state = State::Terminated;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn udp(now: Instant) -> ClientNonInvite {
        ClientNonInvite::new(
            Bytes::from_static(b"BYE"),
            false,
            TimerConfig::default(),
            now,
        )
    }

    fn run_to_end(
        tx: &mut ClientNonInvite,
        start: Instant,
    ) -> (Vec<Duration>, Option<TimerOutcome>) {
        let mut sent = Vec::new();
        while let Some(at) = tx.poll_timeout() {
            match tx.handle_timeout(at) {
                Some(TimerOutcome::Retransmit(_)) => sent.push(at - start),
                other => return (sent, other),
            }
        }
        (sent, None)
    }

    #[test]
    fn trying_backs_off_to_t2_then_times_out_with_timer_f() {
        let now = Instant::now();
        let mut tx = udp(now);
        let (sent, end) = run_to_end(&mut tx, now);
        // 0.5, +1, +2, +4, then every 4 s until 32 s.
        let expected: Vec<Duration> = [
            500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
        ]
        .into_iter()
        .map(ms)
        .collect();
        assert_eq!(sent, expected);
        assert_eq!(end, Some(TimerOutcome::Timeout));
    }

    #[test]
    fn proceeding_retransmits_every_t2() {
        let now = Instant::now();
        let mut tx = udp(now);
        assert!(tx.on_response(100, now + ms(100)));
        let at = tx.poll_timeout();
        assert_eq!(at, Some(now + ms(500)));
        tx.handle_timeout(now + ms(500));
        assert_eq!(tx.poll_timeout(), Some(now + ms(4500)));
    }

    #[test]
    fn final_response_goes_up_once_and_timer_k_ends_it() {
        let now = Instant::now();
        let mut tx = udp(now);
        assert!(tx.on_response(200, now));
        assert!(!tx.on_response(200, now + ms(10)));
        assert!(!tx.on_response(100, now + ms(10)));
        assert_eq!(tx.poll_timeout(), Some(now + ms(5000)));
        let (sent, end) = run_to_end(&mut tx, now);
        assert!(sent.is_empty());
        assert_eq!(end, Some(TimerOutcome::Terminated));
        assert!(tx.is_terminated());
    }

    #[test]
    fn reliable_transport_has_no_e_and_no_k() {
        let now = Instant::now();
        let mut tx = ClientNonInvite::new(Bytes::new(), true, TimerConfig::default(), now);
        assert_eq!(tx.poll_timeout(), Some(now + ms(32_000)));
        assert!(tx.on_response(404, now));
        assert!(tx.is_terminated());
    }

    #[test]
    fn transport_error_ends_the_transaction_and_tells_a_waiting_tu() {
        let now = Instant::now();
        let mut waiting = udp(now);
        assert!(waiting.on_transport_error());
        assert!(waiting.is_terminated());
        let mut done = udp(now);
        done.on_response(200, now);
        assert!(!done.on_transport_error());
    }
}
