//! The INVITE client transaction: RFC 3261 §17.1.1 (Figure 5) as updated by RFC 6026 §7.2.
//!
//! ```text
//!                      | INVITE from TU, INVITE sent
//!   Timer A fires      V
//!   INVITE sent   +-----------+  Timer B fires: inform TU
//!        +--------|  Calling  |-------------------------------------+
//!        +------->|           |---------------------+               |
//!                 +-----------+  2xx: 2xx to TU     |               |
//!    300-699          | 1xx: 1xx to TU              |               |
//!    ACK sent,        V                             |               |
//!    resp. to TU  +-----------+  2xx: 2xx to TU     |               |
//!  +--------------| Proceeding|-------------------->|               |
//!  |   +----------|           |<-----+ 1xx          |               |
//!  |   |          +-----------+------+ 1xx to TU    |               |
//!  |   | 300-699: ACK sent, resp. to TU             V               |
//!  |   V                                      +-----------+         |
//!  | +-----------+ 300-699: ACK sent          | Accepted  |--+ 2xx  |
//!  +>| Completed |--+                         |           |<-+ to TU|
//!    |           |<-+                         +-----------+         |
//!    +-----------+                                  |               |
//!          | Timer D fires                          | Timer M fires |
//!          V                                        V               |
//!    +---------------------------------------------------------+    |
//!    |                        Terminated                       |<---+
//!    +---------------------------------------------------------+
//! ```
//!
//! The 2xx is not acknowledged here: the ACK for a 2xx belongs to the dialog, so every 2xx,
//! including retransmissions during Accepted, is passed to the TU so that it can re-send its ACK.
//! The transaction builds nothing itself; it holds the encoded request for retransmission and tells
//! the layer what to do with each response.
//!
//! Timer B bounds the Calling state only (Figure 5). Once a CANCEL has been sent for this INVITE,
//! RFC 3261 §9.1 lets the client give up 64·T1 later if no final response arrives; the layer arms
//! Timer B again for that through [`ClientInvite::on_cancel_sent`], so a silent server cannot keep
//! the transaction alive forever.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::timers::{Deadlines, Timer, TimerConfig, TimerOutcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Calling,
    Proceeding,
    Completed,
    Accepted,
    Terminated,
}

/// What the layer must do with a response that reached this transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseAction {
    /// Hand the response to the TU.
    PassUp,
    /// Hand the response to the TU, then build and send the ACK for this non-2xx final response.
    PassUpAndAck,
    /// A retransmitted non-2xx final response: send the same ACK again, do not bother the TU.
    Ack,
    /// Nothing to do (late provisional, stray response).
    Absorb,
}

/// One INVITE client transaction.
#[derive(Debug)]
pub(crate) struct ClientInvite {
    state: State,
    request: Bytes,
    reliable: bool,
    config: TimerConfig,
    /// The current Timer A interval; it doubles on every retransmission (§17.1.1.2).
    interval_a: Duration,
    /// When to give up once a CANCEL was sent (§9.1); kept across Calling → Proceeding.
    cancel_deadline: Option<Instant>,
    timers: Deadlines,
}

impl ClientInvite {
    /// Starts the transaction in Calling. The layer sends `request` once right away; this
    /// transaction retransmits it on Timer A when the transport is unreliable.
    pub fn new(request: Bytes, reliable: bool, config: TimerConfig, now: Instant) -> ClientInvite {
        let mut timers = Deadlines::default();
        if !reliable {
            timers.set(Timer::A, now + config.t1);
        }
        timers.set(Timer::B, now + config.timeout());
        ClientInvite {
            state: State::Calling,
            request,
            reliable,
            config,
            interval_a: config.t1,
            cancel_deadline: None,
            timers,
        }
    }

    /// Feeds the status code of a response that matched this transaction.
    pub fn on_response(&mut self, status: u16, now: Instant) -> ResponseAction {
        match (self.state, status) {
            (State::Calling | State::Proceeding, 100..=199) => {
                self.timers.stop(Timer::A);
                // Timer B only guards Calling; in Proceeding it stands for the CANCEL's bound.
                match self.cancel_deadline {
                    Some(at) => self.timers.set(Timer::B, at),
                    None => self.timers.stop(Timer::B),
                }
                self.state = State::Proceeding;
                ResponseAction::PassUp
            }
            (State::Calling | State::Proceeding, 200..=299) => {
                self.timers.clear();
                self.timers.set(Timer::M, now + self.config.timeout());
                self.state = State::Accepted;
                ResponseAction::PassUp
            }
            (State::Calling | State::Proceeding, 300..=699) => {
                self.timers.clear();
                let d = self.config.timer_d(self.reliable);
                if d.is_zero() {
                    self.state = State::Terminated;
                } else {
                    self.timers.set(Timer::D, now + d);
                    self.state = State::Completed;
                }
                ResponseAction::PassUpAndAck
            }
            (State::Completed, 300..=699) => ResponseAction::Ack,
            (State::Accepted, 200..=299) => ResponseAction::PassUp,
            _ => ResponseAction::Absorb,
        }
    }

    /// The TU sent a CANCEL for this INVITE: if no final response comes within 64·T1, give up
    /// (RFC 3261 §9.1).
    pub fn on_cancel_sent(&mut self, now: Instant) {
        if matches!(self.state, State::Calling | State::Proceeding)
            && self.cancel_deadline.is_none()
        {
            let guard = now + self.config.timeout();
            self.cancel_deadline = Some(guard);
            let at = self.timers.get(Timer::B).map_or(guard, |b| b.min(guard));
            self.timers.set(Timer::B, at);
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
            (State::Calling, Timer::A) => {
                self.interval_a = self.interval_a.saturating_mul(2);
                self.timers.set(Timer::A, now + self.interval_a);
                Some(TimerOutcome::Retransmit(self.request.clone()))
            }
            (State::Calling | State::Proceeding, Timer::B) => {
                self.terminate();
                Some(TimerOutcome::Timeout)
            }
            (State::Completed, Timer::D) | (State::Accepted, Timer::M) => {
                self.terminate();
                Some(TimerOutcome::Terminated)
            }
            // A timer left over from an earlier state: ignore it and look at the next one.
            _ => self.handle_timeout(now),
        }
    }

