//! A carrier that offers only PCMA reaches an agent phone that answers only PCMU: the relay
//! transcodes between the laws, and a known tone sent by each side arrives as that tone,
//! decoded in the other side's law.

mod common;

use std::time::Duration;

use common::rtp::tone_purity;
use common::{AgentPhone, CallerPhone, Markers, Switchboard};

#[test]
fn a_pcma_caller_and_a_pcmu_agent_hear_each_others_tones() {
    let sb = Switchboard::start("transcoded");
    let markers = Markers::new("transcoded");
    let mut agent = AgentPhone::register(&sb, &markers, "1002", "u1", "agent_answer.xml");

    let mut caller = CallerPhone::dial(&sb, &markers, "caller_pcma.xml", Duration::from_secs(8));
    assert!(
        sb.log_text().contains("codec=\"PCMA\""),
        "the caller's leg runs PCMA"
    );
    caller.press('2');
    markers.wait("rung", Duration::from_secs(10));

    // The caller sends 1 kHz in A-law; the agent answers with 600 Hz in μ-law.
    let caller_ssrc = caller.rtp.ssrc();
    let to = caller.switch_leg;
    let sender = std::thread::spawn(move || {
        caller.rtp.send_tone(to, 100, 8, 1000.0);
        caller
    });
    let switch_agent_leg = agent.rtp.wait_packets(20, Duration::from_secs(10));
    agent.rtp.send_tone(switch_agent_leg, 60, 0, 600.0);
    let caller = sender.join().expect("caller audio");

    assert_eq!(
        agent.rtp.payload_types_from(caller_ssrc),
        [0],
        "the agent gets PCMU"
    );
    let at_agent = agent.rtp.decoded_from(caller_ssrc);
    assert!(
        at_agent.len() >= 160 * 50,
        "agent got {} samples",
        at_agent.len()
    );
    let purity = tone_purity(&at_agent, 1000.0);
    assert!(
        purity > 0.9,
        "the caller's 1 kHz tone survives transcoding: purity {purity:.3}"
    );

    assert_eq!(
        caller.rtp.payload_types_from(agent.rtp.ssrc()),
        [8],
        "the caller gets PCMA"
    );
    let at_caller = caller.rtp.decoded_from(agent.rtp.ssrc());
    assert!(
        at_caller.len() >= 160 * 30,
        "caller got {} samples",
        at_caller.len()
    );
    let purity = tone_purity(&at_caller, 600.0);
    assert!(
        purity > 0.9,
        "the agent's 600 Hz tone survives transcoding: purity {purity:.3}"
    );
    assert!(
        tone_purity(&at_caller, 1000.0) < 0.05,
        "and is not the caller's own tone"
    );

    assert!(caller.sipp.wait().success(), "caller scenario failed");
    markers.wait("bye", Duration::from_secs(10));
    assert!(sb.stop().success());
}
