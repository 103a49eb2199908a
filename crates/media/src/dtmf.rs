//! RFC 4733 telephone-events: a receiver that reports each key press once, and a sender.
//!
//! An event is carried in a 4-byte payload (RFC 4733 §2.3):
//! ```text
//!   0                   1                   2                   3
//!   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//!  |     event     |E|R| volume    |          duration             |
//! ```
//! All packets of one key press share the RTP timestamp of its start; the sender repeats the
//! packet every 20 ms with a growing duration and sends the final (E bit) packet three times,
//! sometimes with the same sequence number. So the receiver deduplicates by timestamp, which
//! also makes a second press of the same key (a new timestamp) a new event.
//!
//! Receiver states, per timestamp: unseen --any packet--> reported (the event is returned from
//! the first packet seen, start or end, which is fastest for an IVR and survives a lost start
//! packet) --more packets with that timestamp--> ignored. The last [`REMEMBERED`] timestamps are
//! kept so a late, reordered packet of an earlier press is not reported again. Events other
//! than 0-9 * # A-D (flash, tones) are ignored. An event longer than 8 s, which the sender
//! must split into segments with new timestamps (§2.5.1.3), would be reported per segment;
//! key presses are far shorter.

use std::time::{Duration, Instant};

use crate::Error;
use crate::prompt::RtpStreamState;
use crate::rtp::{HeaderFields, RTP_HEADER_LEN, RtpHeader, write_header};

/// Payload length of a telephone-event.
const EVENT_LEN: usize = 4;
/// Length of each packet the sender writes.
pub const DTMF_PACKET_LEN: usize = RTP_HEADER_LEN + EVENT_LEN;
/// How many recent event timestamps the receiver remembers.
pub const REMEMBERED: usize = 8;
/// Interval between event packets (the usual audio packetisation).
const INTERVAL: Duration = Duration::from_millis(20);
/// Samples per interval at the 8 kHz telephone-event clock.
const INTERVAL_SAMPLES: u32 = 160;
/// Copies of the final packet (RFC 4733 §2.5.1.4).
const END_COPIES: u32 = 3;
/// Volume we send: −10 dBm0, a normal key press level.
const VOLUME: u8 = 10;

/// The key for an event code (RFC 4733 §3.2 table 3), if it is a DTMF key.
pub fn key_of(event: u8) -> Option<char> {
    match event {
        0..=9 => Some(char::from(b'0' + event)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + event - 12)),
        _ => None,
    }
}

/// The event code for a key (`a`-`d` accepted as `A`-`D`).
pub fn event_of(key: char) -> Option<u8> {
    match key.to_ascii_uppercase() {
        c @ '0'..='9' => Some(c as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        c @ 'A'..='D' => Some(c as u8 - b'A' + 12),
        _ => None,
    }
}

/// One key press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfEvent {
    /// The key: `0`-`9`, `*`, `#`, `A`-`D`.
    pub key: char,
    /// RTP timestamp of the start of the press, which identifies it.
    pub timestamp: u32,
}

/// Detects key presses in RFC 4733 packets of one stream.
#[derive(Debug, Clone)]
pub struct DtmfReceiver {
    payload_type: u8,
    recent: [Option<u32>; REMEMBERED],
    next_slot: usize,
}

impl DtmfReceiver {
    /// A receiver for the telephone-event payload type negotiated with the peer.
    pub fn new(payload_type: u8) -> DtmfReceiver {
        DtmfReceiver {
            payload_type,
            recent: [None; REMEMBERED],
            next_slot: 0,
        }
    }

    /// Looks at an RTP packet from the peer; returns a key the first time a press is seen.
    /// Packets of other payload types and malformed packets return `None`.
    pub fn on_rtp(&mut self, pkt: &[u8]) -> Option<DtmfEvent> {
        let header = RtpHeader::parse(pkt).ok()?;
        if header.payload_type != self.payload_type {
            return None;
        }
        let payload = pkt.get(header.payload_offset..header.payload_end)?;
        if payload.len() < EVENT_LEN {
            return None;
        }
        let event = *payload.first()?;
        if self.recent.contains(&Some(header.timestamp)) {
            return None;
        }
        if let Some(slot) = self.recent.get_mut(self.next_slot) {
            *slot = Some(header.timestamp);
        }
        self.next_slot = (self.next_slot + 1) % REMEMBERED;
        Some(DtmfEvent {
            key: key_of(event)?,
            timestamp: header.timestamp,
        })
    }
}

