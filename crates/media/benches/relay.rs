//! The per-packet relay cost: classify, latch check, payload type rewrite, counters, and for
//! PCMU→PCMA the in-place transcoding of 160 payload bytes. 172-byte packets.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use media::rtp::{HeaderFields, write_header};
use media::{Codec, LatchPolicy, LegConfig, RelayLeg, Verdict};

fn leg(codec: Codec, dtmf: u8, remote: &str) -> RelayLeg {
    RelayLeg::new(LegConfig {
        codec,
        payload_type: codec.payload_type(),
        dtmf_payload_type: Some(dtmf),
        expected_remote: remote.parse().ok(),
        latch: LatchPolicy::AnySource,
        relatch_after: Duration::from_secs(2),
    })
}

fn packet() -> [u8; 172] {
    let mut pkt = [0x55u8; 172];
    let fields = HeaderFields {
        payload_type: 0,
        marker: false,
        sequence: 1,
        timestamp: 160,
        ssrc: 7,
    };
    if write_header(&mut pkt, &fields).is_err() {
        unreachable!("172 bytes hold a header");
    }
    pkt
}

fn bench(c: &mut Criterion, name: &str, out_codec: Codec) {
    let from: SocketAddr = "198.51.100.7:40000"
        .parse()
        .unwrap_or_else(|_| unreachable!());
    let now = Instant::now();
    let mut a = leg(Codec::Pcmu, 101, "192.168.1.23:8000");
    let mut b = leg(out_codec, 96, "10.0.0.50:7000");
    let template = packet();
    let mut buf = template;
    let mut group = c.benchmark_group("relay");
    group.throughput(Throughput::Elements(1));
    group.bench_function(name, |bencher| {
        bencher.iter(|| {
            // The driver receives a fresh datagram into its buffer each time.
            buf.copy_from_slice(&template);
            let verdict = a.on_packet(black_box(from), black_box(&mut buf), &mut b, now);
            if let Verdict::Forward { len, .. } = verdict {
                black_box(len);
            }
        })
    });
    group.finish();
}

fn relay(c: &mut Criterion) {
    bench(c, "pass_through_pcmu_172B", Codec::Pcmu);
    bench(c, "transcode_pcmu_to_pcma_172B", Codec::Pcma);
}

criterion_group!(benches, relay);
criterion_main!(benches);
