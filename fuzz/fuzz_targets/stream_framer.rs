//! A TCP byte stream cut into SIP messages. The first byte picks the chunk size the bytes
//! arrive in; the framer must never return more than it was given, and every message it
//! returns goes through the parser.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sip::message::MAX_MESSAGE_SIZE;
use sip::{Message, StreamFramer};

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);
    let mut framer = StreamFramer::new(MAX_MESSAGE_SIZE);
    let mut returned = 0;
    for piece in stream.chunks(chunk) {
        framer.push(piece);
        while let Some(next) = framer.next_message() {
            let Ok(msg) = next else { break };
            returned += msg.len();
            assert!(returned <= stream.len());
            let _ = Message::parse(Bytes::clone(&msg)).map(|m| m.encode());
        }
        let _ = framer.take_ping();
        assert!(framer.buffered() <= stream.len());
    }
});
