//! ITU-T G.722 wideband speech: sub-band ADPCM at 64 kbit/s (mode 1), 16 kHz audio.
//!
//! Written from Recommendation G.722's description of the encoder and decoder and its
//! block-by-block computational details, under its names (QUANTL, INVQAL, LOGSCL, SCALEL,
//! UPPOL2, …) so that it can be read against the text. The quantiser, adaptation and QMF tables
//! are the Recommendation's.
//!
//! ```text
//!              ┌──────────┐  xL (8 kHz) ┌──────────────────────┐ IL, 6 bits
//!   16 kHz ───▶│ transmit │────────────▶│ lower sub-band ADPCM │────────────┐
//!   x_in       │   QMF    │  xH (8 kHz) ├──────────────────────┤ IH, 2 bits ├─▶ octet IH·64 + IL
//!   (2 : 1)    └──────────┘────────────▶│ higher sub-band ADPCM│────────────┘   (8 kHz)
//!                                       └──────────────────────┘
//!
//!   octet ─▶ IL ─▶ lower decoder  ─▶ rL ┐ ┌──────────┐
//!         └▶ IH ─▶ higher decoder ─▶ rH ┴▶│ receive  │──▶ x_out, 16 kHz (1 : 2)
//!                                         │   QMF    │
//!                                         └──────────┘
//! ```
//!
//! Each sub-band ADPCM is the same loop: the difference between the sub-band sample and its
//! prediction is quantised against a scale factor (6-bit, 60 levels, in the lower band; 2-bit
//! in the higher); the scale factor follows the codes in the log domain (LOGSCL/LOGSCH, then
//! SCALEL/SCALEH through a 32-entry antilog table); a predictor of two poles and six zeros,
//! adapted by sign-sign rules (UPPOL1, UPPOL2, UPZERO), forms the next prediction from the
//! reconstructed signal. The encoder runs the decoder's loop on the same codes, so both stay
//! in step without side information. The lower band's adaptation uses only the code's four
//! most significant bits (INVQAL), which is what lets a 48 or 56 kbit/s decoder share it; we
//! send and decode all six (mode 1).
//!
//! The ADPCM arithmetic is the Recommendation's: 16-bit words, products `(a·b) >> 15`,
//! saturating sums, the limits it prescribes. It has to be bit exact, since a phone's decoder
//! and our encoder (and our decoder and a phone's encoder) must track the same predictor state
//! from the codes alone; the tests check it octet for octet and sample for sample against an
//! independent implementation. The QMFs are the Recommendation's 24-tap filters in 32-bit
//! integer arithmetic; input and output are 16-bit samples, scaled so that a full-scale 16-bit
//! signal fills the sub-band ADPCM's 15-bit range (the scaling VoIP implementations share).
//! The QMF pair delays the audio by 22 samples (1.375 ms); the ADPCM adds none.
//!
//! On RTP (RFC 3551 §4.5.2) one octet carries 125 µs of audio, the same as G.711, and the RTP
//! clock runs at 8000 Hz although the audio is sampled at 16 kHz: 20 ms are 160 octets and 160
//! timestamp units.
//!
//! Decoding is total: every octet sequence decodes (any 8 bits are a valid code) and every
//! intermediate value is saturated or limited, so hostile payloads cannot panic or overflow.

use crate::resample::{DelayLine, saturate};

/// QMF coefficients h0..h23 in units of 2⁻¹³; symmetric.
const QMF: [i32; 24] = [
    3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876, 3876, 951, -805, -210, 362, 32,
    -156, 12, 53, -11, -11, 3,
];

/// Lower sub-band decision levels Q6(1..29) of QUANTL, in units of DETL·2⁻¹²; index 0 unused.
const Q6: [i32; 30] = [
    0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940,
    1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919,
];
/// QUANTL: 6-bit code for a negative difference in interval `mil`.
const ILN: [u8; 31] = [
    0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11,
    10, 9, 8, 7, 6, 5, 4,
];
/// QUANTL: 6-bit code for a positive difference in interval `mil`.
const ILP: [u8; 31] = [
    0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39,
    38, 37, 36, 35, 34, 33, 32,
];
/// INVQAL: 4-bit inverse quantiser output levels, by the code's four leading bits.
const QM4: [i32; 16] = [
    0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584,
    1200, 0,
];
/// INVQBL, mode 1: 6-bit inverse quantiser output levels, by code.
const QM6: [i32; 64] = [
    -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232,
    -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776,
    -2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280,
    11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776,
    2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
];
/// LOGSCL: magnitude class of the four leading code bits (RIL → IL4).
const RL42: [usize; 16] = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];
/// LOGSCL: log scale factor multipliers by magnitude class.
const WL: [i32; 8] = [-60, -30, 58, 172, 334, 538, 1198, 3042];
/// SCALEL/SCALEH: antilog table, 2048·2^(i/32).
const ILB: [i32; 32] = [
    2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
    2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];
