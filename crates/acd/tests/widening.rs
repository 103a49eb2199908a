//! Widening: a queue that wants experts accepts lower proficiencies the longer its caller
//! waits, and a caller is never overtaken by one who arrived later.

mod common;
use std::time::Duration;

use acd::{AgentConfig, Engine, QueueConfig};
use common::{Sim, offer};

/// `appeals` wants labor at level 4, then level 2 after 30 s and any level after 60 s.
/// Agents: expert (labor 5), junior (labor 2), novice (labor 1).
fn floor() -> Sim {
    let mut engine = Engine::new();
    engine
        .add_queue(
            QueueConfig::new("appeals")
                .with_skill_min("labor", 4)
                .with_widening(Duration::from_secs(30), 2)
                .with_widening(Duration::from_secs(60), 1),
        )
        .expect("queue");
    for (id, level) in [("expert", 5), ("junior", 2), ("novice", 1)] {
        engine
            .add_agent(AgentConfig::new(id).with_skill_level("labor", level))
            .expect("agent");
    }
    Sim::with(engine)
}

#[test]
fn the_caller_waits_for_an_expert_then_takes_a_junior_then_anyone() {
    let mut sim = floor();
    sim.login("novice");
    sim.login("junior");
    sim.arrive(1, "appeals");
    assert!(sim.actions().is_empty(), "nobody at level 4");
    sim.at(29.9);
    assert!(sim.actions().is_empty());
    sim.at(30.0);
    assert_eq!(
        sim.actions(),
        [offer(1, "junior")],
        "level 2 accepted at 30 s"
    );

    // The junior does not answer: the call goes back and waits; at 60 s the novice may take it.
    sim.fail(1, "junior");
    sim.actions();
    sim.pause("junior", "training");
    sim.at(59.0);
    assert!(sim.actions().is_empty());
    sim.at(60.0);
    assert_eq!(sim.actions(), [offer(1, "novice")]);
}

#[test]
fn an_expert_takes_the_caller_at_once() {
    let mut sim = floor();
    sim.login("junior");
    sim.login("expert");
    sim.arrive(1, "appeals");
    assert_eq!(sim.actions(), [offer(1, "expert")]);
}

#[test]
fn a_widened_caller_keeps_its_place_ahead_of_later_ones() {
    let mut sim = floor();
    sim.arrive(1, "appeals");
    sim.at(40.0);
    sim.arrive(2, "appeals");
    // A junior logs in: only caller 1 (widened to level 2) may take it.
    sim.login("junior");
    assert_eq!(sim.actions(), [offer(1, "junior")]);
    // An expert logs in: caller 2 (still at level 4) takes it.
    sim.login("expert");
    assert_eq!(sim.actions(), [offer(2, "expert")]);
}

#[test]
fn an_answered_call_stops_widening() {
    let mut sim = floor();
    sim.login("expert");
    sim.arrive(1, "appeals");
    sim.answer(1, "expert");
    sim.actions();
    assert_eq!(sim.engine.poll_timeout(), None, "no widening timer left");
}
