//! The per-packet relay cost: classify, latch check, payload type rewrite, counters, and when
//! the legs' codecs differ the in-place transcoding of 160 payload octets: PCMU→PCMA by table,
//! G.722→PCMU by decoding, halving the rate and encoding. 172-byte packets.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use media::g722::G722Encoder;
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

/// 20 ms of audio in `codec`: G.711 filler, or a speech-band tone mix for G.722 (whose cost
/// does not depend on the content, but whose state should see real audio).
fn payload(codec: Codec) -> [u8; 160] {
    let mut payload = [0x55u8; 160];
    if codec == Codec::G722 {
        let pcm: Vec<i16> = (0..320)
            .map(|n| {
                let t = f64::from(n) / 16000.0;
                let s = |f: f64| (2.0 * std::f64::consts::PI * f * t).sin();
                (6000.0 * s(440.0) + 3000.0 * s(1700.0) + 800.0 * s(5200.0)) as i16
            })
            .collect();
        let mut octets = Vec::new();
        G722Encoder::new().encode(&pcm, &mut octets);
        payload.copy_from_slice(&octets);
    }
    payload
}

fn packet(codec: Codec) -> [u8; 172] {
    let mut pkt = [0u8; 172];
    let fields = HeaderFields {
        payload_type: codec.payload_type(),
        marker: false,
        sequence: 1,
        timestamp: 160,
        ssrc: 7,
    };
    if write_header(&mut pkt, &fields).is_err() {
        unreachable!("172 bytes hold a header");
    }
    pkt[12..].copy_from_slice(&payload(codec));
    pkt
}

fn bench(c: &mut Criterion, name: &str, in_codec: Codec, out_codec: Codec) {
    let from: SocketAddr = "198.51.100.7:40000"
        .parse()
        .unwrap_or_else(|_| unreachable!());
    let now = Instant::now();
    let mut a = leg(in_codec, 101, "192.168.1.23:8000");
    let mut b = leg(out_codec, 96, "10.0.0.50:7000");
    let template = packet(in_codec);
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
    bench(c, "pass_through_pcmu_172B", Codec::Pcmu, Codec::Pcmu);
    bench(c, "transcode_pcmu_to_pcma_172B", Codec::Pcmu, Codec::Pcma);
    bench(c, "transcode_g722_to_pcmu_172B", Codec::G722, Codec::Pcmu);
}

criterion_group!(benches, relay);
criterion_main!(benches);
