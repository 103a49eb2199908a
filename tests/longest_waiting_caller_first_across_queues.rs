//! One fair order across queues: callers wait in two queues; an agent who may take both
//! queues' calls gets the caller who has waited longest, whatever the queue, and an agent
//! with one skill gets the longest-waiting caller it may take.

mod common;

use std::time::Duration;

use common::{AgentPhone, CallerPhone, Markers, Switchboard};

/// The call id of the call `agent` was rung for, from the switch's log.
fn rung_for(sb: &Switchboard, agent: &str) -> Option<u64> {
    let needle = format!("ringing agent agent=\"{agent}\"");
    let log = sb.log_text();
    let line = log.lines().find(|l| l.contains(&needle))?;
    let id = line.split("call{id=").nth(1)?.split('}').next()?;
    id.parse().ok()
}

#[test]
fn the_longest_waiting_caller_is_connected_first_across_queues() {
    let sb = Switchboard::start("fair-order");
    let markers = Markers::new("fair-order");
    // Three callers, a second apart: immigration (call 1), benefits (2), benefits (3).
    let mut callers = Vec::new();
    for key in ['2', '1', '1'] {
        let mut c = CallerPhone::dial(&sb, &markers, "caller.xml", Duration::from_secs(20));
        c.press(key);
        callers.push(c);
        std::thread::sleep(Duration::from_secs(1));
    }
    // 1001 has labor only: of the callers it may take (benefits), call 2 waited longest.
    let m1001 = Markers::new("fair-order-1001");
    let _a1001 = AgentPhone::register(&sb, &m1001, "1001", "u1", "agent_answer.xml");
    m1001.wait("rung", Duration::from_secs(10));
    assert_eq!(rung_for(&sb, "1001"), Some(2));
    // 1003 has both skills: call 1 (immigration) has waited longest of all and goes before
    // call 3 (benefits); the order is one across queues.
    let m1003 = Markers::new("fair-order-1003");
    let _a1003 = AgentPhone::register(&sb, &m1003, "1003", "u1", "agent_answer.xml");
    m1003.wait("rung", Duration::from_secs(10));
    assert_eq!(
        rung_for(&sb, "1003"),
        Some(1),
        "the longest-waiting caller first"
    );
    drop(callers);
    assert!(sb.stop().success());
}
