//! ITU-T G.711 companding: μ-law (PCMU, RTP payload type 0) and A-law (PCMA, payload type 8).
//!
//! Samples are linear 16-bit. Decoding goes through 256-entry tables built at compile time;
//! encoding is computed (a handful of integer operations, no branches on data beyond the sign).
//! The law-to-law tables used by the relay to transcode in place are `encode(decode(code))`,
//! also built at compile time.
//!
//! Scaling: μ-law codes cover ±8159 in 14-bit units, A-law ±4032 in 13-bit units; both are shifted
//! to the 16-bit range so decoded values reach ±32124 (μ-law) and ±32256 (A-law).

/// Bias added before μ-law segment search (G.711 §3.4, in 16-bit units).
const ULAW_BIAS: i32 = 0x84;
/// Largest magnitude μ-law can represent before the bias would overflow the top segment.
const ULAW_CLIP: i32 = 32635;

/// μ-law code of linear silence (positive zero).
pub const ULAW_SILENCE: u8 = 0xFF;
/// A-law code of linear silence (the smallest positive step).
pub const ALAW_SILENCE: u8 = 0xD5;

/// Encodes one linear sample to μ-law.
pub const fn ulaw_encode(sample: i16) -> u8 {
    let mut magnitude = sample as i32;
    let sign = if magnitude < 0 {
        magnitude = -magnitude;
        0x80
    } else {
        0
    };
    if magnitude > ULAW_CLIP {
        magnitude = ULAW_CLIP;
    }
    magnitude += ULAW_BIAS;
    // The biased magnitude lies in 132..=32767: its top bit is bit 7..=14, i.e. segment 0..=7.
    let top_bit = 31 - (magnitude as u32).leading_zeros() as i32;
    let segment = top_bit - 7;
    let mantissa = (magnitude >> (segment + 3)) & 0x0F;
    !((sign | (segment << 4) | mantissa) as u8)
}

/// Decodes one μ-law code by formula (the tables are built from this).
const fn ulaw_decode_formula(code: u8) -> i16 {
    let inverted = !code;
    let segment = ((inverted >> 4) & 0x07) as i32;
    let mantissa = (inverted & 0x0F) as i32;
    // Midpoint of the quantisation interval the encoder maps to this code.
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << segment) - ULAW_BIAS;
    if inverted & 0x80 != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

/// Encodes one linear sample to A-law.
pub const fn alaw_encode(sample: i16) -> u8 {
    // A-law is symmetric around -0.5: negative samples use the one's complement, which maps
    // -1 to magnitude 0 and -32768 to 32767 without overflow.
    let (sign, magnitude) = if sample >= 0 {
        (0x80, sample as i32)
    } else {
        (0x00, !sample as i32)
    };
    let m = magnitude >> 3; // 12-bit magnitude, 0..=4095
    let code = if m < 32 {
        m >> 1
    } else {
        let top_bit = 31 - (m as u32).leading_zeros() as i32; // 5..=11
        let segment = top_bit - 4;
        (segment << 4) | ((m >> segment) & 0x0F)
    };
    ((sign | code) ^ 0x55) as u8
}

/// Decodes one A-law code by formula (the tables are built from this).
const fn alaw_decode_formula(code: u8) -> i16 {
    let a = code ^ 0x55;
    let segment = ((a >> 4) & 0x07) as i32;
    let mantissa = (a & 0x0F) as i32;
    let magnitude = if segment == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (segment - 1)
    };
    if a & 0x80 != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

const fn build_decode_table(decode: fn_decode::Decode) -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0usize;
    while code < 256 {
        table[code] = match decode {
            fn_decode::Decode::Ulaw => ulaw_decode_formula(code as u8),
            fn_decode::Decode::Alaw => alaw_decode_formula(code as u8),
        };
        code += 1;
    }
    table
}

/// Which law a compile-time table is built for (const fns cannot take fn pointers portably).
mod fn_decode {
    pub(super) enum Decode {
        Ulaw,
        Alaw,
    }
}

/// μ-law code → linear sample.
static ULAW_DECODE: [i16; 256] = build_decode_table(fn_decode::Decode::Ulaw);
/// A-law code → linear sample.
static ALAW_DECODE: [i16; 256] = build_decode_table(fn_decode::Decode::Alaw);

const fn build_ulaw_to_alaw() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut code = 0usize;
    while code < 256 {
        table[code] = alaw_encode(ulaw_decode_formula(code as u8));
        code += 1;
    }
    table
}

