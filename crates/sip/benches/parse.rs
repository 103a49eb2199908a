//! Parser throughput: our `Message::parse` against `rsip` 0.4 on the same realistic messages,
//! one criterion group per message so the two sit side by side in the report.
//!
//! Run: `cargo bench -p sip --bench parse -- --warm-up-time 1 --measurement-time 3`
//!
//! For instruction counts under valgrind, `PARSE_REPEAT=<message>:<parser>:<n>` (message
//! `invite_sdp`, `register_digest` or `ok_200_sdp`; parser `switchboard` or `rsip`) makes the
//! binary parse that message `n` times and exit without criterion; the count of one parse is
//! the difference between two runs with different `n`, divided by the difference in `n`
//! (see docs/PERFORMANCE.md).

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group};
use sip::Message;

const MESSAGES: [(&str, &[u8]); 3] = [
    (
        "invite_sdp",
        include_bytes!("../tests/corpus/invite_softphone_sdp.sip"),
    ),
    (
        "register_digest",
        include_bytes!("../tests/corpus/register_auth_instance.sip"),
    ),
    (
        "ok_200_sdp",
        include_bytes!("../tests/corpus/ok_200_invite.sip"),
    ),
];

fn parse(c: &mut Criterion) {
    for (name, raw) in MESSAGES {
        // Both parsers must accept the input, or the comparison means nothing.
        assert!(
            Message::parse(Bytes::from_static(raw)).is_ok(),
            "{name}: ours rejects"
        );
        assert!(
            rsip::SipMessage::try_from(raw).is_ok(),
            "{name}: rsip rejects"
        );

        let mut group = c.benchmark_group(format!("parse/{name}"));
        group.throughput(Throughput::Bytes(raw.len() as u64));
        group.bench_function("switchboard", |b| {
            b.iter(|| Message::parse(black_box(Bytes::from_static(raw))))
        });
        group.bench_function("rsip", |b| {
            b.iter(|| rsip::SipMessage::try_from(black_box(raw)))
        });
        // The cost of the typed views the transaction and dialog layers read on every message.
        group.bench_function("switchboard+typed_views", |b| {
            b.iter(|| {
                let m = Message::parse(black_box(Bytes::from_static(raw)))?;
                Ok::<_, sip::Error>((m.top_via()?, m.from()?, m.to()?, m.cseq()?, m.contacts()?))
            })
        });
        group.finish();
    }
}

/// Parses one message `n` times, for instruction counting; see the module docs.
fn repeat(spec: &str) -> Result<(), String> {
    let mut parts = spec.split(':');
    let (Some(name), Some(parser), Some(n), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!(
            "PARSE_REPEAT={spec:?}: expected <message>:<parser>:<n>"
        ));
    };
    let n: usize = n.parse().map_err(|_| format!("bad count {n:?}"))?;
    let Some((_, raw)) = MESSAGES.iter().find(|(m, _)| *m == name) else {
        return Err(format!("unknown message {name:?}"));
    };
    for _ in 0..n {
        let ok = match parser {
            "switchboard" => Message::parse(black_box(Bytes::from_static(raw))).is_ok(),
            "rsip" => rsip::SipMessage::try_from(black_box(*raw)).is_ok(),
            _ => return Err(format!("unknown parser {parser:?}")),
        };
        if !ok {
            return Err(format!("{parser} rejects {name}"));
        }
    }
    Ok(())
}

criterion_group!(benches, parse);

fn main() {
    if let Ok(spec) = std::env::var("PARSE_REPEAT") {
        if let Err(e) = repeat(&spec) {
            eprintln!("{e}");
            std::process::exit(2);
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
