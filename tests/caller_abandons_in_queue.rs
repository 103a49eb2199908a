//! A caller who hangs up while queued leaves the queue for good: the agent who logs in
//! afterwards is never rung for that call.

mod common;

use std::time::Duration;

use common::{AgentPhone, CallerPhone, Markers, Switchboard, wait_until};

#[test]
fn an_abandoned_call_is_never_offered() {
    let sb = Switchboard::start("caller-abandons");
    let markers = Markers::new("caller-abandons");

    // No green-card agent is logged in: the caller waits in `immigration`, then gives up.
    let mut caller = CallerPhone::dial(&sb, &markers, "caller.xml", Duration::from_secs(3));
    caller.press('2');
    wait_until(Duration::from_secs(10), "the caller to be queued", || {
        sb.log_text().contains("caller queued")
    });
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    wait_until(Duration::from_secs(10), "the call to end", || {
        sb.log_text().contains("call ends")
    });

    // Agent 1002 (green-card) logs in now and stays a while: nothing rings.
    let _agent = AgentPhone::register(&sb, &markers, "1002", "u1", "agent_answer.xml");
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        !markers.exists("rung"),
        "the agent was rung for a call that had left"
    );
    assert!(!sb.log_text().contains("ringing agent"));
    assert!(sb.stop().success());
}
