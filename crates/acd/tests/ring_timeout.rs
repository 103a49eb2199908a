//! An unanswered offer is cancelled at its deadline and the call moves on to the
//! next agent, round-tripping through every eligible agent.

mod common;
use acd::{Action, AgentState, CallId};
use common::{Sim, cancel, offer};

#[test]
fn the_offer_rings_for_the_queue_s_timeout() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.arrive(1, "benefits");
    let deadline = sim.secs(15.0);
    assert_eq!(
        sim.engine.poll_action(),
        Some(Action::Offer {
            call: CallId(1),
            agent: "1001".into(),
            ring_deadline: deadline
        })
    );
    assert_eq!(sim.engine.poll_timeout(), Some(deadline));
    assert_eq!(
        sim.state("1001"),
        AgentState::Reserved {
            call: CallId(1),
            ring_deadline: deadline
        }
    );
}

#[test]
fn ring_timeout_cancels_and_offers_the_next_agent() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.at(1.0);
    sim.login("1003");
    sim.arrive(1, "benefits");
    assert_eq!(sim.actions(), [offer(1, "1001")]);

    sim.at(14.9);
    assert_eq!(sim.actions(), []);
    sim.at(16.0);
    assert_eq!(sim.actions(), [cancel(1, "1001"), offer(1, "1003")]);
    assert!(sim.is_available("1001"));
    let stats = sim.engine.agent_stats("1001").expect("known");
    assert_eq!((stats.no_answer, stats.no_answer_streak), (1, 1));
}

#[test]
fn the_call_round_trips_through_all_eligible_agents() {
    let mut sim = Sim::demo();
    for a in ["1001", "1003", "1004"] {
        sim.login(a);
    }
    sim.arrive(1, "general");
    let mut rung = Vec::new();
    for i in 1..=6 {
        sim.at(15.0 * f64::from(i));
        for (kind, _, agent) in sim.actions() {
            if kind == "offer" {
                rung.push(agent);
            }
        }
    }
    assert_eq!(
        rung,
        ["1001", "1003", "1004", "1001", "1003", "1004", "1001"]
    );
}

#[test]
fn a_lone_agent_is_rung_again_when_nobody_else_is_eligible() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.arrive(1, "benefits");
    sim.at(15.0);
    assert_eq!(
        sim.actions(),
        [offer(1, "1001"), cancel(1, "1001"), offer(1, "1001")]
    );
}

#[test]
fn the_agent_that_rang_out_serves_an_older_caller_rather_than_skip_the_order() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.arrive(1, "benefits");
    sim.at(2.0);
    sim.arrive(2, "benefits");
    sim.at(15.0);
    // Call 1 is older than 2 and keeps its place: 1001 gets it again.
    assert_eq!(
        sim.actions(),
        [offer(1, "1001"), cancel(1, "1001"), offer(1, "1001")]
    );
}

#[test]
fn answering_resets_the_no_answer_streak() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.arrive(1, "benefits");
    sim.at(15.0);
    sim.answer(1, "1001");
    let stats = sim.engine.agent_stats("1001").expect("known");
    assert_eq!(
        (stats.no_answer, stats.no_answer_streak, stats.answered),
        (1, 0, 1)
    );
    assert!(sim.engine.poll_timeout().is_none());
}
