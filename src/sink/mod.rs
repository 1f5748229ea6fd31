//! Sample sinks: writers for cu8, cs16, cf32, SigMF and WAV recordings.
//!
//! Each writer is written the way the reference tool writes the format (rtl_sdr for cu8,
//! GNU Radio for cf32, the SigMF specification for SigMF, SDR#/HDSDR for WAV with `auxi`), so
//! other tools read our files and our readers read theirs.

use std::fmt;
use std::path::Path;

use num_complex::Complex;

use crate::source::{FileFormat, SampleFormat};

/// Metadata written with a recording.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SinkMeta {
    /// Samples per second.
    pub sample_rate_hz: f64,
    /// Centre frequency, Hz, when known.
    pub center_freq_hz: Option<f64>,
    /// Recording start, ISO 8601 UTC, when known.
    pub datetime: Option<String>,
    /// Free text for SigMF `core:description`.
    pub description: Option<String>,
    /// Hardware description for SigMF `core:hw`.
    pub hardware: Option<String>,
    /// Sample encoding inside a SigMF pair (default cf32; a live RTL-SDR stream is recorded as
    /// cu8, byte for byte).
    pub sigmf_sample_format: Option<SampleFormat>,
}

/// A writer error: always names the file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct SinkError {
    /// The file being written.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// A note on a stretch of a recording (a SigMF annotation).
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    /// First sample.
    pub sample_start: u64,
    /// Number of samples.
    pub sample_count: u64,
    /// Lower edge of the signal, Hz (absolute when the centre is known).
    pub freq_lower_hz: Option<f64>,
    /// Upper edge of the signal, Hz.
    pub freq_upper_hz: Option<f64>,
    /// Short label (`KeeLoq HCS301`, `OOK PWM`).
    pub label: String,
    /// Longer description.
    pub comment: Option<String>,
}

/// A destination for IQ samples.
pub trait IqSink: Send {
    /// Records a note about a stretch of samples; formats without annotations ignore it.
    fn annotate(&mut self, annotation: &Annotation) -> Result<(), SinkError> {
        let _ = annotation;
        Ok(())
    }

    /// Appends samples (full scale = magnitude 1.0; values beyond are clipped by integer formats).
    fn write(&mut self, samples: &[Complex<f32>]) -> Result<(), SinkError>;

    /// Flushes and finalises the file (headers, SigMF meta). Consumes the sink.
    fn finish(self: Box<Self>) -> Result<(), SinkError>;
}

pub mod raw;
pub mod sigmf;
pub mod wav;

impl SinkError {
    /// Builds an error for `path`.
    pub fn new(path: impl AsRef<Path>, message: impl fmt::Display) -> Self {
        SinkError {
            path: path.as_ref().display().to_string(),
            message: message.to_string(),
        }
    }
}

/// Creates a writer for `path`; the format comes from `format` or else the extension.
///
/// Raw formats write headerless samples; `sigmf` writes a `.sigmf-meta`/`.sigmf-data` pair of
/// `cf32_le` samples (see [`sigmf::SigmfWriter::create`] for other encodings); `wav` writes
/// 16-bit samples with an `auxi` chunk (see [`wav::WavWriter::create`] for float).
pub fn create(
    path: &Path,
    format: Option<FileFormat>,
    meta: &SinkMeta,
) -> Result<Box<dyn IqSink>, SinkError> {
    let format = match format {
        Some(f) => f,
        None => crate::source::format_from_extension(path).ok_or_else(|| {
            SinkError::new(
                path,
                "cannot tell the output format from the file name; use an extension such as .cu8, .cs16, .cf32, .sigmf-meta or .wav",
            )
        })?,
    };
    if !(meta.sample_rate_hz.is_finite() && meta.sample_rate_hz > 0.0) {
        return Err(SinkError::new(
            path,
            format!(
                "invalid sample rate {} for a recording",
                meta.sample_rate_hz
            ),
        ));
    }
    Ok(match format {
        FileFormat::Raw(sf) => Box::new(raw::RawWriter::create(path, sf)?),
        FileFormat::Sigmf => Box::new(sigmf::SigmfWriter::create(
            path,
            meta.sigmf_sample_format.unwrap_or(SampleFormat::Cf32),
            meta,
        )?),
        FileFormat::Wav => Box::new(wav::WavWriter::create(path, wav::WavSamples::I16, meta)?),
        other => {
            return Err(SinkError::new(
                path,
                format!(
                    "writing {other} files is not supported (cu8, cs8, cs16, cf32, sigmf, wav)"
                ),
            ));
        }
    })
}

/// The current time as ISO 8601 UTC with milliseconds (`2026-11-21T23:17:16.123Z`), the form
/// SigMF's `core:datetime` takes.
pub fn now_iso8601() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}
