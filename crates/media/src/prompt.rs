//! Prompts and hold music played as RTP: loaded once, pre-encoded, paced every 20 ms.
//!
//! A [`Prompt`] is decoded from WAV once at start and kept encoded in every codec we offer:
//! PCMU, PCMA and G.722 (upsampled to 16 kHz, then encoded), in frames of 160 octets (20 ms;
//! the last frame is padded with silence, encoded like the rest), shared by every call through
//! an `Arc`. Every codec's RTP clock runs at 8000 Hz, so the timestamps advance by 160 per frame
//! whichever is played. A [`PromptPlayer`] turns one prompt into an RTP stream for one leg:
//!
//! ```text
//!   Playing(n) --poll_packet(now >= start + n·20 ms)--> packet n, Playing(n + 1)
//!   Playing(n) --n == frames, not looping--> Finished
//!   Playing(n) --now > start + n·20 ms + 200 ms--> Playing(latest due n), no burst
//! ```
//! Packet n is due at exactly `start + n·20 ms`, computed from the start instant rather than
//! from the previous send, so wake-up jitter never accumulates into drift over minutes of hold
//! music. A driver that wakes late gets every overdue packet in a row (the receiver's jitter
//! buffer absorbs a short burst) unless it is more than [`MAX_CATCH_UP`] late: then the player
//! skips to the packet due now, advancing the RTP timestamp but not the sequence number
//! (RFC 3550 §5.1: sequence numbers count packets sent, timestamps count sampling time).
//!
//! Consecutive prompts (greeting, then menu, then hold music) keep one RTP stream: the SSRC,
//! sequence and timestamp carry on through [`RtpStreamState`] so the phone sees one steady
//! source; the first packet of each prompt carries the marker bit (a new talkspurt).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::codec::Codec;
use crate::rtp::{HeaderFields, RTP_HEADER_LEN, write_header};
use crate::transcode::PayloadEncoder;
use crate::{Error, g711, wav};

/// Samples per 20 ms frame at 8 kHz, and octets per frame in every codec.
pub const FRAME_SAMPLES: usize = 160;
/// Time covered by one frame.
pub const FRAME_DURATION: Duration = Duration::from_millis(20);
/// Size of each packet the player writes: 12-byte header and one frame.
pub const PACKET_LEN: usize = RTP_HEADER_LEN + FRAME_SAMPLES;
/// How late a driver may be before the player skips instead of sending a burst.
pub const MAX_CATCH_UP: Duration = Duration::from_millis(200);

/// Audio ready to send in any codec we offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pcmu: Vec<u8>,
    pcma: Vec<u8>,
    g722: Vec<u8>,
}

impl Prompt {
    /// Loads a RIFF/WAVE file: mono 8 kHz 16-bit PCM, μ-law or A-law, or 16 kHz 16-bit PCM.
    pub fn from_wav(bytes: &[u8]) -> Result<Prompt, Error> {
        Prompt::from_samples(&wav::decode(bytes)?)
    }

    /// Builds a prompt from 8 kHz linear samples (e.g. generated tones).
    pub fn from_samples(samples: &[i16]) -> Result<Prompt, Error> {
        if samples.is_empty() {
            return Err(Error::WavEmpty);
        }
        let padded = samples.len().div_ceil(FRAME_SAMPLES) * FRAME_SAMPLES;
        let mut pcmu = vec![g711::ULAW_SILENCE; padded];
        let mut pcma = vec![g711::ALAW_SILENCE; padded];
        g711::ulaw_encode_slice(samples, &mut pcmu);
        g711::alaw_encode_slice(samples, &mut pcma);
        // G.722 is stateful: one encoder runs over the whole prompt, padding included, so the
        // padding is encoded silence that follows on from the audio.
        let mut g722 = vec![0; padded];
        let mut encoder = PayloadEncoder::new(Codec::G722);
        let (audio, padding) = g722.split_at_mut(samples.len());
        encoder.encode(samples, audio);
        for octet in padding {
            *octet = encoder.encode_sample(0);
        }
        Ok(Prompt { pcmu, pcma, g722 })
    }

    /// Number of 20 ms frames.
    pub fn frame_count(&self) -> usize {
        self.pcmu.len() / FRAME_SAMPLES
    }

    /// Playing time.
    pub fn duration(&self) -> Duration {
        FRAME_DURATION * u32::try_from(self.frame_count()).unwrap_or(u32::MAX)
    }

    /// Frame `index` in the given codec, if it exists.
    pub fn frame(&self, codec: Codec, index: usize) -> Option<&[u8]> {
        let all = match codec {
            Codec::Pcmu => &self.pcmu,
            Codec::Pcma => &self.pcma,
            Codec::G722 => &self.g722,
        };
        let start = index.checked_mul(FRAME_SAMPLES)?;
        all.get(start..start + FRAME_SAMPLES)
    }
}

