//! Converting audio payloads between the codecs, and to and from 8 kHz linear samples.
//!
//! Every codec here puts one octet on the wire per 8 kHz sample period (see [`Codec`]), so
//! conversion works octet by octet and in place: a payload keeps its length, and the RTP
//! header its sequence number and timestamp.
//!
//! ```text
//!   PayloadDecoder:  PCMU/PCMA octet ── G.711 table ─────────────────────────────▶ 8 kHz sample
//!                    G.722 octet ────── G722Decoder ─▶ 2 × 16 kHz ─▶ Downsampler ─▶ 8 kHz sample
//!
//!   PayloadEncoder:  8 kHz sample ─── G.711 encode ──────────────────────────────▶ PCMU/PCMA octet
//!                    8 kHz sample ─── Upsampler ─▶ 2 × 16 kHz ─▶ G722Encoder ─────▶ G.722 octet
//!
//!   Transcoder:      PCMU ⇄ PCMA: one table lookup per octet (no state)
//!                    G.722 ⇄ G.711: PayloadDecoder then PayloadEncoder, per octet
//! ```
//!
//! G.711 needs no state; G.722 and the resamplers do, so one decoder or encoder belongs to one
//! RTP stream and sees its packets in order: the state carries across packet boundaries and
//! they leave no clicks. Going through 8 kHz, G.722 → G.711 keeps the telephone band (up to
//! 3.4 kHz) and G.711 → G.722 gives G.722 narrowband audio; nothing here allocates.

use crate::Codec;
use crate::g711;
use crate::g722::{G722Decoder, G722Encoder};
use crate::resample::{Downsampler, Upsampler};

/// Turns one stream's payloads of any codec into 8 kHz linear samples, one sample per octet.
///
/// ```
/// use media::Codec;
/// use media::transcode::PayloadDecoder;
///
/// let mut decoder = PayloadDecoder::new(Codec::G722);
/// let mut linear = [0i16; 160];
/// assert_eq!(decoder.decode(&[0xFA; 160], &mut linear), 160);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadDecoder {
    codec: Codec,
    g722: G722Decoder,
    down: Downsampler,
}

impl PayloadDecoder {
    /// A decoder for a stream in `codec`, starting from silence.
    pub fn new(codec: Codec) -> PayloadDecoder {
        PayloadDecoder {
            codec,
            g722: G722Decoder::new(),
            down: Downsampler::new(),
        }
    }

    /// The codec this decoder reads.
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// Decodes one payload octet into one 8 kHz sample.
    #[inline]
    pub fn decode_octet(&mut self, octet: u8) -> i16 {
        match self.codec {
            Codec::Pcmu => g711::ulaw_decode(octet),
            Codec::Pcma => g711::alaw_decode(octet),
            Codec::G722 => self.down.push(self.g722.decode_octet(octet)),
        }
    }

    /// Decodes `payload` into `out`, one sample per octet; stops at the shorter of the two and
    /// returns the number of samples written.
    pub fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> usize {
        let n = payload.len().min(out.len());
        for (sample, octet) in out.iter_mut().zip(payload) {
            *sample = self.decode_octet(*octet);
        }
        n
    }
}

/// Turns 8 kHz linear samples into one stream's payload in any codec, one octet per sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadEncoder {
    codec: Codec,
    up: Upsampler,
    g722: G722Encoder,
}

impl PayloadEncoder {
    /// An encoder for a stream in `codec`, starting from silence.
    pub fn new(codec: Codec) -> PayloadEncoder {
        PayloadEncoder {
            codec,
            up: Upsampler::new(),
            g722: G722Encoder::new(),
        }
    }

    /// The codec this encoder writes.
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// Encodes one 8 kHz sample into one payload octet.
    #[inline]
    pub fn encode_sample(&mut self, sample: i16) -> u8 {
        match self.codec {
            Codec::Pcmu => g711::ulaw_encode(sample),
            Codec::Pcma => g711::alaw_encode(sample),
            Codec::G722 => self.g722.encode_pair(self.up.push(sample)),
        }
    }

    /// Encodes `samples` into `out`, one octet per sample; stops at the shorter of the two and
    /// returns the number of octets written.
    pub fn encode(&mut self, samples: &[i16], out: &mut [u8]) -> usize {
        let n = samples.len().min(out.len());
        for (octet, sample) in out.iter_mut().zip(samples) {
            *octet = self.encode_sample(*sample);
        }
        n
    }
}

/// Converts one stream's payloads from one codec to another, in place.
///
/// ```
/// use media::Codec;
/// use media::transcode::Transcoder;
///
/// let mut to_pcmu = Transcoder::new(Codec::G722, Codec::Pcmu);
/// let mut payload = [0xFA; 160];
/// to_pcmu.transcode_in_place(&mut payload); // now 20 ms of μ-law
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcoder {
    decoder: PayloadDecoder,
    encoder: PayloadEncoder,
}

