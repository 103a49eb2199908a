//! Talk-off: speech, music, noise, single tones and call-progress tones are never taken for
//! key presses, while a real press in moderate noise still is.

mod tones;

use media::{Codec, InbandDetector, Prompt};
use tones::{KEYS, concat, detect, detect_encoded, key_tone, mix, noise, silence, sines};

const PROMPTS: [(&str, &[u8]); 6] = [
    (
        "connecting",
        include_bytes!("../../../configs/prompts/connecting.wav"),
    ),
    (
        "goodbye",
        include_bytes!("../../../configs/prompts/goodbye.wav"),
    ),
    (
        "greeting",
        include_bytes!("../../../configs/prompts/greeting.wav"),
    ),
    ("hold", include_bytes!("../../../configs/prompts/hold.wav")),
    (
        "invalid",
        include_bytes!("../../../configs/prompts/invalid.wav"),
    ),
    ("menu", include_bytes!("../../../configs/prompts/menu.wav")),
];

#[test]
fn the_project_prompts_and_hold_music_hold_no_key() {
    for (name, wav) in PROMPTS {
        let prompt = Prompt::from_wav(wav).expect("prompt decodes");
        for codec in [Codec::Pcmu, Codec::Pcma, Codec::G722] {
            let mut detector = InbandDetector::new();
            // Twice in a row, as a looping prompt is heard.
            for index in (0..prompt.frame_count()).chain(0..prompt.frame_count()) {
                let frame = prompt.frame(codec, index).expect("frame in range");
                assert_eq!(
                    detector.push_payload(codec, frame),
                    None,
                    "{name} via {codec:?}"
                );
            }
        }
    }
}

#[test]
fn white_noise_holds_no_key() {
    for seed in 1..=4 {
        for level in [-5.0, -15.0, -25.0, -35.0] {
            assert_eq!(
                detect(&noise(seed, level, 5000)),
                [],
                "seed {seed} at {level} dBm0"
            );
        }
    }
}

#[test]
fn single_tones_hold_no_key() {
    let mut frequencies: Vec<f64> = KEYS.iter().flat_map(|&(_, r, c)| [r, c]).collect();
    frequencies.extend([350.0, 440.0, 1000.0, 2000.0]);
    for f in frequencies {
        for level in [-3.0, -10.0, -25.0] {
            assert_eq!(
                detect(&sines(&[(f, level)], 1000)),
                [],
                "{f} Hz at {level} dBm0"
            );
        }
    }
}

#[test]
fn call_progress_tones_hold_no_key() {
    // North American dial tone, ringback and busy; European dial tone with a harmonic.
    let pairs = [
        (350.0, 440.0),
        (440.0, 480.0),
        (480.0, 620.0),
        (425.0, 850.0),
    ];
    for (a, b) in pairs {
        let tone = sines(&[(a, -13.0), (b, -13.0)], 2000);
        assert_eq!(detect(&tone), [], "{a}+{b} Hz");
        assert_eq!(
            detect_encoded(Codec::Pcmu, &tone),
            [],
            "{a}+{b} Hz via PCMU"
        );
        assert_eq!(
            detect_encoded(Codec::G722, &tone),
            [],
            "{a}+{b} Hz via G.722"
        );
    }
}

#[test]
fn a_press_in_noise_at_15_db_snr_is_detected() {
    // Two tones at −15 dBm0 make −12 dBm0; noise at −27 dBm0 is 15 dB below.
    for (seed, (key, _, _)) in (10..).zip(KEYS) {
        let press = concat(&[silence(40), key_tone(key, -15.0, -15.0, 80), silence(80)]);
        let audio = mix(&press, &noise(seed, -27.0, 200));
        assert_eq!(detect(&audio), [key], "{key} in noise, seed {seed}");
        assert_eq!(
            detect_encoded(Codec::Pcma, &audio),
            [key],
            "{key} in noise via PCMA"
        );
        assert_eq!(
            detect_encoded(Codec::G722, &audio),
            [key],
            "{key} in noise via G.722"
        );
    }
}
