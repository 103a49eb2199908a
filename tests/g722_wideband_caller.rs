//! A wideband caller (G.722 first in its offer) is answered in G.722 and hears the menu in
//! G.722. Bridged to a G.722 phone the audio passes through untouched; bridged to a PCMU-only
//! phone it is transcoded both ways, and each side's known tone arrives as that tone.

mod common;

use std::time::Duration;

use common::rtp::tone_purity;
use common::{AgentPhone, CallerPhone, Markers, Switchboard};

/// The caller sends 1 kHz in G.722, the agent answers with 600 Hz in its own codec (`agent_pt`,
/// 9 or 0); returns the audio each side decoded from the other, at 8 kHz.
fn exchange_tones(
    caller: CallerPhone,
    agent: &mut AgentPhone,
    agent_pt: u8,
) -> (CallerPhone, Vec<i16>, Vec<i16>, Vec<u8>, Vec<u8>) {
    let caller_ssrc = caller.rtp.ssrc();
    let to = caller.switch_leg;
    let mut caller = caller;
    let sender = std::thread::spawn(move || {
        caller.rtp.send_g722_tone(to, 100, 1000.0);
        caller
    });
    let switch_agent_leg = agent.rtp.wait_packets(20, Duration::from_secs(10));
    if agent_pt == 9 {
        agent.rtp.send_g722_tone(switch_agent_leg, 60, 600.0);
    } else {
        agent.rtp.send_tone(switch_agent_leg, 60, agent_pt, 600.0);
    }
    let caller = sender.join().expect("caller audio");
    let at_agent = agent.rtp.decoded_from(caller_ssrc);
    let at_caller = caller.rtp.decoded_from(agent.rtp.ssrc());
    let pts_at_agent = agent.rtp.payload_types_from(caller_ssrc);
    let pts_at_caller = caller.rtp.payload_types_from(agent.rtp.ssrc());
    (caller, at_agent, at_caller, pts_at_agent, pts_at_caller)
}

fn check_tones(at_agent: &[i16], at_caller: &[i16]) {
    assert!(
        at_agent.len() >= 160 * 50,
        "agent got {} samples",
        at_agent.len()
    );
    let purity = tone_purity(at_agent, 1000.0);
    assert!(
        purity > 0.9,
        "the caller's 1 kHz tone at the agent: purity {purity:.3}"
    );
    assert!(
        at_caller.len() >= 160 * 30,
        "caller got {} samples",
        at_caller.len()
    );
    let purity = tone_purity(at_caller, 600.0);
    assert!(
        purity > 0.9,
        "the agent's 600 Hz tone at the caller: purity {purity:.3}"
    );
}

#[test]
fn a_g722_caller_and_a_g722_phone_talk_wideband_without_transcoding() {
    let sb = Switchboard::start("g722-pass-through");
    let markers = Markers::new("g722-pass-through");
    let mut agent = AgentPhone::register(&sb, &markers, "1002", "u1", "agent_answer_g722.xml");
    let mut caller = CallerPhone::dial(&sb, &markers, "caller_g722.xml", Duration::from_secs(8));
    assert!(
        sb.log_text().contains("codec=\"G722\""),
        "the caller's leg runs G.722"
    );
    let prompt_pts = caller.rtp.received().by_pt;
    assert!(
        prompt_pts.get(&9).is_some_and(|n| *n >= 10),
        "the menu plays in G.722: {prompt_pts:?}"
    );
    caller.press('2');
    markers.wait("rung", Duration::from_secs(10));

    let (caller, at_agent, at_caller, pts_at_agent, pts_at_caller) =
        exchange_tones(caller, &mut agent, 9);
    assert_eq!(pts_at_agent, [9], "G.722 end to end");
    assert_eq!(pts_at_caller, [9]);
    check_tones(&at_agent, &at_caller);

    assert!(caller.sipp.wait().success(), "caller scenario failed");
    markers.wait("bye", Duration::from_secs(10));
    assert!(sb.stop().success());
}

#[test]
fn a_g722_caller_and_a_pcmu_phone_are_transcoded() {
    let sb = Switchboard::start("g722-transcoded");
    let markers = Markers::new("g722-transcoded");
    let mut agent = AgentPhone::register(&sb, &markers, "1002", "u1", "agent_answer.xml");
    let mut caller = CallerPhone::dial(&sb, &markers, "caller_g722.xml", Duration::from_secs(8));
    caller.press('2');
    markers.wait("rung", Duration::from_secs(10));

    let (caller, at_agent, at_caller, pts_at_agent, pts_at_caller) =
        exchange_tones(caller, &mut agent, 0);
    assert_eq!(pts_at_agent, [0], "the phone gets PCMU");
    assert_eq!(pts_at_caller, [9], "the caller gets G.722");
    check_tones(&at_agent, &at_caller);

    assert!(caller.sipp.wait().success(), "caller scenario failed");
    markers.wait("bye", Duration::from_secs(10));
    assert!(sb.stop().success());
}
