//! The INVITE server transaction: RFC 3261 §17.2.1 (Figure 7) as updated by RFC 6026 §7.1.
//!
//! ```text
//!                            | INVITE: pass INVITE to TU, send 100 Trying
//!   INVITE                   V
//!   send last resp.   +-----------+
//!          +----------|           |  1xx from TU: send response
//!          +--------->| Proceeding|<----+
//!                     |           |-----+
//!                     +-----------+
//!        300-699 from TU  |     | 2xx from TU: send response
//!        send response    |     +-------------------------+
//!                         V                               V
//!   INVITE          +-----------+                   +-----------+  INVITE: absorb
//!   send response +-| Completed |                   | Accepted  |  ACK: to TU
//!   Timer G fires +>|           |--+                |           |  2xx from TU:
//!   send response   +-----------+  | Timer H fires  +-----------+    send response
//!                         | ACK    | inform TU            |
//!                         V        |                      | Timer L fires
//!                   +-----------+  |                      |
//!   ACK: absorb   +-| Confirmed |  |                      |
//!                 +>|           |  |                      |
//!                   +-----------+  |                      |
//!                         | Timer I fires                 |
//!                         V        V                      V
//!                   +-------------------------------------------+
//!                   |                Terminated                 |
//!                   +-------------------------------------------+
//! ```
//!
//! The 2xx is sent once through the transaction and then retransmitted by the TU (the dialog
//! layer, RFC 3261 §13.3.1.4) until its ACK arrives; the transaction only forwards those
//! retransmissions while Accepted. ACKs for the 2xx arrive with a new branch and do not match this
//! transaction, but an ACK that does match it while Accepted goes up to the TU as well.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::timers::{Deadlines, Timer, TimerConfig, TimerOutcome};
use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Proceeding,
    Completed,
    Confirmed,
    Accepted,
    Terminated,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Proceeding => "Proceeding",
            State::Completed => "Completed",
            State::Confirmed => "Confirmed",
            State::Accepted => "Accepted",
            State::Terminated => "Terminated",
        }
    }
}

/// What the layer does with an ACK that matched this transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AckAction {
    /// The ACK for our non-2xx final response, or a retransmission of it: nothing more to do.
    Absorb,
    /// An ACK in Accepted: it belongs to the TU's 2xx.
    PassUp,
}

/// One INVITE server transaction.
#[derive(Debug)]
pub(crate) struct ServerInvite {
    state: State,
    reliable: bool,
    config: TimerConfig,
    /// The last provisional (Proceeding) or final (Completed) response, resent on request
    /// retransmissions and Timer G.
    last_response: Option<Bytes>,
    /// The current Timer G interval (§17.2.1).
    interval_g: Duration,
    timers: Deadlines,
}

impl ServerInvite {
    /// A new transaction for a freshly received INVITE, in Proceeding.
    pub fn new(reliable: bool, config: TimerConfig) -> ServerInvite {
        ServerInvite {
            state: State::Proceeding,
            reliable,
            config,
            last_response: None,
            interval_g: config.t1,
            timers: Deadlines::default(),
        }
    }

    /// The INVITE arrived again: returns the response to resend, if any.
    pub fn on_request_retransmit(&self) -> Option<Bytes> {
        match self.state {
            State::Proceeding | State::Completed => self.last_response.clone(),
            // RFC 6026 §7.1: retransmitted INVITEs are absorbed once a 2xx was sent; the TU's
            // own 2xx retransmissions take care of them.
            State::Accepted | State::Confirmed | State::Terminated => None,
        }
    }

    /// An ACK matched this transaction.
    pub fn on_ack(&mut self, now: Instant) -> AckAction {
        match self.state {
            State::Completed => {
                self.timers.clear();
                let i = self.config.t4_or_zero(self.reliable);
                if i.is_zero() {
                    self.state = State::Terminated;
                } else {
                    self.timers.set(Timer::I, now + i);
                    self.state = State::Confirmed;
                }
                AckAction::Absorb
            }
            State::Accepted => AckAction::PassUp,
            State::Proceeding | State::Confirmed | State::Terminated => AckAction::Absorb,
        }
    }

    /// The TU sends a response with `status`, encoded as `bytes`; on `Ok` the layer transmits it.
    pub fn send_response(&mut self, status: u16, bytes: Bytes, now: Instant) -> Result<(), Error> {
        match (self.state, status) {
            (State::Proceeding, 100..=199) => {
                self.last_response = Some(bytes);
                Ok(())
            }
            (State::Proceeding, 200..=299) => {
                self.last_response = None;
                self.timers.clear();
                self.timers.set(Timer::L, now + self.config.timeout());
                self.state = State::Accepted;
                Ok(())
            }
            (State::Proceeding, 300..=699) => {
                self.last_response = Some(bytes);
                self.timers.clear();
                if !self.reliable {
                    self.timers.set(Timer::G, now + self.interval_g);
                }
                self.timers.set(Timer::H, now + self.config.timeout());
                self.state = State::Completed;
                Ok(())
            }
            // The TU's own 2xx retransmissions pass straight through (RFC 6026 §7.1).
            (State::Accepted, 200..=299) => Ok(()),
            (state, status) => Err(Error::ResponseNotAllowed {
                status,
                state: state.name(),
            }),
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
            (State::Completed, Timer::G) => {
                self.interval_g = self.interval_g.saturating_mul(2).min(self.config.t2);
                self.timers.set(Timer::G, now + self.interval_g);
                match &self.last_response {
                    Some(bytes) => Some(TimerOutcome::Retransmit(bytes.clone())),
                    None => self.handle_timeout(now),
                }
            }
            (State::Completed, Timer::H) => {
                self.terminate();
                Some(TimerOutcome::Timeout)
            }
            (State::Confirmed, Timer::I) | (State::Accepted, Timer::L) => {
                self.terminate();
                Some(TimerOutcome::Terminated)
            }
            _ => self.handle_timeout(now),
        }
    }

