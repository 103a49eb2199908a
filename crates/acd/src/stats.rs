//! Per-queue and per-agent counters.
//!
//! Queue figures follow the usual contact-centre definitions: a call is
//! *offered* to a queue when it arrives (or overflows into it), then ends up
//! *answered*, *abandoned* (caller hung up first), *overflowed* (sent elsewhere by
//! the queue's rule) or is still in the queue, so
//! `offered == answered + abandoned + overflowed + waiting + ringing` at every moment.
//! Service level is the share of answered calls whose wait was within the
//! queue's threshold; ASA (average speed of answer) is `total_wait / answered`.

use std::time::{Duration, Instant};

/// A snapshot of one queue's counters since the engine started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueStats {
    /// Calls that arrived in the queue.
    pub offered: u64,
    /// Calls an agent answered.
    pub answered: u64,
    /// Calls whose caller left before an agent answered.
    pub abandoned: u64,
    /// Calls sent elsewhere by the queue's overflow rule.
    pub overflowed: u64,
    /// Abandons within the engine's short-abandon threshold (counted in `abandoned` too).
    pub short_abandoned: u64,
    /// Answered calls that waited no longer than the service-level threshold.
    pub answered_within_sl: u64,
    /// Sum of the waits (arrival to answer) of answered calls.
    pub total_wait: Duration,
    /// Callers in the queue not being offered right now.
    pub waiting: usize,
    /// Callers in the queue whose offer is ringing an agent.
    pub ringing: usize,
    /// Arrival of the longest-waiting unanswered caller (waiting or ringing).
    pub oldest_arrival: Option<Instant>,
}

impl QueueStats {
    /// How long the longest-waiting unanswered caller has waited at `now`.
    pub fn longest_wait(&self, now: Instant) -> Duration {
        self.oldest_arrival
            .map_or(Duration::ZERO, |t| now.saturating_duration_since(t))
    }

    /// Average speed of answer; `None` before the first answer.
    pub fn average_speed_of_answer(&self) -> Option<Duration> {
        let answered = u32::try_from(self.answered).ok().filter(|n| *n > 0)?;
        Some(self.total_wait / answered)
    }

    /// Share of answered calls answered within the threshold, 0.0 to 1.0;
    /// `None` before the first answer.
    pub fn service_level(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.answered_within_sl as f64 / self.answered as f64)
    }
}

/// The running counters of a queue (the snapshot adds the current lengths).
#[derive(Debug, Clone, Default)]
pub(crate) struct QueueCounters {
    pub(crate) offered: u64,
    pub(crate) answered: u64,
    pub(crate) abandoned: u64,
    pub(crate) short_abandoned: u64,
    pub(crate) overflowed: u64,
    /// Answered calls that ended, and their talk plus wrap-up time.
    pub(crate) handled: u64,
    pub(crate) handle_time: Duration,
    pub(crate) answered_within_sl: u64,
    pub(crate) total_wait: Duration,
}

impl QueueCounters {
    pub(crate) fn record_answer(&mut self, wait: Duration, service_level: Duration) {
        self.answered += 1;
        self.total_wait = self.total_wait.saturating_add(wait);
        if wait <= service_level {
            self.answered_within_sl += 1;
        }
    }
}

/// How many agents are in each state right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentCounts {
    /// Not logged in.
    pub logged_out: u32,
    /// Ready for a call (in a cool-down too).
    pub available: u32,
    /// Phone ringing for a call.
    pub reserved: u32,
    /// Talking.
    pub on_call: u32,
    /// After-call work.
    pub wrap_up: u32,
    /// On a break.
    pub paused: u32,
}

impl AgentCounts {
    /// Agents logged in, in any state.
    pub fn logged_in(&self) -> u32 {
        self.available + self.reserved + self.on_call + self.wrap_up + self.paused
    }
}

/// One agent's counters since the engine started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentStats {
    /// Offers the agent answered.
    pub answered: u64,
    /// Offers that rang out unanswered.
    pub no_answer: u64,
    /// Unanswered offers in a row (rang out or failed) since the last answer, login or
    /// unpause; auto-pause reads it.
    pub no_answer_streak: u32,
    /// Offers that failed (busy, declined, unreachable).
    pub failed: u64,
    /// Time spent on answered calls (answer to end).
    pub talk_time: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_level_and_asa_come_from_answered_calls() {
        let mut c = QueueCounters::default();
        let sl = Duration::from_secs(20);
        c.record_answer(Duration::from_secs(10), sl);
        c.record_answer(Duration::from_secs(20), sl);
        c.record_answer(Duration::from_secs(60), sl);
        let s = QueueStats {
            offered: 3,
            answered: c.answered,
            abandoned: 0,
            overflowed: 0,
            short_abandoned: 0,
            answered_within_sl: c.answered_within_sl,
            total_wait: c.total_wait,
            waiting: 0,
            ringing: 0,
            oldest_arrival: None,
        };
        assert_eq!(s.answered_within_sl, 2);
        assert_eq!(s.average_speed_of_answer(), Some(Duration::from_secs(30)));
        assert_eq!(s.service_level(), Some(2.0 / 3.0));
        assert_eq!(s.longest_wait(Instant::now()), Duration::ZERO);
    }
}
