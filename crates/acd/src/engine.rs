//! The engine: routes each event to the call and agent it concerns, runs the
//! agent state machine ([`agent`](crate::agent)), keeps the indexes in step and
//! queues the resulting actions.
//!
//! Run loop of the owner (the call control):
//!
//! 1. feed every observed fact with [`Engine::handle`];
//! 2. at [`Engine::poll_timeout`], call [`Engine::handle_timeout`];
//! 3. after either, drain [`Engine::poll_action`] until `None`.
//!
//! After every input the engine restores its invariant: no waiting caller has
//! an agent that is ready and eligible for it (matching in
//! [`matching`](crate::matching)).

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::mem;
use std::time::{Duration, Instant};

use crate::agent::{self, AgentState, Effect, Input, Refusal, State};
use crate::config::MAX_DURATION;
use crate::order::{AgentIdx, AvailablePool, Req, WaitKey, WaitingOrder};
use crate::stats::{AgentStats, QueueCounters, QueueStats};
use crate::timers::TimerTable;
use crate::{Action, AgentConfig, CallId, EngineConfig, Error, Event, QueueConfig};

/// Where a call is, as seen from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallStatus {
    /// In the global order, waiting for an agent.
    Waiting,
    /// An agent's phone is ringing for it.
    Ringing {
        /// The agent id.
        agent: String,
    },
    /// An agent answered.
    Connected {
        /// The agent id.
        agent: String,
    },
}

#[derive(Debug)]
pub(crate) struct Queue {
    pub(crate) config: QueueConfig,
    pub(crate) req: Req,
    /// This queue's waiting callers in global order (for positions).
    pub(crate) waiting: BTreeSet<WaitKey>,
    /// Callers not yet answered, waiting or ringing, by arrival (longest wait).
    pub(crate) unanswered: BTreeSet<(Instant, CallId)>,
    pub(crate) counters: QueueCounters,
}

#[derive(Debug)]
pub(crate) struct Agent {
    pub(crate) id: String,
    /// Interned skill and proficiency. Proficiency is not used for routing yet.
    pub(crate) skills: Vec<(usize, u8)>,
    pub(crate) state: State,
    pub(crate) stats: AgentStats,
}

