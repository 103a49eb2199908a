//! The engine's timer table.
//!
//! Every deadline belongs to one agent's state (ring, cool-down, wrap-up; see
//! [`agent::Timer`](crate::agent::Timer)), so the table is a set of
//! (deadline, agent) with at most one entry per agent, kept in step with the
//! agent's state by the engine. The earliest entry is the engine's
//! `poll_timeout()`. Insert, remove and earliest are O(log n).

use std::collections::BTreeSet;
use std::time::Instant;

use crate::order::AgentIdx;

#[derive(Debug, Default)]
pub(crate) struct TimerTable {
    deadlines: BTreeSet<(Instant, AgentIdx)>,
}

impl TimerTable {
    pub(crate) fn set(&mut self, at: Instant, agent: AgentIdx) {
        self.deadlines.insert((at, agent));
    }

    pub(crate) fn clear(&mut self, at: Instant, agent: AgentIdx) {
        self.deadlines.remove(&(at, agent));
    }

    pub(crate) fn earliest(&self) -> Option<Instant> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// The agent whose deadline is earliest, if it is not after `now`.
    pub(crate) fn due(&self, now: Instant) -> Option<(Instant, AgentIdx)> {
        self.deadlines.first().copied().filter(|(at, _)| *at <= now)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn earliest_deadline_is_due_first_and_nothing_is_due_early() {
        let t = Instant::now();
        let mut table = TimerTable::default();
        table.set(t + Duration::from_secs(15), AgentIdx(0));
        table.set(t + Duration::from_secs(5), AgentIdx(1));
        assert_eq!(table.earliest(), Some(t + Duration::from_secs(5)));
        assert_eq!(table.due(t), None);
        assert_eq!(
            table.due(t + Duration::from_secs(20)),
            Some((t + Duration::from_secs(5), AgentIdx(1)))
        );
        table.clear(t + Duration::from_secs(5), AgentIdx(1));
        assert_eq!(table.earliest(), Some(t + Duration::from_secs(15)));
    }
}
