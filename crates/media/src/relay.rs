//! The per-packet core of a two-leg RTP bridge: symmetric-RTP latching (RFC 4961, "comedia"),
//! payload type rewriting and transcoding in place (PCMU ⇄ PCMA, G.722 ⇄ G.711).
//!
//! One [`RelayLeg`] per call leg. The driver receives a datagram on leg A's socket into a buffer
//! it owns, calls `leg_a.on_packet(from, &mut buf[..n], &mut leg_b, now)`, and on
//! [`Verdict::Forward`] does one `send_to(&buf[..len], to)` on leg B's socket. Nothing here
//! allocates, locks or logs; drops are counted in [`LegStats`] for the driver to export.
//!
//! Latching, per leg:
//! ```text
//!   Unlatched --valid RTP, negotiated PT, source allowed by LatchPolicy--> Latched(addr)
//!   Latched(addr) --packet from addr--> Latched(addr)            (refreshes last_seen)
//!   Latched(addr) --packet from other, addr silent >= relatch_after,
//!                   source allowed by LatchPolicy--> Latched(other)
//!   Latched(addr) --packet from other otherwise--> dropped (WrongSource)
//! ```
//! A valid packet is RTP version 2 with a well-formed header and a payload type negotiated for
//! the leg (the codec's or telephone-event's). Before latching, media for the leg goes to the
//! address from its SDP. Re-latching only after silence means a hijacker cannot take over a
//! live stream; a phone whose NAT binding changed is followed after `relatch_after`. SSRC
//! changes are not a re-latch trigger: SSRCs are chosen by the sender and prove nothing.
//!
//! Transcoding, per direction:
//! ```text
//!   same codec both legs (G.722 ⇄ G.722 too)  pass through, payload type rewritten if needed
//!   PCMU ⇄ PCMA                               one table lookup per octet, no state
//!   G.722 → G.711   decode 16 kHz, ÷2 to 8 kHz, encode the law   ┐ state in the receiving
//!   G.711 → G.722   decode the law, ×2 to 16 kHz, encode G.722   ┘ leg's Transcoder
//! ```
//! Every codec carries one octet per 125 µs and an 8000 Hz RTP clock, so a transcoded payload
//! keeps its length and the packet its sequence number and timestamp. The state for packets
//! from a leg's peer lives in that leg ([`crate::transcode::Transcoder`], about 800 bytes,
//! inline: no allocation); it is made afresh when the two legs' codecs change and when the leg
//! is reconfigured, and otherwise carries over from packet to packet so that packet boundaries
//! leave no clicks.
//!
//! RTCP (received on the RTP port + 1 by the driver) is forwarded unchanged by
//! [`RelayLeg::on_rtcp`]: the relay keeps SSRC, sequence numbers and timestamps, so the reports
//! stay true end to end; transcoding does not change packet counts or sizes. RTCP arriving on the
//! RTP port is dropped (we never offer rtcp-mux).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::codec::Codec;
use crate::rtp::{self, PacketKind, RtpHeader};
use crate::sdp::Negotiated;
use crate::transcode::Transcoder;

/// Which source addresses may be latched onto.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatchPolicy {
    /// Any source (phones behind NAT advertise private addresses in SDP). The default.
    AnySource,
    /// Only sources whose IP equals the SDP address; the port may differ (NAT port mapping).
    /// For trunks, whose addresses are known. Without an SDP address any source is allowed.
    SdpAddress,
}

/// How one leg's media was negotiated and where it should go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegConfig {
    /// The codec this leg's peer sends and expects.
    pub codec: Codec,
    /// Payload type of the codec on this leg.
    pub payload_type: u8,
    /// Payload type of telephone-event on this leg, if negotiated.
    pub dtmf_payload_type: Option<u8>,
    /// RTP address from the peer's SDP, until latching corrects it.
    pub expected_remote: Option<SocketAddr>,
    /// Which sources may be latched.
    pub latch: LatchPolicy,
    /// Silence from the latched address after which another source may take over.
    pub relatch_after: Duration,
}

