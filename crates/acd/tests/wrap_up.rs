//! When a call ends the agent wraps up for the queue's wrap-up time, then is
//! Available and takes the next waiting caller.

mod common;
use std::time::Duration;

use acd::{AgentState, Engine, QueueConfig};
use common::{Sim, offer};

fn with_wrap_up(secs: u64) -> Sim {
    let mut engine = Engine::new();
    let mut q = QueueConfig::new("general");
    q.wrap_up = Duration::from_secs(secs);
    engine.add_queue(q).expect("valid queue");
    for a in ["1001", "1002"] {
        engine
            .add_agent(acd::AgentConfig::new(a))
            .expect("valid agent");
    }
    Sim::with(engine)
}

#[test]
fn call_end_then_wrap_up_then_the_next_caller() {
    let mut sim = with_wrap_up(30);
    sim.login("1001");
    sim.arrive(1, "general");
    sim.answer(1, "1001");
    sim.arrive(2, "general");
    sim.at(60.0);
    sim.end(1);
    assert_eq!(
        sim.state("1001"),
        AgentState::WrapUp {
            until: sim.secs(90.0)
        }
    );
    assert_eq!(sim.actions(), [offer(1, "1001")]);
    sim.at(89.0);
    assert_eq!(sim.actions(), []);
    sim.at(90.0);
    assert_eq!(sim.actions(), [offer(2, "1001")]);
}

#[test]
fn zero_wrap_up_takes_the_next_caller_at_once() {
    let mut sim = with_wrap_up(0);
    sim.login("1001");
    sim.arrive(1, "general");
    sim.answer(1, "1001");
    sim.arrive(2, "general");
    sim.at(60.0);
    sim.end(1);
    assert_eq!(sim.actions(), [offer(1, "1001"), offer(2, "1001")]);
}

#[test]
fn a_pause_asked_for_on_a_call_starts_after_wrap_up() {
    let mut sim = with_wrap_up(10);
    sim.login("1001");
    sim.arrive(1, "general");
    sim.answer(1, "1001");
    sim.pause("1001", "lunch");
    assert!(matches!(sim.state("1001"), AgentState::OnCall { .. }));
    sim.arrive(2, "general");
    sim.at(20.0);
    sim.end(1);
    sim.at(30.0);
    assert_eq!(
        sim.state("1001"),
        AgentState::Paused {
            reason: "lunch".into()
        }
    );
    assert_eq!(sim.actions(), [offer(1, "1001")]);
    sim.unpause("1001");
    assert_eq!(sim.actions(), [offer(2, "1001")]);
}

#[test]
fn a_caller_leaving_after_the_answer_ends_the_call() {
    let mut sim = with_wrap_up(0);
    sim.login("1001");
    sim.arrive(1, "general");
    sim.answer(1, "1001");
    sim.leave(1);
    assert!(sim.is_available("1001"));
}
