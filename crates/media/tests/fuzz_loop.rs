//! A bounded, seeded fuzz loop that runs with `cargo test`: SDP bodies and RTP/RTCP datagrams,
//! mutated and random, through everything that reads them from the network.
//!
//! SDP: `SessionDescription::parse`, printing and re-parsing (what we accept must print to
//! something we accept again), `answer`, and `accept_answer` both on our own offer with the
//! input as answer and on the input with our answer. RTP: `rtp::classify`, `RtpHeader::parse`
//! (payload bounds inside the packet), `RelayLeg::on_packet` (a forward never grows the
//! packet), `on_rtcp`, `observe`, `DtmfReceiver::on_rtp`, and `parse_dtmf_info`. No panic
//! anywhere. The seed is fixed so a failure reproduces; set `MEDIA_FUZZ_SEED` /
//! `MEDIA_FUZZ_ITERS` to explore further. `fuzz/` holds the coverage-guided versions.

use std::net::SocketAddr;
use std::ops::{Bound, RangeBounds};
use std::time::{Duration, Instant};

use media::rtp::{self, PacketKind, RtpHeader};
use media::sdp::{accept_answer, answer, offer};
use media::{
    Codec, DtmfReceiver, LatchPolicy, LegConfig, LocalMedia, RelayLeg, SessionDescription, Verdict,
    parse_dtmf_info,
};

/// A small seeded generator (SplitMix64), enough to drive the loop reproducibly.
struct Rng(u64);

macro_rules! uniform {
    ($($name:ident: $t:ty),*) => {$(
        fn $name(&mut self, range: impl RangeBounds<$t>) -> $t {
            let lo = match range.start_bound() {
                Bound::Included(&x) => x,
                Bound::Excluded(&x) => x + 1,
                Bound::Unbounded => <$t>::MIN,
            } as u64;
            let hi = match range.end_bound() {
                Bound::Included(&x) => x,
                Bound::Excluded(&x) => x - 1,
                Bound::Unbounded => <$t>::MAX,
            } as u64;
            let span = (hi - lo).wrapping_add(1);
            let r = if span == 0 { self.next() } else { lo + self.next() % span };
            r as $t
        }
    )*};
}

