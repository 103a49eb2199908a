//! An agent whose phone leaves offers unanswered several times in a row is paused.

mod common;
use acd::{AgentConfig, AgentState, Engine, EngineConfig, QueueConfig};
use common::{Sim, cancel, offer, paused};

fn floor() -> Sim {
    let mut engine = Engine::with_config(EngineConfig {
        auto_pause_after: Some(2),
        offer_failure_cooldown: std::time::Duration::ZERO,
        ..EngineConfig::default()
    });
    engine
        .add_queue(QueueConfig::new("general"))
        .expect("queue");
    for id in ["1001", "1002"] {
        engine.add_agent(AgentConfig::new(id)).expect("agent");
    }
    Sim::with(engine)
}

#[test]
fn two_unanswered_offers_in_a_row_pause_the_agent() {
    let mut sim = floor();
    sim.login("1001");
    sim.arrive(1, "general");
    assert_eq!(sim.actions(), [offer(1, "1001")]);
    sim.at(15.0);
    assert_eq!(sim.actions(), [cancel(1, "1001"), offer(1, "1001")]);
    sim.at(30.0);
    assert_eq!(sim.actions(), [cancel(1, "1001"), paused("1001")]);
    assert_eq!(
        sim.state("1001"),
        AgentState::Paused {
            reason: acd::AUTO_PAUSE_REASON.into()
        }
    );
    // The caller goes to the next agent who logs in.
    sim.login("1002");
    assert_eq!(sim.actions(), [offer(1, "1002")]);
}

#[test]
fn failed_offers_count_and_an_answer_resets_the_count() {
    let mut sim = floor();
    sim.login("1001");
    sim.arrive(1, "general");
    sim.actions();
    sim.fail(1, "1001");
    assert_eq!(sim.actions(), [offer(1, "1001")], "zero cool-down: again");
    sim.answer(1, "1001");
    sim.end(1);
    sim.arrive(2, "general");
    sim.actions();
    sim.fail(2, "1001");
    assert_eq!(
        sim.actions(),
        [offer(2, "1001")],
        "one failure since the answer"
    );
    sim.fail(2, "1001");
    assert_eq!(sim.actions(), [paused("1001")]);
}

#[test]
fn unpausing_starts_the_count_afresh() {
    let mut sim = floor();
    sim.login("1001");
    sim.arrive(1, "general");
    sim.actions();
    sim.fail(1, "1001");
    sim.fail(1, "1001");
    assert_eq!(sim.actions(), [offer(1, "1001"), paused("1001")]);
    sim.unpause("1001");
    assert_eq!(sim.actions(), [offer(1, "1001")]);
    sim.fail(1, "1001");
    assert_eq!(
        sim.actions(),
        [offer(1, "1001")],
        "one miss after the unpause"
    );
}
