//! A caller who hangs up while queued leaves the queue for good: the agent who logs in
//! afterwards is never rung for that call.

mod common;

use std::time::Duration;

use common::{Markers, RtpPeer, Sipp, Switchboard};

#[test]
fn an_abandoned_call_is_never_offered() {
    let sb = Switchboard::start("caller-abandons");
    let markers = Markers::new("caller-abandons");
    let mut caller_rtp = RtpPeer::bind();
    let agent_rtp = RtpPeer::bind();

    // No green-card agent is logged in: the caller waits in `immigration`, then gives up.
    let caller = Sipp::caller(
        &sb,
        "caller.xml",
        "100",
        caller_rtp.port,
        &markers,
        Duration::from_secs(3),
    );
    let switch_caller_leg = caller_rtp.wait_packets(10, Duration::from_secs(10));
    caller_rtp.send_digit(switch_caller_leg, 101, '2');
    common::wait_until(Duration::from_secs(10), "the caller to be queued", || {
        sb.log_text().contains("caller queued")
    });
    assert!(caller.wait().success(), "caller scenario failed");
    common::wait_until(Duration::from_secs(10), "the call to end", || {
        sb.log_text().contains("call ends")
    });

    // Agent 1002 (green-card) logs in now and stays a while: nothing rings.
    let agent = Sipp::agent(
        &sb,
        "1002",
        "pass1002",
        "agent_register.xml",
        "agent_answer.xml",
        &[("rtp_port", agent_rtp.port.to_string())],
        &markers,
        Duration::from_secs(30),
    );
    markers.wait("registered", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        !markers.exists("rung"),
        "the agent was rung for a call that had left"
    );
    assert!(!sb.log_text().contains("ringing agent"));
    drop(agent);
    assert!(sb.stop().success());
}
