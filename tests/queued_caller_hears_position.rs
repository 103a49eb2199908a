//! A queued caller hears its place in line and the estimated wait, spoken with number
//! prompts, at the queue's `announce_every`; the RTP it receives carries the announcement's
//! own audio frames, then the hold music goes on.

mod common;

use std::time::Duration;

use common::rtp::prompt_frames;
use common::{CallerPhone, Markers, Switchboard, TestDir};

#[test]
fn the_caller_hears_position_and_wait_then_hold_music() {
    let files = TestDir::new("announce");
    let config = files.demo_config(&[("[[queues]]", "announce_every = 15")]);
    let sb = Switchboard::start_with_config("announce", &config);
    let markers = Markers::new("announce");
    // Nobody logged in: the caller waits.
    let mut caller = CallerPhone::dial(&sb, &markers, "caller.xml", Duration::from_secs(30));
    caller.press('2');
    std::thread::sleep(Duration::from_secs(13));
    caller.rtp.clear();
    common::wait_until(Duration::from_secs(10), "the announcement", || {
        sb.log_text().contains("announcing position and wait")
    });
    std::thread::sleep(Duration::from_secs(5));

    let received = caller.rtp.received();
    let payloads: Vec<&Vec<u8>> = received
        .payloads
        .values()
        .flatten()
        .filter(|(pt, _)| *pt == 0)
        .map(|(_, p)| p)
        .collect();
    // Frames with sound in them, so silence in the hold music does not count.
    let heard = |name: &str| {
        prompt_frames(name)
            .iter()
            .filter(|f| f.iter().filter(|&&b| b & 0x7f < 0x70).count() > 40)
            .filter(|f| payloads.iter().any(|p| p == f))
            .count()
    };
    let intro = heard("position-intro");
    let first = heard("n1");
    let wait = heard("wait-intro");
    assert!(
        intro >= 10,
        "\"You are caller number\": {intro} frames heard"
    );
    assert!(first >= 3, "\"one\": {first} frames heard");
    assert!(
        wait >= 10,
        "\"Your estimated wait is\": {wait} frames heard"
    );
    assert!(sb.log_text().contains("position=1"));

    drop(caller);
    assert!(sb.stop().success());
}
