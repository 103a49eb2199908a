//! sipp's default UAC offer: PCMU only, no telephone-event. The answer carries no DTMF.

mod common;

use media::Codec;
use media::sdp::answer;

const OFFER: &str = "v=0
o=user1 53655765 2353687637 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 6000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
";

const ANSWER: &str = "v=0
o=- 42 1 IN IP4 203.0.113.5
s=switchboard
c=IN IP4 203.0.113.5
t=0 0
m=audio 20000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=ptime:20
a=sendrecv
";

#[test]
fn sipp_offer_gets_pcmu_without_dtmf() {
    let (sdp, negotiated) = answer(&common::sdp(OFFER), &common::local()).expect("PCMU offered");
    common::assert_sdp_eq(&sdp, ANSWER);
    assert_eq!(negotiated.codec, Codec::Pcmu);
    assert_eq!(negotiated.dtmf_payload_type, None);
    assert_eq!(
        negotiated.remote,
        Some("127.0.0.1:6000".parse().expect("addr"))
    );
}
