//! An IPv6 offer that puts PCMA first and is sendonly (music on hold from the far end):
//! the answer is IPv6, PCMA, recvonly.

mod common;

use media::sdp::answer;
use media::{Codec, Direction};

const OFFER: &str = "v=0
o=- 1 1 IN IP6 2001:db8::10
s=-
c=IN IP6 2001:db8::10
t=0 0
m=audio 5004 RTP/AVP 8 0 101
a=rtpmap:101 telephone-event/8000
a=sendonly
";

const ANSWER: &str = "v=0
o=- 42 1 IN IP6 2001:db8::1
s=switchboard
c=IN IP6 2001:db8::1
t=0 0
m=audio 20000 RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=recvonly
";

#[test]
fn ipv6_sendonly_offer_gets_an_ipv6_recvonly_pcma_answer() {
    let local = common::local_at("2001:db8::1");
    let (sdp, negotiated) = answer(&common::sdp(OFFER), &local).expect("PCMA offered");
    common::assert_sdp_eq(&sdp, ANSWER);
    assert_eq!(negotiated.codec, Codec::Pcma);
    assert_eq!(negotiated.direction, Direction::RecvOnly);
    assert_eq!(
        negotiated.remote,
        Some("[2001:db8::10]:5004".parse().expect("addr"))
    );
}