/// QUANTH: 2-bit code for a negative difference in interval `mih`.
const IHN: [u8; 3] = [0, 1, 0];
/// QUANTH: 2-bit code for a positive difference in interval `mih`.
const IHP: [u8; 3] = [0, 3, 2];
/// QUANTH: the decision level, in units of DETH·2⁻¹².
const Q2: i32 = 564;
/// INVQAH: output levels by 2-bit code.
const QM2: [i32; 4] = [-7408, -1616, 7408, 1616];
/// LOGSCH: magnitude class of the 2-bit code.
const RH2: [usize; 4] = [2, 1, 2, 1];
/// LOGSCH: log scale factor multipliers by magnitude class.
const WH: [i32; 3] = [0, -214, 798];

/// Largest log scale factor of the lower band (NBPL limit).
const NB_LOW_MAX: i32 = 18432;
/// Largest log scale factor of the higher band (NBPH limit).
const NB_HIGH_MAX: i32 = 22528;
/// Lower band scale factor after reset (DETL).
const DET_LOW_RESET: i32 = 32;
/// Higher band scale factor after reset (DETH).
const DET_HIGH_RESET: i32 = 8;

/// A 16-bit saturating result, kept in an `i32` (the Recommendation's word arithmetic).
#[inline]
fn sat(x: i32) -> i32 {
    i32::from(saturate(x))
}

/// The Recommendation's magnitude of a difference signal: `x` if positive, else `−(x + 1)`
/// (one's complement, so −32768 maps onto the 15-bit range).
#[inline]
fn magnitude(x: i32) -> i32 {
    if x >= 0 { x } else { -(x + 1) }
}

/// The two polyphase halves of a QMF: Σ h(2i)·even(i) and Σ h(2i + 1)·odd(i), both lines
/// newest first. The sums fit in `i32`: Σ|h| · 2¹⁶ < 2³¹.
#[inline]
fn qmf_sums(even: &[i32; 12], odd: &[i32; 12]) -> (i32, i32) {
    QMF.chunks_exact(2)
        .zip(even.iter().zip(odd))
        .fold((0, 0), |(a, b), (h, (e, o))| (a + h[0] * e, b + h[1] * o))
}

/// The state one sub-band's ADPCM carries from sample to sample: the adaptive predictor
/// (blocks 4L/4H) and the scale factor (blocks 3L/3H). Encoder and decoder hold the same.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Band {
    /// SL/SH: the predicted sub-band signal for the next sample.
    s: i32,
    /// SZL/SZH: the zero section's part of that prediction.
    sz: i32,
    /// RLT/RHT one and two samples ago: the reconstructed signal.
    r: [i32; 2],
    /// PLT/PHT one and two samples ago: the partially reconstructed signal.
    p: [i32; 2],
    /// AL1, AL2: pole coefficients (Q14).
    a: [i32; 2],
    /// DLT1..DLT6: quantised differences, newest first.
    d: [i32; 6],
    /// BL1..BL6: zero coefficients (Q14).
    b: [i32; 6],
    /// NBL/NBH: log scale factor.
    nb: i32,
    /// DETL/DETH: scale factor for the next sample.
    det: i32,
}

impl Band {
    fn new(det: i32) -> Band {
        Band {
            s: 0,
            sz: 0,
            r: [0; 2],
            p: [0; 2],
            a: [0; 2],
            d: [0; 6],
            b: [0; 6],
            nb: 0,
            det,
        }
    }

