//! One datagram through the SIP parser, every typed accessor, printing and re-parsing, and the
//! 400 builder. Anything accepted must print to something accepted, with the same Call-ID,
//! CSeq and body.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sip::{Message, bad_request_response};

fn read_everything(m: &Message) {
    let _ = m.call_id();
    let _ = m.cseq();
    let _ = m.from().map(|f| f.to_string());
    let _ = m.to().map(|t| t.tag().map(str::len));
    let _ = m.vias().map(|v| {
        v.iter()
            .for_each(|v| drop((v.branch().is_some(), v.received(), v.rport(), v.to_string())))
    });
    let _ = m.top_via();
    let _ = m.contacts().map(|c| {
        c.iter()
            .for_each(|c| drop((c.expires(), c.instance().is_some(), c.to_string())))
    });
    let _ = (m.max_forwards(), m.expires(), m.content_type());
    let _ = (m.routes(), m.record_routes());
    if let Message::Request(r) = m {
        let _ = (r.uri.to_string(), r.uri.transport_param());
    }
}

fuzz_target!(|data: &[u8]| {
    match Message::parse(Bytes::copy_from_slice(data)) {
        Ok(m) => {
            read_everything(&m);
            let printed = m.encode();
            let again = match Message::parse(printed.clone()) {
                Ok(again) => again,
                Err(e) => panic!("accepted input prints to something rejected ({e}): {printed:?}"),
            };
            assert_eq!(again.call_id().ok(), m.call_id().ok());
            assert_eq!(again.cseq().ok(), m.cseq().ok());
            assert_eq!(again.body(), m.body());
            read_everything(&again);
        }
        Err(e) => {
            if let Some(resp) = bad_request_response(data, &e) {
                assert!(resp.starts_with(b"SIP/2.0 "));
            }
        }
    }
});