/// Where an outgoing RTP stream stands, handed from one player to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpStreamState {
    /// Synchronisation source of the stream.
    pub ssrc: u32,
    /// Sequence number of the next packet.
    pub next_seq: u16,
    /// Timestamp of the next packet's first sample.
    pub next_ts: u32,
}

impl RtpStreamState {
    /// A fresh stream. RFC 3550 §5.1 wants random initial sequence and timestamp; they are
    /// derived from the SSRC, which the caller draws at random.
    pub fn new(ssrc: u32) -> RtpStreamState {
        RtpStreamState {
            ssrc,
            next_seq: (ssrc >> 16) as u16 ^ ssrc as u16,
            next_ts: ssrc.rotate_left(13),
        }
    }
}

/// RTP timestamp units in a duration (8000 per second for every codec, G.722's too), wrapping
/// like RTP timestamps do.
fn samples_in(d: Duration) -> u32 {
    (d.as_micros() / 125) as u32
}

/// Plays one prompt as a paced RTP stream. See the module documentation.
#[derive(Debug, Clone)]
pub struct PromptPlayer {
    prompt: Arc<Prompt>,
    codec: Codec,
    payload_type: u8,
    looping: bool,
    start: Instant,
    ssrc: u32,
    next_seq: u16,
    /// Timestamp of packet 0.
    first_ts: u32,
    /// Index of the next packet to send, counted in 20 ms slots from `start`.
    next_slot: u64,
    /// Whether the next packet is the first one sent (marker bit).
    first: bool,
}

impl PromptPlayer {
    /// A player for a new stream, first packet due at `start`.
    pub fn new(
        prompt: Arc<Prompt>,
        codec: Codec,
        payload_type: u8,
        looping: bool,
        ssrc: u32,
        start: Instant,
    ) -> PromptPlayer {
        PromptPlayer::with_stream(
            prompt,
            codec,
            payload_type,
            looping,
            RtpStreamState::new(ssrc),
            start,
        )
    }

    /// A player continuing an existing stream, first packet due at `start`.
    pub fn with_stream(
        prompt: Arc<Prompt>,
        codec: Codec,
        payload_type: u8,
        looping: bool,
        stream: RtpStreamState,
        start: Instant,
    ) -> PromptPlayer {
        PromptPlayer {
            prompt,
            codec,
            payload_type,
            looping,
            start,
            ssrc: stream.ssrc,
            next_seq: stream.next_seq,
            first_ts: stream.next_ts,
            next_slot: 0,
            first: true,
        }
    }

    /// Replaces `old` (finished or not) by `prompt` on the same stream and codec, starting at
    /// `now`. Time that passed since `old`'s next packet was due is added to the timestamp,
    /// so the receiver's clock keeps matching ours.
    pub fn continue_from(
        old: &PromptPlayer,
        prompt: Arc<Prompt>,
        looping: bool,
        now: Instant,
    ) -> PromptPlayer {
        let mut stream = old.stream_state();
        let gap = now.saturating_duration_since(old.slot_due(old.next_slot));
        stream.next_ts = stream.next_ts.wrapping_add(samples_in(gap));
        PromptPlayer::with_stream(prompt, old.codec, old.payload_type, looping, stream, now)
    }

    /// Where the stream stands after the packets sent so far.
    pub fn stream_state(&self) -> RtpStreamState {
        RtpStreamState {
            ssrc: self.ssrc,
            next_seq: self.next_seq,
            next_ts: self.slot_ts(self.next_slot),
        }
    }

    /// Whether a non-looping prompt has been sent completely.
    pub fn is_finished(&self) -> bool {
        !self.looping && self.next_slot >= self.prompt.frame_count() as u64
    }

    /// When the next packet is due; `None` once finished.
    pub fn poll_timeout(&self) -> Option<Instant> {
        (!self.is_finished()).then(|| self.slot_due(self.next_slot))
    }

    /// Writes the next due packet into `buf` and returns its length ([`PACKET_LEN`]); `None`
    /// when nothing is due, the prompt is finished, or `buf` is shorter than `PACKET_LEN`.
    /// Call until it returns `None`.
    pub fn poll_packet(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        if self.is_finished() || now < self.slot_due(self.next_slot) || buf.len() < PACKET_LEN {
            return None;
        }
        if now.saturating_duration_since(self.slot_due(self.next_slot)) > MAX_CATCH_UP {
            let elapsed = now.saturating_duration_since(self.start);
            self.next_slot = (elapsed.as_nanos() / FRAME_DURATION.as_nanos()) as u64;
            if self.is_finished() {
                return None;
            }
        }
        let frames = self.prompt.frame_count() as u64;
        let index = if self.looping {
            self.next_slot % frames.max(1)
        } else {
            self.next_slot
        };
        let frame = self
            .prompt
            .frame(self.codec, usize::try_from(index).ok()?)?;
        let fields = HeaderFields {
            payload_type: self.payload_type,
            marker: self.first,
            sequence: self.next_seq,
            timestamp: self.slot_ts(self.next_slot),
            ssrc: self.ssrc,
        };
        let header = write_header(buf, &fields).ok()?;
        buf.get_mut(header..PACKET_LEN)?.copy_from_slice(frame);
        self.first = false;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.next_slot += 1;
        Some(PACKET_LEN)
    }