impl LegConfig {
    /// Default silence before re-latching: long enough to span a jitter burst, short enough
    /// that a phone behind a rebinding NAT is heard again quickly.
    pub const DEFAULT_RELATCH_AFTER: Duration = Duration::from_secs(2);

    /// A leg from a finished negotiation, latching onto any source.
    pub fn from_negotiated(n: &Negotiated) -> LegConfig {
        LegConfig {
            codec: n.codec,
            payload_type: n.payload_type,
            dtmf_payload_type: n.dtmf_payload_type,
            expected_remote: n.remote,
            latch: LatchPolicy::AnySource,
            relatch_after: Self::DEFAULT_RELATCH_AFTER,
        }
    }
}

/// Why a packet was not forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Not a well-formed RTP packet (or RTCP on the RTP port, or not RTCP on the RTCP port).
    NotRtp,
    /// From an address other than the latched one, or one the latch policy refuses.
    WrongSource,
    /// A payload type not negotiated on the receiving leg.
    UnknownPayloadType,
    /// Telephone-event that the other leg did not negotiate.
    DtmfNotNegotiated,
    /// The other leg has neither a latched nor an SDP address yet (e.g. on hold).
    NoRemote,
    /// A telephone-event already consumed here (a menu key), kept from the other leg.
    SuppressedEvent,
}

/// What to do with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Send the first `len` bytes of the (possibly rewritten) buffer to `to` from the other
    /// leg's socket.
    Forward {
        /// Destination: the other leg's latched or SDP address.
        to: SocketAddr,
        /// Bytes to send.
        len: usize,
    },
    /// Do not send; already counted.
    Drop(DropReason),
}

/// Counters of one leg ("in" = received from this leg's peer, "out" = sent to it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LegStats {
    /// RTP packets accepted from the peer.
    pub packets_in: u64,
    /// RTP bytes accepted from the peer.
    pub bytes_in: u64,
    /// RTP packets forwarded to the peer.
    pub packets_out: u64,
    /// RTP bytes forwarded to the peer.
    pub bytes_out: u64,
    /// RTCP packets accepted from the peer.
    pub rtcp_in: u64,
    /// RTCP packets forwarded to the peer.
    pub rtcp_out: u64,
    /// Datagrams that were not RTP (or RTCP on the RTCP port).
    pub dropped_not_rtp: u64,
    /// Packets from a source that is not the latched one.
    pub dropped_wrong_source: u64,
    /// Packets with a payload type not negotiated here, or DTMF the other leg cannot take.
    pub dropped_payload_type: u64,
    /// Packets accepted but with nowhere to go.
    pub dropped_no_remote: u64,
    /// Times the latch moved to a new address after silence.
    pub relatches: u64,
}

/// The source the leg is locked onto.
#[derive(Debug, Clone, Copy)]
struct Latch {
    addr: SocketAddr,
    last_seen: Instant,
}

/// What a payload type on a leg carries.
enum Payload {
    Audio,
    Dtmf,
}

/// One side of a bridge.
#[derive(Debug, Clone)]
pub struct RelayLeg {
    config: LegConfig,
    latch: Option<Latch>,
    rtcp_source: Option<SocketAddr>,
    stats: LegStats,
    /// RTP timestamp of a telephone-event not to forward (see [`RelayLeg::suppress_event`]).
    suppressed_event: Option<u32>,
    /// Codec state for audio from this leg's peer to the other leg, once their codecs differ.
    transcoder: Option<Transcoder>,
}

impl RelayLeg {
    /// A leg that has not received anything yet.
    pub fn new(config: LegConfig) -> RelayLeg {
        RelayLeg {
            config,
            latch: None,
            rtcp_source: None,
            stats: LegStats::default(),
            suppressed_event: None,
            transcoder: None,
        }
    }

    /// The leg's negotiated media.
    pub fn config(&self) -> &LegConfig {
        &self.config
    }

    /// Applies a renegotiation (re-INVITE). The latch survives unless the SDP address changed,
    /// in which case the peer moved on purpose and the next packet latches afresh. Transcoding
    /// state starts afresh: the peer may have restarted its stream.
    pub fn reconfigure(&mut self, config: LegConfig) {
        if config.expected_remote != self.config.expected_remote {
            self.latch = None;
            self.rtcp_source = None;
        }
        self.config = config;
        self.transcoder = None;
    }

