//! Signal builders for the in-band DTMF tests: keypad tone pairs, silence, seeded noise, and
//! feeding audio to a detector in 20 ms frames.

#![allow(dead_code)]

use std::f64::consts::PI;

use media::transcode::PayloadEncoder;
use media::{Codec, InbandDetector};

/// Every key with its low-group (row) and high-group (column) frequency, Q.23.
pub const KEYS: [(char, f64, f64); 16] = [
    ('1', 697.0, 1209.0),
    ('2', 697.0, 1336.0),
    ('3', 697.0, 1477.0),
    ('A', 697.0, 1633.0),
    ('4', 770.0, 1209.0),
    ('5', 770.0, 1336.0),
    ('6', 770.0, 1477.0),
    ('B', 770.0, 1633.0),
    ('7', 852.0, 1209.0),
    ('8', 852.0, 1336.0),
    ('9', 852.0, 1477.0),
    ('C', 852.0, 1633.0),
    ('*', 941.0, 1209.0),
    ('0', 941.0, 1336.0),
    ('#', 941.0, 1477.0),
    ('D', 941.0, 1633.0),
];

/// Samples per millisecond at 8 kHz.
const PER_MS: usize = 8;

/// Peak amplitude of a sine at `dbm0` (0 dBm0 = 3.17 dB below μ-law overload, ±32 636).
pub fn peak(dbm0: f64) -> f64 {
    32636.0 / 10f64.powf(3.17 / 20.0) * 10f64.powf(dbm0 / 20.0)
}

/// Row and column frequency of a key.
pub fn freqs(key: char) -> (f64, f64) {
    KEYS.iter()
        .find(|(k, _, _)| *k == key)
        .map(|&(_, low, high)| (low, high))
        .expect("test uses a DTMF key")
}

/// A sum of sines `(frequency, dBm0)` lasting `ms`.
pub fn sines(parts: &[(f64, f64)], ms: usize) -> Vec<i16> {
    (0..ms * PER_MS)
        .map(|n| {
            let t = n as f64 / 8000.0;
            let v: f64 = parts
                .iter()
                .map(|&(f, level)| peak(level) * (2.0 * PI * f * t + f / 7.0).sin())
                .sum();
            v.round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

/// `key` for `ms` with the row tone at `low` dBm0 and the column tone at `high` dBm0.
pub fn key_tone(key: char, low: f64, high: f64, ms: usize) -> Vec<i16> {
    let (row, column) = freqs(key);
    sines(&[(row, low), (column, high)], ms)
}

/// `key` for `ms` at −10 dBm0 per tone.
pub fn press(key: char, ms: usize) -> Vec<i16> {
    key_tone(key, -10.0, -10.0, ms)
}

/// Digital silence lasting `ms`.
pub fn silence(ms: usize) -> Vec<i16> {
    vec![0; ms * PER_MS]
}

/// Joins pieces of audio.
pub fn concat(parts: &[Vec<i16>]) -> Vec<i16> {
    parts.concat()
}

/// Deterministic generator (xorshift64*) for reproducible noise.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-12);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
    }
}

/// White Gaussian noise of the given mean power in dBm0, lasting `ms`.
pub fn noise(seed: u64, dbm0: f64, ms: usize) -> Vec<i16> {
    let mut rng = Rng::new(seed);
    let rms = peak(dbm0) / 2f64.sqrt();
    (0..ms * PER_MS)
        .map(|_| (rng.normal() * rms).round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

/// Adds two signals sample by sample (the shorter one padded with silence).
pub fn mix(a: &[i16], b: &[i16]) -> Vec<i16> {
    (0..a.len().max(b.len()))
        .map(|i| {
            let x = i32::from(a.get(i).copied().unwrap_or(0));
            let y = i32::from(b.get(i).copied().unwrap_or(0));
            (x + y).clamp(-32768, 32767) as i16
        })
        .collect()
}

/// Feeds linear audio in 20 ms frames; returns the keys reported.
pub fn detect(samples: &[i16]) -> Vec<char> {
    let mut detector = InbandDetector::new();
    samples
        .chunks(160)
        .filter_map(|frame| detector.push(frame))
        .collect()
}

/// Encodes audio in `codec` (8 kHz linear in; G.722 through the 16 kHz upsampler) and feeds
/// the payloads in 20 ms packets, as a caller's RTP stream would bring them.
pub fn detect_encoded(codec: Codec, samples: &[i16]) -> Vec<char> {
    let mut payload = vec![0u8; samples.len()];
    PayloadEncoder::new(codec).encode(samples, &mut payload);
    let mut detector = InbandDetector::new();
    payload
        .chunks(160)
        .filter_map(|packet| detector.push_payload(codec, packet))
        .collect()
}
