//! An offer with only G.729 and G.723 cannot be answered: the SIP layer replies 488.

mod common;

use media::Error;
use media::sdp::answer;

const OFFER: &str = "v=0
o=- 1 1 IN IP4 198.51.100.20
s=-
c=IN IP4 198.51.100.20
t=0 0
m=audio 31000 RTP/AVP 18 4 101
a=rtpmap:18 G729/8000
a=fmtp:18 annexb=no
a=rtpmap:4 G723/8000
a=rtpmap:101 telephone-event/8000
";

#[test]
fn offer_without_g711_is_refused_with_no_common_codec() {
    assert_eq!(
        answer(&common::sdp(OFFER), &common::local()),
        Err(Error::NoCommonCodec)
    );
}

#[test]
fn offer_with_g711_only_on_a_rejected_line_is_refused_too() {
    let offer = OFFER.replace("m=audio 31000 RTP/AVP 18 4 101", "m=audio 0 RTP/AVP 0");
    assert_eq!(
        answer(&common::sdp(&offer), &common::local()),
        Err(Error::NoCommonCodec)
    );
}

#[test]
fn offer_over_srtp_is_refused() {
    let offer = OFFER.replace("RTP/AVP 18 4 101", "RTP/SAVP 0 8");
    assert_eq!(
        answer(&common::sdp(&offer), &common::local()),
        Err(Error::NoCommonCodec)
    );
}
