//! Sample-rate conversion between 8 kHz (G.711, prompts, in-band DTMF) and 16 kHz (G.722).
//!
//! Both directions use one linear-phase half-band FIR low-pass at 16 kHz: 47 taps, cut-off at
//! 4 kHz (the 8 kHz rate's Nyquist frequency), flat within 0.02 dB up to 3.4 kHz and at least
//! 55 dB down from 4.6 kHz on. In a half-band filter every second tap is zero and the centre
//! tap is ½, which halves the work:
//!
//! ```text
//!   Upsampler, ×2 (per 8 kHz input x[n], two 16 kHz outputs)
//!     x[n] ──▶ [ 24-sample line ] ──┬── Σ 2·h(odd taps)·x ──▶ out 2n     (the half-way sample)
//!                                   └── x[n − 11] ──────────▶ out 2n + 1 (centre tap 2·½ = 1)
//!
//!   Downsampler, ÷2 (per pair of 16 kHz inputs, one 8 kHz output)
//!     (older, newer) ──▶ older: [ 24-sample line ] ── Σ h(odd taps)·x ──┐
//!                        newer: [ 13-sample line ] ── ½·newer[−12] ─────┴──▶ out
//! ```
//!
//! Zero-stuffing then filtering with gain 2 interpolates; filtering then dropping every second
//! sample decimates without letting 4.6–8 kHz fold back into the telephone band. Each
//! converter keeps its delay line between calls, so audio cut into 20 ms packets comes out as
//! if it had been converted in one piece: packet boundaries leave no clicks. Each direction
//! delays the audio by 23 samples at 16 kHz (1.44 ms); the decimator keeps the phase that makes
//! 8 kHz → 16 kHz → 8 kHz a delay of exactly 23 samples at 8 kHz.
//!
//! The taps are a Kaiser-windowed sinc (β = 5.2) rounded to Q15, the tap next to the centre
//! nudged so that the odd taps sum to exactly ½ (unity gain at 0 Hz in both polyphase
//! branches); the tests recompute the design and measure the response of the rounded taps.
//! Arithmetic is integer: the accumulators provably fit in `i32` (Σ|h| · 2 · 32768 < 2³¹).

/// The non-zero taps of the half-band filter on one side of the centre, nearest first
/// (offsets ±1, ±3, …, ±23 from the centre), in Q15. The centre tap is ½ (16384).
const HALF_BAND: [i32; 12] = [
    10388, -3341, 1866, -1195, 800, -540, 358, -229, 139, -78, 38, -14,
];
/// The centre tap in Q15.
const CENTRE: i32 = 16384;

/// A fixed-length delay line, newest sample first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DelayLine<const N: usize>([i32; N]);

impl<const N: usize> DelayLine<N> {
    /// A line holding silence.
    pub(crate) const fn new() -> Self {
        DelayLine([0; N])
    }

    /// Shifts every sample one place older and puts `x` in front.
    #[inline]
    pub(crate) fn push(&mut self, x: i32) {
        self.0.copy_within(0..N - 1, 1);
        self.0[0] = x;
    }

    /// The samples, newest first.
    #[inline]
    pub(crate) fn samples(&self) -> &[i32; N] {
        &self.0
    }
}

/// Saturates a 32-bit value to the 16-bit sample range.
#[inline]
pub(crate) fn saturate(x: i32) -> i16 {
    x.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// The folded half-band sum over a 24-sample line, newest first: each tap multiplies the two
/// samples at equal distance from the line's centre (between its 12th and 13th samples).
#[inline]
fn half_band_sum(line: &[i32; 24]) -> i32 {
    let (newer, older) = line.split_at(12);
    HALF_BAND
        .iter()
        .zip(newer.iter().rev())
        .zip(older)
        .map(|((h, a), b)| h * (a + b))
        .sum()
}

/// 8 kHz → 16 kHz: two output samples per input sample. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upsampler {
    line: DelayLine<24>,
}

impl Default for Upsampler {
    fn default() -> Self {
        Upsampler::new()
    }
}

impl Upsampler {
    /// A converter whose history is silence.
    pub const fn new() -> Upsampler {
        Upsampler {
            line: DelayLine::new(),
        }
    }