    /// When the next packet is (or, once finished, would have been) due: where a following
    /// prompt starts without a gap.
    pub fn next_due(&self) -> Instant {
        self.slot_due(self.next_slot)
    }

    fn slot_due(&self, slot: u64) -> Instant {
        self.start + FRAME_DURATION * u32::try_from(slot).unwrap_or(u32::MAX)
    }

    fn slot_ts(&self, slot: u64) -> u32 {
        self.first_ts
            .wrapping_add((slot as u32).wrapping_mul(FRAME_SAMPLES as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::RtpHeader;

    fn prompt(frames: usize) -> Arc<Prompt> {
        let samples: Vec<i16> = (0..frames * FRAME_SAMPLES - 10)
            .map(|i| (i % 100) as i16 * 100)
            .collect();
        Arc::new(Prompt::from_samples(&samples).expect("samples"))
    }

    fn header(buf: &[u8]) -> RtpHeader {
        RtpHeader::parse(buf).expect("player writes valid RTP")
    }

    #[test]
    fn last_frame_is_padded_with_silence_in_both_laws() {
        let p = prompt(2);
        assert_eq!(p.frame_count(), 2);
        assert_eq!(p.duration(), Duration::from_millis(40));
        assert_eq!(
            p.frame(Codec::Pcmu, 1).map(|f| f[159]),
            Some(g711::ULAW_SILENCE)
        );
        assert_eq!(
            p.frame(Codec::Pcma, 1).map(|f| f[159]),
            Some(g711::ALAW_SILENCE)
        );
        assert_eq!(p.frame(Codec::Pcma, 2), None);
        assert_eq!(Prompt::from_samples(&[]), Err(Error::WavEmpty));
    }

    #[test]
    fn g722_frames_are_the_upsampled_audio_padded_with_encoded_silence() {
        use crate::test_signal::{rms, sine, tone_amplitude};
        use crate::transcode::PayloadDecoder;
        // 2.5 frames of a 1 kHz tone: the last frame is half padding.
        let p = Prompt::from_samples(&sine(1000.0, 8000.0, 8000.0, 400)).expect("samples");
        assert_eq!(p.frame_count(), 3);
        let mut decoder = PayloadDecoder::new(Codec::G722);
        let mut linear = vec![0i16; 480];
        for (i, frame) in linear.chunks_mut(FRAME_SAMPLES).enumerate() {
            let octets = p.frame(Codec::G722, i).expect("frame in range");
            assert_eq!(octets.len(), FRAME_SAMPLES);
            decoder.decode(octets, frame);
        }
        assert_eq!(p.frame(Codec::G722, 3), None);
        // Up-, G.722 and downsampling delay the audio by 34 samples at 8 kHz.
        let amplitude = tone_amplitude(&linear[100..400], 1000.0, 8000.0);
        assert!((amplitude - 8000.0).abs() < 300.0, "amplitude {amplitude}");
        assert!(rms(&linear[460..]) < 20.0, "padding is silence");
    }

    #[test]
    fn a_g722_player_sends_160_octet_frames_160_timestamp_units_apart() {
        let start = Instant::now();
        let p = prompt(3);
        let mut player = PromptPlayer::new(p.clone(), Codec::G722, 9, false, 3, start);
        let mut buf = [0u8; PACKET_LEN];
        let mut headers = Vec::new();
        for n in 0..3u32 {
            let len = player.poll_packet(start + FRAME_DURATION * n, &mut buf);
            assert_eq!(len, Some(PACKET_LEN));
            let h = header(&buf);
            assert_eq!(
                Some(&buf[h.payload_offset..]),
                p.frame(Codec::G722, n as usize)
            );
            headers.push(h);
        }
        assert!(player.is_finished());
        assert_eq!(headers[0].payload_type, 9);
        assert_eq!(headers[2].timestamp, headers[0].timestamp.wrapping_add(320));
        assert_eq!(headers[2].sequence, headers[0].sequence.wrapping_add(2));
    }

    #[test]
    fn packets_are_paced_every_20ms_from_the_start_instant() {
        let start = Instant::now();
        let mut player = PromptPlayer::new(prompt(3), Codec::Pcma, 8, false, 77, start);
        let mut buf = [0u8; 200];
        assert_eq!(player.poll_timeout(), Some(start));
        assert_eq!(player.poll_packet(start, &mut buf), Some(PACKET_LEN));
        let first = header(&buf);
        assert!(first.marker);
        assert_eq!((first.payload_type, first.ssrc), (8, 77));
        assert_eq!(player.poll_packet(start, &mut buf), None);
        assert_eq!(player.poll_timeout(), Some(start + FRAME_DURATION));
        // Woken 5 ms late: the next due time is still start + 40 ms, not +45 ms.
        player.poll_packet(start + Duration::from_millis(25), &mut buf);
        let second = header(&buf);
        assert!(!second.marker);
        assert_eq!(second.sequence, first.sequence.wrapping_add(1));
        assert_eq!(second.timestamp, first.timestamp.wrapping_add(160));
        assert_eq!(
            player.poll_timeout(),
            Some(start + Duration::from_millis(40))
        );
        assert!(
            player
                .poll_packet(start + Duration::from_millis(40), &mut buf)
                .is_some()
        );
        assert!(player.is_finished());
        assert_eq!(player.poll_timeout(), None);
    }

    #[test]
    fn ten_minutes_of_looping_music_do_not_drift() {
        let start = Instant::now();
        let mut player = PromptPlayer::new(prompt(7), Codec::Pcmu, 0, true, 1, start);
        let mut buf = [0u8; PACKET_LEN];
        let mut sent = 0u32;
        // The driver wakes 3 ms late every time.
        while let Some(due) = player.poll_timeout() {
            if due > start + Duration::from_secs(600) {
                break;
            }
            while player
                .poll_packet(due + Duration::from_millis(3), &mut buf)
                .is_some()
            {
                sent += 1;
            }
        }
        assert_eq!(sent, 30_001);
        assert_eq!(
            player.poll_timeout(),
            Some(start + Duration::from_millis(600_020))
        );
    }

    #[test]
    fn a_late_driver_gets_a_short_burst_or_a_skip() {
        let start = Instant::now();
        let mut player = PromptPlayer::new(prompt(100), Codec::Pcmu, 0, false, 1, start);
        let mut buf = [0u8; PACKET_LEN];
        let mut burst = 0;
        while player
            .poll_packet(start + Duration::from_millis(100), &mut buf)
            .is_some()
        {
            burst += 1;
        }
        assert_eq!(burst, 6); // slots 0..=5
        let seq_before = player.stream_state().next_seq;
        let late = start + Duration::from_millis(1000);
        assert!(player.poll_packet(late, &mut buf).is_some());
        let h = header(&buf);
        assert_eq!(h.sequence, seq_before);
        assert_eq!(
            h.timestamp,
            RtpStreamState::new(1).next_ts.wrapping_add(50 * 160)
        );
        assert_eq!(player.poll_packet(late, &mut buf), None);
    }

    #[test]
    fn the_next_prompt_continues_the_same_stream() {
        let start = Instant::now();
        let mut greeting = PromptPlayer::new(prompt(2), Codec::Pcmu, 0, false, 9, start);
        let mut buf = [0u8; PACKET_LEN];
        greeting.poll_packet(start, &mut buf);
        greeting.poll_packet(start + FRAME_DURATION, &mut buf);
        let last = header(&buf);
        assert!(greeting.is_finished());
        // The menu starts 100 ms after the greeting's next slot would have been.
        let menu_start = start + Duration::from_millis(140);
        let mut menu = PromptPlayer::continue_from(&greeting, prompt(2), false, menu_start);
        assert_eq!(menu.poll_packet(menu_start, &mut buf), Some(PACKET_LEN));
        let first = header(&buf);
        assert_eq!(first.ssrc, 9);
        assert_eq!(first.sequence, last.sequence.wrapping_add(1));
        assert_eq!(first.timestamp, last.timestamp.wrapping_add(160 + 800));
        assert!(first.marker);
    }

    #[test]
    fn a_short_buffer_gets_nothing() {
        let start = Instant::now();
        let mut player = PromptPlayer::new(prompt(1), Codec::Pcmu, 0, false, 1, start);
        assert_eq!(player.poll_packet(start, &mut [0u8; PACKET_LEN - 1]), None);
        assert!(!player.is_finished());
    }

    #[test]
    fn loads_from_wav() {
        let data: Vec<u8> = vec![0xFF; 200];
        let wav = wav::build_wav(7, 1, 8000, 8, &data);
        let p = Prompt::from_wav(&wav).expect("μ-law wav");
        assert_eq!(p.frame_count(), 2);
        assert_eq!(p.frame(Codec::Pcmu, 0), Some(&[0xFF; 160][..]));
    }
}
