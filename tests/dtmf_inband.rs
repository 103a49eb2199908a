//! A caller whose phone offers no telephone-event presses a key as tones in the audio; the
//! switch hears it (Goertzel detector) and routes the call.

mod common;

use std::time::Duration;

use common::{AgentPhone, CallerPhone, Markers, Switchboard};

#[test]
fn a_key_pressed_as_tones_in_the_audio_routes_the_call() {
    let sb = Switchboard::start("dtmf-inband");
    let markers = Markers::new("dtmf-inband");
    let _agent = AgentPhone::register(&sb, &markers, "1002", "u1", "agent_answer.xml");

    let mut caller = CallerPhone::dial(&sb, &markers, "caller_inband.xml", Duration::from_secs(6));
    let to = caller.switch_leg;
    caller.rtp.send_inband_digit(to, '2', 100);
    markers.wait("rung", Duration::from_secs(10));
    assert!(
        sb.log_text().contains("queue=\"immigration\""),
        "2 is immigration"
    );
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    assert!(sb.stop().success());
}
