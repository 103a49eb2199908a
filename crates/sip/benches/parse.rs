//! Parser throughput: our `Message::parse` against `rsip` 0.4 on the same realistic messages,
//! one criterion group per message so the two sit side by side in the report.
//!
//! Run: `cargo bench -p sip --bench parse -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
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

criterion_group!(benches, parse);
criterion_main!(benches);
