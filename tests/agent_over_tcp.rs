//! An agent whose phone registers over TCP is rung over that same connection (Content-Length
//! framing both ways), answers, and talks to a caller who came in over UDP.

mod common;

use std::time::Duration;

use common::{Markers, RtpPeer, Sipp, Switchboard};

#[test]
fn an_agent_registered_over_tcp_is_rung_over_its_connection() {
    let sb = Switchboard::start("agent-over-tcp");
    let markers = Markers::new("agent-over-tcp");
    let mut agent_rtp = RtpPeer::bind();
    let mut caller_rtp = RtpPeer::bind();

    let agent = Sipp::agent_over(
        &sb,
        "t1",
        "1003",
        "pass1003",
        "agent_register.xml",
        "agent_answer.xml",
        &[("rtp_port", agent_rtp.port.to_string())],
        &markers,
        Duration::from_secs(60),
    );
    markers.wait("registered", Duration::from_secs(10));

    let caller = Sipp::caller(
        &sb,
        "caller.xml",
        "100",
        caller_rtp.port,
        &markers,
        Duration::from_secs(6),
    );
    let switch_caller_leg = caller_rtp.wait_packets(10, Duration::from_secs(10));
    // 1003 has both skills: benefits (1) reaches it.
    caller_rtp.send_digit(switch_caller_leg, 101, '1');
    markers.wait("rung", Duration::from_secs(10));

    let caller_ssrc = caller_rtp.ssrc();
    let sender = std::thread::spawn(move || {
        caller_rtp.send_audio(switch_caller_leg, 60);
        caller_rtp
    });
    let switch_agent_leg = agent_rtp.wait_packets(20, Duration::from_secs(10));
    agent_rtp.send_audio(switch_agent_leg, 30);
    let caller_rtp = sender.join().expect("caller audio");
    assert!(
        agent_rtp.count_from(caller_ssrc) >= 20,
        "agent heard the caller: {:?}",
        agent_rtp.received()
    );
    assert!(
        caller_rtp.count_from(agent_rtp.ssrc()) >= 20,
        "caller heard the agent: {:?}",
        caller_rtp.received()
    );

    assert!(caller.wait().success(), "caller scenario failed");
    markers.wait("bye", Duration::from_secs(10));
    drop(agent);
    assert!(sb.stop().success());
}
