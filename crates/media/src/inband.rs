//! In-band DTMF detection: key presses heard as ITU-T Q.23 tone pairs in the audio itself.
//!
//! Callers whose phones or carriers do not send RFC 4733 telephone events still send the
//! keypad tones as audio. [`InbandDetector`] finds them in the caller's 8 kHz linear samples
//! (or in RTP payloads of any codec, decoded first: G.722 is decoded and resampled to 8 kHz,
//! statefully, by a [`PayloadDecoder`]), reporting each press once.
//!
//! # Tones (Q.23)
//!
//! ```text
//!              1209 Hz  1336 Hz  1477 Hz  1633 Hz   (high group, columns)
//!     697 Hz      1        2        3        A
//!     770 Hz      4        5        6        B
//!     852 Hz      7        8        9        C
//!     941 Hz      *        0        #        D
//!   (low group, rows)
//! ```
//!
//! # Algorithm
//!
//! The samples are cut into windows of [`BLOCK`] = 102 samples (12.75 ms) that advance by
//! [`HOP`] = 51 samples (50 % overlap). In each window the Goertzel algorithm (G. Goertzel,
//! "An algorithm for the evaluation of finite trigonometric series", American Mathematical
//! Monthly 65, 1958; in the classic form given by Proakis & Manolakis, *Digital Signal
//! Processing*) measures the power at the Q.23 frequencies. For a frequency `f` it runs the second-order
//! recursion `s[n] = x[n] + 2cos(2πf/8000)·s[n-1] − s[n-2]` over the window and takes
//! `P = s[N-1]² + s[N-2]² − 2cos(2πf/8000)·s[N-1]·s[N-2]`, the squared magnitude of the
//! window's spectrum at `f`. The generalised form is used (`f` need not fall on a DFT bin): a
//! tone of amplitude `A` at `f` gives `|X| ≈ A/2·Σw[n]` and its mean power `A²/2` follows.
//!
//! Two banks of filters run over each window:
//!
//! - the rows and columns on the plain (rectangular) window: its first spectral null lies
//!   ~78 Hz from the centre, close to the 73–89 Hz spacing of the low group, so neighbouring
//!   rows barely leak into each other;
//! - the columns and their second harmonics on the Hann-windowed samples: its low far
//!   sidelobes (−40 dB at the nearest row) keep a strong row tone from beating with the
//!   column's estimate, which would otherwise swing the measured twist by ±1.5 dB.
//!
//! A window holds the key (row, column) when all of these hold:
//!
//! | check | threshold | rejects |
//! |---|---|---|
//! | signal level | row + column power ≥ −30 dBm0 | line noise, quiet background |
//! | relative peak | strongest row ≥ 8 dB above every other row; same for columns | chords, speech formants, off-frequency tones |
//! | normal twist | column at most 8 dB below row (Q.24) | tones too unequal |
//! | reverse twist | column at most 4 dB above row (Q.24) | tones too unequal |
//! | energy share | row + column (plain window) ≥ 70 % of the window's total power | speech, music, noise: out-of-band energy |
//! | second harmonic | column's 2nd harmonic ≥ 15 dB below the column | speech and music, rich in harmonics |
//!
//! Powers are compared against 0 dBm0 = a sine of peak 22 663 in 16-bit samples (G.711 μ-law
//! overload, ±32 636, is +3.17 dBm0), so equal tones are accepted down to −33 dBm0 each. The
//! second harmonics of the low group (1394, 1540, 1704 Hz) lie within one window bandwidth of
//! the high-group tones, so measuring them would measure the column's leakage; the
//! energy-share check covers them instead.
//!
//! Tones within 1.5 % of nominal are accepted (Q.24 operate range); tones 3 % or more off
//! fail the relative-peak, twist or energy-share checks (Q.24 asks for rejection at 3.5 %).
//!
//! # Timing (Q.24)
//!
//! A press is reported when [`PRESS_WINDOWS`] = 4 consecutive windows hold the same key, and
//! reported again only after [`RELEASE_WINDOWS`] = 7 consecutive windows without it (or when a
//! different key has been heard for 4 windows). A window only partly covered by a tone holds
//! too little of its power in the tones once the tone covers less than about two thirds of it,
//! so, whatever the tone's position relative to the windows:
//!
//! - a tone of 40 ms (320 samples) covers at least 4 whole windows: always reported (in
//!   practice from 33 ms on);
//! - a tone of 23 ms (184 samples) or less passes at most 3 windows: never reported;
//! - a gap of 40 ms (320 samples) fails at least 7 windows: the next press is a new one;
//!   interruptions shorter than ~33 ms never split a press.
//!
//! A press is reported about 32 ms after its tone starts.
//!
//! Memory is fixed (one window of samples, the Hann table and the Goertzel coefficients, about
//! 900 bytes per detector, and a payload decoder of about 430 bytes); nothing is allocated per
//! frame. Each sample passes through 16
//! Goertzel filters twice (the windows overlap).