    /// Takes one 8 kHz sample and returns the next two 16 kHz samples, older first.
    #[inline]
    pub fn push(&mut self, x: i16) -> [i16; 2] {
        self.line.push(i32::from(x));
        let line = self.line.samples();
        // Gain 2 makes up for the zeros stuffed between the input samples: 2·h in Q15 is h
        // in Q14.
        let between = (half_band_sum(line) + (1 << 13)) >> 14;
        [saturate(between), saturate(line[11])]
    }

    /// Converts `input` and appends the 16 kHz samples (twice as many) to `out`.
    pub fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        out.reserve(input.len() * 2);
        for &x in input {
            out.extend_from_slice(&self.push(x));
        }
    }
}

/// 16 kHz → 8 kHz: one output sample per two input samples. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downsampler {
    /// The first sample of each input pair, newest first.
    older: DelayLine<24>,
    /// The second sample of each input pair, newest first; only the centre tap reads it.
    newer: DelayLine<13>,
    /// The first sample of a pair whose second sample has not arrived yet
    /// ([`Downsampler::process`] with an odd count).
    pending: Option<i16>,
}

impl Default for Downsampler {
    fn default() -> Self {
        Downsampler::new()
    }
}

impl Downsampler {
    /// A converter whose history is silence.
    pub const fn new() -> Downsampler {
        Downsampler {
            newer: DelayLine::new(),
            older: DelayLine::new(),
            pending: None,
        }
    }

    /// Takes two consecutive 16 kHz samples, older first, and returns one 8 kHz sample.
    #[inline]
    pub fn push(&mut self, pair: [i16; 2]) -> i16 {
        self.older.push(i32::from(pair[0]));
        self.newer.push(i32::from(pair[1]));
        let centre = CENTRE * self.newer.samples()[12];
        saturate((half_band_sum(self.older.samples()) + centre + (1 << 14)) >> 15)
    }

    /// Converts `input` and appends the 8 kHz samples (half as many) to `out`. An odd last
    /// sample is kept and paired with the first sample of the next call.
    pub fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        out.reserve(input.len() / 2 + 1);
        let mut rest = input;
        if let Some(first) = self.pending {
            let Some((&second, tail)) = rest.split_first() else {
                return;
            };
            self.pending = None;
            out.push(self.push([first, second]));
            rest = tail;
        }
        let mut pairs = rest.chunks_exact(2);
        for pair in &mut pairs {
            out.push(self.push([pair[0], pair[1]]));
        }
        self.pending = pairs.remainder().first().copied();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_signal::{rms, sine, snr_db, tone_amplitude};

    /// The Kaiser-windowed sinc the table was rounded from.
    fn designed_taps() -> Vec<f64> {
        fn bessel_i0(x: f64) -> f64 {
            let (mut sum, mut term, mut k) = (1.0, 1.0, 1.0);
            while term > 1e-12 * sum {
                term *= (x / (2.0 * k)).powi(2);
                sum += term;
                k += 1.0;
            }
            sum
        }
        let beta = 5.2;
        (0..12)
            .map(|j| {
                let m = f64::from(2 * j + 1);
                let ideal = (std::f64::consts::PI * m / 2.0).sin() / (std::f64::consts::PI * m);
                let window = bessel_i0(beta * (1.0 - (m / 23.0).powi(2)).sqrt()) / bessel_i0(beta);
                ideal * window
            })
            .collect()
    }

    /// Gain of the 47-tap filter at `freq` Hz (16 kHz sampling), in dB.
    fn response_db(freq: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * freq / 16000.0;
        // Zero-phase form: centre plus 2·h·cos(offset·w).
        let mut gain = f64::from(CENTRE) / 32768.0;
        for (j, h) in HALF_BAND.iter().enumerate() {
            gain += 2.0 * f64::from(*h) / 32768.0 * (f64::from(2 * j as u8 + 1) * w).cos();
        }
        20.0 * gain.abs().max(1e-12).log10()
    }

    #[test]
    fn taps_are_the_rounded_kaiser_design_with_unity_gain_at_dc() {
        for (table, designed) in HALF_BAND.iter().zip(designed_taps()) {
            let rounded = (designed * 32768.0).round() as i32;
            assert!((table - rounded).abs() <= 4, "{table} vs {rounded}");
        }
        assert_eq!(2 * HALF_BAND.iter().sum::<i32>(), CENTRE);
        // The accumulators fit in i32 (see the module documentation).
        let bound = i64::from(HALF_BAND.iter().map(|h| h.abs()).sum::<i32>()) * 2 * 32768
            + i64::from(CENTRE) * 32768;
        assert!(bound < i64::from(i32::MAX));
    }

