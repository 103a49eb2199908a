//! A failed offer (busy, declined, unreachable) moves the call on at once; the
//! caller keeps its place and the agent cools down before its next offer.

mod common;
use acd::AgentState;
use common::{Sim, offer};

#[test]
fn a_failed_offer_goes_to_the_next_agent_at_once() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.login("1003");
    sim.arrive(1, "benefits");
    assert_eq!(sim.actions(), [offer(1, "1001")]);
    sim.at(1.0);
    sim.fail(1, "1001");
    assert_eq!(
        sim.actions(),
        [offer(1, "1003")],
        "no cancel: the INVITE already failed"
    );
    assert_eq!(sim.engine.agent_stats("1001").expect("known").failed, 1);
}

#[test]
fn the_caller_keeps_its_place_after_a_failure() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.arrive(1, "benefits");
    sim.at(1.0);
    sim.arrive(2, "benefits");
    sim.fail(1, "1001");
    assert_eq!(sim.engine.queue_position(acd::CallId(1)), Some(1));
    assert_eq!(sim.engine.queue_position(acd::CallId(2)), Some(2));
    sim.login("1003");
    assert_eq!(sim.actions(), [offer(1, "1001"), offer(1, "1003")]);
}

#[test]
fn the_failed_agent_cools_down_before_its_next_offer() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.arrive(1, "benefits");
    sim.at(1.0);
    sim.fail(1, "1001");
    assert_eq!(
        sim.state("1001"),
        AgentState::Available {
            idle_since: sim.secs(1.0),
            cooldown_until: Some(sim.secs(6.0))
        }
    );
    assert_eq!(sim.actions(), [offer(1, "1001")]);
    sim.at(5.9);
    assert_eq!(sim.actions(), []);
    sim.at(6.0);
    assert_eq!(sim.actions(), [offer(1, "1001")]);
}

#[test]
fn a_failure_report_for_an_offer_not_made_is_refused() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.login("1003");
    sim.arrive(1, "benefits");
    let err = sim.engine.handle(
        sim.now,
        acd::Event::OfferFailed {
            call: acd::CallId(1),
            agent: "1003".into(),
        },
    );
    assert!(matches!(err, Err(acd::Error::NotOffered { .. })));
    assert!(sim.is_available("1003"));
}

#[test]
fn a_zero_cool_down_leaves_the_agent_ready_at_once() {
    let mut engine = acd::Engine::with_config(acd::EngineConfig {
        offer_failure_cooldown: std::time::Duration::ZERO,
        ..Default::default()
    });
    engine
        .add_queue(acd::QueueConfig::new("general"))
        .expect("valid queue");
    engine
        .add_agent(acd::AgentConfig::new("1001"))
        .expect("valid agent");
    let mut sim = Sim::with(engine);
    sim.login("1001");
    sim.arrive(1, "general");
    sim.arrive(2, "general");
    sim.fail(1, "1001");
    // Call 1 keeps its place ahead of 2 and is offered again.
    assert_eq!(sim.actions(), [offer(1, "1001"), offer(1, "1001")]);
    assert_eq!(sim.engine.poll_timeout(), Some(sim.secs(15.0)));
}

#[test]
fn an_agent_ready_again_after_a_failure_serves_an_older_caller_first() {
    let mut engine = acd::Engine::with_config(acd::EngineConfig {
        offer_failure_cooldown: std::time::Duration::ZERO,
        ..Default::default()
    });
    engine
        .add_queue(acd::QueueConfig::new("general"))
        .expect("valid queue");
    for a in ["1001", "1004"] {
        engine
            .add_agent(acd::AgentConfig::new(a))
            .expect("valid agent");
    }
    let mut sim = Sim::with(engine);
    sim.login("1004");
    sim.arrive(2, "general");
    sim.at(1.0);
    sim.login("1001");
    sim.arrive(1, "general");
    sim.at(2.0);
    // Call 2 (older) comes back while 1001 rings for call 1.
    sim.logout("1004");
    sim.actions();
    sim.fail(1, "1001");
    assert_eq!(sim.actions(), [offer(2, "1001")]);
    assert_eq!(sim.engine.queue_position(acd::CallId(1)), Some(1));
}
