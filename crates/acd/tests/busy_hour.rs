//! A simulated busy hour: thousands of callers over three queues, agents that
//! sometimes do not answer or are busy, callers that sometimes give up. Every
//! caller ends up answered or abandoned, and the books balance.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use acd::{Action, AgentConfig, CallId, Engine, Event, QueueConfig};

/// A small deterministic generator (xorshift), so the run is reproducible.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// What the outside world will do later, in time order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Later {
    Arrive(CallId, usize),
    /// The agent's phone answers or refuses (after some ringing).
    Respond(CallId, String, bool),
    GiveUp(CallId),
    HangUp(CallId),
}

const QUEUES: [&str; 3] = ["benefits", "immigration", "general"];

#[test]
fn every_caller_is_answered_or_abandoned_and_the_books_balance() {
    let mut engine = Engine::new();
    engine
        .add_queue(QueueConfig::new("benefits").with_skill("labor"))
        .expect("queue");
    engine
        .add_queue(QueueConfig::new("immigration").with_skill("green-card"))
        .expect("queue");
    let mut general = QueueConfig::new("general");
    general.wrap_up = Duration::from_secs(10);
    engine.add_queue(general).expect("queue");
    for a in 0..40 {
        let mut cfg = AgentConfig::new(format!("{}", 2000 + a));
        if a % 3 != 1 {
            cfg = cfg.with_skill("labor");
        }
        if a % 3 != 0 {
            cfg = cfg.with_skill("green-card");
        }
        engine.add_agent(cfg).expect("agent");
    }

    let t0 = Instant::now();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut later = BinaryHeap::new();
    let at = |s: u64| t0 + Duration::from_millis(s);
    for a in 0..40 {
        engine
            .handle(
                t0,
                Event::AgentLogin {
                    agent: format!("{}", 2000 + a),
                },
            )
            .expect("login");
    }
    // 1,500 callers over an hour, about one every 2.4 s; talk time 20 s to
    // 2 min: about 30 Erlang of traffic for 40 agents.
    let mut t = 0;
    for c in 0..1_500u64 {
        t += rng.below(4_800);
        let queue = rng.below(3) as usize;
        later.push(Reverse((at(t), Later::Arrive(CallId(c), queue))));
        // A third of the callers give up after 2 s to 3 min if still waiting.
        if rng.below(3) == 0 {
            let patience = 2_000 + rng.below(178_000);
            later.push(Reverse((at(t + patience), Later::GiveUp(CallId(c)))));
        }
    }

    let mut answered_by_us = 0u64;
    loop {
        let next_world = later.peek().map(|Reverse((t, _))| *t);
        let next_timer = engine.poll_timeout();
        let now = match (next_world, next_timer) {
            (None, None) => break,
            (Some(w), Some(e)) if e < w => {
                engine.handle_timeout(e);
                e
            }
            (None, Some(e)) => {
                engine.handle_timeout(e);
                e
            }
            (Some(w), _) => {
                let Some(Reverse((_, what))) = later.pop() else {
                    break;
                };
                // Late events about calls already gone are refused, which is
                // what the call control would see too.
                let _ = match what {
                    Later::Arrive(call, q) => engine.handle(
                        w,
                        Event::CallArrived {
                            call,
                            queue: QUEUES[q].into(),
                            priority: 0,
                        },
                    ),
                    Later::Respond(call, agent, true) => engine
                        .handle(w, Event::OfferAnswered { call, agent })
                        .inspect(|()| {
                            answered_by_us += 1;
                            let talk = 20_000 + rng.below(100_000);
                            later.push(Reverse((
                                w + Duration::from_millis(talk),
                                Later::HangUp(call),
                            )));
                        }),
                    Later::Respond(call, agent, false) => {
                        engine.handle(w, Event::OfferFailed { call, agent })
                    }
                    Later::GiveUp(call) => engine.handle(w, Event::CallerLeft { call }),
                    Later::HangUp(call) => engine.handle(w, Event::CallEnded { call }),
                };
                w
            }
        };
        while let Some(action) = engine.poll_action() {
            if let Action::Offer { call, agent, .. } = action {
                // Most phones answer within 2 to 8 s; some ring out; a few refuse.
                match rng.below(20) {
                    0 => {}
                    1 => later.push(Reverse((now, Later::Respond(call, agent, false)))),
                    _ => {
                        let ring = 2_000 + rng.below(6_000);
                        later.push(Reverse((
                            now + Duration::from_millis(ring),
                            Later::Respond(call, agent, true),
                        )));
                    }
                }
            }
        }
    }

    assert_eq!(engine.waiting(), 0);
    let (mut offered, mut answered, mut abandoned) = (0, 0, 0);
    for q in QUEUES {
        let s = engine.stats(q).expect("queue");
        assert_eq!((s.waiting, s.ringing), (0, 0), "{q}");
        offered += s.offered;
        answered += s.answered;
        abandoned += s.abandoned;
    }
    assert_eq!(offered, 1_500);
    assert_eq!(answered + abandoned, offered);
    assert_eq!(answered, answered_by_us);
    assert!(answered > 1_200, "most callers are served: {answered}");
    assert!(
        abandoned > 0,
        "some callers gave up while waiting or ringing"
    );
    for a in engine.agents().map(str::to_owned).collect::<Vec<_>>() {
        assert!(
            engine.agent_stats(&a).expect("agent").answered > 0,
            "{a} idle all hour"
        );
    }
}