impl Agent {
    /// The requirements this agent meets: "any" and each of its skills.
    pub(crate) fn reqs(&self) -> impl Iterator<Item = Req> + '_ {
        std::iter::once(Req::ANY).chain(self.skills.iter().map(|(s, _)| Req::skill(*s)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallState {
    Waiting,
    Ringing(AgentIdx),
    Connected(AgentIdx),
}

#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) queue: usize,
    /// The caller's place in the global order; it never changes, so a call that
    /// comes back from a failed offer takes up its original place.
    pub(crate) key: WaitKey,
    pub(crate) state: CallState,
    /// Agents offered this call in the current round that did not take it;
    /// preferred last, cleared when every ready eligible agent has had a turn.
    pub(crate) tried: Vec<AgentIdx>,
}

/// The ACD engine. See the crate documentation for the run loop.
#[derive(Debug)]
pub struct Engine {
    pub(crate) config: EngineConfig,
    pub(crate) skills: HashMap<String, usize>,
    pub(crate) queues: Vec<Queue>,
    pub(crate) queue_index: HashMap<String, usize>,
    pub(crate) agents: Vec<Agent>,
    pub(crate) agent_index: HashMap<String, AgentIdx>,
    pub(crate) calls: HashMap<CallId, Call>,
    pub(crate) order: WaitingOrder,
    pub(crate) pool: AvailablePool,
    pub(crate) timers: TimerTable,
    pub(crate) actions: VecDeque<Action>,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

/// `now + d`, or `now` in the (practically impossible) case the clock
/// overflows: durations are capped at a day by configuration validation.
pub(crate) fn after(now: Instant, d: Duration) -> Instant {
    now.checked_add(d).unwrap_or(now)
}

impl Engine {
    /// An engine with default settings, no queues and no agents.
    pub fn new() -> Self {
        Self::with_config(EngineConfig::default())
    }

    /// An engine with `config` (durations above 24 h are capped).
    pub fn with_config(mut config: EngineConfig) -> Self {
        config.offer_failure_cooldown = config.offer_failure_cooldown.min(MAX_DURATION);
        Self {
            config,
            skills: HashMap::new(),
            queues: Vec::new(),
            queue_index: HashMap::new(),
            agents: Vec::new(),
            agent_index: HashMap::new(),
            calls: HashMap::new(),
            order: WaitingOrder::new(),
            pool: AvailablePool::new(),
            timers: TimerTable::default(),
            actions: VecDeque::new(),
        }
    }

    /// Adds a queue. Errors on an empty or duplicate name or a duration out of range.
    pub fn add_queue(&mut self, q: QueueConfig) -> Result<(), Error> {
        q.validate()?;
        if self.queue_index.contains_key(&q.name) {
            return Err(Error::DuplicateQueue { queue: q.name });
        }
        let req = match &q.skill {
            Some(skill) => Req::skill(self.intern(skill)),
            None => Req::ANY,
        };
        self.queue_index.insert(q.name.clone(), self.queues.len());
        self.queues.push(Queue {
            config: q,
            req,
            waiting: BTreeSet::new(),
            unanswered: BTreeSet::new(),
            counters: QueueCounters::default(),
        });
        Ok(())
    }

    /// Adds an agent, logged out. Errors on an empty or duplicate id, a
    /// proficiency outside 1..=5 or a skill listed twice.
    pub fn add_agent(&mut self, a: AgentConfig) -> Result<(), Error> {
        a.validate()?;
        if self.agent_index.contains_key(&a.id) {
            return Err(Error::DuplicateAgent { agent: a.id });
        }
        let skills = a
            .skills
            .iter()
            .map(|(name, level)| (self.intern(name), *level))
            .collect();
        let idx = AgentIdx(u32::try_from(self.agents.len()).unwrap_or(u32::MAX));
        self.agent_index.insert(a.id.clone(), idx);
        self.agents.push(Agent {
            id: a.id,
            skills,
            state: State::LoggedOut,
            stats: AgentStats::default(),
        });
        Ok(())
    }

    fn intern(&mut self, skill: &str) -> usize {
        if let Some(&s) = self.skills.get(skill) {
            return s;
        }
        let s = self.skills.len();
        self.skills.insert(skill.to_owned(), s);
        self.order.grow_to(s + 2);
        self.pool.grow_to(s + 2);
        s
    }

    /// Applies one event observed at `now`. On error nothing changed.
    pub fn handle(&mut self, now: Instant, event: Event) -> Result<(), Error> {
        match event {
            Event::CallArrived {
                call,
                queue,
                priority,
            } => self.handle_arrival(now, call, &queue, priority),
            Event::AgentLogin { agent } => self.handle_agent_input(now, &agent, Input::Login),
            Event::AgentLogout { agent } => self.handle_agent_input(now, &agent, Input::Logout),
            Event::AgentPause { agent, reason } => {
                self.handle_agent_input(now, &agent, Input::Pause(&reason))
            }
            Event::AgentUnpause { agent } => self.handle_agent_input(now, &agent, Input::Unpause),
            Event::OfferAnswered { call, agent } => self.handle_answer(now, call, &agent),
            Event::OfferFailed { call, agent } => self.handle_failure(now, call, &agent),
            Event::CallerLeft { call } | Event::CallEnded { call } => {
                self.handle_call_gone(now, call)
            }
        }
    }

    /// Fires every timer due at `now` (ring timeouts, cool-downs, wrap-ups), in
    /// deadline order.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some((at, a)) = self.timers.due(now) {
            // Every round removes the entry it handles, and every deadline a
            // transition sets is after `now` (or leads to a state without one),
            // so the loop always ends even if the table and a state disagreed.
            self.timers.clear(at, a);
            let current = self.agents.get(a.0 as usize).and_then(|x| x.state.timer());
            if current.map(|(_, t)| t) != Some(at) {
                continue;
            }
            if let Ok(effect) = self.transition(a, Input::TimerFired, now) {
                self.apply_effect(a, effect, now);
            }
            self.match_agent(a, now);
        }
    }

    /// The earliest instant [`Engine::handle_timeout`] has work to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.earliest()
    }

    /// The next action for the call control, oldest first.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The agent's state, or `None` for an unknown agent.
    pub fn agent_state(&self, agent: &str) -> Option<AgentState> {
        self.agent(agent).map(|a| a.state.view())
    }

    /// The agent's counters, or `None` for an unknown agent.
    pub fn agent_stats(&self, agent: &str) -> Option<AgentStats> {
        self.agent(agent).map(|a| a.stats.clone())
    }

    /// Agent ids in the order they were added.
    pub fn agents(&self) -> impl Iterator<Item = &str> {
        self.agents.iter().map(|a| a.id.as_str())
    }

    /// Queue names in the order they were added.
    pub fn queues(&self) -> impl Iterator<Item = &str> {
        self.queues.iter().map(|q| q.config.name.as_str())
    }

    /// Where the call is, or `None` if the engine does not know it.
    pub fn call_status(&self, call: CallId) -> Option<CallStatus> {
        let c = self.calls.get(&call)?;
        let id = |a: AgentIdx| {
            self.agents
                .get(a.0 as usize)
                .map(|x| x.id.clone())
                .unwrap_or_default()
        };
        Some(match c.state {
            CallState::Waiting => CallStatus::Waiting,
            CallState::Ringing(a) => CallStatus::Ringing { agent: id(a) },
            CallState::Connected(a) => CallStatus::Connected { agent: id(a) },
        })
    }

