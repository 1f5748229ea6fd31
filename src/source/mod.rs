//! Sample sources: everything that yields IQ samples (or, for pulse files, pulse trains).
//!
//! Every IQ source implements [`IqSource`]: it streams fixed-size blocks of `Complex<f32>`
//! (full scale = magnitude 1.0) and never holds more than one block of the file in memory.
//! [`open`] picks the reader from `--format`, then the file extension, and resolves the
//! metadata in the documented order of precedence: command-line flags, then the file's own
//! metadata (SigMF meta, WAV `auxi` chunk), then rtl_433-style file names
//! (`g001_433.92M_250k.cu8`).
//!
//! Pulse files (rtl_433 `.ook`, Flipper Zero `.sub`) carry no samples: they enter the pipeline
//! after the demodulator, as [`PulseRecording`]s.

use std::fmt;
use std::path::Path;

use num_complex::Complex;

use crate::pulse::PulseTrain;

pub mod flipper;
pub mod ook;

/// Default number of samples per block handed out by readers.
pub const BLOCK_SAMPLES: usize = 1 << 16;

/// How one IQ sample is encoded in a raw file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SampleFormat {
    /// 8-bit unsigned interleaved I/Q, centre 127.5 (rtl_sdr).
    Cu8,
    /// 8-bit signed interleaved I/Q (HackRF).
    Cs8,
    /// 16-bit signed little-endian interleaved I/Q.
    Cs16,
    /// 32-bit float little-endian interleaved I/Q (GNU Radio `.cfile`, `.complex`).
    Cf32,
}

impl SampleFormat {
    /// Bytes per complex sample (I and Q together).
    pub fn bytes_per_sample(self) -> usize {
        match self {
            SampleFormat::Cu8 | SampleFormat::Cs8 => 2,
            SampleFormat::Cs16 => 4,
            SampleFormat::Cf32 => 8,
        }
    }

    /// The short name used on the command line and in reports (`cu8`, `cs8`, `cs16`, `cf32`).
    pub fn name(self) -> &'static str {
        match self {
            SampleFormat::Cu8 => "cu8",
            SampleFormat::Cs8 => "cs8",
            SampleFormat::Cs16 => "cs16",
            SampleFormat::Cf32 => "cf32",
        }
    }
}

/// The container of a recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// Headerless interleaved samples.
    Raw(SampleFormat),
    /// A SigMF pair (`.sigmf-meta` + `.sigmf-data`).
    Sigmf,
    /// A SigMF archive (`.sigmf`, a tar of meta and data).
    SigmfArchive,
    /// A 2-channel WAV file (I left, Q right).
    Wav,
    /// rtl_433 text pulse file (`.ook`).
    Ook,
    /// Flipper Zero `.sub` file with `Protocol: RAW`.
    FlipperSub,
}

impl FileFormat {
    /// Every name accepted by `--format`, for help texts and error messages.
    pub const NAMES: &'static [&'static str] = &[
        "cu8", "cs8", "cs16", "cf32", "sigmf", "sigmf-archive", "wav", "ook", "sub",
    ];

    /// The short name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Raw(s) => s.name(),
            FileFormat::Sigmf => "sigmf",
            FileFormat::SigmfArchive => "sigmf-archive",
            FileFormat::Wav => "wav",
            FileFormat::Ook => "ook",
            FileFormat::FlipperSub => "sub",
        }
    }

    /// Parses a `--format` value (also accepts the aliases `cfile`, `complex`, `fc32`, `ci8`,
    /// `ci16`, `sigmf-meta`, `sigmf-data`).
    pub fn parse(name: &str) -> Option<FileFormat> {
        let n = name.trim().trim_start_matches('.').to_ascii_lowercase();
        Some(match n.as_str() {
            "cu8" | "u8" => FileFormat::Raw(SampleFormat::Cu8),
            "cs8" | "ci8" | "s8" => FileFormat::Raw(SampleFormat::Cs8),
            "cs16" | "ci16" | "s16" => FileFormat::Raw(SampleFormat::Cs16),
            "cf32" | "fc32" | "cfile" | "complex" | "f32" => FileFormat::Raw(SampleFormat::Cf32),
            "sigmf" | "sigmf-meta" | "sigmf-data" => FileFormat::Sigmf,
            "sigmf-archive" => FileFormat::SigmfArchive,
            "wav" => FileFormat::Wav,
            "ook" => FileFormat::Ook,
            "sub" => FileFormat::FlipperSub,
            _ => return None,
        })
    }
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Metadata given on the command line; each field, when set, wins over the file's own.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--format`.
    pub format: Option<FileFormat>,
    /// `--rate`, in samples per second.
    pub sample_rate_hz: Option<f64>,
    /// `--freq`, the frequency the radio was tuned to, in Hz.
    pub center_freq_hz: Option<f64>,
}

