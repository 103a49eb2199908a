//! Small RTP/RTCP helpers for the fast path (RFC 3550 §5.1 header, RFC 5761 §4 demultiplexing).
//!
//! Nothing here allocates. Header reading is delegated to `rtp-rs`'s `RtpReader`, which checks
//! the version, CSRC list, extension and padding lengths against the datagram before any field is
//! read; writing uses its `RtpPacketBuilder` into the caller's buffer.

use rtp_rs::{RtpPacketBuilder, RtpReader, RtpReaderError, Seq};

use crate::Error;

/// Length of an RTP header without CSRCs or extension.
pub const RTP_HEADER_LEN: usize = 12;
/// Smallest RTCP packet: 4-byte common header and the sender's SSRC.
const RTCP_MIN_LEN: usize = 8;

/// What a datagram arriving on a media port is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    /// RTP version 2 with a payload type outside the RTCP range.
    Rtp,
    /// RTCP: version 2 and a second byte in 192..=223 (RFC 5761 §4: packet types SR 200 to
    /// XR 207 and the reserved neighbours, which no RTP payload type can collide with when the
    /// marker bit is counted in).
    Rtcp,
    /// Anything else (STUN, garbage, truncated datagrams).
    Other,
}

/// Classifies a datagram without validating more than the first two bytes and the length.
#[inline]
pub fn classify(pkt: &[u8]) -> PacketKind {
    match pkt {
        [first, second, ..] if first >> 6 == 2 => {
            if (192..=223).contains(second) {
                if pkt.len() >= RTCP_MIN_LEN {
                    PacketKind::Rtcp
                } else {
                    PacketKind::Other
                }
            } else if pkt.len() >= RTP_HEADER_LEN {
                PacketKind::Rtp
            } else {
                PacketKind::Other
            }
        }
        _ => PacketKind::Other,
    }
}

/// The fields of a validated RTP header and where its payload lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    /// Payload type (7 bits).
    pub payload_type: u8,
    /// Marker bit.
    pub marker: bool,
    /// Sequence number.
    pub sequence: u16,
    /// Media timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Offset of the first payload byte (after CSRCs and extension).
    pub payload_offset: usize,
    /// Offset one past the last payload byte (before padding).
    pub payload_end: usize,
}

impl RtpHeader {
    /// Reads and validates the header of an RTP packet.
    pub fn parse(pkt: &[u8]) -> Result<RtpHeader, Error> {
        let reader = RtpReader::new(pkt).map_err(|e| match e {
            RtpReaderError::BufferTooShort(n) => Error::RtpTooShort(n),
            RtpReaderError::UnsupportedVersion(v) => Error::RtpBadVersion(v),
            RtpReaderError::HeadersTruncated { .. } => Error::RtpTruncated,
            RtpReaderError::PaddingLengthInvalid(_) => Error::RtpBadPadding,
        })?;
        let payload_offset = reader.payload_offset();
        Ok(RtpHeader {
            payload_type: reader.payload_type(),
            marker: reader.mark(),
            sequence: u16::from(reader.sequence_number()),
            timestamp: reader.timestamp(),
            ssrc: reader.ssrc(),
            payload_offset,
            payload_end: payload_offset + reader.payload().len(),
        })
    }
}

/// Rewrites the payload type of a packet in place, keeping the marker bit.
///
/// Does nothing on a datagram shorter than two bytes (callers classify first).
#[inline]
pub fn set_payload_type(pkt: &mut [u8], payload_type: u8) {
    if let Some(byte) = pkt.get_mut(1) {
        *byte = (*byte & 0x80) | (payload_type & 0x7F);
    }
}

/// The fields of a plain 12-byte header we send (no CSRC, no extension, no padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderFields {
    /// Payload type (0..=127).
    pub payload_type: u8,
    /// Marker bit.
    pub marker: bool,
    /// Sequence number.
    pub sequence: u16,
    /// Media timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
}

/// Writes a 12-byte RTP header at the start of `buf` and returns its length.
pub fn write_header(buf: &mut [u8], fields: &HeaderFields) -> Result<usize, Error> {
    let builder = RtpPacketBuilder::new()
        .payload_type(fields.payload_type & 0x7F)
        .marked(fields.marker)
        .sequence(Seq::from(fields.sequence))
        .timestamp(fields.timestamp)
        .ssrc(fields.ssrc);
    builder.build_into(buf).map_err(|_| Error::BufferTooSmall {
        need: RTP_HEADER_LEN,
        have: buf.len(),
    })
}

