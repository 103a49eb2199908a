//! A caller dials 100, hears the menu prompt, presses 2 (RFC 4733), and agent 1002 (green-card,
//! registered with digest) is rung, answers and talks: audio flows both ways through the relay.
//! The caller hangs up and the agent gets a BYE. The switch then exits 0 on SIGTERM.

mod common;

use std::time::Duration;

use common::{Markers, RtpPeer, Sipp, Switchboard};

#[test]
fn caller_talks_to_the_agent_and_hangs_up() {
    let sb = Switchboard::start("bridged-caller-hangs-up");
    let markers = Markers::new("bridged-caller-hangs-up");
    let mut agent_rtp = RtpPeer::bind();
    let mut caller_rtp = RtpPeer::bind();

    let agent = Sipp::agent(
        &sb,
        "1002",
        "pass1002",
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
        Duration::from_secs(8),
    );
    // The prompt reaches the caller from the switch's RTP port for this call.
    let switch_caller_leg = caller_rtp.wait_packets(10, Duration::from_secs(10));
    caller_rtp.send_digit(switch_caller_leg, 101, '2');
    markers.wait("rung", Duration::from_secs(10));

    // Caller audio reaches the agent through the relay; the agent answers from its socket.
    let caller_ssrc = caller_rtp.ssrc();
    let sender = std::thread::spawn(move || {
        caller_rtp.send_audio(switch_caller_leg, 100);
        caller_rtp
    });
    let switch_agent_leg = agent_rtp.wait_packets(20, Duration::from_secs(10));
    agent_rtp.send_audio(switch_agent_leg, 50);
    let caller_rtp = sender.join().expect("caller audio");
    assert!(
        agent_rtp.count_from(caller_ssrc) >= 40,
        "agent heard the caller: {:?}",
        agent_rtp.received()
    );
    assert!(
        caller_rtp.count_from(agent_rtp.ssrc()) >= 40,
        "caller heard the agent: {:?}",
        caller_rtp.received()
    );

    // The caller hangs up after its pause; the agent's phone gets the BYE.
    assert!(caller.wait().success(), "caller scenario failed");
    markers.wait("bye", Duration::from_secs(10));
    drop(agent);
    assert!(sb.stop().success(), "switchboard exits 0 on SIGTERM");
}
