//! WAV IQ recordings: 2 channels, I left and Q right, as SDR#, HDSDR and SDR-Radio write them
//! (8-bit unsigned, 16-bit signed or 32-bit float samples).
//!
//! The RIFF chunk list is walked here (bounded: a fixed number of chunks, seeks instead of
//! reads, small chunks read with a size cap) to find the `fmt ` chunk, the `data` chunk's
//! offset and the SDR#/HDSDR `auxi` chunk; `hound` then validates the `fmt ` chunk alone (fed
//! a minimal WAV built from it, so a data size left unknown by a recorder that was cut short
//! does not upset it). The samples of `data` are the
//! same bytes as a raw cu8/cs16/cf32 stream, so they are streamed by [`RawReader`].
//!
//! `auxi` layout, from the SpectraVue User Guide (Moetronix, v3.18, "auxi chunk"), which SDR#
//! and HDSDR follow: `SYSTEMTIME StartTime; SYSTEMTIME StopTime;` (each eight little-endian
//! u16: year, month, day of week, day, hour, minute, second, milliseconds), then little-endian
//! u32 `CenterFreq` (Hz), `ADFrequency`, `IFFrequency`, `Bandwidth`, `IQOffset`, and unused
//! words.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::raw::RawReader;
use super::{FileFormat, IqSource, Problem, SampleFormat, SourceError, StreamInfo};

/// Most chunks walked before giving up.
const MAX_CHUNKS: usize = 256;
/// Most bytes of an `auxi` chunk read.
const MAX_AUXI: u64 = 4096;
/// Largest `fmt ` chunk accepted (WAVE_FORMAT_EXTENSIBLE needs 40).
const MAX_FMT: u64 = 1024;

/// What the `auxi` chunk says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Auxi {
    /// Centre frequency, Hz (absent when 0).
    pub center_freq_hz: Option<f64>,
    /// Start time as ISO 8601 (`YYYY-MM-DDTHH:MM:SS.mmm`, the recorder's clock, no zone).
    pub start_time: Option<String>,
}

/// Parses the start of an `auxi` chunk.
pub fn parse_auxi(b: &[u8]) -> Auxi {
    let u16_at = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]);
    let mut a = Auxi::default();
    if b.len() >= 16 {
        let (y, mo, d, h, mi, s, ms) = (
            u16_at(0),
            u16_at(2),
            u16_at(6),
            u16_at(8),
            u16_at(10),
            u16_at(12),
            u16_at(14),
        );
        if (1..=9999).contains(&y)
            && (1..=12).contains(&mo)
            && (1..=31).contains(&d)
            && h < 24
            && mi < 60
            && s < 61
            && ms < 1000
        {
            a.start_time = Some(format!(
                "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}"
            ));
        }
    }
    if b.len() >= 36 {
        let f = u32::from_le_bytes([b[32], b[33], b[34], b[35]]);
        if f > 0 {
            a.center_freq_hz = Some(f as f64);
        }
    }
    a
}

struct Layout {
    fmt: Vec<u8>,
    data_offset: u64,
    data_len: u64,
    auxi: Option<Auxi>,
    warning: Option<String>,
}

fn walk(path: &Path, f: &mut File, file_len: u64) -> Result<Layout, SourceError> {
    let io = |e: std::io::Error| SourceError::new(path, e);
    let mut head = [0u8; 12];
    f.seek(SeekFrom::Start(0)).map_err(io)?;
    f.read_exact(&mut head)
        .map_err(|_| SourceError::malformed(path, "truncated WAV: shorter than a RIFF header"))?;
    if &head[0..4] == b"RF64" {
        return Err(SourceError::new(
            path,
            Problem::Unsupported("RF64 (large WAV) files are not supported".into()),
        ));
    }
    if &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return Err(SourceError::malformed(
            path,
            "not a WAV file (no RIFF/WAVE header)",
        ));
    }
    let mut pos = 12u64;
    let mut data: Option<(u64, u64)> = None;
    let mut auxi = None;
    let mut fmt: Option<Vec<u8>> = None;
    for _ in 0..MAX_CHUNKS {
        if pos + 8 > file_len {
            break;
        }
        let mut h = [0u8; 8];
        f.seek(SeekFrom::Start(pos)).map_err(io)?;
        f.read_exact(&mut h).map_err(io)?;
        let size = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as u64;
        let body = pos + 8;
        match &h[0..4] {
            b"data" if data.is_none() => data = Some((body, size)),
            b"fmt " if fmt.is_none() => {
                if size > MAX_FMT || body + size > file_len {
                    return Err(SourceError::malformed(
                        path,
                        format!("truncated or malformed WAV: a fmt chunk of {size} bytes"),
                    ));
                }
                let mut b = vec![0u8; size as usize];
                f.read_exact(&mut b).map_err(io)?;
                fmt = Some(b);
            }
            b"auxi" if auxi.is_none() => {
                let n = size.min(MAX_AUXI).min(file_len - body);
                let mut b = vec![0u8; n as usize];
                f.read_exact(&mut b).map_err(io)?;
                auxi = Some(parse_auxi(&b));
            }
            _ => {}
        }
        if data.is_some() && auxi.is_some() && fmt.is_some() {
            break;
        }
        pos = body + size + (size & 1);
    }
    let Some((data_offset, claimed)) = data else {
        return Err(SourceError::malformed(
            path,
            "truncated or malformed WAV: no data chunk",
        ));
    };
    let Some(fmt) = fmt else {
        return Err(SourceError::malformed(
            path,
            "truncated or malformed WAV: no fmt chunk",
        ));
    };
    let avail = file_len - data_offset;
    let mut warning = None;
    let data_len = if (claimed == 0 || claimed == u32::MAX as u64) && avail > 0 {
        warning = Some(format!(
            "{}: the WAV header gives no data length ({claimed}); the samples were read to the end of the file (a recording cut short?).",
            path.display()
        ));
        avail
    } else if claimed > avail {
        return Err(SourceError::malformed(
            path,
            format!(
                "truncated WAV: the data chunk claims {claimed} bytes but only {avail} follow it"
            ),
        ));
    } else {
        claimed
    };
    Ok(Layout {
        fmt,
        data_offset,
        data_len,
        auxi,
        warning,
    })
}

