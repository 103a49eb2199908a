//! Our offer (when we call an agent) and reading the agent's answer, including one that
//! renumbers telephone-event, one that puts the call on hold and one that picks G.722.

mod common;

use media::sdp::{accept_answer, offer};
use media::{Codec, Direction};

const OFFER: &str = "v=0
o=- 42 1 IN IP4 203.0.113.5
s=switchboard
c=IN IP4 203.0.113.5
t=0 0
m=audio 20000 RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv
";

#[test]
fn our_offer_lists_pcmu_pcma_and_telephone_event_101() {
    common::assert_sdp_eq(&offer(&common::local()), OFFER);
}

#[test]
fn agent_answer_with_pcma_and_telephone_event_96_is_followed() {
    let answer = common::sdp(
        "v=0
o=agent 7 7 IN IP4 10.0.0.50
s=-
c=IN IP4 10.0.0.50
t=0 0
m=audio 7000 RTP/AVP 8 96
a=rtpmap:8 PCMA/8000
a=rtpmap:96 telephone-event/8000
",
    );
    let negotiated = accept_answer(&offer(&common::local()), &answer).expect("PCMA accepted");
    assert_eq!(negotiated.codec, Codec::Pcma);
    assert_eq!(negotiated.payload_type, 8);
    assert_eq!(negotiated.dtmf_payload_type, Some(96));
    assert_eq!(
        negotiated.remote,
        Some("10.0.0.50:7000".parse().expect("addr"))
    );
    assert_eq!(negotiated.direction, Direction::SendRecv);
}

#[test]
fn answer_on_hold_leaves_no_remote_and_no_sending() {
    let answer = common::sdp(
        "v=0
o=agent 7 8 IN IP4 10.0.0.50
s=-
c=IN IP4 0.0.0.0
t=0 0
m=audio 7000 RTP/AVP 0
a=inactive
",
    );
    let negotiated = accept_answer(&offer(&common::local()), &answer).expect("PCMU accepted");
    assert_eq!(negotiated.remote, None);
    assert_eq!(negotiated.direction, Direction::Inactive);
    assert_eq!(negotiated.dtmf_payload_type, None);
}

const OFFER_G722: &str = "v=0
o=- 42 1 IN IP4 203.0.113.5
s=switchboard
c=IN IP4 203.0.113.5
t=0 0
m=audio 20000 RTP/AVP 9 0 8 101
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv
";

#[test]
fn our_offer_lists_g722_first_when_we_prefer_it() {
    let mut local = common::local();
    local.codecs = vec![Codec::G722, Codec::Pcmu, Codec::Pcma];
    common::assert_sdp_eq(&offer(&local), OFFER_G722);
}

#[test]
fn agent_answer_with_g722_is_followed_and_one_without_falls_back() {
    let mut local = common::local();
    local.codecs = vec![Codec::G722, Codec::Pcmu, Codec::Pcma];
    let ours = offer(&local);
    let g722 = common::sdp(
        "v=0
o=agent 7 7 IN IP4 10.0.0.50
s=-
c=IN IP4 10.0.0.50
t=0 0
m=audio 7000 RTP/AVP 9 101
a=rtpmap:9 G722/8000
a=rtpmap:101 telephone-event/8000
",
    );
    let negotiated = accept_answer(&ours, &g722).expect("G.722 accepted");
    assert_eq!(
        (negotiated.codec, negotiated.payload_type),
        (Codec::G722, 9)
    );
    assert_eq!(negotiated.dtmf_payload_type, Some(101));
    // An answer may only pick what was offered: G.722 in an answer to a G.711-only offer is
    // not ours to accept.
    let g711_only = offer(&common::local());
    assert!(accept_answer(&g711_only, &g722).is_err());
}
