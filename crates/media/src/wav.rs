//! Reading RIFF/WAVE prompt files into 8 kHz linear samples.
//!
//! Accepted: mono, 8 kHz, 16-bit PCM (format 1), μ-law (format 7) or A-law (format 6), and mono
//! 16 kHz 16-bit PCM, which is low-pass filtered and decimated to 8 kHz.
//! `WAVE_FORMAT_EXTENSIBLE` (0xFFFE) is read through its sub-format. Unknown chunks (`LIST`,
//! `fact`, `cue `...) are skipped. A `data` chunk whose declared size runs past the end of the
//! file (written by streaming recorders that never patch the header) is read to the end of
//! the file; any other chunk that runs past the end is an error.

use crate::Error;
use crate::g711;

const FORMAT_PCM: u16 = 1;
const FORMAT_ALAW: u16 = 6;
const FORMAT_ULAW: u16 = 7;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// The parts of a `fmt ` chunk we look at.
#[derive(Debug, Clone, Copy)]
struct Format {
    tag: u16,
    channels: u16,
    sample_rate: u32,
    bits: u16,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn parse_format(chunk: &[u8]) -> Result<Format, Error> {
    let field16 = |at| u16_at(chunk, at).ok_or(Error::WavMalformed);
    let mut tag = field16(0)?;
    if tag == FORMAT_EXTENSIBLE {
        // The sub-format GUID starts at byte 24; its first two bytes are the plain format tag.
        tag = field16(24)?;
    }
    Ok(Format {
        tag,
        channels: field16(2)?,
        sample_rate: u32_at(chunk, 4).ok_or(Error::WavMalformed)?,
        bits: field16(14)?,
    })
}

/// Decodes a WAV file to 8 kHz mono linear samples.
pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<i16>, Error> {
    if bytes.get(0..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WAVE") {
        return Err(Error::WavMalformed);
    }
    let mut format = None;
    let mut data = None;
    let mut at = 12;
    while let (Some(id), Some(size)) = (bytes.get(at..at + 4), u32_at(bytes, at + 4)) {
        let start = at + 8;
        let size = usize::try_from(size).map_err(|_| Error::WavMalformed)?;
        let end = start.checked_add(size).ok_or(Error::WavMalformed)?;
        match id {
            b"fmt " => {
                format = Some(parse_format(
                    bytes.get(start..end).ok_or(Error::WavMalformed)?,
                )?)
            }
            b"data" => {
                data = Some(
                    bytes
                        .get(start..end.min(bytes.len()))
                        .ok_or(Error::WavMalformed)?,
                );
            }
            _ if end > bytes.len() => return Err(Error::WavMalformed),
            _ => {}
        }
        // Chunks are padded to an even length.
        at = end.saturating_add(size & 1);
    }
    let format = format.ok_or(Error::WavMissingChunk("fmt "))?;
    let data = data.ok_or(Error::WavMissingChunk("data"))?;
    let unsupported = Error::WavUnsupported {
        format_tag: format.tag,
        channels: format.channels,
        sample_rate: format.sample_rate,
        bits: format.bits,
    };
    if format.channels != 1 {
        return Err(unsupported);
    }
    let samples: Vec<i16> = match (format.tag, format.sample_rate, format.bits) {
        (FORMAT_PCM, 8000, 16) => pcm16(data).collect(),
        (FORMAT_PCM, 16000, 16) => decimate(&pcm16(data).collect::<Vec<_>>()),
        (FORMAT_ULAW, 8000, 8) => data.iter().map(|c| g711::ulaw_decode(*c)).collect(),
        (FORMAT_ALAW, 8000, 8) => data.iter().map(|c| g711::alaw_decode(*c)).collect(),
        _ => return Err(unsupported),
    };
    if samples.is_empty() {
        return Err(Error::WavEmpty);
    }
    Ok(samples)
}

fn pcm16(data: &[u8]) -> impl Iterator<Item = i16> + '_ {
    data.chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
}