    /// Counters so far.
    pub fn stats(&self) -> &LegStats {
        &self.stats
    }

    /// The address latched onto, if any.
    pub fn latched_remote(&self) -> Option<SocketAddr> {
        self.latch.map(|l| l.addr)
    }

    /// Where RTP for this leg's peer goes: the latched address, else the SDP address.
    pub fn remote(&self) -> Option<SocketAddr> {
        self.latched_remote().or(self.config.expected_remote)
    }

    /// Where RTCP for this leg's peer goes: the source of its RTCP if seen, else RTP port + 1
    /// (RFC 3550 §11).
    pub fn rtcp_remote(&self) -> Option<SocketAddr> {
        self.rtcp_source.or_else(|| {
            let rtp = self.remote()?;
            Some(SocketAddr::new(rtp.ip(), rtp.port().checked_add(1)?))
        })
    }

    /// Handles an RTP datagram received from this leg's peer and prepares it for `out`.
    ///
    /// `pkt` is exactly the received datagram; it may be rewritten in place (payload type,
    /// transcoded payload). On `Forward`, send `pkt[..len]` to `to` from `out`'s socket.
    #[inline]
    pub fn on_packet(
        &mut self,
        from: SocketAddr,
        pkt: &mut [u8],
        out: &mut RelayLeg,
        now: Instant,
    ) -> Verdict {
        let (header, payload) = match self.accept(from, pkt, now) {
            Ok(accepted) => accepted,
            Err(reason) => return Verdict::Drop(reason),
        };
        let len = pkt.len();
        if matches!(payload, Payload::Dtmf) {
            // The rest of a key press consumed before the bridge (repeats, end packets) stays
            // here; the next key press ends the suppression.
            if self.suppressed_event == Some(header.timestamp) {
                return Verdict::Drop(DropReason::SuppressedEvent);
            }
            self.suppressed_event = None;
        }

        let out_pt = match payload {
            Payload::Audio => out.config.payload_type,
            Payload::Dtmf => match out.config.dtmf_payload_type {
                Some(pt) => pt,
                None => {
                    self.stats.dropped_payload_type += 1;
                    return Verdict::Drop(DropReason::DtmfNotNegotiated);
                }
            },
        };
        let Some(to) = out.remote() else {
            self.stats.dropped_no_remote += 1;
            return Verdict::Drop(DropReason::NoRemote);
        };
        if matches!(payload, Payload::Audio) && self.config.codec != out.config.codec {
            let (from, to) = (self.config.codec, out.config.codec);
            if !matches!(&self.transcoder, Some(t) if t.from() == from && t.to() == to) {
                self.transcoder = Some(Transcoder::new(from, to));
            }
            if let (Some(transcoder), Some(audio)) = (
                self.transcoder.as_mut(),
                pkt.get_mut(header.payload_offset..header.payload_end),
            ) {
                transcoder.transcode_in_place(audio);
            }
        }
        if out_pt != header.payload_type {
            rtp::set_payload_type(pkt, out_pt);
        }
        out.stats.packets_out += 1;
        out.stats.bytes_out += len as u64;
        Verdict::Forward { to, len }
    }

    /// Handles an RTCP datagram received on this leg's RTCP port: forwarded unchanged to `out`'s
    /// RTCP remote. Only accepted from the IP this leg's RTP is latched to (or, before RTP
    /// latched, from a source the latch policy allows).
    pub fn on_rtcp(&mut self, from: SocketAddr, pkt: &[u8], out: &mut RelayLeg) -> Verdict {
        if rtp::classify(pkt) != PacketKind::Rtcp {
            self.stats.dropped_not_rtp += 1;
            return Verdict::Drop(DropReason::NotRtp);
        }
        let allowed = match self.latch {
            Some(latch) => latch.addr.ip() == from.ip(),
            None => self.policy_allows(from),
        };
        if !allowed {
            self.stats.dropped_wrong_source += 1;
            return Verdict::Drop(DropReason::WrongSource);
        }
        self.rtcp_source = Some(from);
        self.stats.rtcp_in += 1;
        let Some(to) = out.rtcp_remote() else {
            self.stats.dropped_no_remote += 1;
            return Verdict::Drop(DropReason::NoRemote);
        };
        out.stats.rtcp_out += 1;
        Verdict::Forward { to, len: pkt.len() }
    }

