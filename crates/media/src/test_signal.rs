//! Test signals and measurements shared by the codec, resampler, relay and prompt tests.

use std::f64::consts::PI;

/// `n` samples of a sine of `freq` Hz and peak `amplitude` at `rate` samples per second.
pub(crate) fn sine(freq: f64, rate: f64, amplitude: f64, n: usize) -> Vec<i16> {
    tones(&[(freq, amplitude)], rate, n)
}

/// `n` samples of a sum of sines, each `(freq, peak)`, with phases spread so peaks do not
/// line up.
pub(crate) fn tones(parts: &[(f64, f64)], rate: f64, n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| {
            let t = i as f64 / rate;
            let v: f64 = parts
                .iter()
                .enumerate()
                .map(|(k, (f, a))| a * (2.0 * PI * f * t + k as f64).sin())
                .sum();
            v.round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

/// Root mean square of the samples.
pub(crate) fn rms(samples: &[i16]) -> f64 {
    let energy: f64 = samples.iter().map(|s| f64::from(*s).powi(2)).sum();
    (energy / samples.len().max(1) as f64).sqrt()
}

/// Signal-to-noise ratio of `test` against `reference`, sample by sample, in dB.
pub(crate) fn snr_db(reference: &[i16], test: &[i16]) -> f64 {
    let (signal, noise) = reference
        .iter()
        .zip(test)
        .fold((0.0, 0.0), |(s, n), (r, t)| {
            let r = f64::from(*r);
            (s + r * r, n + (r - f64::from(*t)).powi(2))
        });
    10.0 * (signal / noise.max(1e-9)).log10()
}

/// The delay (0..max) at which `test` best matches `reference`: the highest SNR.
pub(crate) fn best_delay(reference: &[i16], test: &[i16], max: usize) -> (usize, f64) {
    (0..max)
        .map(|d| {
            let n = reference.len().min(test.len().saturating_sub(d));
            (d, snr_db(&reference[..n], &test[d..d + n]))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((0, f64::NEG_INFINITY))
}

/// Peak amplitude of the component at `freq` Hz, measured through a Hann window (one
/// Goertzel-style DFT bin; `freq` need not fall on a bin).
pub(crate) fn tone_amplitude(samples: &[i16], freq: f64, rate: f64) -> f64 {
    let n = samples.len();
    let w = 2.0 * PI * freq / rate;
    let (mut re, mut im, mut gain) = (0.0, 0.0, 0.0);
    for (i, s) in samples.iter().enumerate() {
        let hann = 0.5 - 0.5 * (2.0 * PI * i as f64 / (n.max(2) - 1) as f64).cos();
        let x = f64::from(*s) * hann;
        re += x * (w * i as f64).cos();
        im -= x * (w * i as f64).sin();
        gain += hann;
    }
    2.0 * (re * re + im * im).sqrt() / gain.max(1e-9)
}