    /// The transport could not deliver our response (RFC 3261 §17.2.4): the transaction ends;
    /// returns whether the TU must be told (its response may never have arrived).
    pub fn on_transport_error(&mut self) -> bool {
        let pending = matches!(self.state, State::Proceeding | State::Completed);
        self.terminate();
        pending
    }

    /// True once the transaction is over and can be forgotten.
    pub fn is_terminated(&self) -> bool {
        self.state == State::Terminated
    }

    /// True while the TU has not sent a final response (a CANCEL still has an effect).
    pub fn is_proceeding(&self) -> bool {
        self.state == State::Proceeding
    }

    fn terminate(&mut self) {
        self.timers.clear();
        self.last_response = None;
        self.state = State::Terminated;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn bytes(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    #[test]
    fn retransmitted_invite_gets_the_last_provisional() {
        let now = Instant::now();
        let mut tx = ServerInvite::new(false, TimerConfig::default());
        assert_eq!(tx.on_request_retransmit(), None);
        tx.send_response(100, bytes("100"), now).ok();
        tx.send_response(180, bytes("180"), now).ok();
        assert_eq!(tx.on_request_retransmit(), Some(bytes("180")));
        assert!(tx.is_proceeding());
        assert_eq!(tx.poll_timeout(), None);
    }

    #[test]
    fn non_2xx_final_is_retransmitted_on_timer_g_until_the_ack() {
        let now = Instant::now();
        let mut tx = ServerInvite::new(false, TimerConfig::default());
        assert_eq!(tx.send_response(486, bytes("486"), now), Ok(()));
        assert_eq!(tx.on_request_retransmit(), Some(bytes("486")));
        let mut fired = Vec::new();
        for _ in 0..4 {
            let at = tx.poll_timeout().unwrap_or(now);
            assert_eq!(
                tx.handle_timeout(at),
                Some(TimerOutcome::Retransmit(bytes("486")))
            );
            fired.push(at - now);
        }
        assert_eq!(fired, [ms(500), ms(1500), ms(3500), ms(7500)]);
        assert_eq!(tx.on_ack(now + ms(8000)), AckAction::Absorb);
        assert_eq!(tx.on_ack(now + ms(8100)), AckAction::Absorb);
        assert_eq!(tx.on_request_retransmit(), None);
        assert_eq!(tx.poll_timeout(), Some(now + ms(13_000)));
        assert_eq!(
            tx.handle_timeout(now + ms(13_000)),
            Some(TimerOutcome::Terminated)
        );
        assert!(tx.is_terminated());
    }

    #[test]
    fn timer_h_fires_when_the_ack_never_comes() {
        let now = Instant::now();
        let mut tx = ServerInvite::new(false, TimerConfig::default());
        tx.send_response(603, bytes("603"), now).ok();
        let mut outcome = None;
        while let Some(at) = tx.poll_timeout() {
            outcome = tx.handle_timeout(at);
        }
        assert_eq!(outcome, Some(TimerOutcome::Timeout));
        assert!(tx.is_terminated());
    }

    #[test]
    fn reliable_transport_sends_no_g_and_terminates_on_ack() {
        let now = Instant::now();
        let mut tx = ServerInvite::new(true, TimerConfig::default());
        tx.send_response(404, bytes("404"), now).ok();
        assert_eq!(tx.poll_timeout(), Some(now + ms(32_000)));
        assert_eq!(tx.on_ack(now), AckAction::Absorb);
        assert!(tx.is_terminated());
    }

    #[test]
    fn accepted_forwards_2xx_retransmissions_and_acks_until_timer_l() {
        let now = Instant::now();
        let mut tx = ServerInvite::new(false, TimerConfig::default());
        assert_eq!(tx.send_response(200, bytes("200"), now), Ok(()));
        assert_eq!(tx.send_response(200, bytes("200"), now + ms(500)), Ok(()));
        assert_eq!(tx.on_request_retransmit(), None);
        assert_eq!(tx.on_ack(now + ms(600)), AckAction::PassUp);
        assert!(tx.send_response(486, bytes("486"), now).is_err());
        assert!(tx.send_response(180, bytes("180"), now).is_err());
        assert_eq!(tx.poll_timeout(), Some(now + ms(32_000)));
        assert_eq!(
            tx.handle_timeout(now + ms(32_000)),
            Some(TimerOutcome::Terminated)
        );
    }

    #[test]
    fn a_second_final_response_is_refused() {
        let now = Instant::now();
        let mut tx = ServerInvite::new(false, TimerConfig::default());
        tx.send_response(486, bytes("486"), now).ok();
        assert_eq!(
            tx.send_response(200, bytes("200"), now),
            Err(Error::ResponseNotAllowed {
                status: 200,
                state: "Completed"
            })
        );
    }

    #[test]
    fn transport_error_ends_the_transaction() {
        let now = Instant::now();
        let mut unanswered = ServerInvite::new(true, TimerConfig::default());
        assert!(unanswered.on_transport_error());
        assert!(unanswered.is_terminated());
        let mut accepted = ServerInvite::new(true, TimerConfig::default());
        accepted.send_response(200, bytes("200"), now).ok();
        assert!(!accepted.on_transport_error());
        assert_eq!(accepted.poll_timeout(), None);
    }
}