/// Halves the sample rate: a [1 2 1]/4 low-pass (a zero at 8 kHz, the input's Nyquist
/// frequency; −6 dB at 4 kHz) then every second sample. Cheap and good enough for speech prompts
/// that were recorded band-limited anyway.
fn decimate(input: &[i16]) -> Vec<i16> {
    let at = |i: usize| i32::from(input.get(i).copied().unwrap_or(0));
    (0..input.len() / 2)
        .map(|n| {
            let centre = 2 * n;
            let before = if centre == 0 { at(0) } else { at(centre - 1) };
            let sum = before + 2 * at(centre) + at(centre + 1);
            // The weighted mean of three i16 stays within i16.
            (sum / 4) as i16
        })
        .collect()
}

/// Builds WAV files for tests (here and in prompt.rs).
#[cfg(test)]
pub(crate) fn build_wav(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&tag.to_le_bytes());
    fmt.extend_from_slice(&channels.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes());
    let block = channels * bits / 8;
    fmt.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    fmt.extend_from_slice(&block.to_le_bytes());
    fmt.extend_from_slice(&bits.to_le_bytes());
    let mut body = b"WAVE".to_vec();
    for (id, chunk) in [
        (b"fmt ", fmt.as_slice()),
        (b"LIST", b"xyz".as_slice()),
        (b"data", data),
    ] {
        body.extend_from_slice(id);
        body.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        body.extend_from_slice(chunk);
        if chunk.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut wav = b"RIFF".to_vec();
    wav.extend_from_slice(&(body.len() as u32).to_le_bytes());
    wav.extend_from_slice(&body);
    wav
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcm_bytes(samples: &[i16]) -> Vec<u8> {
        samples.iter().flat_map(|s| s.to_le_bytes()).collect()
    }

    #[test]
    fn reads_8khz_pcm_skipping_unknown_chunks() {
        let wav = build_wav(FORMAT_PCM, 1, 8000, 16, &pcm_bytes(&[1, -2, 300]));
        assert_eq!(decode(&wav), Ok(vec![1, -2, 300]));
    }

    #[test]
    fn reads_ulaw_and_alaw() {
        let ulaw = build_wav(FORMAT_ULAW, 1, 8000, 8, &[0xFF, 0x80]);
        assert_eq!(decode(&ulaw), Ok(vec![0, 32124]));
        let alaw = build_wav(FORMAT_ALAW, 1, 8000, 8, &[0xD5]);
        assert_eq!(decode(&alaw), Ok(vec![8]));
    }

    #[test]
    fn halves_16khz_pcm() {
        let wav = build_wav(FORMAT_PCM, 1, 16000, 16, &pcm_bytes(&[100; 320]));
        let samples = decode(&wav).expect("16 kHz accepted");
        assert_eq!(samples.len(), 160);
        assert!(samples.iter().skip(1).all(|s| *s == 100));
    }

    #[test]
    fn rejects_what_it_cannot_play() {
        let stereo = build_wav(FORMAT_PCM, 2, 8000, 16, &[0; 8]);
        assert!(matches!(
            decode(&stereo),
            Err(Error::WavUnsupported { channels: 2, .. })
        ));
        let rate = build_wav(FORMAT_PCM, 1, 44100, 16, &[0; 8]);
        assert!(matches!(
            decode(&rate),
            Err(Error::WavUnsupported {
                sample_rate: 44100,
                ..
            })
        ));
        assert_eq!(
            decode(b"RIFF\0\0\0\0WAVE"),
            Err(Error::WavMissingChunk("fmt "))
        );
        assert_eq!(decode(b"not a wav file"), Err(Error::WavMalformed));
        assert_eq!(
            decode(&build_wav(FORMAT_PCM, 1, 8000, 16, &[])),
            Err(Error::WavEmpty)
        );
        let mut truncated = build_wav(FORMAT_PCM, 1, 8000, 16, &[0; 4]);
        truncated.truncate(20);
        assert_eq!(decode(&truncated), Err(Error::WavMalformed));
    }

    #[test]
    fn data_chunk_with_oversized_length_is_read_to_the_end() {
        let mut wav = build_wav(FORMAT_PCM, 1, 8000, 16, &pcm_bytes(&[7, 8]));
        let len = wav.len();
        wav[len - 8..len - 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(decode(&wav), Ok(vec![7, 8]));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..128)) {
            let mut wav = b"RIFF\0\0\0\0WAVE".to_vec();
            wav.extend_from_slice(&bytes);
            let _ = decode(&wav);
            let _ = decode(&bytes);
        }
    }
}
