//! Re-INVITE glare (RFC 3261 §14.1) on the agent's leg: the caller puts the agent on hold, and
//! the switch's hold re-INVITE crosses a re-INVITE of the agent's own. The switch answers the
//! agent's with 491; the agent answers the switch's with 491 too; the switch, which owns the
//! agent leg's Call-ID, retries after 2.1–4 s, and that attempt succeeds. The resume and the
//! audio after it work as usual.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::{AgentPhone, CallerPhone, Markers, Switchboard};

fn touched(markers: &Markers, name: &str) -> SystemTime {
    std::fs::metadata(Path::new(&markers.dir).join(name))
        .and_then(|m| m.modified())
        .expect("marker time")
}

#[test]
fn crossing_reinvites_get_491_and_the_switch_retries() {
    let sb = Switchboard::start("reinvite-glare");
    let markers = Markers::new("reinvite-glare");
    let mut agent = AgentPhone::register(&sb, &markers, "1002", "u1", "agent_reinvite_glare.xml");

    // The caller holds 2 s after the answer and resumes 6 s later, after the retry is done.
    let mut caller = CallerPhone::dial_with_keys(
        &sb,
        &markers,
        "caller_hold_resume.xml",
        Duration::from_secs(2),
        &[("hold_for", "6000".into()), ("talk_for", "3000".into())],
    );
    caller.press('2');
    markers.wait("rung", Duration::from_secs(10));
    markers.wait("agent_acked", Duration::from_secs(5));

    // The caller's own re-INVITE is answered at once, whatever happens on the agent's leg.
    markers.wait("caller_held", Duration::from_secs(5));
    markers.wait("agent_got_first", Duration::from_secs(5));
    // The agent's crossing re-INVITE got 491, and the switch acknowledged the agent's 491.
    markers.wait("agent_got_491", Duration::from_secs(5));
    markers.wait("agent_sent_491", Duration::from_secs(5));

    // The switch retries after its back-off (2.1–4 s; checked loosely) and the agent accepts.
    markers.wait("agent_got_retry", Duration::from_secs(8));
    let backoff = touched(&markers, "agent_got_retry")
        .duration_since(touched(&markers, "agent_sent_491"))
        .unwrap_or_default();
    assert!(
        (Duration::from_millis(1500)..=Duration::from_secs(6)).contains(&backoff),
        "the retry came {backoff:?} after the 491"
    );
    markers.wait("agent_held", Duration::from_secs(5));

    // The resume goes through without glare.
    markers.wait("caller_resumed", Duration::from_secs(8));
    markers.wait("agent_got_sendrecv", Duration::from_secs(5));
    markers.wait("agent_resumed", Duration::from_secs(5));
    let caller = caller.talk_with(&mut agent, 50);

    assert!(caller.sipp.wait().success(), "caller scenario failed");
    markers.wait("bye", Duration::from_secs(10));
    assert!(sb.stop().success(), "switchboard exits 0 on SIGTERM");
}
