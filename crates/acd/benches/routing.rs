//! Cost of one routing decision at contact-centre scale.
//!
//! - `agent_frees_up`: 10,000 agents all on calls (three skills each at levels
//!   1 to 5), 100,000 callers waiting in 50 queues over 20 skills (minimum
//!   levels 1 to 3, widened after 30 s); one call ends and the agent takes the head of
//!   the global order it is eligible for (then answers, and a new caller
//!   arrives so the population stays the same).
//! - `caller_arrives`: 10,000 agents ready, nobody waiting; a caller arrives,
//!   is offered to the longest-idle eligible agent, then hangs up (the agent
//!   keeps its idle place).

use std::hint::black_box;
use std::time::{Duration, Instant};

use acd::{Action, AgentConfig, CallId, Engine, Event, QueueConfig};
use criterion::{Criterion, criterion_group, criterion_main};

const AGENTS: usize = 10_000;
const WAITING: u64 = 100_000;
const SKILLS: usize = 20;
const QUEUES: usize = 50;

fn floor() -> Engine {
    let mut e = Engine::new();
    for q in 0..QUEUES {
        let mut cfg = QueueConfig::new(format!("q{q}"));
        // Every fifth queue takes any agent; the others need one skill at level 1 to 3,
        // widened to any level after 30 s.
        if q % 5 != 0 {
            cfg = cfg
                .with_skill_min(format!("s{}", q % SKILLS), 1 + (q % 3) as u8)
                .with_widening(Duration::from_secs(30), 1);
        }
        e.add_queue(cfg).expect("valid queue");
    }
    for a in 0..AGENTS {
        let level = |k: usize| 1 + ((a + k) % 5) as u8;
        let cfg = AgentConfig::new(format!("{}", 10_000 + a))
            .with_skill_level(format!("s{}", a % SKILLS), level(0))
            .with_skill_level(format!("s{}", (a * 7 + 3) % SKILLS), level(1))
            .with_skill_level(format!("s{}", (a * 13 + 5) % SKILLS), level(2));
        // Duplicate skills are refused; fall back to fewer skills.
        if e.add_agent(cfg).is_err() {
            e.add_agent(
                AgentConfig::new(format!("{}", 10_000 + a)).with_skill(format!("s{}", a % SKILLS)),
            )
            .expect("valid agent");
        }
    }
    e
}

fn drain(e: &mut Engine) -> Vec<Action> {
    std::iter::from_fn(|| e.poll_action()).collect()
}

fn agent_frees_up(c: &mut Criterion) {
    let mut e = floor();
    let mut now = Instant::now();
    let mut next_call = 0u64;
    let arrive = |e: &mut Engine, now: Instant, next_call: &mut u64| {
        let call = CallId(*next_call);
        *next_call += 1;
        let queue = format!("q{}", call.0 as usize % QUEUES);
        e.handle(
            now,
            Event::CallArrived {
                call,
                queue,
                priority: 0,
            },
        )
        .expect("arrival");
    };
    // Every agent on a call: log in, then feed callers and answer the offers.
    let mut connected = Vec::new();
    for a in 0..AGENTS {
        e.handle(
            now,
            Event::AgentLogin {
                agent: format!("{}", 10_000 + a),
            },
        )
        .expect("login");
    }
    while connected.len() < AGENTS {
        arrive(&mut e, now, &mut next_call);
        for action in drain(&mut e) {
            if let Action::Offer { call, agent, .. } = action {
                e.handle(now, Event::OfferAnswered { call, agent })
                    .expect("answer");
                connected.push(call);
            }
        }
    }
    for _ in 0..WAITING {
        arrive(&mut e, now, &mut next_call);
    }
    assert!(e.waiting() >= WAITING as usize);
    // Calls end in the order they were answered, so every agent takes turns.
    let mut in_progress: std::collections::VecDeque<CallId> = connected.into();
    c.bench_function("agent_frees_up (10k agents, 100k waiting)", |b| {
        b.iter(|| {
            now += Duration::from_millis(1);
            let call = in_progress.pop_front().expect("a call to end");
            e.handle(now, Event::CallEnded { call }).expect("end");
            while let Some(action) = e.poll_action() {
                if let Action::Offer { call, agent, .. } = action {
                    e.handle(now, Event::OfferAnswered { call, agent })
                        .expect("answer");
                    in_progress.push_back(call);
                }
            }
            arrive(&mut e, now, &mut next_call);
            black_box(e.waiting());
        });
    });
}

fn caller_arrives(c: &mut Criterion) {
    let mut e = floor();
    let mut now = Instant::now();
    for a in 0..AGENTS {
        now += Duration::from_millis(1);
        e.handle(
            now,
            Event::AgentLogin {
                agent: format!("{}", 10_000 + a),
            },
        )
        .expect("login");
    }
    let queues: Vec<String> = (0..QUEUES).map(|q| format!("q{q}")).collect();
    let mut n = 0u64;
    c.bench_function("caller_arrives (10k agents ready)", |b| {
        b.iter(|| {
            n += 1;
            let call = CallId(n);
            let queue = queues[n as usize % QUEUES].clone();
            e.handle(
                now,
                Event::CallArrived {
                    call,
                    queue,
                    priority: 0,
                },
            )
            .expect("arrival");
            black_box(e.poll_action());
            e.handle(now, Event::CallerLeft { call }).expect("leave");
            black_box(e.poll_action());
        });
    });
}

criterion_group!(benches, agent_frees_up, caller_arrives);
criterion_main!(benches);
