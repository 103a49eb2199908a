//! Each queue strategy picks among several ready agents as documented; a freed agent still
//! takes the longest-waiting caller whatever the strategy.

mod common;
use acd::{AgentConfig, Engine, EngineConfig, QueueConfig, Strategy};
use common::{Sim, cancel, offer};

/// Agents a1 (sales 2), a2 (sales 5), a3 (sales 3), logged in that order a second apart (a1
/// idle longest), and one queue `sales` with `strategy`.
fn floor(strategy: Strategy) -> Sim {
    floor_with(strategy, 1)
}

fn floor_with(strategy: Strategy, seed: u64) -> Sim {
    let mut engine = Engine::with_config(EngineConfig {
        seed,
        ..EngineConfig::default()
    });
    engine
        .add_queue(
            QueueConfig::new("sales")
                .with_skill("sales")
                .with_strategy(strategy),
        )
        .expect("queue");
    for (id, level) in [("a1", 2), ("a2", 5), ("a3", 3)] {
        engine
            .add_agent(AgentConfig::new(id).with_skill_level("sales", level))
            .expect("agent");
    }
    let mut sim = Sim::with(engine);
    for (i, id) in ["a1", "a2", "a3"].into_iter().enumerate() {
        sim.at(i as f64);
        sim.login(id);
    }
    sim.at(10.0);
    sim
}

/// Call `call` arrives, is answered by whoever is offered, and ends `talk` seconds later.
fn serve(sim: &mut Sim, call: u64, talk: f64) -> String {
    sim.arrive(call, "sales");
    let actions = sim.actions();
    let agent = actions
        .iter()
        .find(|a| a.0 == "offer")
        .map(|a| a.2.clone())
        .expect("an offer");
    sim.answer(call, &agent);
    let now = sim.now.duration_since(sim.t0).as_secs_f64();
    sim.at(now + talk);
    sim.end(call);
    sim.actions();
    agent
}

#[test]
fn longest_idle_takes_the_agent_available_longest() {
    let mut sim = floor(Strategy::LongestIdle);
    assert_eq!(serve(&mut sim, 1, 1.0), "a1");
    assert_eq!(serve(&mut sim, 2, 1.0), "a2");
    assert_eq!(serve(&mut sim, 3, 1.0), "a3");
    assert_eq!(serve(&mut sim, 4, 1.0), "a1");
}

#[test]
fn linear_always_hunts_from_the_first_agent() {
    let mut sim = floor(Strategy::Linear);
    for call in 1..=3 {
        assert_eq!(serve(&mut sim, call, 1.0), "a1");
    }
}

#[test]
fn round_robin_remembers_where_it_stopped() {
    let mut sim = floor(Strategy::RoundRobin);
    let order: Vec<String> = (1..=5).map(|c| serve(&mut sim, c, 1.0)).collect();
    assert_eq!(order, ["a1", "a2", "a3", "a1", "a2"]);
}

#[test]
fn round_robin_skips_agents_who_are_not_ready() {
    let mut sim = floor(Strategy::RoundRobin);
    assert_eq!(serve(&mut sim, 1, 1.0), "a1");
    sim.pause("a2", "lunch");
    assert_eq!(serve(&mut sim, 2, 1.0), "a3");
    assert_eq!(serve(&mut sim, 3, 1.0), "a1");
}

#[test]
fn fewest_calls_evens_out_the_count() {
    let mut sim = floor(Strategy::FewestCalls);
    assert_eq!(serve(&mut sim, 1, 1.0), "a1");
    // a1 has one call: the others come first, longest idle among them.
    assert_eq!(serve(&mut sim, 2, 1.0), "a2");
    assert_eq!(serve(&mut sim, 3, 1.0), "a3");
    assert_eq!(serve(&mut sim, 4, 1.0), "a1");
}