/// Streams a WAV file's samples, adding the header's warning to the reader's.
struct WavReader {
    inner: RawReader<std::io::Take<BufReader<File>>>,
    warning: Option<String>,
}

impl IqSource for WavReader {
    fn info(&self) -> &StreamInfo {
        self.inner.info()
    }
    fn read(&mut self, out: &mut [num_complex::Complex<f32>]) -> Result<usize, SourceError> {
        self.inner.read(out)
    }
    fn warnings(&self) -> Vec<String> {
        let mut w: Vec<String> = self.warning.iter().cloned().collect();
        w.extend(self.inner.warnings());
        w
    }
}

/// Opens a 2-channel WAV IQ file.
pub fn open(path: &Path) -> Result<Box<dyn IqSource>, SourceError> {
    let mut f = File::open(path).map_err(|e| SourceError::new(path, e))?;
    let file_len = f.metadata().map_err(|e| SourceError::new(path, e))?.len();
    if file_len == 0 {
        return Err(SourceError::new(path, Problem::Empty));
    }
    let layout = walk(path, &mut f, file_len)?;
    let mut mini = Vec::with_capacity(layout.fmt.len() + 28);
    mini.extend_from_slice(b"RIFF");
    mini.extend_from_slice(&((layout.fmt.len() + 20) as u32).to_le_bytes());
    mini.extend_from_slice(b"WAVEfmt ");
    mini.extend_from_slice(&(layout.fmt.len() as u32).to_le_bytes());
    mini.extend_from_slice(&layout.fmt);
    mini.extend_from_slice(b"data\0\0\0\0");
    let spec = hound::WavReader::new(&mini[..])
        .map_err(|e| SourceError::malformed(path, format!("not a valid WAV file: {e}")))?
        .spec();
    if spec.channels != 2 {
        return Err(SourceError::new(
            path,
            Problem::Unsupported(format!(
                "the WAV file has {} channel(s); an IQ recording has 2 (I left, Q right)",
                spec.channels
            )),
        ));
    }
    let sf = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Int, 8) => SampleFormat::Cu8,
        (hound::SampleFormat::Int, 16) => SampleFormat::Cs16,
        (hound::SampleFormat::Float, 32) => SampleFormat::Cf32,
        (k, b) => {
            return Err(SourceError::new(
                path,
                Problem::Unsupported(format!(
                    "{b}-bit {} WAV samples are not supported (8-bit unsigned, 16-bit integer or 32-bit float)",
                    if k == hound::SampleFormat::Float {
                        "float"
                    } else {
                        "integer"
                    }
                )),
            ));
        }
    };
    let bps = sf.bytes_per_sample() as u64;
    let total = layout.data_len / bps;
    if total == 0 {
        return Err(SourceError::new(path, Problem::Empty));
    }
    let auxi = layout.auxi.unwrap_or_default();
    let info = StreamInfo {
        path: path.display().to_string(),
        format: FileFormat::Wav,
        sample_format: sf,
        sample_rate_hz: spec.sample_rate as f64,
        center_freq_hz: auxi.center_freq_hz,
        total_samples: Some(total),
        datetime: auxi.start_time,
        hardware: None,
    };
    f.seek(SeekFrom::Start(layout.data_offset))
        .map_err(|e| SourceError::new(path, e))?;
    let reader = BufReader::with_capacity(1 << 16, f).take(total * bps);
    Ok(Box::new(WavReader {
        inner: RawReader::new(reader, info),
        warning: layout.warning,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auxi_fields() {
        let mut b = vec![0u8; 72];
        for (k, v) in [2024u16, 3, 5, 14, 9, 26, 53, 589].iter().enumerate() {
            b[2 * k..2 * k + 2].copy_from_slice(&v.to_le_bytes());
        }
        b[32..36].copy_from_slice(&433_920_000u32.to_le_bytes());
        let a = parse_auxi(&b);
        assert_eq!(a.center_freq_hz, Some(433_920_000.0));
        assert_eq!(a.start_time.as_deref(), Some("2024-03-14T09:26:53.589"));
    }

    #[test]
    fn auxi_short_or_zero() {
        assert_eq!(parse_auxi(&[0u8; 10]), Auxi::default());
        assert_eq!(parse_auxi(&[0u8; 40]), Auxi::default());
    }
}
