//! A carrier that offers PCMU with `a=ptime:30` and sends 30 ms packets (240-byte payloads)
//! reaches an agent phone that uses 20 ms: the agent hears all of the caller's audio, as the
//! caller's tone, and the caller hears the agent's.

mod common;

use std::time::Duration;

use common::rtp::tone_purity;
use common::{AgentPhone, CallerPhone, Markers, Switchboard};

/// 2.1 s of the caller's audio in 30 ms packets.
const CALLER_PACKETS: u32 = 70;

#[test]
fn thirty_ms_packets_from_a_carrier_reach_a_twenty_ms_agent() {
    let sb = Switchboard::start("ptime30");
    let markers = Markers::new("ptime30");
    let mut agent = AgentPhone::register(&sb, &markers, "1002", "u1", "agent_answer.xml");

    let mut caller = CallerPhone::dial(&sb, &markers, "caller_ptime30.xml", Duration::from_secs(8));
    caller.press('2');
    markers.wait("rung", Duration::from_secs(10));
    common::wait_until(Duration::from_secs(5), "the bridge", || {
        sb.log_text().contains("agent answered")
    });

    // The caller sends 1 kHz in 30 ms packets; the agent answers with 600 Hz in 20 ms ones.
    let caller_ssrc = caller.rtp.ssrc();
    let to = caller.switch_leg;
    let sender = std::thread::spawn(move || {
        caller
            .rtp
            .send_tone_ptime(to, CALLER_PACKETS, 0, 1000.0, 30);
        caller
    });
    let switch_agent_leg = agent.rtp.wait_packets(20, Duration::from_secs(10));
    agent.rtp.send_tone(switch_agent_leg, 60, 0, 600.0);
    let caller = sender.join().expect("caller audio");
    std::thread::sleep(Duration::from_millis(200));

    // Whatever the packetization on the agent's side, the audio is all there.
    let sizes = agent.rtp.payload_sizes_from(caller_ssrc);
    let at_agent = agent.rtp.decoded_from(caller_ssrc);
    let sent = 240 * CALLER_PACKETS as usize;
    assert!(
        at_agent.len() >= sent * 8 / 10,
        "the agent got {} of the caller's {sent} samples, in payloads of {:?}",
        at_agent.len(),
        sizes
    );
    assert_eq!(
        agent.rtp.payload_types_from(caller_ssrc),
        [0],
        "the agent gets PCMU"
    );
    let purity = tone_purity(&at_agent, 1000.0);
    assert!(
        purity > 0.9,
        "the caller's 1 kHz tone arrives clean: purity {purity:.3}, payloads {sizes:?}"
    );

    // And the other way.
    let at_caller = caller.rtp.decoded_from(agent.rtp.ssrc());
    assert!(
        at_caller.len() >= 160 * 60 * 8 / 10,
        "the caller got {} of the agent's samples",
        at_caller.len()
    );
    let purity = tone_purity(&at_caller, 600.0);
    assert!(
        purity > 0.9,
        "the agent's 600 Hz tone arrives clean: purity {purity:.3}"
    );

    assert!(caller.sipp.wait().success(), "caller scenario failed");
    markers.wait("bye", Duration::from_secs(10));
    assert!(sb.stop().success(), "switchboard exits 0 on SIGTERM");
}
