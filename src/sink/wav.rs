//! WAV IQ recordings as SDR# and HDSDR write them: 2 channels (I left, Q right), 16-bit integer
//! or 32-bit float samples, and an `auxi` chunk carrying the start time and centre frequency.
//!
//! The RIFF structure is written here directly (hound cannot write extra chunks). `auxi`
//! layout from the SpectraVue User Guide (Moetronix, v3.18): `SYSTEMTIME StartTime`,
//! `SYSTEMTIME StopTime`, then u32 `CenterFreq`, `ADFrequency`, `IFFrequency`, `Bandwidth`,
//! `IQOffset`, five unused u32 and a 96-byte next-file name. Sizes in the headers are written
//! as 0xFFFFFFFF ("unknown", as streaming writers do) and patched when the recording ends.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use num_complex::Complex;

use super::raw::SampleWriter;
use super::{IqSink, SinkError, SinkMeta};
use crate::source::SampleFormat;

/// Sample encoding of a WAV recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WavSamples {
    /// 16-bit signed integers (PCM).
    I16,
    /// 32-bit IEEE floats.
    F32,
}

/// Size of the `auxi` chunk body written.
const AUXI_LEN: usize = 32 + 10 * 4 + 96;

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff][Z]` into SYSTEMTIME words (year, month, day of week,
/// day, hour, minute, second, milliseconds).
pub fn systemtime(iso: &str) -> Option<[u16; 8]> {
    let b = iso.trim().as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u16> {
        std::str::from_utf8(&b[r]).ok()?.parse().ok()
    };
    let (y, mo, d, h, mi, s) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    let mut ms = 0u16;
    if b.len() > 20 && b[19] == b'.' {
        let digits: String = iso.trim()[20..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .take(3)
            .collect();
        if !digits.is_empty() {
            ms = digits.parse::<u16>().ok()? * 10u16.pow(3 - digits.len() as u32);
        }
    }
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    // Day of week (0 = Sunday), Sakamoto's method.
    let t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let yy = if mo < 3 { y as i32 - 1 } else { y as i32 };
    let dow =
        (yy + yy / 4 - yy / 100 + yy / 400 + t[mo as usize - 1] + d as i32).rem_euclid(7) as u16;
    Some([y, mo, dow, d, h, mi, s, ms])
}

/// The `auxi` chunk body.
pub fn auxi_body(meta: &SinkMeta) -> [u8; AUXI_LEN] {
    let mut b = [0u8; AUXI_LEN];
    if let Some(st) = meta.datetime.as_deref().and_then(systemtime) {
        for (k, w) in st.iter().enumerate() {
            b[2 * k..2 * k + 2].copy_from_slice(&w.to_le_bytes());
        }
    }
    let f = meta
        .center_freq_hz
        .filter(|f| f.is_finite() && *f >= 0.0 && *f <= u32::MAX as f64)
        .map_or(0, |f| f.round() as u32);
    b[32..36].copy_from_slice(&f.to_le_bytes());
    b[36..40]
        .copy_from_slice(&(meta.sample_rate_hz.round().min(u32::MAX as f64) as u32).to_le_bytes());
    b
}

/// A WAV recording being written.
pub struct WavWriter {
    path: PathBuf,
    w: SampleWriter<BufWriter<File>>,
    /// Offsets of the size fields to patch: RIFF size, data size, fact sample count.
    data_size_at: u64,
    fact_at: Option<u64>,
    header_len: u64,
}

impl WavWriter {
    /// Creates `path`.
    pub fn create(path: &Path, samples: WavSamples, meta: &SinkMeta) -> Result<Self, SinkError> {
        let rate = meta.sample_rate_hz.round();
        if !(1.0..=u32::MAX as f64).contains(&rate) {
            return Err(SinkError::new(
                path,
                format!("sample rate {rate} does not fit a WAV header"),
            ));
        }
        let rate = rate as u32;
        let (tag, bits, sf, fmt_len): (u16, u16, SampleFormat, u32) = match samples {
            WavSamples::I16 => (1, 16, SampleFormat::Cs16, 16),
            WavSamples::F32 => (3, 32, SampleFormat::Cf32, 18),
        };
        let block = 2 * bits / 8;
        let mut h: Vec<u8> = Vec::with_capacity(300);
        h.extend_from_slice(b"RIFF");
        h.extend_from_slice(&u32::MAX.to_le_bytes());
        h.extend_from_slice(b"WAVE");
        h.extend_from_slice(b"fmt ");
        h.extend_from_slice(&fmt_len.to_le_bytes());
        h.extend_from_slice(&tag.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&rate.to_le_bytes());
        h.extend_from_slice(&(rate.saturating_mul(block as u32)).to_le_bytes());
        h.extend_from_slice(&block.to_le_bytes());
        h.extend_from_slice(&bits.to_le_bytes());
        let mut fact_at = None;
        if fmt_len == 18 {
            h.extend_from_slice(&0u16.to_le_bytes());
            // Non-PCM formats carry a fact chunk with the frame count.
            h.extend_from_slice(b"fact");
            h.extend_from_slice(&4u32.to_le_bytes());
            fact_at = Some(h.len() as u64);
            h.extend_from_slice(&u32::MAX.to_le_bytes());
        }
        h.extend_from_slice(b"auxi");
        h.extend_from_slice(&(AUXI_LEN as u32).to_le_bytes());
        h.extend_from_slice(&auxi_body(meta));
        h.extend_from_slice(b"data");
        let data_size_at = h.len() as u64;
        h.extend_from_slice(&u32::MAX.to_le_bytes());
        let mut f = File::create(path).map_err(|e| SinkError::new(path, e))?;
        f.write_all(&h).map_err(|e| SinkError::new(path, e))?;
        Ok(WavWriter {
            path: path.to_path_buf(),
            w: SampleWriter::new(BufWriter::with_capacity(1 << 16, f), sf),
            data_size_at,
            fact_at,
            header_len: h.len() as u64,
        })
    }
}

impl IqSink for WavWriter {
    fn write(&mut self, samples: &[Complex<f32>]) -> Result<(), SinkError> {
        let bps = match self.fact_at {
            Some(_) => 8,
            None => 4,
        };
        let after = self.header_len + (self.w.samples() + samples.len() as u64) * bps;
        if after > u32::MAX as u64 {
            return Err(SinkError::new(
                &self.path,
                "a WAV file cannot exceed 4 GiB; record to SigMF or a raw format instead",
            ));
        }
        self.w
            .write(samples)
            .map_err(|e| SinkError::new(&self.path, e))
    }

    fn finish(self: Box<Self>) -> Result<(), SinkError> {
        let WavWriter {
            path,
            w,
            data_size_at,
            fact_at,
            header_len,
        } = *self;
        let frames = w.samples();
        let bps = if fact_at.is_some() { 8 } else { 4 };
        let data_len = frames * bps;
        let io = |e: std::io::Error| SinkError::new(&path, e);
        let mut f = w
            .into_inner()
            .into_inner()
            .map_err(|e| io(e.into_error()))?;
        f.seek(SeekFrom::Start(4)).map_err(io)?;
        f.write_all(&((header_len - 8 + data_len) as u32).to_le_bytes())
            .map_err(io)?;
        f.seek(SeekFrom::Start(data_size_at)).map_err(io)?;
        f.write_all(&(data_len as u32).to_le_bytes()).map_err(io)?;
        if let Some(at) = fact_at {
            f.seek(SeekFrom::Start(at)).map_err(io)?;
            f.write_all(&(frames as u32).to_le_bytes()).map_err(io)?;
        }
        f.sync_all().map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systemtime_parses_iso() {
        // 14 March 2024 was a Thursday (4).
        assert_eq!(
            systemtime("2024-03-14T09:26:53.589Z"),
            Some([2024, 3, 4, 14, 9, 26, 53, 589])
        );
        assert_eq!(
            systemtime("2000-01-01T00:00:00Z"),
            Some([2000, 1, 6, 1, 0, 0, 0, 0])
        );
        assert_eq!(
            systemtime("2024-03-14T09:26:53.5"),
            Some([2024, 3, 4, 14, 9, 26, 53, 500])
        );
        assert_eq!(systemtime("yesterday"), None);
        assert_eq!(systemtime("2024-13-14T09:26:53Z"), None);
    }

    #[test]
    fn auxi_carries_frequency_and_time() {
        let m = SinkMeta {
            sample_rate_hz: 250e3,
            center_freq_hz: Some(315e6),
            datetime: Some("2024-03-14T09:26:53.589Z".into()),
            ..Default::default()
        };
        let b = auxi_body(&m);
        let a = crate::source::wav::parse_auxi(&b);
        assert_eq!(a.center_freq_hz, Some(315e6));
        assert_eq!(a.start_time.as_deref(), Some("2024-03-14T09:26:53.589"));
    }
}
