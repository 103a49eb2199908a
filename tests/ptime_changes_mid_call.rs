//! A bridged caller changes its packetization mid-call: it talks in 20 ms packets, sends a
//! re-INVITE whose SDP says `a=ptime:40` (answered 200 with SDP), and goes on in 40 ms
//! packets. The agent keeps hearing the caller's tone, and the caller the agent's, on both
//! sides of the change.

mod common;

use std::time::{Duration, Instant};

use common::rtp::tone_purity;
use common::{AgentPhone, CallerPhone, Markers, Switchboard};

/// 2 s of the caller's audio after the change, in 40 ms packets.
const CALLER_PACKETS_AFTER: u32 = 50;
/// 2 s of the agent's audio after the change, in 20 ms packets.
const AGENT_PACKETS_AFTER: u32 = 100;

#[test]
fn the_caller_changes_ptime_and_both_sides_keep_hearing_each_other() {
    let sb = Switchboard::start("ptime-change");
    let markers = Markers::new("ptime-change");
    let mut agent = AgentPhone::register(&sb, &markers, "1002", "u1", "agent_answer.xml");

    // The caller re-INVITEs 5 s after the answer: time to pick the queue, be bridged and
    // talk a while in 20 ms packets.
    let mut caller = CallerPhone::dial(
        &sb,
        &markers,
        "caller_ptime_change.xml",
        Duration::from_secs(5),
    );
    caller.press('2');
    markers.wait("rung", Duration::from_secs(10));
    common::wait_until(Duration::from_secs(5), "the bridge", || {
        sb.log_text().contains("agent answered")
    });
    let (caller_ssrc, agent_ssrc) = (caller.rtp.ssrc(), agent.rtp.ssrc());
    let caller_leg = caller.switch_leg;

    // Before: both talk in 20 ms packets (caller 1 kHz, agent 600 Hz) until the caller's
    // re-INVITE is answered.
    let reinvited = markers.dir.join("caller_reinvited");
    let deadline = Instant::now() + Duration::from_secs(15);
    let until_reinvited = {
        let reinvited = reinvited.clone();
        move || !reinvited.exists() && Instant::now() < deadline
    };
    let caller_talks = {
        let until_reinvited = until_reinvited.clone();
        std::thread::spawn(move || {
            while until_reinvited() {
                caller.rtp.send_tone_ptime(caller_leg, 5, 0, 1000.0, 20);
            }
            caller
        })
    };
    let agent_leg = agent.rtp.wait_packets(20, Duration::from_secs(10));
    while until_reinvited() {
        agent.rtp.send_tone(agent_leg, 5, 0, 600.0);
    }
    let mut caller = caller_talks.join().expect("caller audio");
    markers.wait("caller_reinvited", Duration::from_secs(1));
    std::thread::sleep(Duration::from_millis(100));
    let at_agent_before = agent.rtp.payload_sizes_from(caller_ssrc).len();
    let at_caller_before = caller.rtp.decoded_from(agent_ssrc).len();
    assert!(
        at_agent_before >= 25,
        "the agent heard the caller's 20 ms packets before the change: {at_agent_before}"
    );
    assert!(
        at_caller_before >= 160 * 25,
        "the caller heard the agent before the change: {at_caller_before} samples"
    );

    // After: the caller sends 40 ms packets, as its new SDP says; the agent goes on.
    let caller_talks = std::thread::spawn(move || {
        caller
            .rtp
            .send_tone_ptime(caller_leg, CALLER_PACKETS_AFTER, 0, 1000.0, 40);
        caller
    });
    agent
        .rtp
        .send_tone(agent_leg, AGENT_PACKETS_AFTER, 0, 600.0);
    let caller = caller_talks.join().expect("caller audio");
    std::thread::sleep(Duration::from_millis(200));

    // The agent hears all of the caller's 40 ms packets, as the caller's tone.
    let sizes = agent.rtp.payload_sizes_from(caller_ssrc);
    let after = &sizes[at_agent_before..];
    assert!(
        after.iter().all(|&s| s == 320) && after.len() >= CALLER_PACKETS_AFTER as usize * 8 / 10,
        "the agent got the caller's 40 ms packets whole: {after:?}"
    );
    let at_agent = agent.rtp.decoded_from(caller_ssrc);
    let purity = tone_purity(&at_agent[160 * at_agent_before..], 1000.0);
    assert!(
        purity > 0.9,
        "after the change the caller's 1 kHz arrives clean: purity {purity:.3}"
    );
    let purity = tone_purity(&at_agent, 1000.0);
    assert!(
        purity > 0.9,
        "the caller's 1 kHz arrives clean across the change: purity {purity:.3}"
    );

    // The caller still hears the agent.
    let at_caller = caller.rtp.decoded_from(agent_ssrc);
    let heard = &at_caller[at_caller_before..];
    assert!(
        heard.len() >= 160 * AGENT_PACKETS_AFTER as usize * 8 / 10,
        "the caller got {} of the agent's samples after the change",
        heard.len()
    );
    let purity = tone_purity(heard, 600.0);
    assert!(
        purity > 0.9,
        "after the change the agent's 600 Hz arrives clean: purity {purity:.3}"
    );

    assert!(caller.sipp.wait().success(), "caller scenario failed");
    markers.wait("bye", Duration::from_secs(10));
    assert!(sb.stop().success(), "switchboard exits 0 on SIGTERM");
}
