//! Scenario harness: an engine, a fake clock (a base instant plus seconds) and
//! short verbs for events, so tests read like the behaviour.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use acd::{Action, AgentConfig, AgentState, CallId, Engine, Event, QueueConfig};

pub struct Sim {
    pub engine: Engine,
    pub t0: Instant,
    pub now: Instant,
}

impl Sim {
    /// The demo floor: `benefits` (labor), `immigration` (green-card),
    /// `general` (any); agents 1001 (labor), 1002 (green-card), 1003 (both),
    /// 1004 (no skills). Nobody logged in.
    pub fn demo() -> Sim {
        let mut engine = Engine::new();
        let queues = [
            QueueConfig::new("benefits").with_skill("labor"),
            QueueConfig::new("immigration").with_skill("green-card"),
            QueueConfig::new("general"),
        ];
        for q in queues {
            engine.add_queue(q).expect("valid queue");
        }
        let agents = [
            AgentConfig::new("1001").with_skill("labor"),
            AgentConfig::new("1002").with_skill("green-card"),
            AgentConfig::new("1003")
                .with_skill("labor")
                .with_skill_level("green-card", 4),
            AgentConfig::new("1004"),
        ];
        for a in agents {
            engine.add_agent(a).expect("valid agent");
        }
        Sim::with(engine)
    }

    pub fn with(engine: Engine) -> Sim {
        let t0 = Instant::now();
        Sim {
            engine,
            t0,
            now: t0,
        }
    }

    pub fn secs(&self, s: f64) -> Instant {
        self.t0 + Duration::from_secs_f64(s)
    }

    /// Moves the clock to `s` seconds after the start, firing every timer due
    /// on the way at its own deadline.
    pub fn at(&mut self, s: f64) {
        let target = self.secs(s);
        while let Some(t) = self.engine.poll_timeout().filter(|t| *t <= target) {
            self.now = self.now.max(t);
            self.engine.handle_timeout(self.now);
        }
        self.now = self.now.max(target);
    }

    pub fn send(&mut self, event: Event) {
        self.engine.handle(self.now, event).expect("event accepted");
    }

    pub fn login(&mut self, agent: &str) {
        self.send(Event::AgentLogin {
            agent: agent.into(),
        });
    }

    pub fn logout(&mut self, agent: &str) {
        self.send(Event::AgentLogout {
            agent: agent.into(),
        });
    }

    pub fn pause(&mut self, agent: &str, reason: &str) {
        self.send(Event::AgentPause {
            agent: agent.into(),
            reason: reason.into(),
        });
    }

    pub fn unpause(&mut self, agent: &str) {
        self.send(Event::AgentUnpause {
            agent: agent.into(),
        });
    }

    pub fn arrive(&mut self, call: u64, queue: &str) {
        self.arrive_with_priority(call, queue, 0);
    }

    pub fn arrive_with_priority(&mut self, call: u64, queue: &str, priority: i32) {
        self.send(Event::CallArrived {
            call: CallId(call),
            queue: queue.into(),
            priority,
        });
    }

    pub fn answer(&mut self, call: u64, agent: &str) {
        self.send(Event::OfferAnswered {
            call: CallId(call),
            agent: agent.into(),
        });
    }

    pub fn fail(&mut self, call: u64, agent: &str) {
        self.send(Event::OfferFailed {
            call: CallId(call),
            agent: agent.into(),
        });
    }

    pub fn leave(&mut self, call: u64) {
        self.send(Event::CallerLeft { call: CallId(call) });
    }

    pub fn priority(&mut self, call: u64, priority: i32) {
        self.send(Event::PriorityChanged {
            call: CallId(call),
            priority,
        });
    }

    pub fn end(&mut self, call: u64) {
        self.send(Event::CallEnded { call: CallId(call) });
    }

    /// Drains the actions, simplified to ("offer" | "cancel", call, agent) or
    /// ("paused", 0, agent).
    pub fn actions(&mut self) -> Vec<(&'static str, u64, String)> {
        let mut out = Vec::new();
        while let Some(action) = self.engine.poll_action() {
            out.push(match action {
                Action::Offer { call, agent, .. } => ("offer", call.0, agent),
                Action::CancelOffer { call, agent } => ("cancel", call.0, agent),
                Action::AgentPaused { agent, .. } => ("paused", 0, agent),
                other => panic!("unexpected action {other:?}"),
            });
        }
        out
    }

    pub fn state(&self, agent: &str) -> AgentState {
        self.engine.agent_state(agent).expect("known agent")
    }

    pub fn is_available(&self, agent: &str) -> bool {
        matches!(self.state(agent), AgentState::Available { .. })
    }
}

pub fn offer(call: u64, agent: &str) -> (&'static str, u64, String) {
    ("offer", call, agent.to_owned())
}

pub fn paused(agent: &str) -> (&'static str, u64, String) {
    ("paused", 0, agent.to_owned())
}

pub fn cancel(call: u64, agent: &str) -> (&'static str, u64, String) {
    ("cancel", call, agent.to_owned())
}
