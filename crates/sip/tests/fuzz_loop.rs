//! A bounded, seeded fuzz loop that runs with `cargo test`: mutations of the corpus messages
//! (`tests/corpus`, `tests/torture`) go through everything that reads untrusted SIP bytes.
//!
//! Per input: `Message::parse`, every typed accessor, `encode()` and a re-parse (anything we
//! accept must print to something we accept again, with the same Call-ID and CSeq),
//! `bad_request_response` (its output, if any, must parse), and `StreamFramer` fed the input in
//! random chunk sizes. No panic anywhere. The seed is fixed so a failure reproduces; set
//! `SIP_FUZZ_SEED` / `SIP_FUZZ_ITERS` to explore further. `fuzz/` holds the coverage-guided
//! versions of the same checks.

use bytes::Bytes;
use sip::message::MAX_MESSAGE_SIZE;
use sip::{Message, StreamFramer, bad_request_response};

fn corpus() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for dir in ["tests/corpus", "tests/torture"] {
        let dir = format!("{}/{dir}", env!("CARGO_MANIFEST_DIR"));
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sip"))
            .collect();
        paths.sort();
        for p in paths {
            out.push(std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())));
        }
    }
    assert!(out.len() > 40, "corpus missing: {} files", out.len());
    out
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Interesting bytes for insertions: SIP delimiters, line breaks, NUL, high bytes.
const SPECIAL: &[u8] = b"\r\n \t:;,=<>\"\\@%?/[]\x00\x7f\xff\xc3";

/// Text fragments that move the parser into other branches.
const FRAGMENTS: &[&[u8]] = &[
    b"\r\n",
    b"\r\n\r\n",
    b"\r\n ",
    b"Content-Length: 0\r\n",
    b"Content-Length: 99999999\r\n",
    b"l: 4294967296\r\n",
    b"Via: SIP/2.0/TCP [::1]:5060;branch=z9hG4bKx;rport\r\n",
    b"v: SIP/2.0/UDP h , SIP/2.0/WSS [2001:db8::1]\r\n",
    b"CSeq: 4294967295 INVITE\r\n",
    b"CSeq: 1 ACK\r\n",
    b"Contact: *\r\n",
    b"m: <sip:a@b;transport=tcp>;expires=0;+sip.instance=\"<urn:x>\"\r\n",
    b"Max-Forwards: 256\r\n",
    b"Expires: 4294967296\r\n",
    b"To: \"\\\" <tel:+1-555;phone-context=x>;tag=\r\n",
    b"sips:[fe80::1%25eth0]:0",
    b"SIP/2.0 ",
    b";;;;,,,,",
];

fn mutate(rng: &mut fastrand::Rng, corpus: &[Vec<u8>], buf: &mut Vec<u8>) {
    for _ in 0..rng.usize(1..=4) {
        let len = buf.len();
        match rng.u8(0..10) {
            0 if len > 0 => {
                let i = rng.usize(..len);
                buf[i] ^= 1 << rng.u8(0..8);
            }
            1 => {
                let i = rng.usize(..=len);
                buf.insert(i, SPECIAL[rng.usize(..SPECIAL.len())]);
            }
            2 if len > 0 => {
                let a = rng.usize(..len);
                let b = (a + rng.usize(1..=32)).min(len);
                buf.drain(a..b);
            }
            3 => {
                // Splice a slice of another message.
                let other = &corpus[rng.usize(..corpus.len())];
                let a = rng.usize(..other.len());
                let b = (a + rng.usize(1..=200)).min(other.len());
                let i = rng.usize(..=len);
                buf.splice(i..i, other[a..b].iter().copied());
            }
            4 => {
                // Duplicate a header line in place.
                let lines: Vec<usize> = memchr_lines(buf);
                if lines.len() > 2 {
                    let k = rng.usize(1..lines.len() - 1);
                    let line = buf[lines[k]..lines[k + 1]].to_vec();
                    let i = lines[rng.usize(1..lines.len())];
                    buf.splice(i..i, line);
                }
            }
            5 => {
                // A huge value: repeat one byte many times.
                let i = rng.usize(..=len);
                let n = [10, 100, 1000, 9000, 20000][rng.usize(..5)];
                let b = if rng.bool() {
                    b'a'
                } else {
                    SPECIAL[rng.usize(..SPECIAL.len())]
                };
                buf.splice(i..i, std::iter::repeat_n(b, n));
            }
            6 => {
                let f = FRAGMENTS[rng.usize(..FRAGMENTS.len())];
                let i = rng.usize(..=len);
                buf.splice(i..i, f.iter().copied());
            }
            7 if len > 0 => buf.truncate(rng.usize(..len)),
            8 => {
                // A CRLF becomes a bare LF.
                let from = rng.usize(..=len);
                if let Some(i) = buf[from..].windows(2).position(|w| w == b"\r\n") {
                    buf.remove(from + i);
                }
            }
            _ if len > 0 => {
                let i = rng.usize(..len);
                buf[i] = rng.u8(..);
            }
            _ => buf.push(rng.u8(..)),
        }
    }
}