/// Sends one key press as paced RFC 4733 packets on an existing RTP stream.
///
/// Packet k (0-based) is due at `start + k·20 ms`; the press lasts `duration` (rounded up to
/// 20 ms, at most 8 s) and ends with three copies of the final packet, each with its own
/// sequence number, in the following 20 ms slots.
#[derive(Debug, Clone)]
pub struct DtmfSender {
    payload_type: u8,
    event: u8,
    ssrc: u32,
    next_seq: u16,
    timestamp: u32,
    start: Instant,
    /// Packets carrying a growing duration, the last of them with the E bit.
    steps: u32,
    /// Index of the next packet; the total is `steps + END_COPIES - 1`.
    next: u32,
}

impl DtmfSender {
    /// Prepares a key press on `stream` (its next timestamp becomes the event's timestamp).
    pub fn new(
        payload_type: u8,
        key: char,
        stream: RtpStreamState,
        duration: Duration,
        start: Instant,
    ) -> Result<DtmfSender, Error> {
        let event = event_of(key).ok_or(Error::NotDtmfKey(key))?;
        let max_steps = u32::from(u16::MAX) / INTERVAL_SAMPLES;
        let steps = u32::try_from(duration.as_millis().div_ceil(INTERVAL.as_millis()))
            .unwrap_or(max_steps)
            .clamp(1, max_steps);
        Ok(DtmfSender {
            payload_type,
            event,
            ssrc: stream.ssrc,
            next_seq: stream.next_seq,
            timestamp: stream.next_ts,
            start,
            steps,
            next: 0,
        })
    }

    fn total(&self) -> u32 {
        self.steps + END_COPIES - 1
    }

    /// Whether every packet has been written.
    pub fn is_finished(&self) -> bool {
        self.next >= self.total()
    }

    /// When the next packet is due; `None` once finished.
    pub fn poll_timeout(&self) -> Option<Instant> {
        (!self.is_finished()).then(|| self.start + INTERVAL * self.next)
    }

    /// Writes the next due packet ([`DTMF_PACKET_LEN`] bytes) into `buf`; `None` when nothing is
    /// due, finished, or `buf` is too short.
    pub fn poll_packet(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        let due = self.poll_timeout()?;
        if now < due || buf.len() < DTMF_PACKET_LEN {
            return None;
        }
        let step = self.next.min(self.steps - 1);
        let end = step == self.steps - 1;
        let duration = (step + 1) * INTERVAL_SAMPLES;
        let fields = HeaderFields {
            payload_type: self.payload_type,
            marker: self.next == 0,
            sequence: self.next_seq,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
        };
        let header = write_header(buf, &fields).ok()?;
        let [d_hi, d_lo] = u16::try_from(duration).unwrap_or(u16::MAX).to_be_bytes();
        let flags = if end { 0x80 } else { 0 } | VOLUME;
        buf.get_mut(header..DTMF_PACKET_LEN)?
            .copy_from_slice(&[self.event, flags, d_hi, d_lo]);
        self.next_seq = self.next_seq.wrapping_add(1);
        self.next += 1;
        Some(DTMF_PACKET_LEN)
    }

