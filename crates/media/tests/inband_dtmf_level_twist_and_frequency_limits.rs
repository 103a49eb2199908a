//! Tone pairs that are too quiet, too unequal (twist beyond Q.24's 8 dB normal, 4 dB
//! reverse) or too far off frequency are not key presses; those within the limits are.

mod tones;

use tones::{KEYS, concat, detect, key_tone, silence, sines};

fn heard(key: char, low: f64, high: f64) -> Vec<char> {
    detect(&concat(&[
        silence(20),
        key_tone(key, low, high, 100),
        silence(60),
    ]))
}

#[test]
fn normal_twist_up_to_8_db_is_accepted() {
    for (key, _, _) in KEYS {
        assert_eq!(
            heard(key, -12.0, -19.0),
            [key],
            "{key} with 7 dB normal twist"
        );
    }
}

#[test]
fn reverse_twist_up_to_4_db_is_accepted() {
    for (key, _, _) in KEYS {
        assert_eq!(
            heard(key, -15.0, -12.0),
            [key],
            "{key} with 3 dB reverse twist"
        );
    }
}

#[test]
fn normal_twist_beyond_8_db_is_rejected() {
    for (key, _, _) in KEYS {
        assert_eq!(
            heard(key, -10.0, -20.0),
            [],
            "{key} with 10 dB normal twist"
        );
    }
}

#[test]
fn reverse_twist_beyond_4_db_is_rejected() {
    for (key, _, _) in KEYS {
        assert_eq!(
            heard(key, -16.0, -10.0),
            [],
            "{key} with 6 dB reverse twist"
        );
    }
}

#[test]
fn tones_below_the_minimum_level_are_ignored() {
    for (key, _, _) in KEYS {
        assert_eq!(heard(key, -36.0, -36.0), [], "{key} at -36 dBm0 per tone");
    }
}

#[test]
fn tones_within_one_and_a_half_percent_of_nominal_are_accepted() {
    for (key, row, column) in KEYS {
        for factor in [0.985, 1.015] {
            let tone = sines(&[(row * factor, -15.0), (column * factor, -15.0)], 80);
            let audio = concat(&[silence(30), tone, silence(60)]);
            assert_eq!(detect(&audio), [key], "{key} at {factor}× nominal");
        }
    }
}

#[test]
fn tones_three_and_a_half_percent_off_nominal_are_rejected() {
    for (key, row, column) in KEYS {
        for factor in [0.965, 1.035] {
            let tone = sines(&[(row * factor, -12.0), (column * factor, -12.0)], 100);
            let audio = concat(&[silence(30), tone, silence(60)]);
            assert_eq!(detect(&audio), [], "{key} at {factor}× nominal");
        }
    }
}

#[test]
fn equal_tones_at_minus_32_dbm0_are_still_heard() {
    for (key, _, _) in KEYS {
        assert_eq!(
            heard(key, -32.0, -32.0),
            [key],
            "{key} at -32 dBm0 per tone"
        );
    }
}
