//! An SDP body through the parser, printing and re-parsing, our answer to it, and offer/answer
//! acceptance in both directions.
#![no_main]

use libfuzzer_sys::fuzz_target;
use media::sdp::{accept_answer, answer, offer};
use media::{Codec, LegConfig, LocalMedia, RelayLeg, SessionDescription};

fuzz_target!(|data: &[u8]| {
    let local = LocalMedia {
        addr: [203, 0, 113, 5].into(),
        port: 20000,
        codecs: vec![Codec::Pcmu, Codec::Pcma],
        dtmf: true,
        session_id: 7,
        session_version: 1,
    };
    let Ok(sdp) = SessionDescription::parse(data) else {
        return;
    };
    let printed = sdp.to_string();
    let again = match SessionDescription::parse(printed.as_bytes()) {
        Ok(again) => again,
        Err(e) => panic!("accepted SDP prints to something rejected ({e}): {printed:?}"),
    };
    assert_eq!(again.media.len(), sdp.media.len());
    let ours = offer(&local);
    let _ = accept_answer(&ours, &sdp);
    if let Ok((ans, negotiated)) = answer(&sdp, &local) {
        let text = ans.to_string();
        if let Err(e) = SessionDescription::parse(text.as_bytes()) {
            panic!("our answer does not parse ({e}): {text:?}");
        }
        let _ = accept_answer(&sdp, &ans);
        let leg = RelayLeg::new(LegConfig::from_negotiated(&negotiated));
        let _ = (leg.remote(), leg.rtcp_remote());
    }
});