/// What is known about a stream once it is open.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamInfo {
    /// The path as the user gave it (`-` for standard input).
    pub path: String,
    /// Container format.
    pub format: FileFormat,
    /// Encoding of the samples inside the container.
    pub sample_format: SampleFormat,
    /// Samples per second; always known once a stream is open.
    pub sample_rate_hz: f64,
    /// Centre (tuned) frequency in Hz, when known.
    pub center_freq_hz: Option<f64>,
    /// Total number of complex samples, when known in advance (files, not stdin).
    pub total_samples: Option<u64>,
    /// Recording start time (ISO 8601), when the file says.
    pub datetime: Option<String>,
    /// Recording hardware, when the file says.
    pub hardware: Option<String>,
}

impl StreamInfo {
    /// Duration in seconds, when the length is known.
    pub fn duration_s(&self) -> Option<f64> {
        self.total_samples
            .map(|n| n as f64 / self.sample_rate_hz)
    }
}

/// A stream of IQ samples.
pub trait IqSource: Send {
    /// Metadata of the stream.
    fn info(&self) -> &StreamInfo;

    /// Fills `out` with up to `out.len()` samples and returns how many were written;
    /// `Ok(0)` means the end of the stream.
    fn read(&mut self, out: &mut [Complex<f32>]) -> Result<usize, SourceError>;

    /// Problems met while reading that did not stop it (a trailing partial sample that was
    /// dropped, non-finite samples that were zeroed, ...), each a full sentence.
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Metadata of a pulse file.
#[derive(Clone, Debug, PartialEq)]
pub struct PulseFileInfo {
    /// The path as the user gave it.
    pub path: String,
    /// [`FileFormat::Ook`] or [`FileFormat::FlipperSub`].
    pub format: FileFormat,
    /// Sample rate of the original capture, when the file says (rtl_433 writes it).
    pub sample_rate_hz: Option<f64>,
    /// Frequency the recording was made at, when known.
    pub center_freq_hz: Option<f64>,
    /// Modulation named by the file (`OOK`/`FSK` in `.ook`, the preset in `.sub`), when known.
    pub modulation_hint: Option<String>,
}

/// A pulse file: already-demodulated transmissions.
#[derive(Clone, Debug, PartialEq)]
pub struct PulseRecording {
    /// Where it came from.
    pub info: PulseFileInfo,
    /// One train per transmission, in time order.
    pub trains: Vec<PulseTrain>,
    /// Lines or values that were skipped, each a full sentence.
    pub warnings: Vec<String>,
}

/// An opened input: either IQ samples or pulse trains.
pub enum Input {
    /// A sample stream.
    Iq(Box<dyn IqSource>),
    /// A pulse file.
    Pulses(PulseRecording),
}

/// What went wrong with an input.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    /// The operating system refused or failed a read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The file has no content.
    #[error("the file is empty")]
    Empty,
    /// The format cannot be told from the name and no `--format` was given.
    #[error("cannot tell the format from the file name; give --format (one of: {})", FileFormat::NAMES.join(", "))]
    UnknownFormat,
    /// No sample rate in flags, metadata or file name.
    #[error("no sample rate: give --rate, or use a name like g001_433.92M_250k.cu8 or a SigMF/WAV file")]
    NoSampleRate,
    /// The content is not what the format requires.
    #[error("{0}")]
    Malformed(String),
    /// The format is recognised but this variant is not supported.
    #[error("{0}")]
    Unsupported(String),
}

/// An input error: always names the file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct SourceError {
    /// The path as the user gave it.
    pub path: String,
    /// What is wrong.
    #[source]
    pub problem: Problem,
}

impl SourceError {
    /// Builds an error for `path`.
    pub fn new(path: impl AsRef<Path>, problem: impl Into<Problem>) -> Self {
        SourceError {
            path: path.as_ref().display().to_string(),
            problem: problem.into(),
        }
    }

    /// Shorthand for a [`Problem::Malformed`] error.
    pub fn malformed(path: impl AsRef<Path>, msg: impl Into<String>) -> Self {
        SourceError::new(path, Problem::Malformed(msg.into()))
    }
}
