//! Agents log out when their registration goes away and pause for breaks; a
//! call ringing at such an agent goes back in its place.

mod common;
use acd::{AgentState, CallId, CallStatus};
use common::{Sim, cancel, offer};

#[test]
fn logout_while_ringing_cancels_and_requeues_to_another_agent() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.login("1003");
    sim.arrive(1, "benefits");
    sim.at(3.0);
    sim.logout("1001");
    assert_eq!(
        sim.actions(),
        [offer(1, "1001"), cancel(1, "1001"), offer(1, "1003")]
    );
    assert_eq!(sim.state("1001"), AgentState::LoggedOut);
}

#[test]
fn logout_while_ringing_with_nobody_else_leaves_the_caller_waiting() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.arrive(1, "benefits");
    sim.logout("1001");
    assert_eq!(sim.actions(), [offer(1, "1001"), cancel(1, "1001")]);
    assert_eq!(sim.engine.call_status(CallId(1)), Some(CallStatus::Waiting));
    assert_eq!(sim.engine.poll_timeout(), None);
    sim.login("1001");
    assert_eq!(sim.actions(), [offer(1, "1001")]);
}

#[test]
fn logout_on_a_call_takes_effect_when_the_call_ends() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.arrive(1, "benefits");
    sim.answer(1, "1001");
    sim.logout("1001");
    assert_eq!(sim.state("1001"), AgentState::OnCall { call: CallId(1) });
    sim.arrive(2, "benefits");
    sim.end(1);
    assert_eq!(sim.state("1001"), AgentState::LoggedOut);
    assert_eq!(sim.actions(), [offer(1, "1001")]);
}

#[test]
fn pause_while_ringing_requeues_and_unpause_makes_available() {
    let mut sim = Sim::demo();
    sim.login("1001");
    sim.arrive(1, "benefits");
    sim.pause("1001", "meeting");
    assert_eq!(sim.actions(), [offer(1, "1001"), cancel(1, "1001")]);
    assert_eq!(
        sim.state("1001"),
        AgentState::Paused {
            reason: "meeting".into()
        }
    );
    sim.at(5.0);
    sim.unpause("1001");
    assert_eq!(sim.actions(), [offer(1, "1001")]);
}

#[test]
fn a_paused_agent_is_not_offered_calls() {
    let mut sim = Sim::demo();
    sim.login("1004");
    sim.pause("1004", "break");
    sim.arrive(1, "general");
    sim.at(100.0);
    assert_eq!(sim.actions(), []);
}
