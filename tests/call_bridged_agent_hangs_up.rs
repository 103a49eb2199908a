//! The same call as `call_bridged_caller_hangs_up`, but the agent hangs up first: the caller
//! gets a BYE, and the agent's BYE is answered 200.

mod common;

use std::time::Duration;

use common::{Markers, RtpPeer, Sipp, Switchboard};

#[test]
fn the_agent_hangs_up_and_the_caller_gets_bye() {
    let sb = Switchboard::start("bridged-agent-hangs-up");
    let markers = Markers::new("bridged-agent-hangs-up");
    let mut agent_rtp = RtpPeer::bind();
    let mut caller_rtp = RtpPeer::bind();

    let agent = Sipp::agent(
        &sb,
        "1002",
        "pass1002",
        "agent_register.xml",
        "agent_answer_hangup.xml",
        &[("rtp_port", agent_rtp.port.to_string())],
        &markers,
        Duration::from_secs(60),
    );
    markers.wait("registered", Duration::from_secs(10));

    let caller = Sipp::caller(
        &sb,
        "caller_wait_bye.xml",
        "100",
        caller_rtp.port,
        &markers,
        Duration::from_secs(30),
    );
    let switch_caller_leg = caller_rtp.wait_packets(10, Duration::from_secs(10));
    caller_rtp.send_digit(switch_caller_leg, 101, '2');
    markers.wait("rung", Duration::from_secs(10));

    let caller_ssrc = caller_rtp.ssrc();
    let sender = std::thread::spawn(move || {
        caller_rtp.send_audio(switch_caller_leg, 50);
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

    markers.wait("bye_answered", Duration::from_secs(15));
    markers.wait("caller_got_bye", Duration::from_secs(10));
    assert!(caller.wait().success(), "caller scenario failed");
    drop(agent);
    assert!(sb.stop().success());
}