    /// LOGSCL/LOGSCH then SCALEL/SCALEH: adapts the scale factor to a code of magnitude class
    /// `weight` (a WL or WH entry). `max` is the log factor's limit and `shift` the antilog's
    /// base exponent (8 in the lower band, 10 in the higher).
    #[inline]
    fn adapt_scale(&mut self, weight: i32, max: i32, shift: i32) {
        // Leak factor 127/128 (32512·2⁻¹⁵).
        let nbp = (((self.nb * 32512) >> 15) + weight).clamp(0, max);
        self.nb = nbp;
        let mantissa = ILB[((nbp >> 6) & 31) as usize];
        let exponent = shift - (nbp >> 11);
        let det = if exponent >= 0 {
            mantissa >> exponent
        } else {
            mantissa << -exponent
        };
        self.det = det << 2;
    }

    /// Block 4: reconstructs with the quantised difference `d`, adapts the predictor and
    /// computes the prediction for the next sample.
    #[inline]
    fn adapt_predictor(&mut self, d: i32) {
        // RECONS and PARREC.
        let r0 = sat(self.s + d);
        let p0 = sat(self.sz + d);

        // UPPOL2: a2 ← (1 − 2⁻⁷)·a2 + 2⁻⁷·sgn(p0·p2) − 2⁻⁷·f(a1)·sgn(p0·p1), f(a1) = 4·a1
        // saturated, and |a2| ≤ 0.75.
        let negative = [p0 < 0, self.p[0] < 0, self.p[1] < 0];
        let f = sat(self.a[0] * 4);
        let pull = if negative[0] == negative[1] {
            sat(-f)
        } else {
            f
        } >> 7;
        let same2 = if negative[0] == negative[2] {
            128
        } else {
            -128
        };
        let a2 = (pull + same2 + ((self.a[1] * 32512) >> 15)).clamp(-12288, 12288);

        // UPPOL1: a1 ← (1 − 2⁻⁸)·a1 + 3·2⁻⁸·sgn(p0·p1), and |a1| ≤ 1 − 2⁻⁴ − a2.
        let step1 = if negative[0] == negative[1] {
            192
        } else {
            -192
        };
        let limit1 = 15360 - a2;
        let a1 = sat(step1 + ((self.a[0] * 32640) >> 15)).clamp(-limit1, limit1);

        // UPZERO: b_i ← (1 − 2⁻⁸)·b_i + 2⁻⁷·sgn(d·d_i); no step when d is zero.
        let step = if d == 0 { 0 } else { 128 };
        for (b, di) in self.b.iter_mut().zip(&self.d) {
            let toward = if (*di < 0) == (d < 0) { step } else { -step };
            *b = sat(toward + ((*b * 32640) >> 15));
        }

        // DELAYA.
        self.d.copy_within(0..5, 1);
        self.d[0] = d;
        self.p = [p0, self.p[0]];
        self.r = [r0, self.r[0]];
        self.a = [a1, a2];

        // FILTEP: pole section from the reconstructed signal.
        let pole1 = (self.a[0] * sat(self.r[0] * 2)) >> 15;
        let pole2 = (self.a[1] * sat(self.r[1] * 2)) >> 15;
        let sp = sat(pole1 + pole2);
        // FILTEZ: zero section from the quantised differences.
        self.sz = self
            .b
            .iter()
            .zip(&self.d)
            .fold(0, |sz, (b, di)| sat(sz + ((b * sat(di * 2)) >> 15)));
        // PREDIC.
        self.s = sat(sp + self.sz);
    }

    /// Lower band, blocks 2L (INVQAL) to 4L, after a 6-bit code: the adaptation path of
    /// encoder and decoder alike, which uses the code's four leading bits only.
    #[inline]
    fn adapt_low(&mut self, code: u8) {
        let ril = usize::from(code >> 2) & 15;
        let dlt = (self.det * QM4[ril]) >> 15;
        self.adapt_scale(WL[RL42[ril]], NB_LOW_MAX, 8);
        self.adapt_predictor(dlt);
    }

    /// Higher band, blocks 2H (INVQAH) to 4H, after a 2-bit code; returns the quantised
    /// difference DH.
    #[inline]
    fn adapt_high(&mut self, code: u8) -> i32 {
        let ih = usize::from(code & 3);
        let dh = (self.det * QM2[ih]) >> 15;
        self.adapt_scale(WH[RH2[ih]], NB_HIGH_MAX, 10);
        self.adapt_predictor(dh);
        dh
    }
}

