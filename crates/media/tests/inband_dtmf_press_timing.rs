//! Q.24 timing: a press of 40 ms counts, one of 20 ms does not; a held key is one press, and a
//! gap of 40 ms or more separates two presses of the same key.

mod tones;

use media::InbandDetector;
use tones::{concat, detect, press, silence};

/// Lead-in silence of every length within two analysis hops, so each test sees the tone
/// start at every position relative to the detector's windows.
fn offsets() -> impl Iterator<Item = Vec<i16>> {
    (0..102).map(|n| vec![0i16; n])
}

#[test]
fn a_40_ms_tone_is_reported_wherever_it_starts() {
    for key in ['1', '5', '9', '#', 'D'] {
        for lead in offsets() {
            let audio = concat(&[lead.clone(), press(key, 40), silence(60)]);
            assert_eq!(detect(&audio), [key], "{key} after {} samples", lead.len());
        }
    }
}

#[test]
fn a_20_ms_or_23_ms_tone_is_never_reported() {
    for key in ['1', '5', '9', '#', 'D'] {
        for lead in offsets() {
            for ms in [20, 23] {
                let mut tone = press(key, 23);
                tone.truncate(ms * 8);
                let audio = concat(&[lead.clone(), tone, silence(60)]);
                assert_eq!(
                    detect(&audio),
                    [],
                    "{ms} ms {key} after {} samples",
                    lead.len()
                );
            }
        }
    }
}

#[test]
fn a_held_key_is_reported_once() {
    let audio = concat(&[silence(20), press('7', 2000), silence(100)]);
    assert_eq!(detect(&audio), ['7']);
}

#[test]
fn the_same_key_after_a_50_ms_gap_is_a_second_press() {
    for lead in offsets() {
        let audio = concat(&[
            lead,
            press('3', 60),
            silence(50),
            press('3', 60),
            silence(50),
        ]);
        assert_eq!(detect(&audio), ['3', '3']);
    }
}

#[test]
fn the_same_key_after_a_40_ms_gap_is_a_second_press() {
    for lead in offsets() {
        let audio = concat(&[
            lead,
            press('0', 50),
            silence(40),
            press('0', 50),
            silence(50),
        ]);
        assert_eq!(detect(&audio), ['0', '0']);
    }
}

#[test]
fn a_10_ms_dropout_does_not_split_a_press() {
    for lead in offsets() {
        let audio = concat(&[
            lead,
            press('8', 80),
            silence(10),
            press('8', 80),
            silence(50),
        ]);
        assert_eq!(detect(&audio), ['8']);
    }
}

#[test]
fn a_different_key_straight_after_is_its_own_press() {
    let audio = concat(&[press('4', 80), press('6', 80), silence(50)]);
    assert_eq!(detect(&audio), ['4', '6']);
}

#[test]
fn reset_forgets_a_press_in_progress() {
    let mut detector = InbandDetector::new();
    assert_eq!(detector.push(&press('2', 20)), None);
    detector.reset();
    assert_eq!(detector.push(&press('2', 20)), None);
    assert_eq!(detector.push(&silence(60)), None);
}
