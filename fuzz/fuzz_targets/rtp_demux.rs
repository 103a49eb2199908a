//! Datagrams on a media port pair. The input is a sequence of records: a control byte (which
//! source address, which leg, RTP or RTCP port, milliseconds to advance the clock), a length
//! byte, then that many packet bytes. Time is drawn from the input so latching and re-latching
//! are reached. A forward must never change the packet length or pass the wrong kind.
#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use media::rtp::{self, PacketKind, RtpHeader};
use media::{Codec, DtmfReceiver, LatchPolicy, LegConfig, RelayLeg, Verdict, parse_dtmf_info};

fn leg(codec: Codec, remote: &str, latch: LatchPolicy) -> RelayLeg {
    RelayLeg::new(LegConfig {
        codec,
        payload_type: codec.payload_type(),
        dtmf_payload_type: Some(101),
        expected_remote: remote.parse().ok(),
        latch,
        relatch_after: Duration::from_millis(500),
    })
}

fuzz_target!(|data: &[u8]| {
    let start = Instant::now();
    let mut now = start;
    let policy = if data.first().is_some_and(|b| b & 1 == 1) {
        LatchPolicy::SdpAddress
    } else {
        LatchPolicy::AnySource
    };
    let mut a = leg(Codec::Pcmu, "192.0.2.1:4000", policy);
    let mut b = leg(Codec::Pcma, "192.0.2.2:4002", LatchPolicy::AnySource);
    let mut dtmf = DtmfReceiver::new(101);
    let sources: [SocketAddr; 4] = [
        SocketAddr::from(([192, 0, 2, 1], 4000)),
        SocketAddr::from(([192, 0, 2, 1], 4001)),
        SocketAddr::from(([198, 51, 100, 9], 5555)),
        SocketAddr::from(([192, 0, 2, 2], 4002)),
    ];
    let mut rest = data;
    while let [control, len, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (pkt, next) = tail.split_at(len);
        rest = next;
        let from = sources[usize::from(control & 3)];
        now += Duration::from_millis(u64::from(control >> 4) * 40);
        let (this, other) = if control & 4 == 0 {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        let kind = rtp::classify(pkt);
        if let Ok(h) = RtpHeader::parse(pkt) {
            assert!(h.payload_offset <= h.payload_end && h.payload_end <= pkt.len());
        }
        let _ = rtp::rtcp_ssrc(pkt);
        if control & 8 == 0 {
            let mut copy = pkt.to_vec();
            if let Verdict::Forward { len, .. } = this.on_packet(from, &mut copy, other, now) {
                assert_eq!(len, pkt.len());
                assert_eq!(kind, PacketKind::Rtp);
            }
            let _ = other.observe(from, pkt, now);
        } else if let Verdict::Forward { len, .. } = this.on_rtcp(from, pkt, other) {
            assert_eq!(len, pkt.len());
            assert_eq!(kind, PacketKind::Rtcp);
        }
        let _ = dtmf.on_rtp(pkt);
        let _ = parse_dtmf_info("application/dtmf-relay", pkt);
    }
    let _ = (a.stats(), b.latched_remote(), a.rtcp_remote());
});