    /// 1-based position of a waiting call among the waiting callers of its own
    /// queue (in the global order); `None` if the call is not waiting (unknown,
    /// ringing or answered). O(position).
    pub fn queue_position(&self, call: CallId) -> Option<usize> {
        let c = self.calls.get(&call)?;
        if c.state != CallState::Waiting {
            return None;
        }
        let q = self.queues.get(c.queue)?;
        Some(q.waiting.range(..c.key).count() + 1)
    }

    /// Callers waiting for an agent across all queues (not counting those ringing).
    pub fn waiting(&self) -> usize {
        self.order.total()
    }

    /// A snapshot of the queue's counters, or `None` for an unknown queue.
    pub fn stats(&self, queue: &str) -> Option<QueueStats> {
        let q = self.queues.get(*self.queue_index.get(queue)?)?;
        let c = &q.counters;
        Some(QueueStats {
            offered: c.offered,
            answered: c.answered,
            abandoned: c.abandoned,
            answered_within_sl: c.answered_within_sl,
            total_wait: c.total_wait,
            waiting: q.waiting.len(),
            ringing: q.unanswered.len().saturating_sub(q.waiting.len()),
            oldest_arrival: q.unanswered.first().map(|(t, _)| *t),
        })
    }

    fn agent(&self, agent: &str) -> Option<&Agent> {
        self.agents.get(self.agent_index.get(agent)?.0 as usize)
    }

    fn agent_idx(&self, agent: &str) -> Result<AgentIdx, Error> {
        self.agent_index
            .get(agent)
            .copied()
            .ok_or_else(|| Error::UnknownAgent {
                agent: agent.to_owned(),
            })
    }

    fn handle_arrival(
        &mut self,
        now: Instant,
        call: CallId,
        queue: &str,
        priority: i32,
    ) -> Result<(), Error> {
        let qi = *self
            .queue_index
            .get(queue)
            .ok_or_else(|| Error::UnknownQueue {
                queue: queue.to_owned(),
            })?;
        if self.calls.contains_key(&call) {
            return Err(Error::DuplicateCall { call });
        }
        let key = WaitKey {
            priority: std::cmp::Reverse(priority),
            arrival: now,
            call,
        };
        self.calls.insert(
            call,
            Call {
                queue: qi,
                key,
                state: CallState::Waiting,
                tried: Vec::new(),
            },
        );
        if let Some(q) = self.queues.get_mut(qi) {
            q.counters.offered += 1;
            q.unanswered.insert((now, call));
        }
        self.enqueue(call);
        self.match_call(call, None, now);
        Ok(())
    }

    fn handle_agent_input(
        &mut self,
        now: Instant,
        agent: &str,
        input: Input<'_>,
    ) -> Result<(), Error> {
        let a = self.agent_idx(agent)?;
        let effect = self
            .transition(a, input, now)
            .map_err(|r| self.refused(a, r, input))?;
        self.apply_effect(a, effect, now);
        self.match_agent(a, now);
        Ok(())
    }

    /// The call must be ringing at this agent, else the answer is stale.
    fn offered_to(&self, call: CallId, agent: &str) -> Result<AgentIdx, Error> {
        let a = self.agent_idx(agent)?;
        let c = self.calls.get(&call).ok_or(Error::UnknownCall { call })?;
        if c.state != CallState::Ringing(a) {
            return Err(Error::NotOffered {
                call,
                agent: agent.to_owned(),
            });
        }
        Ok(a)
    }

    fn handle_answer(&mut self, now: Instant, call: CallId, agent: &str) -> Result<(), Error> {
        let a = self.offered_to(call, agent)?;
        self.transition(a, Input::Answered(call), now)
            .map_err(|r| self.refused(a, r, Input::Answered(call)))?;
        if let Some(c) = self.calls.get_mut(&call) {
            c.state = CallState::Connected(a);
            if let Some(q) = self.queues.get_mut(c.queue) {
                q.unanswered.remove(&(c.key.arrival, call));
                let wait = now.saturating_duration_since(c.key.arrival);
                q.counters.record_answer(wait, q.config.service_level);
            }
        }
        if let Some(x) = self.agents.get_mut(a.0 as usize) {
            x.stats.answered += 1;
            x.stats.no_answer_streak = 0;
        }
        Ok(())
    }

