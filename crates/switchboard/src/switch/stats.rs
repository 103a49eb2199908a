//! Queue and floor statistics in the log, every `acd.stats_interval` (15 minutes by default):
//! per queue what happened in the interval and where it stands now, and the agents by state.
//!
//! ```text
//!   INFO queue interval queue=benefits offered=42 answered=39 abandoned=2 short_abandoned=1
//!        overflowed=0 service_level=87.2 asa_s=9.4 waiting=1 longest_wait_s=12
//!   INFO floor interval offered=97 answered=90 abandoned=4 service_level=85.6 waiting=3
//!        logged_in=12 available=3 reserved=1 on_call=7 wrap_up=1 paused=0 occupancy=61.5
//! ```
//!
//! Service level is answered within the queue's threshold over answered, in percent; occupancy
//! is talk time over the logged-in agents' time in the interval (their number sampled at its
//! end).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::Switch;

/// What the previous statistics line saw.
#[derive(Debug, Default)]
pub(super) struct StatsLog {
    pub next: Option<Instant>,
    pub queues: HashMap<String, acd::QueueStats>,
    pub talk: Duration,
}

impl Switch {
    pub(super) fn start_stats(&mut self, now: Instant) {
        self.stats.next = self.config.stats_interval.map(|i| now + i);
    }

    pub(super) fn stats_timeout(&self) -> Option<Instant> {
        self.stats.next
    }

    pub(super) fn handle_stats_timeout(&mut self, now: Instant) {
        let (Some(due), Some(interval)) = (self.stats.next, self.config.stats_interval) else {
            return;
        };
        if due > now {
            return;
        }
        self.stats.next = Some(now + interval);
        let names: Vec<String> = self.acd.queues().map(str::to_owned).collect();
        // All queues together.
        let (mut offered, mut answered_all, mut within_all, mut abandoned, mut waiting) =
            (0, 0, 0, 0, 0);
        for name in names {
            let Some(s) = self.acd.stats(&name) else {
                continue;
            };
            let before = self.stats.queues.get(&name);
            let d = |f: fn(&acd::QueueStats) -> u64| f(&s) - before.map_or(0, f);
            let answered = d(|x| x.answered);
            let within = d(|x| x.answered_within_sl);
            let wait = s.total_wait - before.map_or(Duration::ZERO, |b| b.total_wait);
            let service_level = (answered > 0).then(|| within as f64 * 100.0 / answered as f64);
            let asa = u32::try_from(answered)
                .ok()
                .filter(|n| *n > 0)
                .map(|n| (wait / n).as_secs_f64());
            offered += d(|x| x.offered);
            answered_all += answered;
            within_all += within;
            abandoned += d(|x| x.abandoned);
            waiting += s.waiting;
            tracing::info!(
                queue = %name,
                offered = d(|x| x.offered),
                answered,
                abandoned = d(|x| x.abandoned),
                short_abandoned = d(|x| x.short_abandoned),
                overflowed = d(|x| x.overflowed),
                service_level = service_level.map(|v| format!("{v:.1}")).unwrap_or_else(|| "-".into()),
                asa_s = asa.map(|v| format!("{v:.1}")).unwrap_or_else(|| "-".into()),
                waiting = s.waiting,
                longest_wait_s = s.longest_wait(now).as_secs(),
                "queue interval"
            );
            self.stats.queues.insert(name, s);
        }
        let agents = self.acd.agent_counts();
        let talk = self.acd.total_talk_time();
        let talked = talk.saturating_sub(self.stats.talk);
        self.stats.talk = talk;
        let staffed = interval.as_secs_f64() * f64::from(agents.logged_in());
        let occupancy = if staffed > 0.0 {
            (talked.as_secs_f64() / staffed * 100.0).min(100.0)
        } else {
            0.0
        };
        let all_sl = (answered_all > 0).then(|| within_all as f64 * 100.0 / answered_all as f64);
        tracing::info!(
            offered,
            answered = answered_all,
            abandoned,
            service_level = all_sl
                .map(|v| format!("{v:.1}"))
                .unwrap_or_else(|| "-".into()),
            waiting,
            logged_in = agents.logged_in(),
            available = agents.available,
            reserved = agents.reserved,
            on_call = agents.on_call,
            wrap_up = agents.wrap_up,
            paused = agents.paused,
            occupancy = format!("{occupancy:.1}"),
            "floor interval"
        );
    }
}
