//! Simulation: the real [`Engine`] on a simulated clock against a traffic model, so a
//! contact centre can see what a roster and routing rules will do before its callers do.
//!
//! ```text
//!   arrivals (Poisson, rate per hour of day) ─▶ CallArrived ─▶ Engine ─▶ Offer ─▶ agent answers
//!   patience expires while unanswered ─────────▶ CallerLeft                      │ (answer delay)
//!   handle time over ──────────────────────────▶ CallEnded ◀────────────────────┘
//!   shifts ────────────────────────────────────▶ AgentLogin / AgentLogout
//! ```
//!
//! One event list ordered by time (ties by insertion) plus the engine's own timers (ring
//! timeouts, wrap-up, widening) drive the run; nothing sleeps. The report gives the usual
//! figures per queue for the whole run and per interval.
//!
//! Randomness comes from one seeded generator, so a run is reproduced exactly by its seed.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};

use crate::{
    Action, AgentConfig, AgentState, CallId, Engine, EngineConfig, Error, Event, QueueConfig,
};

/// A random duration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Distribution {
    /// Always the same.
    Fixed(Duration),
    /// Exponential with this mean (memoryless: the M in M/M/c).
    Exponential(Duration),
    /// Log-normal with this mean and standard deviation: the usual shape of handle times
    /// and of callers' patience (no negative values, a long right tail).
    LogNormal {
        /// Mean.
        mean: Duration,
        /// Standard deviation.
        sd: Duration,
    },
}

impl Distribution {
    fn sample(&self, rng: &mut Rng) -> Duration {
        let secs = match *self {
            Distribution::Fixed(d) => d.as_secs_f64(),
            Distribution::Exponential(mean) => -mean.as_secs_f64() * rng.unit_open().ln(),
            Distribution::LogNormal { mean, sd } => {
                let (m, s) = (mean.as_secs_f64(), sd.as_secs_f64());
                if m <= 0.0 {
                    0.0
                } else {
                    // The underlying normal's parameters from the mean and sd wanted.
                    let sigma2 = (1.0 + (s * s) / (m * m)).ln();
                    let mu = m.ln() - sigma2 / 2.0;
                    (mu + sigma2.sqrt() * rng.normal()).exp()
                }
            }
        };
        Duration::from_secs_f64(secs.clamp(0.0, 86_400.0 * 365.0))
    }
}

/// A queue in the model: its routing configuration and its callers.
#[derive(Debug, Clone)]
pub struct SimQueue {
    /// Routing, as in the switch.
    pub config: QueueConfig,
    /// Share of all arrivals that come to this queue (the skill mix); shares are normalised.
    pub share: f64,
    /// Talk time of an answered call.
    pub handle_time: Distribution,
    /// How long a caller waits before hanging up; `None`: callers never give up.
    pub patience: Option<Distribution>,
}

/// Agents with the same skills and shift.
#[derive(Debug, Clone)]
pub struct AgentGroup {
    /// Prefix of the agents' ids (`name-1`, `name-2`, …).
    pub name: String,
    /// How many agents.
    pub count: u32,
    /// Skills and proficiency.
    pub skills: Vec<(String, u8)>,
    /// Daily shift as (start, end) since midnight; `None`: logged in all the time. A shift
    /// may run past midnight (start after end).
    pub shift: Option<(Duration, Duration)>,
}

/// A traffic model and a roster.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Queues with their callers.
    pub queues: Vec<SimQueue>,
    /// The roster.
    pub agents: Vec<AgentGroup>,
    /// Simulated days.
    pub days: u32,
    /// Calls arriving per day, over all queues.
    pub calls_per_day: f64,
    /// Relative arrival rate for each hour of the day (normalised); all equal if empty.
    pub hourly_profile: Vec<f64>,
    /// Time from offer to answer (agents pick up); zero by default.
    pub answer_delay: Distribution,
    /// Abandons within this wait are "short" (misdials, quick changes of mind).
    pub short_abandon: Duration,
    /// Length of a reporting interval (15 minutes is usual).
    pub interval: Duration,
    /// Engine settings (auto-pause, random strategy seed).
    pub engine: EngineConfig,
    /// Seed of the traffic.
    pub seed: u64,
}

