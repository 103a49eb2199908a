//! What the end-to-end tests ask of a softphone we did not write (baresip, linphone) acting
//! as an agent, and the one queued call every such phone must handle.

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::baresip::loud_frames;
use super::rtp::tone_purity;
use super::{CallerPhone, Markers, Switchboard, wait_until};

/// A headless softphone registered as an agent that answers by itself.
pub trait Softphone {
    /// Its name, for messages.
    fn kind(&self) -> &'static str;
    /// Waits until it reports its call established.
    fn wait_established(&self);
    /// The transport of the INVITE it was rung with, from its own trace ("UDP", "TCP", "TLS").
    fn invite_transport(&self) -> Option<String>;
    /// Waits until it reports its call ended.
    fn wait_ended(&self);
    /// Checks after the call (e.g. that the caller's menu key never reached it).
    fn after_call(&self) {}
    /// What it decoded of the caller's audio.
    fn heard(&self) -> Vec<i16>;
    /// The tone it sends as its microphone.
    fn tone_hz(&self) -> f64 {
        800.0
    }
}

/// A caller dials 100 and presses 1 (benefits); the phone, registered over `transport` to
/// `sb`, answers by itself; audio flows both ways through the relay (each side decodes the
/// other's); the caller hangs up, the phone's call ends, and the switch exits 0.
pub fn answers_the_queued_call(
    sb: Switchboard,
    phone: impl Softphone,
    transport: &str,
    test: &str,
) {
    let kind = phone.kind();
    let markers = Markers::new(test);
    let mut caller = CallerPhone::dial(&sb, &markers, "caller.xml", Duration::from_secs(10));
    // Streams the caller heard from the switch itself (greeting, menu).
    let switch_streams: HashSet<u32> = caller.rtp.received().by_ssrc.into_keys().collect();
    caller.press('1');

    wait_until(Duration::from_secs(10), "the switch to bridge", || {
        sb.log_text().contains("agent answered; bridged")
    });
    phone.wait_established();
    let at_bridge: HashMap<u32, u64> = caller.rtp.received().by_ssrc;
    assert_eq!(
        phone.invite_transport().as_deref(),
        Some(transport),
        "{kind} was rung over another transport"
    );

    // The caller talks for 3 s (150 packets of 20 ms) while the phone plays its tone.
    let to = caller.switch_leg;
    caller.rtp.send_audio(to, 150);
    std::thread::sleep(Duration::from_millis(200));
    let received = caller.rtp.received();
    let (phone_ssrc, from_phone) = received
        .by_ssrc
        .iter()
        .filter(|(ssrc, _)| !switch_streams.contains(ssrc))
        .map(|(ssrc, n)| (*ssrc, n - at_bridge.get(ssrc).copied().unwrap_or(0)))
        .max_by_key(|(_, n)| *n)
        .unwrap_or((0, 0));
    assert!(
        from_phone >= 120,
        "caller heard {from_phone} packets of {kind}'s stream in 3 s: {received:?}"
    );
    let purity = tone_purity(&caller.rtp.decoded_from(phone_ssrc), phone.tone_hz());
    assert!(
        purity > 0.5,
        "{kind}'s stream is not its tone (purity {purity:.2})"
    );

    // The caller hangs up after its pause; the phone's call ends.
    assert!(caller.sipp.wait().success(), "caller scenario failed");
    phone.wait_ended();
    phone.after_call();
    wait_until(Duration::from_secs(5), "the switch to end the call", || {
        sb.log_text().contains("call ends")
    });

    // What the phone decoded: the caller's 150 packets, not silence (the caller's pattern is a
    // ±556 square wave; 20 ms frames above RMS 200 are counted).
    let heard = phone.heard();
    let loud = loud_frames(&heard, 200.0);
    assert!(
        loud >= 120,
        "{kind} decoded {} samples, {loud} loud 20 ms frames; expected >= 120 of 150",
        heard.len()
    );
    drop(phone);
    assert!(sb.stop().success());
}

/// Waits up to 3 s for `child` to exit; true if it did.
fn exited_within_3s(child: &mut Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Ends a phone started in a process group of its own: a grace period if it was already asked
/// to quit, then SIGTERM to the group, then SIGKILL.
pub fn stop_process_group(mut child: Child, asked_to_quit: bool) {
    if asked_to_quit && exited_within_3s(&mut child) {
        return;
    }
    let group = format!("-{}", child.id());
    let _ = Command::new("kill")
        .args(["-TERM", "--", &group])
        .stderr(Stdio::null())
        .status();
    exited_within_3s(&mut child);
    let _ = Command::new("kill")
        .args(["-KILL", "--", &group])
        .stderr(Stdio::null())
        .status();
    let _ = child.wait();
}
