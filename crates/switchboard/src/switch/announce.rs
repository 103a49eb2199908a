//! Periodic announcements to queued callers: their place in line and the estimated wait,
//! spoken with number prompts, then back to the hold music.
//!
//! ```text
//!   queued ──every announce_every──▶ "You are caller number" "twenty" "three"
//!                                     "Your estimated wait is" "four" "minutes" ──▶ hold (loop)
//! ```
//!
//! Position and wait come from the ACD (`wait_position`, `estimated_wait`): the place among
//! callers waiting for the same agents in the one global order, and position × average handle
//! time ÷ agents logged in and not paused. Nothing is said while an agent's phone rings for
//! the caller.

use std::time::{Duration, Instant};

use super::call::Phase;
use super::{MediaCommand, Output, Switch};

/// Every prompt an announcement may use; loaded when a queue announces.
pub fn prompts() -> impl Iterator<Item = String> {
    [
        "position-intro",
        "wait-intro",
        "wait-short",
        "minute",
        "minutes",
        "many",
    ]
    .into_iter()
    .map(String::from)
    .chain((1..=20).map(|n| format!("n{n}")))
    .chain((3..=9).map(|t| format!("n{t}0")))
}

/// A number from 1 to 99 as prompt names ("twenty" "three"); larger ones are "more than
/// ninety-nine".
pub(super) fn number(n: u64) -> Vec<String> {
    match n {
        0 | 1 => vec!["n1".into()],
        2..=20 => vec![format!("n{n}")],
        21..=99 => {
            let (tens, ones) = (n / 10 * 10, n % 10);
            let mut v = vec![format!("n{tens}")];
            if ones > 0 {
                v.push(format!("n{ones}"));
            }
            v
        }
        _ => vec!["many".into()],
    }
}

/// "Your estimated wait is" and the minutes, rounded up; under a minute is said so.
pub(super) fn wait(estimate: Duration) -> Vec<String> {
    let mut v = vec!["wait-intro".to_string()];
    let minutes = estimate.as_secs().div_ceil(60);
    if estimate < Duration::from_secs(60) {
        v.push("wait-short".into());
    } else {
        v.extend(number(minutes));
        v.push(if minutes == 1 { "minute" } else { "minutes" }.into());
    }
    v
}

impl Switch {
    /// The first announcement of a caller who just entered `queue`, if it announces.
    pub(super) fn schedule_announcement(&mut self, id: u64, queue: &str, now: Instant) {
        let every = self.config.queue(queue).and_then(|q| q.announce_every);
        if let Some(call) = self.calls.get_mut(&id) {
            call.announce_at = every.map(|e| now + e);
        }
    }

    /// An announcement is due: say what the queue is configured to say, then hold music.
    pub(super) fn announce(&mut self, id: u64, now: Instant) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let Phase::Queued { queue } = &call.phase else {
            call.announce_at = None;
            return;
        };
        let Some(q) = self.config.queue(queue) else {
            call.announce_at = None;
            return;
        };
        call.announce_at = q.announce_every.map(|e| now + e);
        let (say_position, say_wait, hold) = (q.announce_position, q.announce_wait, q.hold.clone());
        let span = call.span.clone();
        let acd_call = acd::CallId(id);
        let Some(position) = self.acd.wait_position(acd_call) else {
            // Ringing an agent right now: nothing to say.
            return;
        };
        let mut prompts = Vec::new();
        if say_position {
            prompts.push("position-intro".to_string());
            prompts.extend(number(u64::try_from(position).unwrap_or(u64::MAX)));
        }
        if let (true, Some(estimate)) = (say_wait, self.acd.estimated_wait(acd_call)) {
            prompts.extend(wait(estimate));
        }
        if prompts.is_empty() {
            return;
        }
        let _g = span.enter();
        tracing::info!(position, "announcing position and wait");
        prompts.push(hold);
        self.out.push_back(Output::Media(MediaCommand::Play {
            session: id,
            prompts,
            loop_last: true,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_said_as_words() {
        assert_eq!(number(1), ["n1"]);
        assert_eq!(number(17), ["n17"]);
        assert_eq!(number(20), ["n20"]);
        assert_eq!(number(23), ["n20", "n3"]);
        assert_eq!(number(40), ["n40"]);
        assert_eq!(number(99), ["n90", "n9"]);
        assert_eq!(number(100), ["many"]);
        let all: Vec<String> = prompts().collect();
        for n in 1..=100 {
            for p in number(n) {
                assert!(all.contains(&p), "{p} for {n}");
            }
        }
    }

    #[test]
    fn waits_are_said_in_whole_minutes_rounded_up() {
        assert_eq!(wait(Duration::from_secs(20)), ["wait-intro", "wait-short"]);
        assert_eq!(
            wait(Duration::from_secs(60)),
            ["wait-intro", "n1", "minute"]
        );
        assert_eq!(
            wait(Duration::from_secs(61)),
            ["wait-intro", "n2", "minutes"]
        );
        assert_eq!(
            wait(Duration::from_secs(1800)),
            ["wait-intro", "n30", "minutes"]
        );
    }
}