impl Transcoder {
    /// A converter from `from` to `to`, starting from silence.
    pub fn new(from: Codec, to: Codec) -> Transcoder {
        Transcoder {
            decoder: PayloadDecoder::new(from),
            encoder: PayloadEncoder::new(to),
        }
    }

    /// The codec read.
    pub fn from(&self) -> Codec {
        self.decoder.codec()
    }

    /// The codec written.
    pub fn to(&self) -> Codec {
        self.encoder.codec()
    }

    /// Rewrites `payload` from the one codec to the other; same length, same duration.
    #[inline]
    pub fn transcode_in_place(&mut self, payload: &mut [u8]) {
        match (self.from(), self.to()) {
            (from, to) if from == to => {}
            (Codec::Pcmu, Codec::Pcma) => g711::ulaw_to_alaw_in_place(payload),
            (Codec::Pcma, Codec::Pcmu) => g711::alaw_to_ulaw_in_place(payload),
            _ => {
                for octet in payload {
                    *octet = self
                        .encoder
                        .encode_sample(self.decoder.decode_octet(*octet));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_signal::{sine, tone_amplitude};

    const CODECS: [Codec; 3] = [Codec::Pcmu, Codec::Pcma, Codec::G722];

    /// A 1 kHz tone encoded in `codec`, in 20 ms payloads.
    fn tone_payloads(codec: Codec, amplitude: f64, packets: usize) -> Vec<Vec<u8>> {
        let pcm = sine(1000.0, 8000.0, amplitude, packets * 160);
        let mut encoder = PayloadEncoder::new(codec);
        pcm.chunks(160)
            .map(|frame| {
                let mut payload = vec![0u8; 160];
                encoder.encode(frame, &mut payload);
                payload
            })
            .collect()
    }

    fn decode_all(codec: Codec, payloads: &[Vec<u8>]) -> Vec<i16> {
        let mut decoder = PayloadDecoder::new(codec);
        let mut out = Vec::new();
        for payload in payloads {
            let mut frame = [0i16; 160];
            let n = decoder.decode(payload, &mut frame);
            out.extend_from_slice(&frame[..n]);
        }
        out
    }

    #[test]
    fn every_codec_round_trips_a_tone_at_its_level() {
        for codec in CODECS {
            let decoded = decode_all(codec, &tone_payloads(codec, 8000.0, 25));
            assert_eq!(decoded.len(), 4000);
            let amplitude = tone_amplitude(&decoded[400..], 1000.0, 8000.0);
            assert!((amplitude - 8000.0).abs() < 250.0, "{codec:?}: {amplitude}");
        }
    }

    #[test]
    fn every_pair_transcodes_a_tone() {
        for from in CODECS {
            for to in CODECS {
                let mut payloads = tone_payloads(from, 8000.0, 25);
                let mut transcoder = Transcoder::new(from, to);
                for payload in &mut payloads {
                    transcoder.transcode_in_place(payload);
                    assert_eq!(payload.len(), 160);
                }
                let decoded = decode_all(to, &payloads);
                let amplitude = tone_amplitude(&decoded[400..], 1000.0, 8000.0);
                assert!(
                    (amplitude - 8000.0).abs() < 400.0,
                    "{from:?} → {to:?}: {amplitude}"
                );
                // Nothing but the tone: no clicks at packet boundaries.
                let residual = decoded[400..]
                    .iter()
                    .map(|s| f64::from(*s).abs())
                    .fold(0.0, f64::max);
                assert!(
                    residual < 8000.0 * 1.15,
                    "{from:?} → {to:?}: peak {residual}"
                );
            }
        }
    }

    #[test]
    fn g711_pairs_use_the_tables() {
        let mut payload = [g711::ULAW_SILENCE; 4];
        Transcoder::new(Codec::Pcmu, Codec::Pcma).transcode_in_place(&mut payload);
        assert_eq!(payload, [g711::ALAW_SILENCE; 4]);
        Transcoder::new(Codec::Pcma, Codec::Pcmu).transcode_in_place(&mut payload);
        assert_eq!(payload, [g711::alaw_to_ulaw(g711::ALAW_SILENCE); 4]);
    }

    #[test]
    fn slices_stop_at_the_shorter() {
        let mut decoder = PayloadDecoder::new(Codec::Pcma);
        let mut out = [7i16; 3];
        assert_eq!(decoder.decode(&[g711::ALAW_SILENCE; 2], &mut out), 2);
        assert_eq!(out, [8, 8, 7]);
        let mut encoder = PayloadEncoder::new(Codec::Pcmu);
        let mut octets = [0u8; 1];
        assert_eq!(encoder.encode(&[0, 0], &mut octets), 1);
        assert_eq!(octets, [g711::ULAW_SILENCE]);
    }
}