/// G.722 encoder, 64 kbit/s: two 16 kHz samples in, one octet out.
///
/// ```
/// use media::g722::{G722Decoder, G722Encoder};
///
/// let pcm: Vec<i16> = (0..320).map(|n| ((n as f32 * 0.39).sin() * 8000.0) as i16).collect();
/// let mut octets = Vec::new();
/// G722Encoder::new().encode(&pcm, &mut octets);
/// assert_eq!(octets.len(), 160); // 20 ms
/// let mut decoded = Vec::new();
/// G722Decoder::new().decode(&octets, &mut decoded);
/// assert_eq!(decoded.len(), 320);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct G722Encoder {
    /// Transmit QMF: the newer sample of each input pair (even taps), newest first.
    even: DelayLine<12>,
    /// Transmit QMF: the older sample of each input pair (odd taps), newest first.
    odd: DelayLine<12>,
    low: Band,
    high: Band,
    /// A sample waiting for its pair ([`G722Encoder::encode`] with an odd count).
    pending: Option<i16>,
}

impl Default for G722Encoder {
    fn default() -> Self {
        G722Encoder::new()
    }
}

impl G722Encoder {
    /// An encoder in the Recommendation's reset state.
    pub fn new() -> G722Encoder {
        G722Encoder {
            even: DelayLine::new(),
            odd: DelayLine::new(),
            low: Band::new(DET_LOW_RESET),
            high: Band::new(DET_HIGH_RESET),
            pending: None,
        }
    }

    /// Encodes `pcm16k` (16 kHz samples) and appends one octet per two samples to `out`. An
    /// odd last sample is kept and paired with the first sample of the next call.
    pub fn encode(&mut self, pcm16k: &[i16], out: &mut Vec<u8>) {
        out.reserve(pcm16k.len() / 2 + 1);
        let mut rest = pcm16k;
        if let Some(first) = self.pending {
            let Some((&second, tail)) = rest.split_first() else {
                return;
            };
            self.pending = None;
            out.push(self.encode_pair([first, second]));
            rest = tail;
        }
        let mut pairs = rest.chunks_exact(2);
        for pair in &mut pairs {
            out.push(self.encode_pair([pair[0], pair[1]]));
        }
        self.pending = pairs.remainder().first().copied();
    }

    /// Encodes two consecutive 16 kHz samples, older first, into one octet.
    #[inline]
    pub fn encode_pair(&mut self, pair: [i16; 2]) -> u8 {
        // Transmit QMF: x_A over the newer samples with the even taps, x_B over the older
        // with the odd taps; x_L = x_A + x_B and x_H = x_A − x_B, from 16-bit input.
        self.odd.push(i32::from(pair[0]));
        self.even.push(i32::from(pair[1]));
        let (xa, xb) = qmf_sums(self.even.samples(), self.odd.samples());
        let xl = sat((xa + xb) >> 14);
        let xh = sat((xa - xb) >> 14);
        let il = self.encode_low(xl);
        let ih = self.encode_high(xh);
        (ih << 6) | il
    }

    /// Lower sub-band: SUBTRA, QUANTL, then the shared adaptation.
    fn encode_low(&mut self, xl: i32) -> u8 {
        let band = &mut self.low;
        let el = sat(xl - band.s);
        let wd = magnitude(el);
        // The interval: the first decision level above |el|, or the last (30).
        let mil = Q6
            .iter()
            .skip(1)
            .position(|q| wd < (q * band.det) >> 12)
            .map_or(30, |i| i + 1);
        let il = if el < 0 { ILN[mil] } else { ILP[mil] };
        band.adapt_low(il);
        il
    }

    /// Higher sub-band: SUBTRA, QUANTH, then the shared adaptation.
    fn encode_high(&mut self, xh: i32) -> u8 {
        let band = &mut self.high;
        let eh = sat(xh - band.s);
        let mih = if magnitude(eh) >= (Q2 * band.det) >> 12 {
            2
        } else {
            1
        };
        let ih = if eh < 0 { IHN[mih] } else { IHP[mih] };
        band.adapt_high(ih);
        ih
    }
}

/// G.722 decoder, 64 kbit/s: one octet in, two 16 kHz samples out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct G722Decoder {
    /// Receive QMF: rL − rH, newest first.
    difference: DelayLine<12>,
    /// Receive QMF: rL + rH, newest first.
    sum: DelayLine<12>,
    low: Band,
    high: Band,
}