    /// Where the stream stands after the press: audio resumes after the event's duration.
    pub fn stream_state(&self) -> RtpStreamState {
        RtpStreamState {
            ssrc: self.ssrc,
            next_seq: self.next_seq,
            next_ts: self.timestamp.wrapping_add(self.steps * INTERVAL_SAMPLES),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// All packets of one press, in order.
    fn press(key: char, stream: RtpStreamState, ms: u64) -> Vec<Vec<u8>> {
        let start = Instant::now();
        let mut sender = DtmfSender::new(101, key, stream, Duration::from_millis(ms), start)
            .expect("a DTMF key");
        let mut packets = Vec::new();
        let mut buf = [0u8; DTMF_PACKET_LEN];
        while let Some(due) = sender.poll_timeout() {
            while let Some(len) = sender.poll_packet(due, &mut buf) {
                packets.push(buf[..len].to_vec());
            }
        }
        packets
    }

    #[test]
    fn keys_map_to_rfc_4733_event_codes() {
        let keys = "0123456789*#ABCD";
        for (code, key) in keys.chars().enumerate() {
            assert_eq!(event_of(key), Some(code as u8));
            assert_eq!(key_of(code as u8), Some(key));
        }
        assert_eq!(key_of(16), None);
        assert_eq!(event_of('x'), None);
    }

    #[test]
    fn a_press_is_reported_once_on_its_first_packet() {
        let packets = press('5', RtpStreamState::new(3), 100);
        assert_eq!(packets.len(), 5 + 2);
        let mut rx = DtmfReceiver::new(101);
        let reports: Vec<Option<DtmfEvent>> = packets.iter().map(|p| rx.on_rtp(p)).collect();
        assert_eq!(reports[0].map(|e| e.key), Some('5'));
        assert!(reports[1..].iter().all(Option::is_none));
    }

    #[test]
    fn the_same_key_pressed_twice_is_two_events() {
        let first = press('1', RtpStreamState::new(3), 60);
        let mut stream = RtpStreamState::new(3);
        stream.next_ts = stream.next_ts.wrapping_add(4000);
        let second = press('1', stream, 60);
        let mut rx = DtmfReceiver::new(101);
        let keys: Vec<char> = first
            .iter()
            .chain(&second)
            .filter_map(|p| rx.on_rtp(p))
            .map(|e| e.key)
            .collect();
        assert_eq!(keys, vec!['1', '1']);
    }

    #[test]
    fn end_packets_alone_still_report_and_repeats_with_the_same_sequence_do_not() {
        let packets = press('#', RtpStreamState::new(3), 40);
        let end = packets.last().expect("packets");
        let mut rx = DtmfReceiver::new(101);
        assert_eq!(rx.on_rtp(end).map(|e| e.key), Some('#'));
        assert_eq!(rx.on_rtp(end), None);
        assert_eq!(rx.on_rtp(end), None);
    }

    #[test]
    fn a_late_packet_of_an_earlier_press_is_not_reported_again() {
        let first = press('2', RtpStreamState::new(3), 40);
        let mut stream = RtpStreamState::new(3);
        stream.next_ts = stream.next_ts.wrapping_add(2000);
        let second = press('3', stream, 40);
        let mut rx = DtmfReceiver::new(101);
        assert!(rx.on_rtp(&first[0]).is_some());
        assert!(rx.on_rtp(&second[0]).is_some());
        assert_eq!(rx.on_rtp(&first[1]), None);
    }

    #[test]
    fn other_payload_types_flash_and_short_payloads_are_ignored() {
        let packets = press('7', RtpStreamState::new(3), 20);
        let mut other = DtmfReceiver::new(96);
        assert_eq!(other.on_rtp(&packets[0]), None);
        let mut rx = DtmfReceiver::new(101);
        let mut flash = packets[0].clone();
        flash[12] = 16;
        assert_eq!(rx.on_rtp(&flash), None);
        assert_eq!(rx.on_rtp(&packets[0][..14]), None);
        assert_eq!(rx.on_rtp(&[0x80]), None);
    }

    #[test]
    fn sender_packets_follow_rfc_4733() {
        let stream = RtpStreamState {
            ssrc: 1,
            next_seq: 65535,
            next_ts: 1000,
        };
        let packets = press('9', stream, 50);
        // 50 ms rounds up to 3 steps of 20 ms, the last sent three times.
        assert_eq!(packets.len(), 5);
        let headers: Vec<RtpHeader> = packets
            .iter()
            .map(|p| RtpHeader::parse(p).expect("valid"))
            .collect();
        assert!(headers[0].marker && !headers[1].marker);
        assert!(
            headers
                .iter()
                .all(|h| h.timestamp == 1000 && h.payload_type == 101)
        );
        assert_eq!(headers[1].sequence, 0);
        let durations: Vec<u16> = packets
            .iter()
            .map(|p| u16::from_be_bytes([p[14], p[15]]))
            .collect();
        assert_eq!(durations, vec![160, 320, 480, 480, 480]);
        let ends: Vec<bool> = packets.iter().map(|p| p[13] & 0x80 != 0).collect();
        assert_eq!(ends, vec![false, false, true, true, true]);
    }

    #[test]
    fn sender_is_paced_and_hands_the_stream_back() {
        let start = Instant::now();
        let stream = RtpStreamState {
            ssrc: 1,
            next_seq: 10,
            next_ts: 1000,
        };
        let mut sender =
            DtmfSender::new(101, '1', stream, Duration::from_millis(40), start).expect("key");
        let mut buf = [0u8; DTMF_PACKET_LEN];
        assert!(sender.poll_packet(start, &mut buf).is_some());
        assert_eq!(sender.poll_packet(start, &mut buf), None);
        assert_eq!(sender.poll_timeout(), Some(start + INTERVAL));
        assert!(
            sender
                .poll_packet(start + Duration::from_secs(1), &mut buf)
                .is_some()
        );
        assert!(
            sender
                .poll_packet(start + Duration::from_secs(1), &mut buf)
                .is_some()
        );
        assert!(
            sender
                .poll_packet(start + Duration::from_secs(1), &mut buf)
                .is_some()
        );
        assert!(sender.is_finished());
        assert_eq!(
            sender.stream_state(),
            RtpStreamState {
                ssrc: 1,
                next_seq: 14,
                next_ts: 1320
            }
        );
        assert_eq!(
            DtmfSender::new(101, 'x', stream, INTERVAL, start).map(|_| ()),
            Err(Error::NotDtmfKey('x'))
        );
    }

    proptest::proptest! {
        #[test]
        fn receiver_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)) {
            let mut rx = DtmfReceiver::new(101);
            let _ = rx.on_rtp(&bytes);
        }
    }
}
