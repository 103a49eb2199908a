//! Every keypad key is recognised from its Q.23 tone pair, at realistic levels, in linear PCM
//! and after a trip through either G.711 law or G.722.

mod tones;

use media::{Codec, InbandDetector};
use tones::{KEYS, concat, detect, detect_encoded, key_tone, silence};

/// Row / column levels in dBm0: equal loud, equal quiet, high group 2 dB up (usual phone
/// pre-emphasis), high group 5 dB down (a long line).
const LEVELS: [(f64, f64); 4] = [
    (-10.0, -10.0),
    (-25.0, -25.0),
    (-18.0, -16.0),
    (-20.0, -25.0),
];

fn one_press(key: char, low: f64, high: f64) -> Vec<i16> {
    concat(&[silence(30), key_tone(key, low, high, 80), silence(60)])
}

#[test]
fn every_key_at_every_level_in_linear_pcm() {
    for (key, _, _) in KEYS {
        for (low, high) in LEVELS {
            assert_eq!(
                detect(&one_press(key, low, high)),
                [key],
                "{key} at {low}/{high} dBm0"
            );
        }
    }
}

#[test]
fn every_key_after_mu_law_a_law_and_g722() {
    for codec in [Codec::Pcmu, Codec::Pcma, Codec::G722] {
        for (key, _, _) in KEYS {
            for (low, high) in LEVELS {
                let keys = detect_encoded(codec, &one_press(key, low, high));
                assert_eq!(keys, [key], "{key} at {low}/{high} dBm0 via {codec:?}");
            }
        }
    }
}

#[test]
fn a_dialled_sequence_in_one_long_slice_is_seen_in_full() {
    let dialled = "1234567890*#ABCD";
    let mut audio = Vec::new();
    for key in dialled.chars() {
        audio.extend(key_tone(key, -12.0, -11.0, 60));
        audio.extend(silence(60));
    }
    let mut detector = InbandDetector::new();
    let mut keys = String::new();
    detector.push_with(&audio, |key| keys.push(key));
    assert_eq!(keys, dialled);
    assert_eq!(detect(&audio).into_iter().collect::<String>(), dialled);
}
