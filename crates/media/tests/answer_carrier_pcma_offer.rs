//! A carrier offers PCMA only, telephone-event on 96 and 30 ms packets, with CRLF endings:
//! we answer PCMA, keep 96 and mirror the ptime.

mod common;

use media::Codec;
use media::sdp::answer;

const OFFER: &str = "v=0\r
o=- 3912345678 3912345678 IN IP4 198.51.100.20\r
s=-\r
c=IN IP4 198.51.100.20\r
t=0 0\r
m=audio 31000 RTP/AVP 8 96\r
a=rtpmap:8 PCMA/8000\r
a=rtpmap:96 telephone-event/8000\r
a=fmtp:96 0-15\r
a=ptime:30\r
a=maxptime:150\r
a=sendrecv\r
";

const ANSWER: &str = "v=0
o=- 42 1 IN IP4 203.0.113.5
s=switchboard
c=IN IP4 203.0.113.5
t=0 0
m=audio 20000 RTP/AVP 8 96
a=rtpmap:8 PCMA/8000
a=rtpmap:96 telephone-event/8000
a=fmtp:96 0-16
a=ptime:30
a=sendrecv
";

#[test]
fn carrier_offer_gets_pcma_ptime_30_and_telephone_event_96() {
    let (sdp, negotiated) = answer(&common::sdp(OFFER), &common::local()).expect("PCMA offered");
    common::assert_sdp_eq(&sdp, ANSWER);
    assert_eq!(negotiated.codec, Codec::Pcma);
    assert_eq!(negotiated.payload_type, 8);
    assert_eq!(negotiated.dtmf_payload_type, Some(96));
    assert_eq!(negotiated.ptime_ms, 30);
    assert_eq!(
        negotiated.remote,
        Some("198.51.100.20:31000".parse().expect("addr"))
    );
}