    /// The transport could not deliver to the peer (RFC 3261 §17.1.1.2): the transaction ends;
    /// returns whether the TU was still waiting for a final response and must be told.
    pub fn on_transport_error(&mut self) -> bool {
        let waiting = matches!(self.state, State::Calling | State::Proceeding);
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

    fn udp(now: Instant) -> ClientInvite {
        ClientInvite::new(
            Bytes::from_static(b"INVITE"),
            false,
            TimerConfig::default(),
            now,
        )
    }

    /// Collects the instants at which the request is retransmitted until the transaction ends.
    fn run_to_end(tx: &mut ClientInvite, start: Instant) -> (Vec<Duration>, Option<TimerOutcome>) {
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
    fn calling_retransmits_with_doubling_interval_until_timer_b() {
        let now = Instant::now();
        let mut tx = udp(now);
        let (sent, end) = run_to_end(&mut tx, now);
        assert_eq!(
            sent,
            [ms(500), ms(1500), ms(3500), ms(7500), ms(15500), ms(31500)]
        );
        assert_eq!(end, Some(TimerOutcome::Timeout));
        assert!(tx.is_terminated());
    }

    #[test]
    fn reliable_transport_never_retransmits() {
        let now = Instant::now();
        let mut tx = ClientInvite::new(Bytes::new(), true, TimerConfig::default(), now);
        let (sent, end) = run_to_end(&mut tx, now);
        assert!(sent.is_empty());
        assert_eq!(end, Some(TimerOutcome::Timeout));
    }

    #[test]
    fn provisional_stops_retransmission_and_goes_up() {
        let now = Instant::now();
        let mut tx = udp(now);
        assert_eq!(tx.on_response(180, now), ResponseAction::PassUp);
        assert_eq!(tx.poll_timeout(), None);
        assert!(!tx.is_terminated());
        assert_eq!(tx.on_response(183, now), ResponseAction::PassUp);
    }

    #[test]
    fn cancel_in_proceeding_bounds_the_wait_for_a_final_response() {
        let now = Instant::now();
        let mut tx = udp(now);
        tx.on_response(180, now);
        tx.on_cancel_sent(now + ms(1000));
        assert_eq!(tx.poll_timeout(), Some(now + ms(33_000)));
        let (_, end) = run_to_end(&mut tx, now);
        assert_eq!(end, Some(TimerOutcome::Timeout));
    }

    #[test]
    fn cancel_sent_while_calling_still_bounds_proceeding() {
        let now = Instant::now();
        let mut tx = udp(now);
        tx.on_cancel_sent(now + ms(100));
        tx.on_response(180, now + ms(200));
        assert_eq!(
            tx.poll_timeout(),
            Some(now + ms(32_100)),
            "64·T1 after the CANCEL"
        );
        assert_eq!(
            tx.handle_timeout(now + ms(32_100)),
            Some(TimerOutcome::Timeout)
        );
    }

    #[test]
    fn non_2xx_final_is_acked_and_retransmissions_are_re_acked() {
        let now = Instant::now();
        let mut tx = udp(now);
        tx.on_response(100, now);
        assert_eq!(tx.on_response(486, now), ResponseAction::PassUpAndAck);
        assert!(!tx.is_terminated());
        assert_eq!(tx.on_response(486, now + ms(600)), ResponseAction::Ack);
        assert_eq!(tx.on_response(180, now + ms(600)), ResponseAction::Absorb);
        assert_eq!(tx.poll_timeout(), Some(now + Duration::from_secs(32)));
        let (_, end) = run_to_end(&mut tx, now);
        assert_eq!(end, Some(TimerOutcome::Terminated));
    }

    #[test]
    fn non_2xx_final_over_reliable_transport_terminates_at_once() {
        let now = Instant::now();
        let mut tx = ClientInvite::new(Bytes::new(), true, TimerConfig::default(), now);
        assert_eq!(tx.on_response(603, now), ResponseAction::PassUpAndAck);
        assert!(tx.is_terminated());
    }

    #[test]
    fn every_2xx_goes_up_during_accepted_until_timer_m() {
        let now = Instant::now();
        let mut tx = udp(now);
        assert_eq!(tx.on_response(200, now), ResponseAction::PassUp);
        assert_eq!(tx.on_response(200, now + ms(500)), ResponseAction::PassUp);
        assert_eq!(tx.on_response(200, now + ms(1500)), ResponseAction::PassUp);
        assert_eq!(tx.on_response(486, now + ms(1500)), ResponseAction::Absorb);
        let (sent, end) = run_to_end(&mut tx, now);
        assert!(sent.is_empty());
        assert_eq!(end, Some(TimerOutcome::Terminated));
        assert_eq!(
            tx.on_response(200, now + ms(40_000)),
            ResponseAction::Absorb
        );
    }

    #[test]
    fn transport_error_ends_the_transaction_and_tells_a_waiting_tu() {
        let now = Instant::now();
        let mut waiting = udp(now);
        waiting.on_response(180, now);
        assert!(waiting.on_transport_error());
        assert!(waiting.is_terminated());
        let mut answered = udp(now);
        answered.on_response(200, now);
        assert!(!answered.on_transport_error());
        assert_eq!(answered.poll_timeout(), None);
    }
}