impl Default for G722Decoder {
    fn default() -> Self {
        G722Decoder::new()
    }
}

impl G722Decoder {
    /// A decoder in the Recommendation's reset state.
    pub fn new() -> G722Decoder {
        G722Decoder {
            difference: DelayLine::new(),
            sum: DelayLine::new(),
            low: Band::new(DET_LOW_RESET),
            high: Band::new(DET_HIGH_RESET),
        }
    }

    /// Decodes `bytes` and appends two 16 kHz samples per octet to `out`.
    pub fn decode(&mut self, bytes: &[u8], out: &mut Vec<i16>) {
        out.reserve(bytes.len() * 2);
        for &code in bytes {
            out.extend_from_slice(&self.decode_octet(code));
        }
    }

    /// Decodes one octet into two consecutive 16 kHz samples, older first.
    #[inline]
    pub fn decode_octet(&mut self, code: u8) -> [i16; 2] {
        let rl = self.decode_low(code & 0x3F);
        let rh = self.decode_high(code >> 6);
        // Receive QMF: x_out(j) = 2·Σ h(2i)·x_d(i), x_out(j + 1) = 2·Σ h(2i + 1)·x_s(i),
        // scaled back to 16 bits.
        self.difference.push(rl - rh);
        self.sum.push(rl + rh);
        let (first, second) = qmf_sums(self.difference.samples(), self.sum.samples());
        [saturate(first >> 11), saturate(second >> 11)]
    }

    /// Lower sub-band, mode 1: INVQBL, RECONS and LIMIT give the output; the adaptation
    /// follows the four leading bits as in the encoder.
    fn decode_low(&mut self, il: u8) -> i32 {
        let band = &mut self.low;
        let dl = (band.det * QM6[usize::from(il)]) >> 15;
        let rl = (band.s + dl).clamp(-16384, 16383);
        band.adapt_low(il);
        rl
    }