    fn handle_failure(&mut self, now: Instant, call: CallId, agent: &str) -> Result<(), Error> {
        let a = self.offered_to(call, agent)?;
        let input = Input::Failed {
            call,
            cooldown_until: after(now, self.config.offer_failure_cooldown),
        };
        self.transition(a, input, now)
            .map_err(|r| self.refused(a, r, input))?;
        if let Some(x) = self.agents.get_mut(a.0 as usize) {
            x.stats.failed += 1;
        }
        // The call control already knows the INVITE failed: no CancelOffer.
        self.requeue(call, Some(a));
        // Another agent first. With a zero cool-down this agent is ready again
        // at once, and then serves the head of the order (which may be an older
        // caller than this one).
        self.match_call(call, Some(a), now);
        self.match_agent(a, now);
        Ok(())
    }

    /// Caller hung up (waiting, ringing) or an answered call ended.
    fn handle_call_gone(&mut self, now: Instant, call: CallId) -> Result<(), Error> {
        let c = self
            .calls
            .remove(&call)
            .ok_or(Error::UnknownCall { call })?;
        let q = self.queues.get_mut(c.queue);
        match c.state {
            CallState::Waiting => {
                self.order
                    .remove(q.as_ref().map_or(Req::ANY, |q| q.req), &c.key);
                if let Some(q) = q {
                    q.waiting.remove(&c.key);
                    q.unanswered.remove(&(c.key.arrival, call));
                    q.counters.abandoned += 1;
                }
            }
            CallState::Ringing(a) => {
                if let Some(q) = q {
                    q.unanswered.remove(&(c.key.arrival, call));
                    q.counters.abandoned += 1;
                }
                self.cancel_offer(call, a);
                // Ok by construction: the call was ringing at this agent.
                let _ = self.transition(a, Input::Withdrawn(call), now);
                self.match_agent(a, now);
            }
            CallState::Connected(a) => {
                let wrap = q.map_or(Duration::ZERO, |q| q.config.wrap_up);
                let wrap_until = (!wrap.is_zero()).then(|| after(now, wrap));
                let _ = self.transition(a, Input::CallEnded { call, wrap_until }, now);
                self.match_agent(a, now);
            }
        }
        Ok(())
    }

    /// Runs the agent state machine and keeps the pool and the timer table in
    /// step with the new state.
    pub(crate) fn transition(
        &mut self,
        a: AgentIdx,
        input: Input<'_>,
        now: Instant,
    ) -> Result<Effect, Refusal> {
        let Some(agent) = self.agents.get_mut(a.0 as usize) else {
            return Err(Refusal::Stale);
        };
        let (state, effect) = agent::next(&agent.state, input, now)?;
        let old = mem::replace(&mut agent.state, state);
        if let Some(since) = old.ready_since() {
            for req in agent.reqs() {
                self.pool.remove(req, &(since, a));
            }
        }
        if let Some((_, at)) = old.timer() {
            self.timers.clear(at, a);
        }
        if let Some(since) = agent.state.ready_since() {
            for req in agent.reqs() {
                self.pool.insert(req, (since, a));
            }
        }
        if let Some((_, at)) = agent.state.timer() {
            self.timers.set(at, a);
        }
        Ok(effect)
    }

    fn apply_effect(&mut self, a: AgentIdx, effect: Effect, now: Instant) {
        match effect {
            Effect::None => {}
            Effect::Requeue(call) => {
                self.cancel_offer(call, a);
                self.requeue(call, None);
                self.match_call(call, None, now);
            }
            Effect::NoAnswer(call) => {
                if let Some(x) = self.agents.get_mut(a.0 as usize) {
                    x.stats.no_answer += 1;
                    x.stats.no_answer_streak = x.stats.no_answer_streak.saturating_add(1);
                }
                self.cancel_offer(call, a);
                self.requeue(call, Some(a));
                // Another agent first; the one that just rang out only gets the
                // call back (through `match_agent`) if nobody else is ready and
                // no caller ahead of this one wants it.
                self.match_call(call, Some(a), now);
            }
        }
    }

    fn cancel_offer(&mut self, call: CallId, a: AgentIdx) {
        let agent = self
            .agents
            .get(a.0 as usize)
            .map(|x| x.id.clone())
            .unwrap_or_default();
        self.actions.push_back(Action::CancelOffer { call, agent });
    }

    fn refused(&self, a: AgentIdx, r: Refusal, input: Input<'_>) -> Error {
        let (agent, state) = self
            .agents
            .get(a.0 as usize)
            .map_or((String::new(), "unknown"), |x| {
                (x.id.clone(), x.state.name())
            });
        match (r, input) {
            (Refusal::AlreadyLoggedIn, _) => Error::AlreadyLoggedIn { agent },
            (Refusal::NotLoggedIn, _) => Error::NotLoggedIn { agent },
            (Refusal::NotPaused, _) => Error::NotPaused { agent },
            (Refusal::Stale, Input::Answered(call) | Input::Failed { call, .. }) => {
                Error::NotOffered { call, agent }
            }
            (Refusal::Stale, _) => Error::InvalidTransition {
                agent,
                state,
                event: input.name(),
            },
        }
    }
}
