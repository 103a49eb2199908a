//! `switchboard simulate MODEL` and `switchboard erlang`: the ACD engine against a traffic
//! model on a simulated clock, and the Erlang C staffing formula. See docs/simulation.md.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use acd::sim::{self, AgentGroup, Distribution, SimConfig, SimQueue, SimReport};
use serde::Deserialize;

use crate::config::ConfigError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    #[serde(default = "default_days")]
    days: u32,
    calls_per_day: Option<f64>,
    calls_per_year: Option<f64>,
    #[serde(default)]
    hourly_profile: Vec<f64>,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default = "default_interval")]
    interval: u64,
    #[serde(default = "default_short_abandon")]
    short_abandon: u64,
    answer_delay: Option<RawDistribution>,
    #[serde(default)]
    auto_pause_after: u32,
    queues: Vec<RawSimQueue>,
    agents: Vec<RawGroup>,
}

fn default_days() -> u32 {
    1
}
fn default_seed() -> u64 {
    1
}
fn default_interval() -> u64 {
    900
}
fn default_short_abandon() -> u64 {
    5
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDistribution {
    distribution: String,
    mean: f64,
    sd: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWiden {
    after: u64,
    min_level: u8,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSimQueue {
    name: String,
    skill: Option<String>,
    #[serde(default = "one")]
    min_level: u8,
    #[serde(default)]
    widen: Vec<RawWiden>,
    strategy: Option<String>,
    #[serde(default = "default_ring_timeout")]
    ring_timeout: u64,
    #[serde(default = "default_service_level")]
    service_level: u64,
    #[serde(default)]
    wrap_up: u64,
    share: f64,
    handle_time: RawDistribution,
    patience: Option<RawDistribution>,
    overflow: Option<crate::config::RawOverflow>,
}

fn one() -> u8 {
    1
}
fn default_ring_timeout() -> u64 {
    15
}
fn default_service_level() -> u64 {
    20
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    name: String,
    count: u32,
    #[serde(default)]
    skills: Vec<String>,
    shift: Option<String>,
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

fn distribution(key: &str, d: &RawDistribution) -> Result<Distribution, ConfigError> {
    if !(d.mean.is_finite() && (0.0..=86_400.0).contains(&d.mean)) {
        return Err(invalid(format!("{key}.mean"), "must be 0 to 86400 seconds"));
    }
    let mean = Duration::from_secs_f64(d.mean);
    match d.distribution.as_str() {
        "fixed" => Ok(Distribution::Fixed(mean)),
        "exponential" => Ok(Distribution::Exponential(mean)),
        "lognormal" => {
            let sd = d
                .sd
                .filter(|s| s.is_finite() && (0.0..=86_400.0).contains(s))
                .ok_or_else(|| invalid(format!("{key}.sd"), "lognormal needs sd, 0 to 86400"))?;
            Ok(Distribution::LogNormal {
                mean,
                sd: Duration::from_secs_f64(sd),
            })
        }
        other => Err(invalid(
            format!("{key}.distribution"),
            format!("`{other}` is not one of fixed, exponential, lognormal"),
        )),
    }
}

/// `HH:MM-HH:MM` → (start, end) since midnight.
fn shift(key: &str, text: &str) -> Result<(Duration, Duration), ConfigError> {
    let bad = || invalid(key, format!("`{text}` is not like 08:00-16:30"));
    let hhmm = |s: &str| -> Option<Duration> {
        let (h, m) = s.trim().split_once(':')?;
        let (h, m): (u64, u64) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then(|| Duration::from_secs(h * 3600 + m * 60))
    };
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let (start, end) = (hhmm(a).ok_or_else(bad)?, hhmm(b).ok_or_else(bad)?);
    if start == end {
        return Err(bad());
    }
    Ok((start, end))
}

/// Reads a model file.
pub fn load(path: &Path) -> Result<SimConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    parse(&text)
}

/// Parses and checks a model.
pub fn parse(text: &str) -> Result<SimConfig, ConfigError> {
    let raw: RawModel = toml::from_str(text)?;
    if !(1..=3660).contains(&raw.days) {
        return Err(invalid("days", "must be 1 to 3660"));
    }
    let per_day = match (raw.calls_per_day, raw.calls_per_year) {
        (Some(d), None) => d,
        (None, Some(y)) => y / 365.0,
        _ => {
            return Err(invalid(
                "calls_per_day",
                "give either calls_per_day or calls_per_year",
            ));
        }
    };
    if !(per_day.is_finite() && (0.0..=10_000_000.0).contains(&per_day)) {
        return Err(invalid("calls_per_day", "must be 0 to 10,000,000 a day"));
    }
    if !raw.hourly_profile.is_empty()
        && (raw.hourly_profile.len() != 24
            || raw
                .hourly_profile
                .iter()
                .any(|w| !w.is_finite() || *w < 0.0))
    {
        return Err(invalid(
            "hourly_profile",
            "24 weights of 0 or more, one per hour from midnight",
        ));
    }
    if !(60..=86_400).contains(&raw.interval) {
        return Err(invalid("interval", "must be 60 to 86400 seconds"));
    }
    let mut config = SimConfig::new(per_day);
    config.days = raw.days;
    config.hourly_profile = raw.hourly_profile;
    config.seed = raw.seed;
    config.interval = Duration::from_secs(raw.interval);
    config.short_abandon = Duration::from_secs(raw.short_abandon);
    if let Some(d) = &raw.answer_delay {
        config.answer_delay = distribution("answer_delay", d)?;
    }
    config.engine.auto_pause_after = (raw.auto_pause_after > 0).then_some(raw.auto_pause_after);
    config.engine.seed = raw.seed;
    if raw.queues.is_empty() {
        return Err(invalid("queues", "at least one queue"));
    }
    for (i, q) in raw.queues.iter().enumerate() {
        let key = |k: &str| format!("queues[{i}].{k}");
        let mut c = acd::QueueConfig::new(q.name.clone());
        if let Some(skill) = q.skill.as_ref().filter(|s| !s.is_empty()) {
            c = c.with_skill_min(skill.clone(), q.min_level);
        }
        for w in &q.widen {
            c = c.with_widening(Duration::from_secs(w.after), w.min_level);
        }
        if let Some(s) = &q.strategy {
            c.strategy = acd::Strategy::from_name(s)
                .ok_or_else(|| invalid(key("strategy"), format!("`{s}` is not a strategy")))?;
        }
        if let Some(o) = &q.overflow {
            c.overflow = Some(acd::Overflow {
                to: o.to.clone(),
                after: o.after.map(Duration::from_secs),
                max_waiting: o.max_waiting,
                when_no_agents: o.when_no_agents,
            });
        }
        c.ring_timeout = Duration::from_secs(q.ring_timeout);
        c.service_level = Duration::from_secs(q.service_level);
        c.wrap_up = Duration::from_secs(q.wrap_up);
        if !(q.share.is_finite() && q.share >= 0.0) {
            return Err(invalid(key("share"), "must be 0 or more"));
        }
        config.queues.push(SimQueue {
            config: c,
            share: q.share,
            handle_time: distribution(&key("handle_time"), &q.handle_time)?,
            patience: q
                .patience
                .as_ref()
                .map(|p| distribution(&key("patience"), p))
                .transpose()?,
        });
    }
    for (i, g) in raw.agents.iter().enumerate() {
        let key = |k: &str| format!("agents[{i}].{k}");
        if g.count > 100_000 {
            return Err(invalid(key("count"), "at most 100,000"));
        }
        let mut skills = Vec::new();
        for (j, s) in g.skills.iter().enumerate() {
            let (name, level) = match s.rsplit_once(':') {
                Some((n, l)) => (n, l.parse::<u8>().ok()),
                None => (s.as_str(), Some(1)),
            };
            let level = level
                .filter(|l| (1..=5).contains(l))
                .ok_or_else(|| invalid(key(&format!("skills[{j}]")), "level must be 1 to 5"))?;
            skills.push((name.to_string(), level));
        }
        config.agents.push(AgentGroup {
            name: g.name.clone(),
            count: g.count,
            skills,
            shift: g
                .shift
                .as_deref()
                .map(|s| shift(&key("shift"), s))
                .transpose()?,
        });
    }
    Ok(config)
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.1} %", v * 100.0))
}

fn secs(d: Option<Duration>) -> String {
    d.map_or("-".into(), |d| format!("{:.1} s", d.as_secs_f64()))
}

/// The report as text: one line per queue and a total.
pub fn render(report: &SimReport, config: &SimConfig, wall: Duration) -> String {
    let mut out = String::new();
    let t = report.total();
    let _ = writeln!(
        out,
        "{} days, {} calls offered, {} engine inputs in {:.1} s ({:.0} calls/s simulated)",
        config.days,
        t.offered,
        report.engine_inputs,
        wall.as_secs_f64(),
        t.offered as f64 / wall.as_secs_f64().max(1e-9)
    );
    let _ = writeln!(
        out,
        "{:<16} {:>10} {:>10} {:>9} {:>7} {:>8} {:>9} {:>9} {:>10}",
        "queue", "offered", "answered", "abandon", "short", "SL", "SL+ab", "ASA", "max wait"
    );
    let rows = report
        .queue_names
        .iter()
        .map(String::as_str)
        .zip(report.queues.iter())
        .chain(std::iter::once(("total", &t)));
    for (name, q) in rows {
        let _ = writeln!(
            out,
            "{:<16} {:>10} {:>10} {:>9} {:>7} {:>8} {:>9} {:>9} {:>10}",
            name,
            q.offered,
            q.answered,
            q.abandoned,
            q.short_abandoned,
            pct(q.service_level()),
            pct(q.service_level_with_abandons()),
            secs(q.average_speed_of_answer()),
            format!("{:.0} s", q.longest_wait.as_secs_f64()),
        );
    }
    let worst = report
        .intervals
        .iter()
        .filter_map(|i| {
            let mut sum = acd::sim::QueueFigures::default();
            for q in &i.queues {
                sum.offered += q.offered;
                sum.answered += q.answered;
                sum.answered_within_sl += q.answered_within_sl;
            }
            sum.service_level().map(|sl| (sl, i.start))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0));
    let _ = writeln!(
        out,
        "occupancy {:.1} %, auto-pauses {}, intervals {}{}",
        report.occupancy * 100.0,
        report.auto_pauses,
        report.intervals.len(),
        worst.map_or(String::new(), |(sl, start)| format!(
            ", worst interval SL {:.1} % (day {}, {:02}:{:02})",
            sl * 100.0,
            start.as_secs() / 86_400 + 1,
            start.as_secs() % 86_400 / 3600,
            start.as_secs() % 3600 / 60
        ))
    );
    out
}

/// Per-interval figures as CSV, one row per interval and queue.
pub fn intervals_csv(report: &SimReport) -> String {
    let mut out = String::from(
        "start_s,queue,offered,answered,abandoned,short_abandoned,answered_within_sl,asa_s,agents_logged_in,occupancy\n",
    );
    for i in &report.intervals {
        for (name, q) in report.queue_names.iter().zip(&i.queues) {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{:.1},{},{:.3}",
                i.start.as_secs(),
                name,
                q.offered,
                q.answered,
                q.abandoned,
                q.short_abandoned,
                q.answered_within_sl,
                q.average_speed_of_answer().map_or(0.0, |d| d.as_secs_f64()),
                i.agents_logged_in,
                i.occupancy
            );
        }
    }
    out
}

/// Runs a model; returns the text report and the CSV of intervals.
pub fn simulate(config: &SimConfig) -> Result<(String, String), sim::SimError> {
    let started = Instant::now();
    let report = sim::run(config)?;
    let wall = started.elapsed();
    Ok((render(&report, config, wall), intervals_csv(&report)))
}

/// `switchboard erlang`: the agents needed for a service-level target, and what a few more
/// or fewer would give.
pub fn erlang_table(
    calls_per_hour: f64,
    aht: Duration,
    target: Duration,
    service_level: f64,
) -> Result<String, String> {
    let needed = acd::erlang::agents_needed(calls_per_hour, aht, target, service_level)
        .ok_or("no staffing reaches that target (check the figures)")?;
    let traffic = calls_per_hour / 3600.0 * aht.as_secs_f64();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{calls_per_hour} calls/hour, average handle time {:.0} s: {traffic:.2} Erlangs",
        aht.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "{} agents answer {:.1} % within {} s (target {:.1} %)",
        needed.agents,
        needed.service_level * 100.0,
        target.as_secs(),
        service_level * 100.0
    );
    let _ = writeln!(
        out,
        "{:>7} {:>10} {:>8} {:>9} {:>10}",
        "agents", "P(wait)", "SL", "ASA", "occupancy"
    );
    let first = needed.agents.saturating_sub(2).max(1);
    for c in first..=needed.agents + 3 {
        if let Some(s) = acd::erlang::staffing(c, calls_per_hour, aht, target) {
            let _ = writeln!(
                out,
                "{:>7} {:>9.1}% {:>7.1}% {:>8.1}s {:>9.1}%{}",
                c,
                s.wait_probability * 100.0,
                s.service_level * 100.0,
                s.average_speed_of_answer.as_secs_f64(),
                s.occupancy * 100.0,
                if c == needed.agents {
                    "  <- needed"
                } else {
                    ""
                }
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"
days = 1
calls_per_day = 2000
seed = 3
hourly_profile = [0,0,0,0,0,0,0,1,3,4,4,3,3,4,4,3,2,1,0,0,0,0,0,0]
answer_delay = { distribution = "fixed", mean = 2 }
auto_pause_after = 3

[[queues]]
name = "benefits"
skill = "labor"
min_level = 2
widen = [{ after = 30, min_level = 1 }]
share = 0.6
wrap_up = 10
handle_time = { distribution = "lognormal", mean = 240, sd = 120 }
patience = { distribution = "exponential", mean = 120 }

[[queues]]
name = "immigration"
skill = "green-card"
strategy = "skill-weighted"
share = 0.4
handle_time = { distribution = "exponential", mean = 300 }

[[agents]]
name = "day"
count = 14
skills = ["labor:3", "green-card:2"]
shift = "07:00-19:00"

[[agents]]
name = "juniors"
count = 4
skills = ["labor:1"]
shift = "09:00-17:00"
"#;

    #[test]
    fn a_model_runs_and_the_books_balance() {
        let config = parse(MODEL).expect("valid model");
        let report = sim::run(&config).expect("runs");
        let t = report.total();
        assert!(t.offered > 1800 && t.offered < 2200, "{t:?}");
        // After the last arrival every call is answered or abandoned.
        assert_eq!(t.offered, t.answered + t.abandoned);
        assert!(t.service_level().is_some());
        assert!(report.occupancy > 0.0 && report.occupancy < 1.0);
        let text = render(&report, &config, Duration::from_millis(5));
        assert!(
            text.contains("benefits") && text.contains("total"),
            "{text}"
        );
        let csv = intervals_csv(&report);
        assert!(csv.lines().count() > 96, "a row per interval and queue");
    }

    #[test]
    fn bad_models_name_their_key() {
        let err = |text: &str| parse(text).expect_err("refused").to_string();
        let base = "calls_per_day = 10\n[[queues]]\nname = \"q\"\nshare = 1\n";
        let ok_handle = "handle_time = { distribution = \"exponential\", mean = 60 }\n";
        assert!(err(&format!("{base}{ok_handle}")).contains("agents"));
        let agents = "[[agents]]\nname = \"a\"\ncount = 1\n";
        assert!(parse(&format!("{base}{ok_handle}{agents}")).is_ok());
        assert!(
            err(&format!(
                "{base}handle_time = {{ distribution = \"weibull\", mean = 60 }}\n{agents}"
            ))
            .contains("queues[0].handle_time.distribution")
        );
        assert!(
            err(&format!("{base}{ok_handle}{agents}shift = \"9-5\"\n")).contains("agents[0].shift")
        );
        assert!(
            err(&format!(
                "calls_per_day = 1\ncalls_per_year = 365\n[[queues]]\nname = \"q\"\nshare = 1\n{ok_handle}{agents}"
            ))
            .contains("calls_per_day")
        );
    }

    #[test]
    fn the_erlang_table_marks_the_staffing_needed() {
        let text = erlang_table(
            360.0,
            Duration::from_secs(240),
            Duration::from_secs(20),
            0.8,
        )
        .expect("reachable");
        assert!(text.contains("29 agents answer"), "{text}");
        assert!(text.contains("<- needed"));
        assert!(
            erlang_table(
                360.0,
                Duration::from_secs(240),
                Duration::from_secs(20),
                1.5
            )
            .is_err()
        );
    }
}