const fn build_alaw_to_ulaw() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut code = 0usize;
    while code < 256 {
        table[code] = ulaw_encode(alaw_decode_formula(code as u8));
        code += 1;
    }
    table
}

/// μ-law code → A-law code (decode then encode, computed at compile time).
pub static ULAW_TO_ALAW: [u8; 256] = build_ulaw_to_alaw();
/// A-law code → μ-law code (decode then encode, computed at compile time).
pub static ALAW_TO_ULAW: [u8; 256] = build_alaw_to_ulaw();

/// Decodes one μ-law code.
#[inline]
pub fn ulaw_decode(code: u8) -> i16 {
    ULAW_DECODE[usize::from(code)]
}

/// Decodes one A-law code.
#[inline]
pub fn alaw_decode(code: u8) -> i16 {
    ALAW_DECODE[usize::from(code)]
}

/// Transcodes one μ-law code to A-law.
#[inline]
pub fn ulaw_to_alaw(code: u8) -> u8 {
    ULAW_TO_ALAW[usize::from(code)]
}

/// Transcodes one A-law code to μ-law.
#[inline]
pub fn alaw_to_ulaw(code: u8) -> u8 {
    ALAW_TO_ULAW[usize::from(code)]
}

/// Encodes samples to μ-law; stops at the shorter of the two slices.
pub fn ulaw_encode_slice(samples: &[i16], out: &mut [u8]) {
    for (o, s) in out.iter_mut().zip(samples) {
        *o = ulaw_encode(*s);
    }
}

/// Encodes samples to A-law; stops at the shorter of the two slices.
pub fn alaw_encode_slice(samples: &[i16], out: &mut [u8]) {
    for (o, s) in out.iter_mut().zip(samples) {
        *o = alaw_encode(*s);
    }
}

/// Decodes μ-law codes; stops at the shorter of the two slices.
pub fn ulaw_decode_slice(codes: &[u8], out: &mut [i16]) {
    for (o, c) in out.iter_mut().zip(codes) {
        *o = ulaw_decode(*c);
    }
}

/// Decodes A-law codes; stops at the shorter of the two slices.
pub fn alaw_decode_slice(codes: &[u8], out: &mut [i16]) {
    for (o, c) in out.iter_mut().zip(codes) {
        *o = alaw_decode(*c);
    }
}

/// Rewrites μ-law codes to A-law in place (same length: one table lookup per byte).
pub fn ulaw_to_alaw_in_place(codes: &mut [u8]) {
    for c in codes {
        *c = ulaw_to_alaw(*c);
    }
}