/// Offsets of line starts (0 and after each LF), plus the end.
fn memchr_lines(buf: &[u8]) -> Vec<usize> {
    let mut out = vec![0];
    out.extend(
        buf.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i + 1),
    );
    out
}

/// Every reader of a parsed message; values are discarded, only panics matter.
fn read_everything(m: &Message) {
    let _ = m.call_id();
    let _ = m.cseq();
    let _ = m.from().map(|f| f.tag().map(str::len));
    let _ = m.to().map(|t| t.to_string());
    let _ = m.vias().map(|v| {
        v.iter()
            .for_each(|v| drop((v.branch().is_some(), v.received(), v.rport(), v.to_string())))
    });
    let _ = m.top_via();
    let _ = m.contacts().map(|c| {
        c.iter()
            .for_each(|c| drop((c.expires(), c.instance().is_some(), c.to_string())))
    });
    let _ = m.max_forwards();
    let _ = m.expires();
    let _ = m.content_type();
    let _ = m.routes();
    let _ = m.record_routes();
    for (name, value) in m.headers().iter() {
        let _ = (name.to_string(), value.len());
    }
    if let Message::Request(r) = m {
        let _ = (r.uri.to_string(), r.uri.transport_param());
    }
}

/// The checks one input goes through; panics on a broken invariant.
fn exercise(input: &[u8], rng: &mut fastrand::Rng) -> bool {
    let buf = Bytes::copy_from_slice(input);
    let parsed = Message::parse(buf.clone());
    let accepted = parsed.is_ok();
    match parsed {
        Ok(m) => {
            read_everything(&m);
            let printed = m.encode();
            let again = Message::parse(printed.clone()).unwrap_or_else(|e| {
                panic!(
                    "accepted input re-encodes to something rejected ({e}):\ninput: {:?}\nprinted: {:?}",
                    String::from_utf8_lossy(input),
                    String::from_utf8_lossy(&printed)
                )
            });
            assert_eq!(
                again.call_id().ok(),
                m.call_id().ok(),
                "Call-ID changed by printing"
            );
            assert_eq!(again.cseq().ok(), m.cseq().ok(), "CSeq changed by printing");
            assert_eq!(again.body(), m.body(), "body changed by printing");
            read_everything(&again);
        }
        Err(e) => {
            let _ = e.to_string();
            if let Some(resp) = bad_request_response(input, &e) {
                // The 400 we send must itself be a message a peer can parse... unless it
                // echoes headers we would not accept ourselves; it must never be garbage.
                assert!(resp.starts_with(b"SIP/2.0 "), "{resp:?}");
                assert!(resp.len() <= MAX_MESSAGE_SIZE);
            }
        }
    }

    // The same bytes twice on a stream, in random chunks.
    let mut framer = StreamFramer::new(MAX_MESSAGE_SIZE);
    let stream = [input, input].concat();
    let mut at = 0;
    let mut returned = 0;
    while at < stream.len() {
        let n = rng.usize(1..=(stream.len() - at).min(1500));
        framer.push(&stream[at..at + n]);
        at += n;
        while let Some(next) = framer.next_message() {
            match next {
                Ok(msg) => {
                    returned += msg.len();
                    assert!(returned <= stream.len(), "framer returned more than it got");
                    if let Ok(m) = Message::parse(msg) {
                        read_everything(&m);
                    }
                }
                Err(_) => break,
            }
        }
        let _ = framer.take_ping();
        assert!(framer.buffered() <= stream.len());
    }
    accepted
}

#[test]
fn mutated_corpus_never_panics_and_round_trips() {
    let corpus = corpus();
    let seed = env_u64("SIP_FUZZ_SEED", 0x5157_4475);
    let iters = env_u64("SIP_FUZZ_ITERS", 20_000);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut buf = Vec::new();
    let mut accepted = 0;
    for i in 0..iters {
        buf.clear();
        buf.extend_from_slice(&corpus[rng.usize(..corpus.len())]);
        mutate(&mut rng, &corpus, &mut buf);
        let mut inner = fastrand::Rng::with_seed(seed ^ i);
        accepted += u64::from(exercise(&buf, &mut inner));
    }
    // The loop must reach past the parser's first checks to mean anything.
    assert!(
        accepted * 20 > iters,
        "only {accepted} of {iters} mutants parsed"
    );
}

#[test]
fn unmutated_corpus_round_trips() {
    let mut rng = fastrand::Rng::with_seed(1);
    for msg in corpus() {
        let _ = exercise(&msg, &mut rng);
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = fastrand::Rng::with_seed(env_u64("SIP_FUZZ_SEED", 7));
    for _ in 0..2_000 {
        let len = rng.usize(0..600);
        let mut buf: Vec<u8> = std::iter::repeat_with(|| rng.u8(..)).take(len).collect();
        if rng.bool() {
            buf.splice(0..0, b"INVITE sip:a@b SIP/2.0\r\n".iter().copied());
        }
        let _ = exercise(&buf, &mut rng);
    }
}