impl Rng {
    fn with_seed(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn bytes(&mut self, len: impl RangeBounds<usize>) -> Vec<u8> {
        let n = self.usize(len);
        (0..n).map(|_| self.u8(..)).collect()
    }

    fn bool(&mut self) -> bool {
        self.next() & 1 == 1
    }

    uniform!(u8: u8, u16: u16, u32: u32, u64: u64, usize: usize);
}

const SDP_SEEDS: &[&str] = &[
    "v=0\r\no=- 3 3 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
     m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
     a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n",
    "v=0\no=user1 53655765 2353687637 IN IP4 127.0.1.1\ns=-\nc=IN IP4 127.0.1.1\nt=0 0\n\
     m=audio 6000 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n",
    "v=0\r\no=- 1 2 IN IP6 2001:db8::5\r\ns=call\r\nc=IN IP6 2001:db8::5\r\nt=0 0\r\n\
     m=audio 30000 RTP/AVP 8 96\r\na=rtpmap:96 telephone-event/8000\r\na=sendonly\r\n",
    "v=0\r\no=carrier 1 1 IN IP4 198.51.100.1\r\ns=-\r\nt=0 0\r\n\
     m=audio 5004 RTP/AVP 18 8\r\nc=IN IP4 198.51.100.1\r\na=rtpmap:18 G729/8000\r\n\
     a=fmtp:18 annexb=no\r\nm=video 5006 RTP/AVP 31\r\na=inactive\r\n",
    "v=0\r\no=- 9 9 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\na=recvonly\r\n\
     m=audio 0 RTP/AVP 0\r\nb=AS:64\r\n",
    "v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.3\r\ns=-\r\nc=IN IP4 192.0.2.4\r\n\
     t=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC/8000\r\n",
];

const SDP_FRAGMENTS: &[&str] = &[
    "m=audio 65536 RTP/AVP 0\r\n",
    "m=audio 1/2 RTP/SAVP 0 128 255\r\n",
    "c=IN IP4 224.2.0.1/127/3\r\n",
    "a=rtpmap:101 telephone-event/0/2\r\n",
    "a=rtpmap:300 X/99999999999\r\n",
    "a=ptime:0\r\n",
    "a=ptime:4294967296\r\n",
    "a=rtcp:9 IN IP4 0.0.0.0\r\n",
    "o=- 18446744073709551616 1 IN IP4 h\r\n",
    "\r\n",
    "=",
    "m=",
];

fn local() -> LocalMedia {
    LocalMedia {
        addr: "203.0.113.5".parse().expect("address"),
        port: 20000,
        codecs: vec![Codec::Pcmu, Codec::Pcma, Codec::G722],
        dtmf: true,
        session_id: 7,
        session_version: 1,
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn mutate(rng: &mut Rng, buf: &mut Vec<u8>, fragments: &[&[u8]]) {
    for _ in 0..rng.usize(1..=4) {
        let len = buf.len();
        match rng.u8(0..8) {
            0 if len > 0 => {
                let i = rng.usize(..len);
                buf[i] ^= 1 << rng.u8(0..8);
            }
            1 if len > 0 => {
                let i = rng.usize(..len);
                buf[i] = rng.u8(..);
            }
            2 => {
                let i = rng.usize(..=len);
                buf.insert(i, rng.u8(..));
            }
            3 if len > 0 => {
                let a = rng.usize(..len);
                let b = (a + rng.usize(1..=16)).min(len);
                buf.drain(a..b);
            }
            4 if !fragments.is_empty() => {
                let f = fragments[rng.usize(..fragments.len())];
                let i = rng.usize(..=len);
                buf.splice(i..i, f.iter().copied());
            }
            5 => {
                let i = rng.usize(..=len);
                let n = [4, 40, 400, 4000][rng.usize(..4)];
                buf.splice(i..i, std::iter::repeat_n(rng.u8(..), n));
            }
            6 if len > 0 => buf.truncate(rng.usize(..len)),
            _ => {
                // Duplicate a slice in place (repeated lines, repeated CSRCs).
                if len > 0 {
                    let a = rng.usize(..len);
                    let b = (a + rng.usize(1..=64)).min(len);
                    let copy = buf[a..b].to_vec();
                    buf.splice(b..b, copy);
                }
            }
        }
    }
}

/// The SDP checks; panics on a broken invariant.
fn exercise_sdp(input: &[u8]) -> bool {
    let ours = offer(&local());
    let _ = accept_answer(&ours, &ours);
    let Ok(sdp) = SessionDescription::parse(input) else {
        return false;
    };
    let printed = sdp.to_string();
    let again = SessionDescription::parse(printed.as_bytes()).unwrap_or_else(|e| {
        panic!(
            "accepted SDP prints to something rejected ({e}):\ninput: {:?}\nprinted: {printed:?}",
            String::from_utf8_lossy(input)
        )
    });
    assert_eq!(
        again.media.len(),
        sdp.media.len(),
        "m= lines changed by printing"
    );
    let _ = accept_answer(&ours, &sdp);
    if let Ok((ans, negotiated)) = answer(&sdp, &local()) {
        let text = ans.to_string();
        SessionDescription::parse(text.as_bytes())
            .unwrap_or_else(|e| panic!("our answer does not parse ({e}): {text:?}"));
        let _ = accept_answer(&sdp, &ans);
        let leg = RelayLeg::new(LegConfig::from_negotiated(&negotiated));
        let _ = leg.remote();
        let _ = leg.rtcp_remote();
    }
    true
}

fn legs(rng: &mut Rng) -> (RelayLeg, RelayLeg) {
    let codecs = [Codec::Pcmu, Codec::Pcma, Codec::G722];
    let mut config = |remote: &str| {
        let codec = codecs[rng.usize(..codecs.len())];
        LegConfig {
            codec,
            payload_type: codec.payload_type(),
            dtmf_payload_type: rng.bool().then_some(101),
            expected_remote: rng.bool().then(|| remote.parse().expect("address")),
            latch: if rng.bool() {
                LatchPolicy::AnySource
            } else {
                LatchPolicy::SdpAddress
            },
            relatch_after: Duration::from_millis(rng.u64(0..3000)),
        }
    };
    (
        RelayLeg::new(config("192.0.2.1:4000")),
        RelayLeg::new(config("192.0.2.2:4002")),
    )
}

/// A plausible RTP or RTCP datagram: valid version, random flags, CSRCs, extension, padding.
fn packet(rng: &mut Rng) -> Vec<u8> {
    let mut p = Vec::with_capacity(200);
    if rng.u8(0..4) == 0 {
        // RTCP: SR/RR/SDES/BYE/APP/XR or a neighbour.
        p.push(0x80 | rng.u8(0..32));
        p.push(rng.u8(190..=225));
        let words = rng.u16(0..20);
        p.extend_from_slice(&words.to_be_bytes());
        p.extend(rng.bytes(0..90));
        return p;
    }
    let cc = rng.u8(0..16);
    let x = rng.u8(0..4) == 0;
    let pad = rng.u8(0..4) == 0;
    p.push(0x80 | (u8::from(pad) << 5) | (u8::from(x) << 4) | cc);
    let pt = [0, 8, 9, 101, 96, 18, rng.u8(0..128)][rng.usize(..7)];
    p.push((u8::from(rng.bool()) << 7) | pt);
    p.extend_from_slice(&rng.u16(..).to_be_bytes());
    p.extend_from_slice(&rng.u32(..).to_be_bytes());
    p.extend_from_slice(&rng.u32(0..4).to_be_bytes());
    for _ in 0..rng.u8(0..=cc) {
        p.extend_from_slice(&rng.u32(..).to_be_bytes());
    }
    if x {
        p.extend_from_slice(&[0xBE, 0xDE]);
        p.extend_from_slice(&rng.u16(0..8).to_be_bytes());
        p.extend(rng.bytes(0..32));
    }
    if pt == 101 {
        // RFC 4733 event: key, E/volume, duration.
        p.extend_from_slice(&[rng.u8(0..20), rng.u8(..), rng.u8(..), rng.u8(..)]);
    } else {
        p.extend(rng.bytes(0..200));
    }
    if pad {
        p.push(rng.u8(..));
    }
    p
}

/// The RTP/RTCP checks on one datagram; panics on a broken invariant.
fn exercise_packet(
    pkt: &[u8],
    a: &mut RelayLeg,
    b: &mut RelayLeg,
    dtmf: &mut DtmfReceiver,
    from: SocketAddr,
    now: Instant,
) {
    let kind = rtp::classify(pkt);
    if let Ok(h) = RtpHeader::parse(pkt) {
        assert!(h.payload_offset <= h.payload_end, "{h:?} for {pkt:?}");
        assert!(h.payload_end <= pkt.len(), "{h:?} for {pkt:?}");
        assert!(h.payload_type < 128);
    }
    let _ = rtp::rtcp_ssrc(pkt);
    let mut copy = pkt.to_vec();
    match a.on_packet(from, &mut copy, b, now) {
        Verdict::Forward { len, .. } => {
            assert_eq!(len, pkt.len(), "forward changed the length");
            assert_eq!(kind, PacketKind::Rtp, "forwarded a non-RTP datagram");
        }
        Verdict::Drop(_) => {}
    }
    if let Verdict::Forward { len, .. } = a.on_rtcp(from, pkt, b) {
        assert_eq!(len, pkt.len());
        assert_eq!(
            kind,
            PacketKind::Rtcp,
            "forwarded non-RTCP on the RTCP port"
        );
    }
    let _ = b.observe(from, pkt, now);
    let _ = dtmf.on_rtp(pkt);
    let stats = a.stats();
    let _ = (
        stats.packets_out,
        a.latched_remote(),
        a.remote(),
        a.rtcp_remote(),
    );
}

#[test]
fn mutated_sdp_never_panics_and_round_trips() {
    let seed = env_u64("MEDIA_FUZZ_SEED", 0x5d9_4566);
    let iters = env_u64("MEDIA_FUZZ_ITERS", 10_000);
    let mut rng = Rng::with_seed(seed);
    let fragments: Vec<&[u8]> = SDP_FRAGMENTS.iter().map(|f| f.as_bytes()).collect();
    let mut ours = offer(&local()).to_string();
    ours.push_str("a=x\r\n");
    let seeds: Vec<&[u8]> = SDP_SEEDS
        .iter()
        .map(|s| s.as_bytes())
        .chain([ours.as_bytes()])
        .collect();
    for seed in &seeds {
        exercise_sdp(seed);
        SessionDescription::parse(seed).expect("seed SDP parses");
    }
    let mut buf = Vec::new();
    let mut accepted = 0;
    for _ in 0..iters {
        buf.clear();
        buf.extend_from_slice(seeds[rng.usize(..seeds.len())]);
        mutate(&mut rng, &mut buf, &fragments);
        accepted += u64::from(exercise_sdp(&buf));
    }
    // The loop must reach past the parser's first checks to mean anything.
    assert!(
        accepted * 10 > iters,
        "only {accepted} of {iters} mutants parsed"
    );
}

#[test]
fn random_and_mutated_packets_never_panic_or_grow() {
    let seed = env_u64("MEDIA_FUZZ_SEED", 0x4733);
    let iters = env_u64("MEDIA_FUZZ_ITERS", 20_000);
    let mut rng = Rng::with_seed(seed);
    let start = Instant::now();
    let (mut a, mut b) = legs(&mut rng);
    let mut dtmf = DtmfReceiver::new(101);
    let sources: [SocketAddr; 3] = [
        "192.0.2.1:4000".parse().expect("address"),
        "192.0.2.1:4001".parse().expect("address"),
        "198.51.100.9:5555".parse().expect("address"),
    ];
    for i in 0..iters {
        if i % 500 == 0 {
            (a, b) = legs(&mut rng);
            dtmf = DtmfReceiver::new([101, 96][rng.usize(..2)]);
        }
        let mut pkt = match rng.u8(0..8) {
            0 => rng.bytes(0..64),
            _ => packet(&mut rng),
        };
        if rng.bool() {
            mutate(&mut rng, &mut pkt, &[]);
        }
        let from = sources[rng.usize(..sources.len())];
        // Time moves forward in jumps, sometimes past the relatch delay.
        let now = start + Duration::from_millis(i * rng.u64(0..50));
        exercise_packet(&pkt, &mut a, &mut b, &mut dtmf, from, now);
        exercise_packet(&pkt, &mut b, &mut a, &mut dtmf, from, now);
    }
}

#[test]
fn dtmf_info_bodies_never_panic() {
    let mut rng = Rng::with_seed(env_u64("MEDIA_FUZZ_SEED", 2833));
    let types = [
        "application/dtmf-relay",
        "application/dtmf",
        "Application/DTMF-Relay; charset=x",
        "text/plain",
        "",
    ];
    let seeds: [&[u8]; 5] = [
        b"Signal=5\r\nDuration=160\r\n",
        b"Signal= #\nDuration= 4294967296\n",
        b"#",
        b"signal=*\r\nduration=-1\r\n",
        b"Signal=\r\n",
    ];
    let fragments: [&[u8]; 4] = [b"Signal=", b"Duration=", b"\r\n", b"99999999999999999999"];
    for _ in 0..5_000 {
        let mut body = seeds[rng.usize(..seeds.len())].to_vec();
        mutate(&mut rng, &mut body, &fragments);
        let _ = parse_dtmf_info(types[rng.usize(..types.len())], &body);
    }
}
