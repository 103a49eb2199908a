//! Matching callers and agents in the global order.
//!
//! Two entry points, each run right after the one change that can break the
//! invariant "no waiting caller has a ready eligible agent":
//!
//! - [`Engine::match_call`], when a caller starts waiting (arrival, or back from
//!   an offer): it takes the longest-idle ready agent that meets its
//!   requirement. Any agent ready before this caller arrived was, by the
//!   invariant, not eligible for anyone else waiting, so no one is overtaken.
//! - [`Engine::match_agent`], when an agent becomes ready: it takes the head of
//!   the global order among the requirements it meets.
//!
//! A call that rang out or failed remembers the agents tried in this round
//! (`Call::tried`) and goes to an untried ready agent first; only when every
//! ready eligible agent has been tried does the round restart, so an offer
//! round-trips through all eligible agents instead of bouncing between two.
//!
//! Cost: `match_call` is O(log m + t) for m ready agents and t agents already
//! tried for that call; `match_agent` is O(k log n) for k skills and n callers
//! waiting; offering is O(k log m + log n).

use std::time::Instant;

use crate::engine::{CallState, after};
use crate::order::AgentIdx;
use crate::{Action, CallId, Engine, agent::Input};

impl Engine {
    /// Offers a waiting `call` to the best ready agent other than `exclude`.
    pub(crate) fn match_call(&mut self, call: CallId, exclude: Option<AgentIdx>, now: Instant) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        if c.state != CallState::Waiting {
            return;
        }
        let Some(req) = self.queues.get(c.queue).map(|q| q.req) else {
            return;
        };
        let mut first_tried = None;
        let mut untried = None;
        for (_, a) in self.pool.iter(req) {
            if Some(a) == exclude {
                continue;
            }
            if c.tried.contains(&a) {
                first_tried.get_or_insert(a);
                continue;
            }
            untried = Some(a);
            break;
        }
        if let Some(a) = untried.or(first_tried) {
            self.offer(call, a, now);
        }
    }

    /// Offers a ready agent the longest-waiting caller it is eligible for.
    pub(crate) fn match_agent(&mut self, a: AgentIdx, now: Instant) {
        let Some(agent) = self.agents.get(a.0 as usize) else {
            return;
        };
        if agent.state.ready_since().is_none() {
            return;
        }
        let head = agent.reqs().filter_map(|req| self.order.first(req)).min();
        if let Some(key) = head {
            self.offer(key.call, a, now);
        }
    }

    /// Reserves agent `a` for the waiting `call` and emits the offer.
    fn offer(&mut self, call: CallId, a: AgentIdx, now: Instant) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        let Some(ring_timeout) = self.queues.get(c.queue).map(|q| q.config.ring_timeout) else {
            return;
        };
        let ring_deadline = after(now, ring_timeout);
        if self
            .transition(
                a,
                Input::Offer {
                    call,
                    ring_deadline,
                },
                now,
            )
            .is_err()
        {
            return;
        }
        self.dequeue(call);
        if let Some(c) = self.calls.get_mut(&call) {
            c.state = CallState::Ringing(a);
            // Offering an agent already tried means everyone ready had a turn.
            if c.tried.contains(&a) {
                c.tried.clear();
            }
        }
        let agent = self
            .agents
            .get(a.0 as usize)
            .map(|x| x.id.clone())
            .unwrap_or_default();
        self.actions.push_back(Action::Offer {
            call,
            agent,
            ring_deadline,
        });
    }

    /// Puts an offered call back in its original place in the order.
    pub(crate) fn requeue(&mut self, call: CallId, tried: Option<AgentIdx>) {
        if let Some(c) = self.calls.get_mut(&call) {
            c.state = CallState::Waiting;
            if let Some(a) = tried.filter(|a| !c.tried.contains(a)) {
                c.tried.push(a);
            }
        }
        self.enqueue(call);
    }

    pub(crate) fn enqueue(&mut self, call: CallId) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        if let Some(q) = self.queues.get_mut(c.queue) {
            q.waiting.insert(c.key);
            self.order.insert(q.req, c.key);
        }
    }

    fn dequeue(&mut self, call: CallId) {
        let Some(c) = self.calls.get(&call) else {
            return;
        };
        if let Some(q) = self.queues.get_mut(c.queue) {
            q.waiting.remove(&c.key);
            self.order.remove(q.req, &c.key);
        }
    }
}