/// Rewrites A-law codes to μ-law in place.
pub fn alaw_to_ulaw_in_place(codes: &mut [u8]) {
    for c in codes {
        *c = alaw_to_ulaw(*c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// μ-law decoding straight from the G.711 definition, independent of the bit tricks above:
    /// the midpoint of the code's quantisation interval in 14-bit units, scaled to 16 bits.
    fn ulaw_expected(code: u8) -> i16 {
        let c = !code;
        let negative = c & 0x80 != 0;
        let segment = i32::from((c >> 4) & 7);
        let mantissa = i32::from(c & 0x0F);
        // Segment s starts at 33·(2^s − 1) and has steps of 2^(s+1) (14-bit units).
        let value14 = (2 * mantissa + 33) * (1 << segment) - 33;
        let v = value14 * 4;
        (if negative { -v } else { v }) as i16
    }

    /// A-law decoding from the G.711 definition: the interval midpoint in 13-bit units (segment
    /// 0 has steps of 2, segment s ≥ 1 starts at 2^(s+4) with steps of 2^s), scaled by 8.
    fn alaw_expected(code: u8) -> i16 {
        let a = code ^ 0x55;
        let positive = a & 0x80 != 0;
        let segment = i32::from((a >> 4) & 7);
        let mantissa = i32::from(a & 0x0F);
        let value13 = if segment == 0 {
            2 * mantissa + 1
        } else {
            (2 * mantissa + 33) << (segment - 1)
        };
        let v = value13 * 8;
        (if positive { v } else { -v }) as i16
    }

    fn ulaw_step(code: u8) -> i32 {
        let segment = i32::from(((!code) >> 4) & 7);
        8 << segment
    }

    fn alaw_step(code: u8) -> i32 {
        let segment = i32::from(((code ^ 0x55) >> 4) & 7);
        if segment == 0 {
            16
        } else {
            16 << (segment - 1)
        }
    }

    #[test]
    fn every_ulaw_code_decodes_to_the_g711_value() {
        for code in 0..=255u8 {
            assert_eq!(ulaw_decode(code), ulaw_expected(code), "code {code:#04x}");
        }
        assert_eq!(ulaw_decode(0x00), -32124);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0);
    }

    #[test]
    fn every_alaw_code_decodes_to_the_g711_value() {
        for code in 0..=255u8 {
            assert_eq!(alaw_decode(code), alaw_expected(code), "code {code:#04x}");
        }
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32256);
        assert_eq!(alaw_decode(0x2A), -32256);
    }

    #[test]
    fn ulaw_encode_inverts_decode_except_negative_zero() {
        for code in 0..=255u8 {
            let back = ulaw_encode(ulaw_decode(code));
            if code == 0x7F {
                // Negative zero decodes to 0, which encodes as positive zero.
                assert_eq!(back, 0xFF);
            } else {
                assert_eq!(back, code, "code {code:#04x}");
            }
        }
    }

    #[test]
    fn alaw_encode_inverts_decode_for_every_code() {
        for code in 0..=255u8 {
            assert_eq!(alaw_encode(alaw_decode(code)), code, "code {code:#04x}");
        }
    }

    #[test]
    fn ulaw_encode_is_monotonic_and_within_one_step_over_all_samples() {
        let mut previous = i16::MIN;
        for sample in i16::MIN..=i16::MAX {
            let code = ulaw_encode(sample);
            let decoded = ulaw_decode(code);
            assert!(decoded >= previous, "not monotonic at {sample}");
            previous = decoded;
            let error = (i32::from(decoded) - i32::from(sample)).abs();
            // Beyond the clip level the error is the distance to the largest code.
            let allowed = ulaw_step(code).max(i32::from(sample).abs() - 32124);
            assert!(
                error <= allowed,
                "sample {sample}: error {error} > {allowed}"
            );
        }
    }

    #[test]
    fn alaw_encode_is_monotonic_and_within_one_step_over_all_samples() {
        let mut previous = i16::MIN;
        for sample in i16::MIN..=i16::MAX {
            let code = alaw_encode(sample);
            let decoded = alaw_decode(code);
            assert!(decoded >= previous, "not monotonic at {sample}");
            previous = decoded;
            let error = (i32::from(decoded) - i32::from(sample)).abs();
            assert!(error <= alaw_step(code), "sample {sample}: error {error}");
        }
    }

    #[test]
    fn transcoding_tables_match_decode_then_encode() {
        for code in 0..=255u8 {
            assert_eq!(ulaw_to_alaw(code), alaw_encode(ulaw_decode(code)));
            assert_eq!(alaw_to_ulaw(code), ulaw_encode(alaw_decode(code)));
        }
        assert_eq!(ulaw_to_alaw(ULAW_SILENCE), ALAW_SILENCE);
        // A-law has no zero code: its silence (+8) lands one step above μ-law zero.
        assert_eq!(ulaw_decode(alaw_to_ulaw(ALAW_SILENCE)), 8);
    }

    #[test]
    fn transcoding_keeps_the_sample_within_the_coarser_step() {
        for code in 0..=255u8 {
            let linear = i32::from(ulaw_decode(code));
            let via_alaw = i32::from(alaw_decode(ulaw_to_alaw(code)));
            let allowed = ulaw_step(code).max(alaw_step(ulaw_to_alaw(code)));
            assert!((linear - via_alaw).abs() <= allowed, "code {code:#04x}");
        }
    }

    #[test]
    fn slice_helpers_stop_at_the_shorter_slice() {
        let samples = [0i16, 1000, -1000];
        let mut codes = [0u8; 2];
        ulaw_encode_slice(&samples, &mut codes);
        assert_eq!(codes, [ulaw_encode(0), ulaw_encode(1000)]);
        let mut back = [7i16; 3];
        ulaw_decode_slice(&codes, &mut back);
        assert_eq!(back[2], 7);
        let mut a = codes;
        ulaw_to_alaw_in_place(&mut a);
        alaw_to_ulaw_in_place(&mut a);
        let mut linear = [0i16; 2];
        alaw_decode_slice(&[ALAW_SILENCE, ALAW_SILENCE], &mut linear);
        assert_eq!(linear, [8, 8]);
        let mut alaw = [0u8; 1];
        alaw_encode_slice(&[8], &mut alaw);
        assert_eq!(alaw, [ALAW_SILENCE]);
    }
}
