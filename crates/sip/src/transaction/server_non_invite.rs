//! The non-INVITE server transaction: RFC 3261 §17.2.2 (Figure 8).
//!
//! ```text
//!                      | Request received: pass to TU
//!                      V
//!                +-----------+  Request: absorb
//!                |  Trying   |--+
//!                |           |<-+
//!                +-----------+
//!      1xx from TU  |     | 200-699 from TU: send response
//!      send response|     +--------------------------+
//!                   V                                |
//!   Request      +-----------+                       |
//!   send resp. +-| Proceeding|  1xx from TU          |
//!              +>|           |  send response        |
//!                +-----------+                       |
//!                      | 200-699 from TU             |
//!                      | send response               |
//!                      V                             |
//!   Request      +-----------+<----------------------+
//!   send resp. +-| Completed |
//!              +>|           |
//!                +-----------+
//!                      | Timer J fires
//!                      V
//!                +-----------+
//!                | Terminated|
//!                +-----------+
//! ```
//!
//! The server never retransmits on its own: responses are resent only when the request is.

use std::time::Instant;

use bytes::Bytes;

use super::timers::{Deadlines, Timer, TimerConfig, TimerOutcome};
use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Trying,
    Proceeding,
    Completed,
    Terminated,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Trying => "Trying",
            State::Proceeding => "Proceeding",
            State::Completed => "Completed",
            State::Terminated => "Terminated",
        }
    }
}

/// One non-INVITE server transaction.
#[derive(Debug)]
pub(crate) struct ServerNonInvite {
    state: State,
    reliable: bool,
    config: TimerConfig,
    last_response: Option<Bytes>,
    timers: Deadlines,
}

impl ServerNonInvite {
    /// A new transaction for a freshly received request, in Trying.
    pub fn new(reliable: bool, config: TimerConfig) -> ServerNonInvite {
        ServerNonInvite {
            state: State::Trying,
            reliable,
            config,
            last_response: None,
            timers: Deadlines::default(),
        }
    }

    /// The request arrived again: returns the response to resend, if any.
    pub fn on_request_retransmit(&self) -> Option<Bytes> {
        match self.state {
            State::Proceeding | State::Completed => self.last_response.clone(),
            State::Trying | State::Terminated => None,
        }
    }

    /// The TU sends a response with `status`, encoded as `bytes`; on `Ok` the layer transmits it.
    pub fn send_response(&mut self, status: u16, bytes: Bytes, now: Instant) -> Result<(), Error> {
        match (self.state, status) {
            (State::Trying | State::Proceeding, 100..=199) => {
                self.last_response = Some(bytes);
                self.state = State::Proceeding;
                Ok(())
            }
            (State::Trying | State::Proceeding, 200..=699) => {
                let j = self.config.timer_j(self.reliable);
                if j.is_zero() {
                    self.terminate();
                } else {
                    self.last_response = Some(bytes);
                    self.timers.set(Timer::J, now + j);
                    self.state = State::Completed;
                }
                Ok(())
            }
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
            (State::Completed, Timer::J) => {
                self.terminate();
                Some(TimerOutcome::Terminated)
            }
            _ => self.handle_timeout(now),
        }
    }

    /// The transport could not deliver our response (RFC 3261 §17.2.4): the transaction ends;
    /// returns whether the TU must be told (it has not answered yet).
    pub fn on_transport_error(&mut self) -> bool {
        let pending = matches!(self.state, State::Trying | State::Proceeding);
        self.terminate();
        pending
    }

    /// True once the transaction is over and can be forgotten.
    pub fn is_terminated(&self) -> bool {
        self.state == State::Terminated
    }

    fn terminate(&mut self) {
        self.timers.clear();
        self.last_response = None;
        self.state = State::Terminated;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn bytes(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    #[test]
    fn retransmission_in_trying_is_absorbed() {
        let tx = ServerNonInvite::new(false, TimerConfig::default());
        assert_eq!(tx.on_request_retransmit(), None);
    }

    #[test]
    fn retransmission_gets_the_last_provisional_then_the_final() {
        let now = Instant::now();
        let mut tx = ServerNonInvite::new(false, TimerConfig::default());
        assert_eq!(tx.send_response(100, bytes("100"), now), Ok(()));
        assert_eq!(tx.on_request_retransmit(), Some(bytes("100")));
        assert_eq!(tx.send_response(200, bytes("200"), now), Ok(()));
        assert_eq!(tx.on_request_retransmit(), Some(bytes("200")));
        assert!(tx.send_response(200, bytes("200"), now).is_err());
    }

    #[test]
    fn timer_j_ends_the_completed_state() {
        let now = Instant::now();
        let mut tx = ServerNonInvite::new(false, TimerConfig::default());
        tx.send_response(200, bytes("200"), now).ok();
        assert_eq!(tx.poll_timeout(), Some(now + Duration::from_secs(32)));
        assert_eq!(tx.handle_timeout(now + Duration::from_secs(31)), None);
        assert_eq!(
            tx.handle_timeout(now + Duration::from_secs(32)),
            Some(TimerOutcome::Terminated)
        );
        assert!(tx.is_terminated());
    }

    #[test]
    fn reliable_transport_terminates_on_the_final_response() {
        let now = Instant::now();
        let mut tx = ServerNonInvite::new(true, TimerConfig::default());
        assert_eq!(tx.send_response(486, bytes("486"), now), Ok(()));
        assert!(tx.is_terminated());
        assert_eq!(tx.poll_timeout(), None);
    }

    #[test]
    fn transport_error_ends_the_transaction() {
        let now = Instant::now();
        let mut unanswered = ServerNonInvite::new(false, TimerConfig::default());
        assert!(unanswered.on_transport_error());
        assert!(unanswered.is_terminated());
        let mut answered = ServerNonInvite::new(false, TimerConfig::default());
        answered.send_response(200, bytes("200"), now).ok();
        assert!(!answered.on_transport_error());
        assert_eq!(answered.poll_timeout(), None);
    }
}
