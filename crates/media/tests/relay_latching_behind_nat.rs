//! Two relay legs back to back, both peers behind NAT: the caller (PCMU, telephone-event 101)
//! advertises a private address, the agent (PCMA, telephone-event 96) too. Media first goes to
//! the SDP addresses, then to the public addresses latched from the first packets; audio is
//! transcoded and DTMF renumbered on the way; an intruder cannot take over a live stream.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use media::rtp::{HeaderFields, RtpHeader, write_header};
use media::{Codec, DropReason, LatchPolicy, LegConfig, RelayLeg, Verdict, g711};

const CALLER_SDP: &str = "192.168.1.23:8000";
const CALLER_PUBLIC: &str = "198.51.100.7:40000";
const AGENT_SDP: &str = "10.0.0.50:7000";
const AGENT_PUBLIC: &str = "203.0.113.9:50000";
const INTRUDER: &str = "192.0.2.66:4444";

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("test address")
}

fn leg(codec: Codec, dtmf: u8, sdp: &str) -> RelayLeg {
    RelayLeg::new(LegConfig {
        codec,
        payload_type: codec.payload_type(),
        dtmf_payload_type: Some(dtmf),
        expected_remote: Some(addr(sdp)),
        latch: LatchPolicy::AnySource,
        relatch_after: LegConfig::DEFAULT_RELATCH_AFTER,
    })
}

/// A 172-byte RTP packet filled with one payload byte.
fn rtp(pt: u8, seq: u16, fill: u8) -> Vec<u8> {
    let mut pkt = vec![fill; 172];
    let fields = HeaderFields {
        payload_type: pt,
        marker: false,
        sequence: seq,
        timestamp: u32::from(seq) * 160,
        ssrc: 0x1234,
    };
    write_header(&mut pkt, &fields).expect("header fits");
    pkt
}

#[test]
fn media_follows_the_latched_public_addresses_with_transcoding_and_dtmf_renumbering() {
    let t0 = Instant::now();
    let mut caller = leg(Codec::Pcmu, 101, CALLER_SDP);
    let mut agent = leg(Codec::Pcma, 96, AGENT_SDP);

    // The agent speaks first: nothing latched on the caller leg, so the SDP address is used.
    let mut pkt = rtp(8, 1, g711::ALAW_SILENCE);
    let verdict = agent.on_packet(addr(AGENT_PUBLIC), &mut pkt, &mut caller, t0);
    assert_eq!(
        verdict,
        Verdict::Forward {
            to: addr(CALLER_SDP),
            len: 172
        }
    );
    assert_eq!(agent.latched_remote(), Some(addr(AGENT_PUBLIC)));
    assert_eq!(RtpHeader::parse(&pkt).map(|h| h.payload_type), Ok(0));
    assert!(
        pkt[12..]
            .iter()
            .all(|b| *b == g711::alaw_to_ulaw(g711::ALAW_SILENCE))
    );

    // The caller's first packet latches its public address and goes to the agent's.
    let t1 = t0 + Duration::from_millis(20);
    let mut pkt = rtp(0, 1, g711::ULAW_SILENCE);
    let verdict = caller.on_packet(addr(CALLER_PUBLIC), &mut pkt, &mut agent, t1);
    assert_eq!(
        verdict,
        Verdict::Forward {
            to: addr(AGENT_PUBLIC),
            len: 172
        }
    );
    assert!(pkt[12..].iter().all(|b| *b == g711::ALAW_SILENCE));

    // From now on the agent's audio reaches the caller's public address.
    let mut pkt = rtp(8, 2, 0x2A);
    let verdict = agent.on_packet(addr(AGENT_PUBLIC), &mut pkt, &mut caller, t1);
    assert_eq!(
        verdict,
        Verdict::Forward {
            to: addr(CALLER_PUBLIC),
            len: 172
        }
    );

    // The caller presses a key: telephone-event 101 becomes 96, payload untouched.
    let mut pkt = rtp(101, 2, 0x05);
    caller.on_packet(addr(CALLER_PUBLIC), &mut pkt, &mut agent, t1);
    assert_eq!(RtpHeader::parse(&pkt).map(|h| h.payload_type), Ok(96));
    assert_eq!(pkt[12], 0x05);

    // An intruder spraying packets at the caller's port is dropped while the caller talks.
    let mut pkt = rtp(0, 999, 0);
    let verdict = caller.on_packet(
        addr(INTRUDER),
        &mut pkt,
        &mut agent,
        t1 + Duration::from_millis(5),
    );
    assert_eq!(verdict, Verdict::Drop(DropReason::WrongSource));

    assert_eq!(caller.stats().packets_in, 2);
    assert_eq!(caller.stats().packets_out, 2);
    assert_eq!(caller.stats().dropped_wrong_source, 1);
    assert_eq!(agent.stats().packets_in, 2);
    assert_eq!(agent.stats().packets_out, 2);
}

#[test]
fn a_caller_whose_nat_mapping_changes_is_followed_after_two_seconds_of_silence() {
    let t0 = Instant::now();
    let mut caller = leg(Codec::Pcmu, 101, CALLER_SDP);
    let mut agent = leg(Codec::Pcmu, 101, AGENT_SDP);
    caller.on_packet(addr(CALLER_PUBLIC), &mut rtp(0, 1, 0xFF), &mut agent, t0);
    let rebound = addr("198.51.100.7:40002");
    let soon = t0 + Duration::from_secs(1);
    assert_eq!(
        caller.on_packet(rebound, &mut rtp(0, 2, 0xFF), &mut agent, soon),
        Verdict::Drop(DropReason::WrongSource)
    );
    let later = t0 + Duration::from_secs(2);
    assert!(matches!(
        caller.on_packet(rebound, &mut rtp(0, 3, 0xFF), &mut agent, later),
        Verdict::Forward { .. }
    ));
    assert_eq!(caller.remote(), Some(rebound));
    assert_eq!(caller.stats().relatches, 1);
}
