//! Erlang C: the classic staffing formula for a queue where callers wait (M/M/c: Poisson
//! arrivals, exponential handle times, `c` agents, first come first served, nobody hangs up).
//!
//! With offered traffic `A = arrival rate × average handle time` (in Erlangs) and `c > A`
//! agents:
//!
//! ```text
//!   P(wait) = C(c, A) = B(c, A) / (1 − (A/c)·(1 − B(c, A)))      B: Erlang B, by recursion
//!   service level     = 1 − P(wait) · e^(−(c − A)·t / AHT)      answered within t
//!   ASA               = P(wait) · AHT / (c − A)                  average speed of answer
//! ```
//!
//! Erlang B is computed with the stable recursion `B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1))`,
//! so thousands of agents cause no overflow.

use std::time::Duration;

/// What `c` agents achieve for a traffic load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Staffing {
    /// Agents.
    pub agents: u32,
    /// Probability that a caller waits at all (0 to 1).
    pub wait_probability: f64,
    /// Share of callers answered within the target (0 to 1).
    pub service_level: f64,
    /// Average speed of answer over all callers.
    pub average_speed_of_answer: Duration,
    /// Share of agents' time on calls (A / c).
    pub occupancy: f64,
}

/// Erlang C for `agents` agents and `traffic` Erlangs; `None` when the queue is unstable
/// (`agents ≤ traffic`: the queue grows without bound) or the input is not finite.
pub fn wait_probability(agents: u32, traffic: f64) -> Option<f64> {
    if !traffic.is_finite() || traffic < 0.0 || f64::from(agents) <= traffic {
        return None;
    }
    let mut b = 1.0f64;
    for k in 1..=agents {
        b = traffic * b / (f64::from(k) + traffic * b);
    }
    let rho = traffic / f64::from(agents);
    Some(b / (1.0 - rho * (1.0 - b)))
}

/// The figures `agents` agents reach for calls arriving at `calls_per_hour` with average
/// handle time `aht`, answering within `target`.
pub fn staffing(
    agents: u32,
    calls_per_hour: f64,
    aht: Duration,
    target: Duration,
) -> Option<Staffing> {
    let aht_s = aht.as_secs_f64();
    if aht_s <= 0.0 {
        return None;
    }
    let traffic = calls_per_hour / 3600.0 * aht_s;
    let pw = wait_probability(agents, traffic)?;
    let spare = f64::from(agents) - traffic;
    let service_level = 1.0 - pw * (-spare * target.as_secs_f64() / aht_s).exp();
    let asa = pw * aht_s / spare;
    Some(Staffing {
        agents,
        wait_probability: pw,
        service_level,
        average_speed_of_answer: Duration::from_secs_f64(asa.max(0.0)),
        occupancy: traffic / f64::from(agents),
    })
}

/// The fewest agents that answer at least `service_level` (0 to 1) of callers within
/// `target`; `None` if the input is unusable or more than a million agents would be needed.
pub fn agents_needed(
    calls_per_hour: f64,
    aht: Duration,
    target: Duration,
    service_level: f64,
) -> Option<Staffing> {
    if !(0.0..1.0).contains(&service_level) || !calls_per_hour.is_finite() || calls_per_hour < 0.0 {
        return None;
    }
    let traffic = calls_per_hour / 3600.0 * aht.as_secs_f64();
    // The first stable staffing, then upwards.
    let start = (traffic.floor() as u32).saturating_add(1);
    (start..=1_000_000)
        .filter_map(|c| staffing(c, calls_per_hour, aht, target))
        .find(|s| s.service_level >= service_level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_example() {
        // 360 calls an hour, 4 minutes each: 24 Erlangs. With 27 agents 45 % of callers wait
        // and 65 % are answered within 20 s (checked against the closed form with factorials).
        let s =
            staffing(27, 360.0, Duration::from_secs(240), Duration::from_secs(20)).expect("stable");
        assert!((s.wait_probability - 0.44976).abs() < 0.0001, "{s:?}");
        assert!((s.service_level - 0.64972).abs() < 0.0001, "{s:?}");
        assert!(
            (s.average_speed_of_answer.as_secs_f64() - 35.98).abs() < 0.01,
            "{s:?}"
        );
    }

    #[test]
    fn one_agent_is_m_m_1() {
        // M/M/1: P(wait) = ρ.
        let pw = wait_probability(1, 0.5).expect("stable");
        assert!((pw - 0.5).abs() < 1e-12);
    }

    #[test]
    fn unstable_or_odd_input_has_no_answer() {
        assert_eq!(wait_probability(10, 10.0), None);
        assert_eq!(wait_probability(10, f64::NAN), None);
        assert_eq!(wait_probability(10, -1.0), None);
        assert_eq!(
            staffing(5, 100.0, Duration::ZERO, Duration::from_secs(20)),
            None
        );
        assert_eq!(
            agents_needed(
                100.0,
                Duration::from_secs(180),
                Duration::from_secs(20),
                1.0
            ),
            None
        );
    }

    #[test]
    fn agents_needed_is_the_first_staffing_that_meets_the_target() {
        let s = agents_needed(
            360.0,
            Duration::from_secs(240),
            Duration::from_secs(20),
            0.8,
        )
        .expect("reachable");
        assert!(s.service_level >= 0.8);
        let fewer = staffing(
            s.agents - 1,
            360.0,
            Duration::from_secs(240),
            Duration::from_secs(20),
        )
        .expect("stable");
        assert!(fewer.service_level < 0.8);
        assert_eq!(s.agents, 29);
    }

    #[test]
    fn thousands_of_agents_do_not_overflow() {
        let s = agents_needed(
            60_000.0,
            Duration::from_secs(300),
            Duration::from_secs(20),
            0.9,
        )
        .expect("reachable");
        assert_eq!(s.agents, 5027, "{s:?}");
    }
}