#[test]
fn least_talk_time_prefers_the_agent_who_talked_least() {
    let mut sim = floor(Strategy::LeastTalkTime);
    assert_eq!(serve(&mut sim, 1, 60.0), "a1");
    assert_eq!(serve(&mut sim, 2, 5.0), "a2");
    assert_eq!(serve(&mut sim, 3, 30.0), "a3");
    // Talk so far: a1 60 s, a2 5 s, a3 30 s.
    assert_eq!(serve(&mut sim, 4, 1.0), "a2");
    assert_eq!(serve(&mut sim, 5, 1.0), "a2");
    assert_eq!(serve(&mut sim, 6, 30.0), "a2");
    assert_eq!(serve(&mut sim, 7, 1.0), "a3");
}

#[test]
fn skill_weighted_offers_the_most_proficient_first() {
    let mut sim = floor(Strategy::SkillWeighted);
    sim.arrive(1, "sales");
    assert_eq!(sim.actions(), [offer(1, "a2")]);
    sim.arrive(2, "sales");
    assert_eq!(sim.actions(), [offer(2, "a3")]);
    sim.arrive(3, "sales");
    assert_eq!(sim.actions(), [offer(3, "a1")]);
}

#[test]
fn random_spreads_calls_and_replays_from_its_seed() {
    let picks = |seed| {
        let mut sim = floor_with(Strategy::Random, seed);
        (1..=30)
            .map(|c| serve(&mut sim, c, 1.0))
            .collect::<Vec<_>>()
    };
    let first = picks(7);
    assert_eq!(first, picks(7), "same seed, same choices");
    for agent in ["a1", "a2", "a3"] {
        let n = first.iter().filter(|a| *a == agent).count();
        assert!(n >= 3, "{agent} got {n} of 30: {first:?}");
    }
    assert_ne!(first, picks(8), "another seed, other choices");
}

#[test]
fn strategies_choose_agents_never_callers() {
    // With callers waiting, a freed agent takes the longest-waiting one under any strategy.
    // (Ring-all rings several agents per caller: its own test below.)
    for strategy in Strategy::ALL
        .into_iter()
        .filter(|s| *s != Strategy::RingAll)
    {
        let mut sim = floor(strategy);
        for call in 1..=3 {
            sim.arrive(call, "sales");
        }
        let offers = sim.actions();
        assert_eq!(offers.len(), 3, "{strategy:?}");
        sim.arrive(4, "sales");
        sim.at(11.0);
        sim.arrive(5, "sales");
        assert!(sim.actions().is_empty());
        let (_, first_call, agent) = offers[0].clone();
        sim.answer(first_call, &agent);
        sim.end(first_call);
        assert_eq!(
            sim.actions(),
            [offer(4, &agent)],
            "{strategy:?}: the caller waiting longest goes first"
        );
    }
}

#[test]
fn ring_all_rings_every_ready_agent_and_the_first_answer_wins() {
    let mut sim = floor(Strategy::RingAll);
    sim.arrive(1, "sales");
    assert_eq!(
        sim.actions(),
        [offer(1, "a1"), offer(1, "a2"), offer(1, "a3")]
    );
    sim.answer(1, "a2");
    assert_eq!(sim.actions(), [cancel(1, "a1"), cancel(1, "a3")]);
    // The others are free again, in their old idle order.
    sim.arrive(2, "sales");
    assert_eq!(sim.actions(), [offer(2, "a1"), offer(2, "a3")]);
    // One declines: the other keeps ringing.
    sim.fail(2, "a1");
    assert!(sim.actions().is_empty());
    sim.answer(2, "a3");
    assert!(sim.actions().is_empty());
}

#[test]
fn ring_all_rings_everyone_again_after_a_round_nobody_answered() {
    let mut sim = floor(Strategy::RingAll);
    sim.arrive(1, "sales");
    sim.actions();
    sim.at(25.0);
    let actions = sim.actions();
    let cancels = actions.iter().filter(|a| a.0 == "cancel").count();
    let offers = actions.iter().filter(|a| a.0 == "offer").count();
    assert_eq!((cancels, offers), (3, 3), "{actions:?}");
}