    /// Takes note of an RTP packet from this leg's peer while nothing is relayed to the other
    /// side (the caller hears prompts): the same checks, latching and counting as
    /// [`RelayLeg::on_packet`], without forwarding. True when the packet was accepted, so prompt
    /// audio can follow the peer's address ([`RelayLeg::remote`]); the parsed header comes
    /// back so the caller need not parse it again.
    pub fn observe(&mut self, from: SocketAddr, pkt: &[u8], now: Instant) -> Option<RtpHeader> {
        self.accept(from, pkt, now).ok().map(|(header, _)| header)
    }

    /// Telephone-event packets with RTP timestamp `timestamp` (a key press this side already
    /// consumed, e.g. in a menu) are not forwarded to the other leg.
    pub fn suppress_event(&mut self, timestamp: u32) {
        self.suppressed_event = Some(timestamp);
    }

    /// Validates a packet from the peer (RTP, negotiated payload type, allowed source), latches
    /// and counts it.
    #[inline]
    fn accept(
        &mut self,
        from: SocketAddr,
        pkt: &[u8],
        now: Instant,
    ) -> Result<(RtpHeader, Payload), DropReason> {
        if rtp::classify(pkt) != PacketKind::Rtp {
            self.stats.dropped_not_rtp += 1;
            return Err(DropReason::NotRtp);
        }
        let Ok(header) = RtpHeader::parse(pkt) else {
            self.stats.dropped_not_rtp += 1;
            return Err(DropReason::NotRtp);
        };
        let payload = if header.payload_type == self.config.payload_type {
            Payload::Audio
        } else if Some(header.payload_type) == self.config.dtmf_payload_type {
            Payload::Dtmf
        } else {
            self.stats.dropped_payload_type += 1;
            return Err(DropReason::UnknownPayloadType);
        };
        if !self.accept_source(from, now) {
            self.stats.dropped_wrong_source += 1;
            return Err(DropReason::WrongSource);
        }
        self.stats.packets_in += 1;
        self.stats.bytes_in += pkt.len() as u64;
        Ok((header, payload))
    }

    /// Applies the latching rules in the module doc; true when `from` is (now) the source.
    #[inline]
    fn accept_source(&mut self, from: SocketAddr, now: Instant) -> bool {
        let take_over = match self.latch {
            Some(latch) if latch.addr == from => {
                self.latch = Some(Latch {
                    addr: from,
                    last_seen: now,
                });
                return true;
            }
            Some(latch) => {
                now.saturating_duration_since(latch.last_seen) >= self.config.relatch_after
            }
            None => true,
        };
        if !take_over || !self.policy_allows(from) {
            return false;
        }
        if self.latch.is_some() {
            self.stats.relatches += 1;
        }
        self.latch = Some(Latch {
            addr: from,
            last_seen: now,
        });
        true
    }