    #[test]
    fn response_is_flat_in_the_telephone_band_and_deep_above_it() {
        for f in (0..=3400).step_by(50) {
            let db = response_db(f64::from(f));
            assert!(db.abs() < 0.03, "{f} Hz: {db:.3} dB");
        }
        assert!(
            (response_db(4000.0) + 6.02).abs() < 0.1,
            "half power at 4 kHz"
        );
        for f in (4600..=8000).step_by(25) {
            let db = response_db(f64::from(f));
            assert!(db < -54.0, "{f} Hz: {db:.1} dB");
        }
    }

    #[test]
    fn a_1khz_tone_survives_8k_to_16k_to_8k() {
        let input = sine(1000.0, 8000.0, 10000.0, 8000);
        let mut up = Upsampler::new();
        let mut down = Downsampler::new();
        let mut wide = Vec::new();
        let mut back = Vec::new();
        // In 20 ms packets, as the relay does.
        for packet in input.chunks(160) {
            let start = wide.len();
            up.process(packet, &mut wide);
            down.process(&wide[start..], &mut back);
        }
        assert_eq!((wide.len(), back.len()), (16000, 8000));
        // Up and down delay by 23 samples at 16 kHz each: 23 at 8 kHz.
        let delay = 23;
        let snr = snr_db(&input[..input.len() - delay], &back[delay..]);
        assert!(snr > 40.0, "SNR {snr:.1} dB");
        // The 16 kHz signal is the same tone.
        let amplitude = tone_amplitude(&wide[1000..], 1000.0, 16000.0);
        assert!((amplitude - 10000.0).abs() < 50.0, "amplitude {amplitude}");
    }

    #[test]
    fn upsampling_leaves_no_image_above_4khz() {
        let input = sine(1000.0, 8000.0, 10000.0, 4000);
        let mut wide = Vec::new();
        Upsampler::new().process(&input, &mut wide);
        // Zero-stuffing alone would put an image of 1 kHz at 7 kHz.
        let image = tone_amplitude(&wide[100..], 7000.0, 16000.0);
        assert!(image < 10000.0 * 0.002, "image {image}");
    }

    #[test]
    fn a_6khz_tone_is_strongly_attenuated_by_the_decimator() {
        let input = sine(6000.0, 16000.0, 16000.0, 16000);
        let mut narrow = Vec::new();
        Downsampler::new().process(&input, &mut narrow);
        // 6 kHz would fold to 2 kHz at 8 kHz.
        let alias = rms(&narrow[100..]);
        let attenuation = 20.0 * (alias / (16000.0 / 2f64.sqrt())).log10();
        assert!(attenuation < -55.0, "{attenuation:.1} dB");
    }

    #[test]
    fn odd_slices_are_paired_across_calls() {
        let input = sine(700.0, 16000.0, 8000.0, 641);
        let mut whole = Vec::new();
        Downsampler::new().process(&input, &mut whole);
        let mut pieces = Vec::new();
        let mut down = Downsampler::new();
        for piece in input.chunks(7) {
            down.process(piece, &mut pieces);
        }
        assert_eq!(whole, pieces);
        assert_eq!(whole.len(), 320);
        down.process(&[], &mut pieces);
        assert_eq!(pieces.len(), 320);
    }

    #[test]
    fn full_scale_input_saturates_instead_of_wrapping() {
        let square: Vec<i16> = (0..800)
            .map(|n| if (n / 4) % 2 == 0 { i16::MAX } else { i16::MIN })
            .collect();
        let mut wide = Vec::new();
        Upsampler::new().process(&square, &mut wide);
        let mut narrow = Vec::new();
        Downsampler::new().process(&wide, &mut narrow);
        // Overshoot clips at the rails: no sample flips sign at the square's plateaus.
        assert!(wide.contains(&i16::MAX) && wide.contains(&i16::MIN));
        assert_eq!(narrow.len(), 800);
    }
}