use std::f32::consts::PI;

use crate::Codec;
use crate::transcode::PayloadDecoder;

/// Samples per analysis window (12.75 ms at 8 kHz).
pub const BLOCK: usize = 102;
/// Samples between the starts of consecutive windows (6.375 ms).
pub const HOP: usize = 51;
/// Consecutive windows with the same key before a press is reported.
pub const PRESS_WINDOWS: u8 = 4;
/// Consecutive windows without the key before the press counts as released.
pub const RELEASE_WINDOWS: u8 = 7;

/// Sampling rate of the input.
const SAMPLE_RATE: f32 = 8000.0;
/// Low-group (row) frequencies, Q.23.
const ROWS: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
/// High-group (column) frequencies, Q.23.
const COLUMNS: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
/// Keys by row, then column.
const KEYS: [[char; 4]; 4] = [
    ['1', '2', '3', 'A'],
    ['4', '5', '6', 'B'],
    ['7', '8', '9', 'C'],
    ['*', '0', '#', 'D'],
];
/// Frequencies per Goertzel bank: rows and columns (plain), or columns and their second
/// harmonics (Hann-windowed).
const BANK: usize = 8;

/// Mean power of a 0 dBm0 sine in 16-bit samples: (32 636 / 10^(3.17/20))² / 2.
const DBM0_POWER: f32 = 2.568e8;
/// Least row + column power: −30 dBm0.
const MIN_POWER: f32 = DBM0_POWER * 1.0e-3;
/// Strongest row (column) over any other row (column): 8 dB.
const RELATIVE_PEAK: f32 = 6.31;
/// Row over column (high group weaker): 8 dB.
const NORMAL_TWIST: f32 = 6.31;
/// Column over row (high group stronger): 4 dB.
const REVERSE_TWIST: f32 = 2.51;
/// Share of the window's power that the two tones must hold.
const TONE_SHARE: f32 = 0.7;
/// Column over its own second harmonic: 15 dB.
const HARMONIC_MARGIN: f32 = 31.6;

/// Finds DTMF key presses in 8 kHz linear PCM.
///
/// ```
/// use media::InbandDetector;
///
/// let mut detector = InbandDetector::new();
/// // 60 ms of '5' (770 Hz + 1336 Hz) at −10 dBm0 per tone, in 20 ms frames.
/// let tone: Vec<i16> = (0..480)
///     .map(|n| {
///         let t = n as f32 / 8000.0;
///         let s = |f: f32| 7166.0 * (2.0 * std::f32::consts::PI * f * t).sin();
///         (s(770.0) + s(1336.0)) as i16
///     })
///     .collect();
/// let keys: Vec<char> = tone.chunks(160).filter_map(|f| detector.push(f)).collect();
/// assert_eq!(keys, ['5']);
/// ```
#[derive(Debug, Clone)]
pub struct InbandDetector {
    /// Goertzel coefficients of the rows and columns, run on the plain window.
    plain_coeffs: [f32; BANK],
    /// Goertzel coefficients of the columns and their second harmonics, run on the
    /// Hann-windowed samples.
    hann_coeffs: [f32; BANK],
    /// The Hann window, and the factor turning a windowed bin into a tone's mean power.
    hann: [f32; BLOCK],
    hann_scale: f32,
    /// The current window; `fill` samples of it are valid.
    window: [f32; BLOCK],
    fill: usize,
    /// Key of the latest run of consecutive windows, and the run's length.
    candidate: Option<char>,
    hits: u8,
    /// Key reported and not yet released.
    pressed: Option<char>,
    /// Consecutive windows without the pressed key.
    misses: u8,
    /// Decoder of the payloads fed through [`InbandDetector::push_payload`], made for the
    /// codec of the first one (and again when the codec changes).
    decoder: Option<PayloadDecoder>,
}