    fn policy_allows(&self, from: SocketAddr) -> bool {
        match (self.config.latch, self.config.expected_remote) {
            (LatchPolicy::AnySource, _) | (LatchPolicy::SdpAddress, None) => true,
            (LatchPolicy::SdpAddress, Some(expected)) => expected.ip() == from.ip(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::g711;
    use crate::g722::{G722Decoder, G722Encoder};
    use crate::rtp::{HeaderFields, write_header};
    use crate::test_signal::{rms, sine, tone_amplitude};

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("test address")
    }

    fn leg(codec: Codec, pt: u8, dtmf: Option<u8>, sdp: &str) -> RelayLeg {
        RelayLeg::new(LegConfig {
            codec,
            payload_type: pt,
            dtmf_payload_type: dtmf,
            expected_remote: Some(addr(sdp)),
            latch: LatchPolicy::AnySource,
            relatch_after: Duration::from_secs(2),
        })
    }

    fn packet(pt: u8, payload_byte: u8) -> [u8; 172] {
        let mut pkt = [payload_byte; 172];
        let fields = HeaderFields {
            payload_type: pt,
            marker: false,
            sequence: 1,
            timestamp: 160,
            ssrc: 5,
        };
        write_header(&mut pkt, &fields).expect("header fits");
        pkt
    }

    #[test]
    fn same_codec_passes_through_untouched_to_the_other_legs_sdp_address() {
        let now = Instant::now();
        let mut a = leg(Codec::Pcmu, 0, Some(101), "10.0.0.1:4000");
        let mut b = leg(Codec::Pcmu, 0, Some(101), "10.0.0.2:5000");
        let mut pkt = packet(0, 0x55);
        let original = pkt;
        let verdict = a.on_packet(addr("10.0.0.1:4000"), &mut pkt, &mut b, now);
        assert_eq!(
            verdict,
            Verdict::Forward {
                to: addr("10.0.0.2:5000"),
                len: 172
            }
        );
        assert_eq!(pkt, original);
        assert_eq!((a.stats().packets_in, b.stats().packets_out), (1, 1));
    }

    #[test]
    fn different_laws_are_transcoded_in_place() {
        let now = Instant::now();
        let mut a = leg(Codec::Pcmu, 0, None, "10.0.0.1:4000");
        let mut b = leg(Codec::Pcma, 8, None, "10.0.0.2:5000");
        let mut pkt = packet(0, g711::ULAW_SILENCE);
        a.on_packet(addr("10.0.0.1:4000"), &mut pkt, &mut b, now);
        assert_eq!(RtpHeader::parse(&pkt).map(|h| h.payload_type), Ok(8));
        assert!(pkt[12..].iter().all(|b| *b == g711::ALAW_SILENCE));
    }

    /// An RTP packet of 20 ms audio: header with `seq` and a timestamp of 160 per packet.
    fn audio_packet(pt: u8, seq: u16, payload: &[u8]) -> Vec<u8> {
        let mut pkt = vec![0u8; 12 + payload.len()];
        let fields = HeaderFields {
            payload_type: pt,
            marker: false,
            sequence: seq,
            timestamp: u32::from(seq) * 160,
            ssrc: 5,
        };
        write_header(&mut pkt, &fields).expect("header fits");
        pkt[12..].copy_from_slice(payload);
        pkt
    }

    /// Relays `payloads` from `a` to `b` as consecutive packets; returns the payloads that
    /// come out, after checking that sequence number, timestamp and size are kept.
    fn relay_all(a: &mut RelayLeg, b: &mut RelayLeg, payloads: &[Vec<u8>]) -> Vec<u8> {
        let now = Instant::now();
        let mut out = Vec::new();
        for (seq, payload) in (1u16..).zip(payloads) {
            let mut pkt = audio_packet(a.config().payload_type, seq, payload);
            let verdict = a.on_packet(addr("10.0.0.1:4000"), &mut pkt, b, now);
            assert_eq!(
                verdict,
                Verdict::Forward {
                    to: addr("10.0.0.2:5000"),
                    len: 12 + payload.len()
                }
            );
            let header = RtpHeader::parse(&pkt).expect("still RTP");
            assert_eq!(header.payload_type, b.config().payload_type);
            assert_eq!(
                (header.sequence, header.timestamp),
                (seq, u32::from(seq) * 160)
            );
            out.extend_from_slice(&pkt[12..]);
        }
        out
    }

    #[test]
    fn a_g722_tone_reaches_a_pcmu_leg() {
        let mut a = leg(Codec::G722, 9, Some(101), "10.0.0.1:4000");
        let mut b = leg(Codec::Pcmu, 0, Some(101), "10.0.0.2:5000");
        let mut encoded = Vec::new();
        G722Encoder::new().encode(&sine(1000.0, 16000.0, 10000.0, 16000), &mut encoded);
        let payloads: Vec<Vec<u8>> = encoded.chunks(160).map(<[u8]>::to_vec).collect();
        let out = relay_all(&mut a, &mut b, &payloads);
        assert_eq!(out.len(), 8000);
        let linear: Vec<i16> = out.iter().map(|c| g711::ulaw_decode(*c)).collect();
        let steady = &linear[400..];
        let amplitude = tone_amplitude(steady, 1000.0, 8000.0);
        assert!((amplitude - 10000.0).abs() < 300.0, "amplitude {amplitude}");
        // The tone holds nearly all the power: no clicks at packet boundaries.
        let share = amplitude * amplitude / 2.0 / rms(steady).powi(2);
        assert!(share > 0.99, "tone share {share}");
        assert_eq!(b.stats().packets_out, 50);
    }

    #[test]
    fn a_pcmu_tone_reaches_a_g722_leg() {
        let mut a = leg(Codec::Pcmu, 0, None, "10.0.0.1:4000");
        let mut b = leg(Codec::G722, 9, None, "10.0.0.2:5000");
        let payloads: Vec<Vec<u8>> = sine(1000.0, 8000.0, 10000.0, 8000)
            .chunks(160)
            .map(|frame| frame.iter().map(|s| g711::ulaw_encode(*s)).collect())
            .collect();
        let out = relay_all(&mut a, &mut b, &payloads);
        let mut wide = Vec::new();
        G722Decoder::new().decode(&out, &mut wide);
        assert_eq!(wide.len(), 16000);
        let steady = &wide[800..];
        let amplitude = tone_amplitude(steady, 1000.0, 16000.0);
        assert!((amplitude - 10000.0).abs() < 300.0, "amplitude {amplitude}");
        let share = amplitude * amplitude / 2.0 / rms(steady).powi(2);
        assert!(share > 0.99, "tone share {share}");
        // Upsampled from 8 kHz: nothing above the telephone band, no image at 7 kHz.
        let image = tone_amplitude(steady, 7000.0, 16000.0);
        assert!(image < 100.0, "image {image}");
    }

    #[test]
    fn g722_to_g722_passes_through_with_the_payload_type_rewritten() {
        let mut a = leg(Codec::G722, 9, None, "10.0.0.1:4000");
        let mut b = leg(Codec::G722, 96, None, "10.0.0.2:5000");
        let payload: Vec<u8> = (0..160).map(|i| i as u8).collect();
        let out = relay_all(&mut a, &mut b, std::slice::from_ref(&payload));
        assert_eq!(out, payload);
        assert!(a.transcoder.is_none());
    }

    #[test]
    fn transcoding_state_follows_the_codecs_and_reconfigure() {
        let mut a = leg(Codec::G722, 9, None, "10.0.0.1:4000");
        let mut b = leg(Codec::Pcmu, 0, None, "10.0.0.2:5000");
        relay_all(&mut a, &mut b, &[vec![0xFA; 160]]);
        let made = |leg: &RelayLeg| leg.transcoder.as_ref().map(|t| (t.from(), t.to()));
        assert_eq!(made(&a), Some((Codec::G722, Codec::Pcmu)));
        // The other leg renegotiates to A-law: the next packet gets a new converter.
        let mut config = *b.config();
        config.codec = Codec::Pcma;
        config.payload_type = 8;
        b.reconfigure(config);
        relay_all(&mut a, &mut b, &[vec![0xFA; 160]]);
        assert_eq!(made(&a), Some((Codec::G722, Codec::Pcma)));
        // This leg renegotiates: its stream's state starts afresh.
        let same = *a.config();
        a.reconfigure(same);
        assert_eq!(made(&a), None);
    }

    #[test]
    fn telephone_event_is_renumbered_for_the_other_leg() {
        let now = Instant::now();
        let mut a = leg(Codec::Pcmu, 0, Some(101), "10.0.0.1:4000");
        let mut b = leg(Codec::Pcmu, 0, Some(96), "10.0.0.2:5000");
        let mut pkt = packet(101, 0);
        a.on_packet(addr("10.0.0.1:4000"), &mut pkt, &mut b, now);
        assert_eq!(RtpHeader::parse(&pkt).map(|h| h.payload_type), Ok(96));
        let mut none = leg(Codec::Pcmu, 0, None, "10.0.0.3:5000");
        let mut pkt = packet(101, 0);
        assert_eq!(
            a.on_packet(addr("10.0.0.1:4000"), &mut pkt, &mut none, now),
            Verdict::Drop(DropReason::DtmfNotNegotiated)
        );
    }

    #[test]
    fn a_suppressed_key_press_stays_and_the_next_one_passes() {
        let now = Instant::now();
        let mut a = leg(Codec::Pcmu, 0, Some(101), "10.0.0.1:4000");
        let mut b = leg(Codec::Pcmu, 0, Some(101), "10.0.0.2:5000");
        let ts = RtpHeader::parse(&packet(101, 0))
            .map(|h| h.timestamp)
            .unwrap_or(0);
        a.suppress_event(ts);
        let mut pkt = packet(101, 0);
        assert_eq!(
            a.on_packet(addr("10.0.0.1:4000"), &mut pkt, &mut b, now),
            Verdict::Drop(DropReason::SuppressedEvent)
        );
        let mut audio = packet(0, 0);
        assert!(matches!(
            a.on_packet(addr("10.0.0.1:4000"), &mut audio, &mut b, now),
            Verdict::Forward { .. }
        ));
        let mut next = packet(101, 0);
        rtp::write_header(
            &mut next,
            &HeaderFields {
                payload_type: 101,
                marker: true,
                sequence: 9,
                timestamp: ts.wrapping_add(8000),
                ssrc: 1,
            },
        )
        .ok();
        assert!(matches!(
            a.on_packet(addr("10.0.0.1:4000"), &mut next, &mut b, now),
            Verdict::Forward { .. }
        ));
    }

    #[test]
    fn unknown_payload_types_and_garbage_are_dropped_and_counted() {
        let now = Instant::now();
        let mut a = leg(Codec::Pcmu, 0, None, "10.0.0.1:4000");
        let mut b = leg(Codec::Pcmu, 0, None, "10.0.0.2:5000");
        let mut cn = packet(13, 0);
        assert_eq!(
            a.on_packet(addr("10.0.0.1:4000"), &mut cn, &mut b, now),
            Verdict::Drop(DropReason::UnknownPayloadType)
        );
        let mut junk = [0u8; 3];
        assert_eq!(
            a.on_packet(addr("10.0.0.1:4000"), &mut junk, &mut b, now),
            Verdict::Drop(DropReason::NotRtp)
        );
        assert_eq!(a.stats().dropped_payload_type, 1);
        assert_eq!(a.stats().dropped_not_rtp, 1);
        assert_eq!(a.latched_remote(), None);
    }

    #[test]
    fn observing_latches_like_relaying_without_forwarding() {
        let mut a = leg(Codec::Pcmu, 0, Some(101), "10.0.0.1:4000");
        let t0 = Instant::now();
        assert!(
            a.observe(addr("198.51.100.7:31000"), &packet(0, 0xff), t0)
                .is_some()
        );
        assert_eq!(
            a.remote(),
            Some(addr("198.51.100.7:31000")),
            "prompts follow the NAT address"
        );
        assert!(
            a.observe(addr("198.51.100.9:31000"), &packet(0, 0xff), t0)
                .is_none(),
            "another source is refused"
        );
        assert!(
            a.observe(addr("198.51.100.7:31000"), &packet(18, 0xff), t0)
                .is_none(),
            "unknown payload type"
        );
        assert_eq!(a.stats().packets_in, 1);
    }

    #[test]
    fn latched_source_is_kept_until_it_falls_silent() {
        let start = Instant::now();
        let mut a = leg(Codec::Pcmu, 0, None, "10.0.0.1:4000");
        let mut b = leg(Codec::Pcmu, 0, None, "10.0.0.2:5000");
        let first = addr("198.51.100.7:31000");
        let intruder = addr("198.51.100.66:9999");
        a.on_packet(first, &mut packet(0, 0), &mut b, start);
        assert_eq!(a.latched_remote(), Some(first));
        let soon = start + Duration::from_millis(1500);
        assert_eq!(
            a.on_packet(intruder, &mut packet(0, 0), &mut b, soon),
            Verdict::Drop(DropReason::WrongSource)
        );
        let later = soon + Duration::from_secs(2);
        assert!(matches!(
            a.on_packet(intruder, &mut packet(0, 0), &mut b, later),
            Verdict::Forward { .. }
        ));
        assert_eq!(
            (a.latched_remote(), a.stats().relatches),
            (Some(intruder), 1)
        );
    }

    #[test]
    fn sdp_address_policy_refuses_other_ips_but_allows_other_ports() {
        let now = Instant::now();
        let mut config = *leg(Codec::Pcma, 8, None, "192.0.2.10:4000").config();
        config.latch = LatchPolicy::SdpAddress;
        let mut trunk = RelayLeg::new(config);
        let mut b = leg(Codec::Pcma, 8, None, "10.0.0.2:5000");
        assert_eq!(
            trunk.on_packet(addr("192.0.2.99:4000"), &mut packet(8, 0), &mut b, now),
            Verdict::Drop(DropReason::WrongSource)
        );
        assert!(matches!(
            trunk.on_packet(addr("192.0.2.10:4002"), &mut packet(8, 0), &mut b, now),
            Verdict::Forward { .. }
        ));
    }

    #[test]
    fn no_remote_on_the_other_leg_drops() {
        let now = Instant::now();
        let mut a = leg(Codec::Pcmu, 0, None, "10.0.0.1:4000");
        let mut config = *a.config();
        config.expected_remote = None;
        let mut held = RelayLeg::new(config);
        assert_eq!(
            a.on_packet(addr("10.0.0.1:4000"), &mut packet(0, 0), &mut held, now),
            Verdict::Drop(DropReason::NoRemote)
        );
    }

    #[test]
    fn rtcp_goes_to_the_other_legs_rtp_port_plus_one_and_then_to_its_source() {
        let now = Instant::now();
        let mut a = leg(Codec::Pcmu, 0, None, "10.0.0.1:4000");
        let mut b = leg(Codec::Pcmu, 0, None, "10.0.0.2:5000");
        let rr = [0x80, 201, 0, 1, 0, 0, 0, 5];
        assert_eq!(
            a.on_rtcp(addr("10.0.0.1:4001"), &rr, &mut b),
            Verdict::Forward {
                to: addr("10.0.0.2:5001"),
                len: 8
            }
        );
        b.on_rtcp(addr("10.0.0.2:6001"), &rr, &mut a);
        assert_eq!(b.rtcp_remote(), Some(addr("10.0.0.2:6001")));
        a.on_packet(addr("10.0.0.1:4000"), &mut packet(0, 0), &mut b, now);
        assert_eq!(
            a.on_rtcp(addr("10.9.9.9:4001"), &rr, &mut b),
            Verdict::Drop(DropReason::WrongSource)
        );
        let mut rtp = packet(0, 0);
        assert_eq!(
            a.on_rtcp(addr("10.0.0.1:4001"), &rtp, &mut b),
            Verdict::Drop(DropReason::NotRtp)
        );
        rtp[1] = 200;
        assert_eq!(
            a.on_packet(addr("10.0.0.1:4000"), &mut rtp, &mut b, now),
            Verdict::Drop(DropReason::NotRtp)
        );
    }

    #[test]
    fn reconfigure_to_a_new_address_clears_the_latch() {
        let now = Instant::now();
        let mut a = leg(Codec::Pcmu, 0, None, "10.0.0.1:4000");
        let mut b = leg(Codec::Pcmu, 0, None, "10.0.0.2:5000");
        a.on_packet(addr("10.0.0.1:4000"), &mut packet(0, 0), &mut b, now);
        let same = *a.config();
        a.reconfigure(same);
        assert!(a.latched_remote().is_some());
        let mut moved = same;
        moved.expected_remote = Some(addr("10.0.0.9:4000"));
        a.reconfigure(moved);
        assert_eq!(a.remote(), Some(addr("10.0.0.9:4000")));
    }
}