impl SimConfig {
    /// A model with no queues or agents yet: one day, flat traffic, 15-minute intervals.
    pub fn new(calls_per_day: f64) -> SimConfig {
        SimConfig {
            queues: Vec::new(),
            agents: Vec::new(),
            days: 1,
            calls_per_day,
            hourly_profile: Vec::new(),
            answer_delay: Distribution::Fixed(Duration::ZERO),
            short_abandon: Duration::from_secs(5),
            interval: Duration::from_secs(900),
            engine: EngineConfig::default(),
            seed: 1,
        }
    }
}

/// Figures for one queue over some span.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueFigures {
    /// Calls that arrived.
    pub offered: u64,
    /// Calls an agent answered.
    pub answered: u64,
    /// Callers who hung up before an answer.
    pub abandoned: u64,
    /// Of those, within the short-abandon threshold.
    pub short_abandoned: u64,
    /// Sent elsewhere by the queue's overflow rule.
    pub overflowed: u64,
    /// Answered within the queue's service-level threshold.
    pub answered_within_sl: u64,
    /// Sum of waits of answered calls.
    pub total_wait: Duration,
    /// Longest wait of an answered or abandoned call.
    pub longest_wait: Duration,
}

impl QueueFigures {
    /// Answered within the threshold over answered calls (0 to 1).
    pub fn service_level(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.answered_within_sl as f64 / self.answered as f64)
    }

    /// Answered within the threshold over answered and (not short) abandoned calls.
    pub fn service_level_with_abandons(&self) -> Option<f64> {
        let base = self.answered + self.abandoned - self.short_abandoned;
        (base > 0).then(|| self.answered_within_sl as f64 / base as f64)
    }

    /// Average speed of answer.
    pub fn average_speed_of_answer(&self) -> Option<Duration> {
        let n = u32::try_from(self.answered).ok().filter(|n| *n > 0)?;
        Some(self.total_wait / n)
    }

    /// Abandoned over offered (0 to 1).
    pub fn abandon_rate(&self) -> Option<f64> {
        (self.offered > 0).then(|| self.abandoned as f64 / self.offered as f64)
    }

    fn add(&mut self, o: &QueueFigures) {
        self.offered += o.offered;
        self.answered += o.answered;
        self.abandoned += o.abandoned;
        self.short_abandoned += o.short_abandoned;
        self.overflowed += o.overflowed;
        self.answered_within_sl += o.answered_within_sl;
        self.total_wait += o.total_wait;
        self.longest_wait = self.longest_wait.max(o.longest_wait);
    }
}

/// One reporting interval.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalFigures {
    /// Start of the interval since the start of the run.
    pub start: Duration,
    /// Per queue, in configuration order.
    pub queues: Vec<QueueFigures>,
    /// Agents logged in at the end of the interval.
    pub agents_logged_in: u32,
    /// Share of logged-in agent time spent talking during the interval (0 to 1).
    pub occupancy: f64,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct SimReport {
    /// Queue names, in configuration order.
    pub queue_names: Vec<String>,
    /// Per queue for the whole run.
    pub queues: Vec<QueueFigures>,
    /// Every interval, in order.
    pub intervals: Vec<IntervalFigures>,
    /// Talk time over logged-in time for the whole run (0 to 1).
    pub occupancy: f64,
    /// Times the engine paused an agent for unanswered offers.
    pub auto_pauses: u64,
    /// Engine inputs processed (events and timer rounds).
    pub engine_inputs: u64,
}

impl SimReport {
    /// All queues together.
    pub fn total(&self) -> QueueFigures {
        let mut t = QueueFigures::default();
        for q in &self.queues {
            t.add(q);
        }
        t
    }
}

/// Why a model cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// The engine refused a queue or agent.
    #[error("{0}")]
    Engine(#[from] Error),
    /// The model is inconsistent.
    #[error("simulation model: {0}")]
    Model(String),
}

/// Runs the model to its end and reports.
pub fn run(config: &SimConfig) -> Result<SimReport, SimError> {
    Sim::new(config)?.run()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrival,
    Answer { call: u64, agent: u32 },
    Abandon { call: u64 },
    End { call: u64 },
    ShiftStart { group: u32 },
    ShiftEnd { group: u32 },
    Report,
}