impl Default for InbandDetector {
    fn default() -> Self {
        InbandDetector::new()
    }
}

impl InbandDetector {
    /// A detector that has heard nothing yet.
    pub fn new() -> InbandDetector {
        let mut hann = [0.0f32; BLOCK];
        let last = (BLOCK - 1) as f32;
        for (n, w) in hann.iter_mut().enumerate() {
            *w = 0.5 - 0.5 * (2.0 * PI * n as f32 / last).cos();
        }
        // A tone of amplitude A gives |X| = A/2·Σw, and its mean power is A²/2.
        let gain: f32 = hann.iter().sum();
        InbandDetector {
            plain_coeffs: coefficients(ROWS.iter().chain(&COLUMNS).copied()),
            hann_coeffs: coefficients(COLUMNS.iter().copied().chain(COLUMNS.map(|f| 2.0 * f))),
            hann,
            hann_scale: 2.0 / (gain * gain),
            window: [0.0; BLOCK],
            fill: 0,
            candidate: None,
            hits: 0,
            pressed: None,
            misses: 0,
            decoder: None,
        }
    }

    /// Forgets all audio heard so far (e.g. when the stream restarts).
    pub fn reset(&mut self) {
        *self = InbandDetector::new();
    }

    /// Feeds linear samples; returns the key whose press was recognised within them.
    ///
    /// Two reports are always at least [`PRESS_WINDOWS`]·[`HOP`] = 204 samples apart, so a
    /// 20 ms frame (160 samples) holds at most one. Should a longer slice hold more, the first
    /// is returned; [`InbandDetector::push_with`] sees them all.
    pub fn push(&mut self, samples: &[i16]) -> Option<char> {
        let mut first = None;
        self.push_with(samples, |key| {
            first.get_or_insert(key);
        });
        first
    }

    /// Feeds linear samples of any length, calling `on_key` for each press recognised.
    pub fn push_with(&mut self, samples: &[i16], mut on_key: impl FnMut(char)) {
        for &sample in samples {
            if let Some(slot) = self.window.get_mut(self.fill) {
                *slot = f32::from(sample);
            }
            self.fill += 1;
            if self.fill >= BLOCK {
                let heard = self.analyse();
                self.window.copy_within(HOP.., 0);
                self.fill = BLOCK - HOP;
                if let Some(key) = self.handle_window(heard) {
                    on_key(key);
                }
            }
        }
    }

    /// Feeds an RTP payload in `codec` (the stream's audio, in order); returns the key whose
    /// press was recognised within it, as [`InbandDetector::push`] does. G.722 payloads are
    /// decoded to 16 kHz and resampled to 8 kHz, keeping the decoder's state from one payload
    /// to the next.
    pub fn push_payload(&mut self, codec: Codec, payload: &[u8]) -> Option<char> {
        if self.decoder.as_ref().is_none_or(|d| d.codec() != codec) {
            self.decoder = Some(PayloadDecoder::new(codec));
        }
        let mut linear = [0i16; 160];
        let mut first = None;
        for chunk in payload.chunks(linear.len()) {
            let n = match self.decoder.as_mut() {
                Some(decoder) => decoder.decode(chunk, &mut linear),
                None => 0,
            };
            self.push_with(&linear[..n], |key| {
                first.get_or_insert(key);
            });
        }
        first
    }

