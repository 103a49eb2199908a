//! Hostile or broken input (random bytes, truncated headers, absurd lengths) gives a typed
//! error or a counted drop, never a panic. The fixed cases are regressions worth keeping.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use media::sdp::{LocalMedia, answer};
use media::{
    Codec, DtmfReceiver, LatchPolicy, LegConfig, Prompt, RelayLeg, SessionDescription, Verdict,
};
use proptest::prelude::*;

fn legs() -> (RelayLeg, RelayLeg) {
    let config = |codec: Codec, remote: &str| LegConfig {
        codec,
        payload_type: codec.payload_type(),
        dtmf_payload_type: Some(101),
        expected_remote: remote.parse().ok(),
        latch: LatchPolicy::AnySource,
        relatch_after: Duration::from_secs(2),
    };
    (
        RelayLeg::new(config(Codec::Pcmu, "192.0.2.1:4000")),
        RelayLeg::new(config(Codec::Pcma, "192.0.2.2:4000")),
    )
}

fn local() -> LocalMedia {
    LocalMedia {
        addr: "203.0.113.5".parse().expect("address"),
        port: 20000,
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        dtmf: true,
        session_id: 1,
        session_version: 1,
    }
}

const MALFORMED_PACKETS: &[&[u8]] = &[
    &[],
    &[0x80],
    &[0x80, 0x00, 0x00],
    // Fifteen CSRCs announced, none present.
    &[0x8F, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1],
    // Extension flag with an extension length past the end.
    &[
        0x90, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xBE, 0xDE, 0xFF, 0xFF,
    ],
    // Padding flag with a padding length larger than the packet.
    &[0xA0, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x55, 0xFF],
    // Padding flag with a zero padding length.
    &[0xA0, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x55, 0x00],
];

/// Telephone-event with a 2-byte payload: the relay passes payloads through unread, the DTMF
/// receiver must not read past them.
const SHORT_EVENT: &[u8] = &[0x80, 101, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x05, 0x80];

#[test]
fn known_malformed_packets_are_dropped() {
    let (mut a, mut b) = legs();
    let from: SocketAddr = "192.0.2.1:4000".parse().expect("address");
    let mut dtmf = DtmfReceiver::new(101);
    for pkt in MALFORMED_PACKETS {
        let mut copy = pkt.to_vec();
        let verdict = a.on_packet(from, &mut copy, &mut b, Instant::now());
        assert!(matches!(verdict, Verdict::Drop(_)), "{pkt:?} was forwarded");
        assert_eq!(dtmf.on_rtp(pkt), None);
    }
    assert_eq!(a.latched_remote(), None);
    assert_eq!(dtmf.on_rtp(SHORT_EVENT), None);
}

proptest! {
    #[test]
    fn relay_never_panics_and_never_grows_a_packet(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        port in any::<u16>(),
    ) {
        let (mut a, mut b) = legs();
        let from = SocketAddr::from(([198, 51, 100, 7], port));
        let mut pkt = bytes.clone();
        if let Verdict::Forward { len, .. } = a.on_packet(from, &mut pkt, &mut b, Instant::now()) {
            prop_assert_eq!(len, bytes.len());
        }
        let _ = a.on_rtcp(from, &bytes, &mut b);
    }

    #[test]
    fn sdp_parse_and_answer_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(sdp) = SessionDescription::parse(&bytes) {
            let _ = answer(&sdp, &local());
        }
    }

    #[test]
    fn sdp_like_text_never_panics(
        lines in proptest::collection::vec(
            "(m=audio [0-9]{1,6} RTP/AVP( [0-9]{1,3}){0,4}|a=rtpmap:[0-9]{1,3} [A-Za-z]{0,5}/[0-9]{0,5}|c=IN IP[46] [0-9.:a-f]{0,16}|a=(sendonly|ptime:[0-9]{0,3}|fmtp:[0-9]{1,3} x)|[a-z]=[ -~]{0,10})",
            0..10,
        ),
    ) {
        let text = format!("v=0\no=- 1 1 IN IP4 h\ns=-\n{}\n", lines.join("\n"));
        if let Ok(sdp) = text.parse::<SessionDescription>() {
            let _ = answer(&sdp, &local());
        }
    }

    #[test]
    fn wav_loading_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Prompt::from_wav(&bytes);
        let mut riff = b"RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00".to_vec();
        riff.extend_from_slice(&bytes);
        let _ = Prompt::from_wav(&riff);
    }
}