struct Live {
    queue: usize,
    arrival: Duration,
    answered: bool,
}

struct Sim<'a> {
    config: &'a SimConfig,
    engine: Engine,
    rng: Rng,
    t0: Instant,
    now: Duration,
    end: Duration,
    seq: u64,
    events: BinaryHeap<Reverse<(Duration, u64, Ev)>>,
    live: HashMap<u64, Live>,
    next_call: u64,
    /// Cumulative shares for picking a queue.
    share_cdf: Vec<f64>,
    /// Calls per second for each hour of the day.
    hourly_rate: Vec<f64>,
    /// Agent ids, and which agent index each id is.
    agent_ids: Vec<String>,
    agent_index: HashMap<String, u32>,
    group_agents: Vec<Vec<u32>>,
    totals: Vec<QueueFigures>,
    current: Vec<QueueFigures>,
    intervals: Vec<IntervalFigures>,
    interval_start: Duration,
    talk_at_interval_start: Duration,
    staffed_since: HashMap<u32, Duration>,
    staffed_in_interval: Duration,
    staffed_total: Duration,
    auto_pauses: u64,
    engine_inputs: u64,
}

impl<'a> Sim<'a> {
    fn new(config: &'a SimConfig) -> Result<Sim<'a>, SimError> {
        if config.queues.is_empty() {
            return Err(SimError::Model("no queues".into()));
        }
        if !(config.calls_per_day.is_finite() && config.calls_per_day >= 0.0) {
            return Err(SimError::Model("calls_per_day must be 0 or more".into()));
        }
        if config.interval.is_zero() {
            return Err(SimError::Model("the interval must be above zero".into()));
        }
        let shares: f64 = config.queues.iter().map(|q| q.share.max(0.0)).sum();
        if !(shares > 0.0 && shares.is_finite()) {
            return Err(SimError::Model(
                "queue shares must add up to more than 0".into(),
            ));
        }
        let mut engine = Engine::with_config(config.engine.clone());
        for q in &config.queues {
            engine.add_queue(q.config.clone())?;
        }
        let mut agent_ids = Vec::new();
        let mut agent_index = HashMap::new();
        let mut group_agents = Vec::new();
        for g in &config.agents {
            let mut members = Vec::new();
            for i in 1..=g.count {
                let id = format!("{}-{i}", g.name);
                let mut a = AgentConfig::new(id.clone());
                a.skills = g.skills.clone();
                engine.add_agent(a)?;
                let idx = u32::try_from(agent_ids.len()).unwrap_or(u32::MAX);
                agent_index.insert(id.clone(), idx);
                agent_ids.push(id);
                members.push(idx);
            }
            group_agents.push(members);
        }
        let mut cdf = Vec::with_capacity(config.queues.len());
        let mut acc = 0.0;
        for q in &config.queues {
            acc += q.share.max(0.0) / shares;
            cdf.push(acc);
        }
        let profile: Vec<f64> = if config.hourly_profile.is_empty() {
            vec![1.0; 24]
        } else {
            config.hourly_profile.iter().map(|w| w.max(0.0)).collect()
        };
        if profile.len() != 24 {
            return Err(SimError::Model("the hourly profile needs 24 values".into()));
        }
        let weight: f64 = profile.iter().sum();
        let hourly_rate = profile
            .iter()
            .map(|w| {
                if weight > 0.0 {
                    config.calls_per_day * w / weight / 3600.0
                } else {
                    0.0
                }
            })
            .collect();
        let n = config.queues.len();
        Ok(Sim {
            config,
            engine,
            rng: Rng::new(config.seed),
            t0: Instant::now(),
            now: Duration::ZERO,
            end: Duration::from_secs(86_400) * config.days,
            seq: 0,
            events: BinaryHeap::new(),
            live: HashMap::new(),
            next_call: 1,
            share_cdf: cdf,
            hourly_rate,
            agent_ids,
            agent_index,
            group_agents,
            totals: vec![QueueFigures::default(); n],
            current: vec![QueueFigures::default(); n],
            intervals: Vec::new(),
            interval_start: Duration::ZERO,
            talk_at_interval_start: Duration::ZERO,
            staffed_since: HashMap::new(),
            staffed_in_interval: Duration::ZERO,
            staffed_total: Duration::ZERO,
            auto_pauses: 0,
            engine_inputs: 0,
        })
    }

    fn at(&self, t: Duration) -> Instant {
        self.t0 + t
    }

    fn push(&mut self, t: Duration, ev: Ev) {
        self.seq += 1;
        self.events.push(Reverse((t, self.seq, ev)));
    }

    fn run(mut self) -> Result<SimReport, SimError> {
        // Shifts: every day, or logged in from the start.
        for (g, group) in self.config.agents.iter().enumerate() {
            let g = u32::try_from(g).unwrap_or(u32::MAX);
            match group.shift {
                None => self.push(Duration::ZERO, Ev::ShiftStart { group: g }),
                Some((start, end)) => {
                    let day = Duration::from_secs(86_400);
                    if start > end {
                        // A night shift is already on when the run starts at midnight.
                        self.push(Duration::ZERO, Ev::ShiftStart { group: g });
                        self.push(end, Ev::ShiftEnd { group: g });
                    }
                    for d in 0..self.config.days {
                        let base = day * d;
                        self.push(base + start, Ev::ShiftStart { group: g });
                        let stop = if end > start { end } else { end + day };
                        self.push(base + stop, Ev::ShiftEnd { group: g });
                    }
                }
            }
        }
        self.schedule_arrival(Duration::ZERO);
        self.push(self.config.interval, Ev::Report);

        loop {
            let next_event = self.events.peek().map(|Reverse((t, _, _))| *t);
            let next_timer = self
                .engine
                .poll_timeout()
                .map(|i| i.saturating_duration_since(self.t0));
            match (next_event, next_timer) {
                (_, Some(t)) if next_event.is_none_or(|e| t < e) => {
                    self.now = self.now.max(t);
                    self.engine.handle_timeout(self.at(self.now));
                    self.engine_inputs += 1;
                }
                (Some(_), _) => {
                    let Some(Reverse((t, _, ev))) = self.events.pop() else {
                        break;
                    };
                    self.now = self.now.max(t);
                    if !self.handle(ev)? {
                        break;
                    }
                }
                (None, _) => break,
            }
            self.drain()?;
        }
        let staffed = self.staffed_total.as_secs_f64();
        let talk = self.talk_total().as_secs_f64();
        Ok(SimReport {
            queue_names: self
                .config
                .queues
                .iter()
                .map(|q| q.config.name.clone())
                .collect(),
            queues: self.totals,
            intervals: self.intervals,
            occupancy: if staffed > 0.0 { talk / staffed } else { 0.0 },
            auto_pauses: self.auto_pauses,
            engine_inputs: self.engine_inputs,
        })
    }

    /// The next arrival after `from`, or none past the end of the run.
    fn schedule_arrival(&mut self, from: Duration) {
        let mut t = from;
        let hour = Duration::from_secs(3600);
        loop {
            if t >= self.end {
                return;
            }
            let h = usize::try_from((t.as_secs() / 3600) % 24).unwrap_or(0);
            let rate = self.hourly_rate.get(h).copied().unwrap_or(0.0);
            let hour_end = hour * u32::try_from(t.as_secs() / 3600 + 1).unwrap_or(u32::MAX);
            if rate > 0.0 {
                let gap = -self.rng.unit_open().ln() / rate;
                let next = t + Duration::from_secs_f64(gap);
                if next < hour_end {
                    self.push(next, Ev::Arrival);
                    return;
                }
            }
            // Memoryless: start afresh at the next hour with its own rate.
            t = hour_end;
        }
    }

    fn send(&mut self, event: Event) -> Result<(), Error> {
        self.engine_inputs += 1;
        self.engine.handle(self.at(self.now), event)
    }

    /// Returns false when the run is over.
    fn handle(&mut self, ev: Ev) -> Result<bool, SimError> {
        match ev {
            Ev::Arrival => {
                self.schedule_arrival(self.now);
                let u = self.rng.unit();
                let qi = self
                    .share_cdf
                    .iter()
                    .position(|c| u < *c)
                    .unwrap_or(self.share_cdf.len() - 1);
                let call = self.next_call;
                self.next_call += 1;
                let q = &self.config.queues[qi];
                let patience = q.patience.map(|p| p.sample(&mut self.rng));
                self.live.insert(
                    call,
                    Live {
                        queue: qi,
                        arrival: self.now,
                        answered: false,
                    },
                );
                self.current[qi].offered += 1;
                if let Some(p) = patience {
                    self.push(self.now + p, Ev::Abandon { call });
                }
                let name = q.config.name.clone();
                self.send(Event::CallArrived {
                    call: CallId(call),
                    queue: name,
                    priority: 0,
                })?;
            }
            Ev::Answer { call, agent } => {
                let id = self.agent_ids[agent as usize].clone();
                if self.live.get(&call).is_some_and(|c| !c.answered) {
                    // Refused if the offer was withdrawn meanwhile (ring timeout).
                    if self
                        .send(Event::OfferAnswered {
                            call: CallId(call),
                            agent: id,
                        })
                        .is_ok()
                    {
                        self.answered(call);
                    }
                }
            }
            Ev::Abandon { call } => {
                if let Some(c) = self.live.get(&call).filter(|c| !c.answered) {
                    let (qi, waited) = (c.queue, self.now - c.arrival);
                    self.live.remove(&call);
                    let f = &mut self.current[qi];
                    f.abandoned += 1;
                    if waited <= self.config.short_abandon {
                        f.short_abandoned += 1;
                    }
                    f.longest_wait = f.longest_wait.max(waited);
                    self.send(Event::CallerLeft { call: CallId(call) })?;
                }
            }
            Ev::End { call } => {
                self.live.remove(&call);
                self.send(Event::CallEnded { call: CallId(call) })?;
            }
            Ev::ShiftStart { group } => {
                for a in self.group_agents[group as usize].clone() {
                    let id = self.agent_ids[a as usize].clone();
                    if self.send(Event::AgentLogin { agent: id }).is_ok() {
                        self.staffed_since.insert(a, self.now);
                    }
                }
            }
            Ev::ShiftEnd { group } => {
                for a in self.group_agents[group as usize].clone() {
                    let id = self.agent_ids[a as usize].clone();
                    if self.send(Event::AgentLogout { agent: id }).is_ok() {
                        if let Some(since) = self.staffed_since.remove(&a) {
                            self.staffed(since);
                        }
                    }
                }
            }
            Ev::Report => {
                self.close_interval();
                let next = self.now + self.config.interval;
                if next <= self.end {
                    self.push(next, Ev::Report);
                } else if self.live.is_empty() {
                    return Ok(false);
                } else {
                    // Calls still in progress after the last arrival: let them finish.
                    self.push(next, Ev::Report);
                }
            }
        }
        Ok(true)
    }

    fn answered(&mut self, call: u64) {
        let Some(c) = self.live.get_mut(&call) else {
            return;
        };
        c.answered = true;
        let (qi, waited) = (c.queue, self.now - c.arrival);
        let q = &self.config.queues[qi];
        let talk = q.handle_time.sample(&mut self.rng);
        let sl = q.config.service_level;
        let f = &mut self.current[qi];
        f.answered += 1;
        f.total_wait += waited;
        f.longest_wait = f.longest_wait.max(waited);
        if waited <= sl {
            f.answered_within_sl += 1;
        }
        self.push(self.now + talk, Ev::End { call });
    }

    fn drain(&mut self) -> Result<(), SimError> {
        while let Some(action) = self.engine.poll_action() {
            match action {
                Action::Offer { call, agent, .. } => {
                    let Some(&a) = self.agent_index.get(&agent) else {
                        continue;
                    };
                    let delay = self.config.answer_delay.sample(&mut self.rng);
                    if delay.is_zero() {
                        self.send(Event::OfferAnswered { call, agent })?;
                        self.answered(call.0);
                    } else {
                        self.push(
                            self.now + delay,
                            Ev::Answer {
                                call: call.0,
                                agent: a,
                            },
                        );
                    }
                }
                Action::AgentPaused { .. } => self.auto_pauses += 1,
                Action::CancelOffer { .. } => {}
                Action::Overflowed { call, to, .. } => {
                    let target = self.config.queues.iter().position(|q| q.config.name == to);
                    if let (Some(c), Some(t)) = (self.live.get_mut(&call.0), target) {
                        self.current[c.queue].overflowed += 1;
                        self.current[t].offered += 1;
                        c.queue = t;
                    }
                }
                Action::Released { call, .. } => {
                    // Gone to a menu or another service: out of the queues' figures.
                    if let Some(c) = self.live.remove(&call.0) {
                        self.current[c.queue].overflowed += 1;
                    }
                }
            }
        }
        Ok(())
    }

    fn staffed(&mut self, since: Duration) {
        let from = since.max(self.interval_start);
        self.staffed_in_interval += self.now.saturating_sub(from);
        self.staffed_total += self.now.saturating_sub(since);
    }

    fn talk_total(&self) -> Duration {
        self.engine
            .agents()
            .filter_map(|a| self.engine.agent_stats(a))
            .map(|s| s.talk_time)
            .sum()
    }

    fn close_interval(&mut self) {
        // Agents still logged in count up to now, and from now on in the next interval.
        let staffed_now: Vec<(u32, Duration)> =
            self.staffed_since.iter().map(|(a, s)| (*a, *s)).collect();
        for (_, since) in &staffed_now {
            let from = (*since).max(self.interval_start);
            self.staffed_in_interval += self.now.saturating_sub(from);
        }
        let talk = self.talk_total();
        let talk_in_interval = talk.saturating_sub(self.talk_at_interval_start);
        let staffed = self.staffed_in_interval.as_secs_f64();
        let logged_in = self
            .engine
            .agents()
            .filter(|a| {
                !matches!(
                    self.engine.agent_state(a),
                    None | Some(AgentState::LoggedOut)
                )
            })
            .count();
        let figures = std::mem::replace(
            &mut self.current,
            vec![QueueFigures::default(); self.config.queues.len()],
        );
        for (total, f) in self.totals.iter_mut().zip(&figures) {
            total.add(f);
        }
        self.intervals.push(IntervalFigures {
            start: self.interval_start,
            queues: figures,
            agents_logged_in: u32::try_from(logged_in).unwrap_or(u32::MAX),
            occupancy: if staffed > 0.0 {
                (talk_in_interval.as_secs_f64() / staffed).min(1.0)
            } else {
                0.0
            },
        });
        // Whole-run staffed time: count the part of open shifts up to now, then restart them.
        for (a, since) in staffed_now {
            self.staffed_total += self.now.saturating_sub(since);
            self.staffed_since.insert(a, self.now);
        }
        self.talk_at_interval_start = talk;
        self.interval_start = self.now;
        self.staffed_in_interval = Duration::ZERO;
    }
}

/// xoshiro256** seeded through SplitMix64: fast, good enough for queueing models, and the
/// same numbers for the same seed everywhere.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in (0, 1], for logarithms.
    fn unit_open(&mut self) -> f64 {
        1.0 - self.unit()
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.unit_open(), self.unit());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distributions_have_the_mean_asked_for() {
        let mut rng = Rng::new(3);
        let n = 200_000;
        for (d, mean) in [
            (Distribution::Exponential(Duration::from_secs(180)), 180.0),
            (
                Distribution::LogNormal {
                    mean: Duration::from_secs(240),
                    sd: Duration::from_secs(120),
                },
                240.0,
            ),
            (Distribution::Fixed(Duration::from_secs(7)), 7.0),
        ] {
            let avg: f64 = (0..n)
                .map(|_| d.sample(&mut rng).as_secs_f64())
                .sum::<f64>()
                / n as f64;
            assert!((avg - mean).abs() / mean < 0.01, "{d:?}: {avg}");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let a: Vec<u64> = {
            let mut r = Rng::new(42);
            (0..5).map(|_| r.next_u64()).collect()
        };
        let mut r = Rng::new(42);
        assert_eq!(a, (0..5).map(|_| r.next_u64()).collect::<Vec<_>>());
        assert_ne!(a[0], Rng::new(43).next_u64());
    }

    #[test]
    fn a_model_without_queues_is_refused() {
        assert!(matches!(
            run(&SimConfig::new(100.0)),
            Err(SimError::Model(_))
        ));
    }
}