    /// Advances the press state machine by one window's verdict; returns a key to report.
    fn handle_window(&mut self, heard: Option<char>) -> Option<char> {
        match heard {
            Some(key) if self.candidate == Some(key) => self.hits = self.hits.saturating_add(1),
            Some(key) => {
                self.candidate = Some(key);
                self.hits = 1;
            }
            None => {
                self.candidate = None;
                self.hits = 0;
            }
        }
        if self.pressed.is_some() && heard == self.pressed {
            self.misses = 0;
        } else {
            self.misses = self.misses.saturating_add(1);
            if self.misses >= RELEASE_WINDOWS {
                self.pressed = None;
            }
        }
        match self.candidate {
            Some(key) if self.hits >= PRESS_WINDOWS && self.pressed != Some(key) => {
                self.pressed = Some(key);
                self.misses = 0;
                Some(key)
            }
            _ => None,
        }
    }

    /// Runs the Goertzel filters over the full window; returns the key it holds, if any.
    fn analyse(&self) -> Option<char> {
        let mut plain = Goertzel::default();
        let mut shaped = Goertzel::default();
        let mut energy = 0.0f32;
        for (&x, &w) in self.window.iter().zip(&self.hann) {
            energy += x * x;
            plain.step(x, &self.plain_coeffs);
            shaped.step(x * w, &self.hann_coeffs);
        }
        let plain = plain.powers(&self.plain_coeffs, 2.0 / (BLOCK * BLOCK) as f32);
        let shaped = shaped.powers(&self.hann_coeffs, self.hann_scale);
        let total = energy / BLOCK as f32;
        let (rows, plain_columns) = plain.split_at(4);
        let (columns, harmonics) = shaped.split_at(4);
        let (row, row_power) = strongest(rows)?;
        let (column, column_power) = strongest(columns)?;
        let column_plain = plain_columns.get(column).copied().unwrap_or(0.0);
        let harmonic_power = harmonics.get(column).copied().unwrap_or(0.0);

        let loud_enough = row_power + column_power >= MIN_POWER;
        let twist_ok =
            row_power <= column_power * NORMAL_TWIST && column_power <= row_power * REVERSE_TWIST;
        let tones_dominate = row_power + column_plain >= TONE_SHARE * total;
        let clean = harmonic_power * HARMONIC_MARGIN <= column_power;
        let peaks_clear = clear_peak(rows, row) && clear_peak(columns, column);
        if loud_enough && twist_ok && tones_dominate && clean && peaks_clear {
            KEYS.get(row).and_then(|r| r.get(column)).copied()
        } else {
            None
        }
    }
}

/// Goertzel state of a bank of [`BANK`] frequencies.
#[derive(Debug, Default)]
struct Goertzel {
    s1: [f32; BANK],
    s2: [f32; BANK],
}

impl Goertzel {
    /// Feeds one sample: `s[n] = x[n] + c·s[n-1] − s[n-2]` for each frequency.
    fn step(&mut self, x: f32, coeffs: &[f32; BANK]) {
        for ((a, b), c) in self.s1.iter_mut().zip(self.s2.iter_mut()).zip(coeffs) {
            let s0 = x + c * *a - *b;
            *b = *a;
            *a = s0;
        }
    }

    /// Squared magnitudes at the end of the window, times `scale`.
    fn powers(&self, coeffs: &[f32; BANK], scale: f32) -> [f32; BANK] {
        let mut out = [0.0; BANK];
        for (((p, a), b), c) in out.iter_mut().zip(&self.s1).zip(&self.s2).zip(coeffs) {
            *p = (a * a + b * b - c * a * b) * scale;
        }
        out
    }
}

/// `2cos(2πf/8000)` for each frequency.
fn coefficients(freqs: impl Iterator<Item = f32>) -> [f32; BANK] {
    let mut coeffs = [0.0; BANK];
    for (c, f) in coeffs.iter_mut().zip(freqs) {
        *c = 2.0 * (2.0 * PI * f / SAMPLE_RATE).cos();
    }
    coeffs
}

/// Index and power of the strongest bin.
fn strongest(powers: &[f32]) -> Option<(usize, f32)> {
    powers
        .iter()
        .copied()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// Whether the bin at `best` is [`RELATIVE_PEAK`] above every other bin of its group.
fn clear_peak(powers: &[f32], best: usize) -> bool {
    let peak = powers.get(best).copied().unwrap_or(0.0);
    powers
        .iter()
        .enumerate()
        .all(|(i, &p)| i == best || p * RELATIVE_PEAK <= peak)
}