/// The sender SSRC of an RTCP packet (bytes 4..8), if the packet is long enough.
pub fn rtcp_ssrc(pkt: &[u8]) -> Option<u32> {
    let bytes: [u8; 4] = pkt.get(4..8)?.try_into().ok()?;
    Some(u32::from_be_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn header(pt: u8, marker: bool) -> [u8; 12] {
        let mut buf = [0u8; 12];
        let fields = HeaderFields {
            payload_type: pt,
            marker,
            sequence: 7,
            timestamp: 160,
            ssrc: 0xDEAD_BEEF,
        };
        assert_eq!(write_header(&mut buf, &fields), Ok(12));
        buf
    }

    #[test]
    fn classify_tells_rtp_from_rtcp_by_rfc_5761_ranges() {
        assert_eq!(classify(&header(0, false)), PacketKind::Rtp);
        assert_eq!(classify(&header(101, true)), PacketKind::Rtp);
        // Receiver report: V=2, RC=0, PT=201.
        assert_eq!(classify(&[0x80, 201, 0, 1, 1, 2, 3, 4]), PacketKind::Rtcp);
        assert_eq!(classify(&[0x81, 200, 0, 6, 0, 0, 0, 1]), PacketKind::Rtcp);
        // STUN binding request starts with 0x00 0x01.
        assert_eq!(
            classify(&[0x00, 0x01, 0, 0, 0x21, 0x12, 0xA4, 0x42]),
            PacketKind::Other
        );
        assert_eq!(classify(&[0x80, 0x00, 0, 1]), PacketKind::Other);
        assert_eq!(classify(&[]), PacketKind::Other);
    }

    #[test]
    fn parse_reads_the_fields_written() {
        let mut pkt = [0u8; 172];
        pkt[..12].copy_from_slice(&header(8, true));
        let h = RtpHeader::parse(&pkt).expect("valid header");
        assert_eq!(h.payload_type, 8);
        assert!(h.marker);
        assert_eq!(h.sequence, 7);
        assert_eq!(h.timestamp, 160);
        assert_eq!(h.ssrc, 0xDEAD_BEEF);
        assert_eq!((h.payload_offset, h.payload_end), (12, 172));
    }

    #[test]
    fn parse_rejects_truncated_csrc_lists_and_bad_padding() {
        let mut pkt = header(0, false);
        pkt[0] |= 0x03; // three CSRCs that are not there
        assert_eq!(RtpHeader::parse(&pkt), Err(Error::RtpTruncated));
        let mut padded = [0u8; 16];
        padded[..12].copy_from_slice(&header(0, false));
        padded[0] |= 0x20;
        padded[15] = 0; // zero padding length is invalid
        assert_eq!(RtpHeader::parse(&padded), Err(Error::RtpBadPadding));
        padded[15] = 4;
        let h = RtpHeader::parse(&padded).expect("valid padded packet");
        assert_eq!((h.payload_offset, h.payload_end), (12, 12));
        assert_eq!(RtpHeader::parse(&[0x40; 12]), Err(Error::RtpBadVersion(1)));
        assert_eq!(RtpHeader::parse(&[0x80; 5]), Err(Error::RtpTooShort(5)));
    }

    #[test]
    fn set_payload_type_keeps_the_marker() {
        let mut pkt = header(101, true);
        set_payload_type(&mut pkt, 96);
        let h = RtpHeader::parse(&pkt).expect("valid header");
        assert_eq!((h.payload_type, h.marker), (96, true));
    }

    #[test]
    fn write_header_needs_twelve_bytes() {
        let fields = HeaderFields {
            payload_type: 0,
            marker: false,
            sequence: 0,
            timestamp: 0,
            ssrc: 0,
        };
        assert_eq!(
            write_header(&mut [0u8; 11], &fields),
            Err(Error::BufferTooSmall { need: 12, have: 11 })
        );
    }

    #[test]
    fn rtcp_ssrc_reads_the_sender() {
        assert_eq!(rtcp_ssrc(&[0x80, 201, 0, 1, 0, 0, 0, 9]), Some(9));
        assert_eq!(rtcp_ssrc(&[0x80, 201, 0]), None);
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = classify(&bytes);
            if let Ok(h) = RtpHeader::parse(&bytes) {
                prop_assert!(h.payload_offset <= h.payload_end && h.payload_end <= bytes.len());
            }
        }

        #[test]
        fn header_round_trips(pt in 0u8..128, marker: bool, sequence: u16, timestamp: u32, ssrc: u32) {
            let mut buf = [0u8; 12];
            let fields = HeaderFields { payload_type: pt, marker, sequence, timestamp, ssrc };
            write_header(&mut buf, &fields).expect("12 bytes fit");
            let h = RtpHeader::parse(&buf).expect("valid header");
            prop_assert_eq!(
                HeaderFields { payload_type: h.payload_type, marker: h.marker, sequence: h.sequence,
                    timestamp: h.timestamp, ssrc: h.ssrc },
                fields
            );
        }
    }
}
