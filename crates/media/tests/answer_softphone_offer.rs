//! A softphone offers opus, G.722, G.711 and telephone-event at two clock rates, plus video:
//! we keep its preference among what we support (PCMU before PCMA, or G.722 first when we list
//! it), its 8 kHz telephone-event payload type, and reject the video line.

mod common;

use media::sdp::answer;
use media::{Codec, Direction};

const OFFER: &str = "v=0
o=Z 1733400000 1 IN IP4 192.168.1.23
s=Z
c=IN IP4 192.168.1.23
t=0 0
m=audio 8000 RTP/AVP 106 9 98 101 0 8 3
a=rtpmap:106 opus/48000/2
a=fmtp:106 sprop-maxcapturerate=16000; minptime=20; useinbandfec=1
a=rtpmap:98 telephone-event/48000
a=fmtp:98 0-16
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=sendrecv
a=rtcp-mux
m=video 8002 RTP/AVP 96 97
a=rtpmap:96 VP8/90000
a=rtpmap:97 H264/90000
";

const ANSWER: &str = "v=0
o=- 42 1 IN IP4 203.0.113.5
s=switchboard
c=IN IP4 203.0.113.5
t=0 0
m=audio 20000 RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv
m=video 0 RTP/AVP 96 97
";

#[test]
fn softphone_offer_gets_pcmu_and_its_8khz_telephone_event() {
    let (sdp, negotiated) = answer(&common::sdp(OFFER), &common::local()).expect("common codec");
    common::assert_sdp_eq(&sdp, ANSWER);
    assert_eq!(negotiated.codec, Codec::Pcmu);
    assert_eq!(negotiated.payload_type, 0);
    assert_eq!(negotiated.dtmf_payload_type, Some(101));
    assert_eq!(
        negotiated.remote,
        Some("192.168.1.23:8000".parse().expect("addr"))
    );
    assert_eq!(negotiated.direction, Direction::SendRecv);
    assert_eq!(negotiated.ptime_ms, 20);
}

#[test]
fn our_own_preference_does_not_override_the_offerers() {
    let mut local = common::local();
    local.codecs = vec![Codec::Pcma, Codec::Pcmu];
    let (_, negotiated) = answer(&common::sdp(OFFER), &local).expect("common codec");
    assert_eq!(negotiated.codec, Codec::Pcmu);
}

const ANSWER_G722: &str = "v=0
o=- 42 1 IN IP4 203.0.113.5
s=switchboard
c=IN IP4 203.0.113.5
t=0 0
m=audio 20000 RTP/AVP 9 101
a=rtpmap:9 G722/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv
m=video 0 RTP/AVP 96 97
";

#[test]
fn softphone_offer_gets_g722_when_we_list_it() {
    let mut local = common::local();
    // Listed last: the offerer's order decides (its static payload type 9 has no rtpmap).
    local.codecs = vec![Codec::Pcmu, Codec::Pcma, Codec::G722];
    let (sdp, negotiated) = answer(&common::sdp(OFFER), &local).expect("common codec");
    common::assert_sdp_eq(&sdp, ANSWER_G722);
    assert_eq!(negotiated.codec, Codec::G722);
    assert_eq!(negotiated.payload_type, 9);
    // telephone-event keeps the 8000 Hz clock that G.722's RTP clock shares.
    assert_eq!(negotiated.dtmf_payload_type, Some(101));
    assert_eq!(negotiated.ptime_ms, 20);
}