    /// Higher sub-band: INVQAH, RECONS and LIMIT, then the adaptation.
    fn decode_high(&mut self, ih: u8) -> i32 {
        let band = &mut self.high;
        let s = band.s;
        let dh = band.adapt_high(ih);
        (s + dh).clamp(-16384, 16383)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_signal::{best_delay, rms, sine, snr_db, tones};
    use proptest::collection::vec;
    use proptest::prelude::any;

    fn round_trip(pcm: &[i16]) -> Vec<i16> {
        let mut octets = Vec::new();
        G722Encoder::new().encode(pcm, &mut octets);
        assert_eq!(octets.len(), pcm.len() / 2);
        let mut decoded = Vec::new();
        G722Decoder::new().decode(&octets, &mut decoded);
        decoded
    }

    #[test]
    fn tables_follow_their_definitions() {
        for (i, v) in ILB.iter().enumerate() {
            let exact = 2048.0 * 2f64.powf(i as f64 / 32.0);
            assert!((f64::from(*v) - exact).abs() <= 1.0, "ILB[{i}]");
        }
        // Every positive interval has a positive output level and vice versa, increasing
        // with the interval, and the 4-bit level of a code has its sign.
        for mil in 1..31 {
            let (p, n) = (usize::from(ILP[mil]), usize::from(ILN[mil]));
            assert!(QM6[p] > 0 && QM6[n] < 0, "interval {mil}");
            assert!(QM4[p >> 2] >= 0 && QM4[n >> 2] <= 0, "interval {mil}");
            if mil > 1 {
                assert!(QM6[p] > QM6[usize::from(ILP[mil - 1])]);
                assert!(QM6[n] < QM6[usize::from(ILN[mil - 1])]);
            }
        }
        // Each 6-bit level lies within its decision interval (levels are ×8 finer).
        for mil in 1..30 {
            let level = QM6[usize::from(ILP[mil])];
            assert!(
                level > Q6[mil - 1] * 8 && level < Q6[mil] * 8,
                "interval {mil}"
            );
        }
        // The QMF is symmetric and its polyphase halves each sum to ½ (2¹² in 2⁻¹³ units).
        assert!(QMF.iter().eq(QMF.iter().rev()));
        assert_eq!(QMF.iter().step_by(2).sum::<i32>(), 4096);
        assert_eq!(QMF.iter().skip(1).step_by(2).sum::<i32>(), 4096);
    }

    /// SNR of the decoded signal against the input, aligned by the codec's delay.
    fn round_trip_snr(pcm: &[i16]) -> f64 {
        let decoded = round_trip(pcm);
        // A 1 kHz tone repeats every 16 samples: search less than one period around 22.
        let (delay, _) = best_delay(pcm, &decoded, 30);
        assert_eq!(delay, 22, "the QMF pair's delay");
        snr_db(&pcm[..pcm.len() - 22], &decoded[22..])
    }

    #[test]
    fn a_1khz_sine_round_trips_with_high_snr() {
        let snr = round_trip_snr(&sine(1000.0, 16000.0, 10000.0, 32000));
        // Measured: 37.9 dB.
        assert!(snr > 36.0, "SNR {snr:.1} dB");
    }

    #[test]
    fn a_multi_tone_signal_round_trips_with_high_snr() {
        // Telephone-band tones: the lower sub-band's 6-bit ADPCM.
        let narrow = [
            (300.0, 3000.0),
            (1100.0, 4000.0),
            (2500.0, 2500.0),
            (3400.0, 1500.0),
        ];
        let snr = round_trip_snr(&tones(&narrow, 16000.0, 32000));
        // Measured: 31.6 dB.
        assert!(snr > 30.0, "SNR {snr:.1} dB");
        // With 4.7 and 6.3 kHz added, the higher sub-band's 2-bit ADPCM adds its noise.
        let wide = [
            (300.0, 3000.0),
            (1100.0, 4000.0),
            (2500.0, 2500.0),
            (4700.0, 1500.0),
            (6300.0, 800.0),
        ];
        let snr = round_trip_snr(&tones(&wide, 16000.0, 32000));
        // Measured: 24.4 dB.
        assert!(snr > 22.0, "SNR {snr:.1} dB");
    }

    #[test]
    fn loud_and_quiet_signals_keep_their_level() {
        for amplitude in [200.0, 2000.0, 30000.0] {
            let pcm = sine(440.0, 16000.0, amplitude, 8000);
            let decoded = round_trip(&pcm);
            let ratio = rms(&decoded[4000..]) / rms(&pcm[4000..]);
            assert!(
                (ratio - 1.0).abs() < 0.05,
                "amplitude {amplitude}: ratio {ratio}"
            );
        }
    }

    #[test]
    fn silence_stays_silence() {
        let decoded = round_trip(&[0; 3200]);
        assert!(decoded.iter().all(|s| s.abs() <= 4), "{:?}", &decoded[..40]);
        // And after speech, the decoder settles back to silence.
        let mut pcm = sine(800.0, 16000.0, 12000.0, 3200);
        pcm.extend_from_slice(&[0; 3200]);
        let decoded = round_trip(&pcm);
        assert!(rms(&decoded[4800..]) < 2.0);
    }

    #[test]
    fn encoding_in_pieces_equals_encoding_at_once() {
        let pcm = sine(1234.0, 16000.0, 9000.0, 999);
        let mut whole = Vec::new();
        G722Encoder::new().encode(&pcm, &mut whole);
        let mut pieces = Vec::new();
        let mut encoder = G722Encoder::new();
        for piece in pcm.chunks(33) {
            encoder.encode(piece, &mut pieces);
        }
        assert_eq!(whole, pieces);
        assert_eq!(whole.len(), 499);
        let mut decoded = Vec::new();
        let mut decoder = G722Decoder::new();
        for piece in whole.chunks(7) {
            decoder.decode(piece, &mut decoded);
        }
        let mut at_once = Vec::new();
        G722Decoder::new().decode(&whole, &mut at_once);
        assert_eq!(decoded, at_once);
    }

    #[test]
    fn full_scale_input_does_not_wrap() {
        let square: Vec<i16> = (0..4000)
            .map(|n| {
                if (n / 40) % 2 == 0 {
                    i16::MAX
                } else {
                    i16::MIN
                }
            })
            .collect();
        let decoded = round_trip(&square);
        // The plateaus come back with their sign.
        let plateau = &decoded[22 + 40 * 20 + 20..22 + 40 * 20 + 30];
        assert!(plateau.iter().all(|s| *s > 20000), "{plateau:?}");
    }

    /// Differential tests against the `ezk-g722` crate, a port of a G.722 implementation that
    /// passes the ITU-T digital test sequences. It starts both scale factors at 0 where the
    /// Recommendation resets them to 32 and 8; from that same first state, the two must agree
    /// octet for octet and sample for sample.
    mod reference {
        use super::*;
        use ezk_g722::libg722::Bitrate;
        use ezk_g722::libg722::decoder::Decoder;
        use ezk_g722::libg722::encoder::Encoder;

        /// A deterministic xorshift sequence, so a failure reproduces.
        fn noise(seed: u32) -> impl Iterator<Item = u32> {
            std::iter::successors(Some(seed), |x| {
                let mut x = *x;
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                Some(x)
            })
            .skip(1)
        }

        /// Two seconds that visit every regime: tones with noise, a loud passage that
        /// saturates, a quiet one and silence.
        fn test_signal() -> Vec<i16> {
            let mut pcm = tones(
                &[(440.0, 6000.0), (2900.0, 2000.0), (6100.0, 1200.0)],
                16000.0,
                32000,
            );
            for ((i, s), r) in pcm.iter_mut().enumerate().zip(noise(7)) {
                let envelope = match i / 4000 {
                    2 => 6.0,
                    4 => 0.02,
                    6 => 0.0,
                    _ => 1.0,
                };
                let hiss = f64::from((r >> 21) as i32 - 1024);
                *s = ((f64::from(*s) + hiss) * envelope).clamp(-32768.0, 32767.0) as i16;
            }
            pcm
        }

        fn first_difference<T: PartialEq>(a: &[T], b: &[T]) -> Option<usize> {
            a.iter().zip(b).position(|(x, y)| x != y)
        }

        #[test]
        fn encoder_matches_octet_for_octet() {
            let pcm = test_signal();
            let theirs = Encoder::new(Bitrate::Mode1_64000, false, false).encode(&pcm);
            let mut encoder = G722Encoder::new();
            encoder.low.det = 0;
            encoder.high.det = 0;
            let mut ours = Vec::new();
            for packet in pcm.chunks(320) {
                encoder.encode(packet, &mut ours);
            }
            assert_eq!(ours.len(), theirs.len());
            assert_eq!(first_difference(&ours, &theirs), None);
        }

        #[test]
        fn decoder_matches_sample_for_sample() {
            let mut octets: Vec<u8> = noise(3).take(40000).map(|r| (r >> 24) as u8).collect();
            G722Encoder::new().encode(&test_signal(), &mut octets);
            let theirs = Decoder::new(Bitrate::Mode1_64000, false, false).decode(&octets);
            let mut decoder = G722Decoder::new();
            decoder.low.det = 0;
            decoder.high.det = 0;
            let mut ours = Vec::new();
            decoder.decode(&octets, &mut ours);
            assert_eq!(ours.len(), theirs.len());
            assert_eq!(first_difference(&ours, &theirs), None);
        }

        #[test]
        fn from_the_recommendations_reset_the_decoders_soon_agree() {
            let mut octets = Vec::new();
            G722Encoder::new().encode(&test_signal(), &mut octets);
            let theirs = Decoder::new(Bitrate::Mode1_64000, false, false).decode(&octets);
            let mut ours = Vec::new();
            G722Decoder::new().decode(&octets, &mut ours);
            let last = ours.iter().zip(&theirs).rposition(|(a, b)| a != b);
            // The first-state difference fades as the states adapt to the same codes (measured:
            // the last difference at sample 5781, 361 ms in).
            assert!(last.is_none_or(|i| i < 8000), "last difference at {last:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn decoder_accepts_any_octets(bytes in vec(any::<u8>(), 0..2048)) {
            let mut out = Vec::new();
            let mut decoder = G722Decoder::new();
            decoder.decode(&bytes, &mut out);
            proptest::prop_assert_eq!(out.len(), bytes.len() * 2);
            // And the state stays within the Recommendation's ranges.
            for band in [&decoder.low, &decoder.high] {
                proptest::prop_assert!(band.a[1].abs() <= 12288);
                proptest::prop_assert!(band.a[0].abs() <= 15360 - band.a[1]);
                proptest::prop_assert!(band.det > 0);
            }
        }

        #[test]
        fn encoder_accepts_any_samples(pcm in vec(any::<i16>(), 0..2048)) {
            let mut out = Vec::new();
            G722Encoder::new().encode(&pcm, &mut out);
            proptest::prop_assert_eq!(out.len(), pcm.len() / 2);
        }
    }
}
