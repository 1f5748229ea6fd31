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
use std::fs::File;
use std::path::Path;

use num_complex::Complex;

use crate::pulse::PulseTrain;

pub mod coco;
pub mod filename;
pub mod flipper;
pub mod ook;
pub mod raw;
pub mod rtl_tcp;
pub mod sigmf;
#[cfg(feature = "soapy")]
pub mod soapy;
pub mod stats;
pub mod wav;

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
    /// 16-bit unsigned little-endian interleaved I/Q, centre 32767.5 (URH `.complex32u`).
    Cu16,
    /// 32-bit float little-endian interleaved I/Q (GNU Radio `.cfile`, `.complex`).
    Cf32,
}

impl SampleFormat {
    /// Bytes per complex sample (I and Q together).
    pub fn bytes_per_sample(self) -> usize {
        match self {
            SampleFormat::Cu8 | SampleFormat::Cs8 => 2,
            SampleFormat::Cs16 | SampleFormat::Cu16 => 4,
            SampleFormat::Cf32 => 8,
        }
    }

    /// The short name used on the command line and in reports (`cu8`, `cs8`, `cs16`, `cu16`,
    /// `cf32`).
    pub fn name(self) -> &'static str {
        match self {
            SampleFormat::Cu8 => "cu8",
            SampleFormat::Cs8 => "cs8",
            SampleFormat::Cs16 => "cs16",
            SampleFormat::Cu16 => "cu16",
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
    /// Universal Radio Hacker's compressed complex (`.coco`): a bzip2-compressed tar holding
    /// one file of `cf32` samples.
    Coco,
    /// rtl_433 text pulse file (`.ook`).
    Ook,
    /// Flipper Zero `.sub` file with `Protocol: RAW`.
    FlipperSub,
}

impl FileFormat {
    /// Every name accepted by `--format`, for help texts and error messages.
    pub const NAMES: &'static [&'static str] = &[
        "cu8",
        "cs8",
        "cs16",
        "cu16",
        "cf32",
        "coco",
        "sigmf",
        "sigmf-archive",
        "wav",
        "ook",
        "sub",
    ];

    /// The short name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Raw(s) => s.name(),
            FileFormat::Sigmf => "sigmf",
            FileFormat::SigmfArchive => "sigmf-archive",
            FileFormat::Wav => "wav",
            FileFormat::Coco => "coco",
            FileFormat::Ook => "ook",
            FileFormat::FlipperSub => "sub",
        }
    }

    /// Parses a `--format` value or a file extension (also accepts the aliases `cfile`,
    /// `fc32`, `ci8`, `ci16`, `sigmf-meta`, `sigmf-data`, and Universal Radio Hacker's
    /// extensions).
    ///
    /// URH names its raw files by the bits of one complex sample and the signedness of its
    /// parts (URH `src/urh/util/FileOperator.py`, its save dialog's filters): `.complex`
    /// float32 (cf32), `.complex16u` / `.complex16s` two 8-bit integers (cu8 / cs8),
    /// `.complex32u` / `.complex32s` two 16-bit integers (cu16 / cs16); `.coco` is a
    /// bzip2-compressed tar of a `.complex` file.
    pub fn parse(name: &str) -> Option<FileFormat> {
        let n = name.trim().trim_start_matches('.').to_ascii_lowercase();
        Some(match n.as_str() {
            "cu8" | "u8" | "complex16u" => FileFormat::Raw(SampleFormat::Cu8),
            "cs8" | "ci8" | "s8" | "complex16s" => FileFormat::Raw(SampleFormat::Cs8),
            "cs16" | "ci16" | "s16" | "complex32s" => FileFormat::Raw(SampleFormat::Cs16),
            "cu16" | "u16" | "complex32u" => FileFormat::Raw(SampleFormat::Cu16),
            "cf32" | "fc32" | "cfile" | "complex" | "f32" => FileFormat::Raw(SampleFormat::Cf32),
            "coco" => FileFormat::Coco,
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
        self.total_samples.map(|n| n as f64 / self.sample_rate_hz)
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

    /// Retunes a live source to a new centre frequency (files cannot be retuned). Samples
    /// already in flight may still come from the old frequency; callers discard a settling
    /// interval.
    fn retune(&mut self, center_freq_hz: f64) -> Result<(), SourceError> {
        let _ = center_freq_hz;
        Err(SourceError::new(
            &self.info().path,
            Problem::Unsupported("this input cannot be retuned".into()),
        ))
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
    /// The path names a directory.
    #[error("is a directory, not a recording (give one of the files inside it)")]
    IsDirectory,
    /// The format cannot be told from the name and no `--format` was given.
    #[error("cannot tell the format from the file name; give --format (one of: {})", FileFormat::NAMES.join(", "))]
    UnknownFormat,
    /// No sample rate in flags, metadata or file name.
    #[error(
        "no sample rate: give --rate, or use a name like g001_433.92M_250k.cu8 or a SigMF/WAV file"
    )]
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

/// Opens a text input of at most `max_bytes` (a pulse file), refusing an empty or oversized
/// one before reading it; `kind` names the files in the message (`.sub files`).
pub fn open_bounded_text(
    path: &Path,
    max_bytes: u64,
    kind: &str,
) -> Result<std::io::BufReader<std::io::Take<File>>, SourceError> {
    use std::io::Read;
    let file = File::open(path).map_err(|e| SourceError::new(path, e))?;
    let len = file
        .metadata()
        .map_err(|e| SourceError::new(path, e))?
        .len();
    if len == 0 {
        return Err(SourceError::new(path, Problem::Empty));
    }
    if len > max_bytes {
        return Err(SourceError::malformed(
            path,
            format!("{len} bytes is larger than the {max_bytes}-byte limit for {kind}"),
        ));
    }
    Ok(std::io::BufReader::new(file.take(max_bytes)))
}

/// Where a piece of metadata came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A command-line flag (`--rate`, `--freq`).
    Flag,
    /// The file's own metadata (SigMF meta, WAV header or `auxi` chunk, pulse-file header).
    Metadata,
    /// An rtl_433-style file name (`g001_433.92M_250k.cu8`).
    FileName,
}

impl Origin {
    /// A short phrase for reports: `flag`, `metadata`, `file name`.
    pub fn describe(self) -> &'static str {
        match self {
            Origin::Flag => "flag",
            Origin::Metadata => "metadata",
            Origin::FileName => "file name",
        }
    }
}

/// Where the sample rate and centre frequency of an opened input came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Origins {
    /// Origin of the sample rate (`None` when unknown, pulse files only).
    pub sample_rate: Option<Origin>,
    /// Origin of the centre frequency (`None` when unknown).
    pub center_freq: Option<Origin>,
}

/// Picks the first known value: flag, then metadata, then file name.
fn resolve(flag: Option<f64>, meta: Option<f64>, name: Option<f64>) -> Option<(f64, Origin)> {
    flag.map(|v| (v, Origin::Flag))
        .or(meta.map(|v| (v, Origin::Metadata)))
        .or(name.map(|v| (v, Origin::FileName)))
}

/// The format a path's extension names, if any (`.sigmf` is an archive), or else the one its
/// recorder's naming implies (GQRX's `gqrx_..._fc.raw` is cf32, see [`filename`]).
pub fn format_from_extension(path: &Path) -> Option<FileFormat> {
    let by_ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .and_then(|ext| match ext.as_str() {
            "sigmf" => Some(FileFormat::SigmfArchive),
            "wave" => Some(FileFormat::Wav),
            _ => FileFormat::parse(&ext),
        });
    by_ext.or_else(|| filename::format_of_path(path).map(FileFormat::Raw))
}

/// Refuses a path that does not name a readable file, with the real cause (no such file,
/// a directory, permission denied) before any question of format or metadata arises.
pub fn check_file(path: &Path) -> Result<(), SourceError> {
    let meta = std::fs::metadata(path).map_err(|e| SourceError::new(path, e))?;
    if meta.is_dir() {
        return Err(SourceError::new(path, Problem::IsDirectory));
    }
    Ok(())
}

/// Opens `path` (`-` for standard input) as a recording: the reader from `ov.format` or else
/// the extension, the metadata resolved as flags, then file metadata, then file name.
pub fn open(path: &Path, ov: &Overrides) -> Result<Input, SourceError> {
    open_with_origins(path, ov).map(|(input, _)| input)
}

/// Like [`open`], also saying where the sample rate and centre frequency came from.
pub fn open_with_origins(path: &Path, ov: &Overrides) -> Result<(Input, Origins), SourceError> {
    if path.as_os_str() == "-" {
        return open_stdin(path, ov);
    }
    // The real cause first: a missing file or a directory is that, whatever its name says
    // (a SigMF pair may be named by a base its reader completes, so it checks its own files).
    let pair = ov.format == Some(FileFormat::Sigmf)
        || format_from_extension(path) == Some(FileFormat::Sigmf);
    if !pair || path.is_dir() {
        check_file(path)?;
    }
    let format = match ov.format {
        Some(FileFormat::Sigmf)
            if format_from_extension(path) == Some(FileFormat::SigmfArchive) =>
        {
            FileFormat::SigmfArchive
        }
        Some(f) => f,
        None => format_from_extension(path)
            .ok_or_else(|| SourceError::new(path, Problem::UnknownFormat))?,
    };
    let name = filename::parse_path(path);
    match format {
        FileFormat::Ook | FileFormat::FlipperSub => {
            let mut rec = if format == FileFormat::Ook {
                ook::read_ook(path)?
            } else {
                flipper::read_sub(path)?
            };
            let rate = resolve(
                ov.sample_rate_hz,
                rec.info.sample_rate_hz,
                name.sample_rate_hz,
            );
            let freq = resolve(
                ov.center_freq_hz,
                rec.info.center_freq_hz,
                name.center_freq_hz,
            );
            rec.info.sample_rate_hz = rate.map(|r| r.0);
            rec.info.center_freq_hz = freq.map(|f| f.0);
            let origins = Origins {
                sample_rate: rate.map(|r| r.1),
                center_freq: freq.map(|f| f.1),
            };
            Ok((Input::Pulses(rec), origins))
        }
        FileFormat::Raw(sf) => {
            let file = File::open(path).map_err(|e| SourceError::new(path, e))?;
            let len = file
                .metadata()
                .map_err(|e| SourceError::new(path, e))?
                .len();
            if len == 0 {
                return Err(SourceError::new(path, Problem::Empty));
            }
            let info = StreamInfo {
                path: path.display().to_string(),
                format,
                sample_format: sf,
                sample_rate_hz: 0.0,
                center_freq_hz: None,
                total_samples: Some(len / sf.bytes_per_sample() as u64),
                datetime: None,
                hardware: None,
            };
            finish_iq(path, ov, &name, Box::new(raw::RawReader::new(file, info)))
        }
        FileFormat::Sigmf => finish_iq(path, ov, &name, sigmf::open_pair(path)?),
        FileFormat::Coco => finish_iq(path, ov, &name, coco::open(path)?),
        FileFormat::SigmfArchive => finish_iq(path, ov, &name, sigmf::open_archive(path)?),
        FileFormat::Wav => finish_iq(path, ov, &name, wav::open(path)?),
    }
}

/// Resolves rate and frequency for an opened IQ source (its info holds the file's metadata,
/// rate 0 meaning none).
fn finish_iq(
    path: &Path,
    ov: &Overrides,
    name: &filename::NameInfo,
    src: Box<dyn IqSource>,
) -> Result<(Input, Origins), SourceError> {
    let meta_rate = Some(src.info().sample_rate_hz).filter(|r| *r > 0.0);
    let rate = resolve(ov.sample_rate_hz, meta_rate, name.sample_rate_hz)
        .ok_or_else(|| SourceError::new(path, Problem::NoSampleRate))?;
    let freq = resolve(
        ov.center_freq_hz,
        src.info().center_freq_hz,
        name.center_freq_hz,
    );
    let mut info = src.info().clone();
    info.sample_rate_hz = rate.0;
    info.center_freq_hz = freq.map(|f| f.0);
    let origins = Origins {
        sample_rate: Some(rate.1),
        center_freq: freq.map(|f| f.1),
    };
    Ok((Input::Iq(Box::new(Resolved { inner: src, info })), origins))
}

/// A source whose metadata was resolved by [`open`].
struct Resolved {
    inner: Box<dyn IqSource>,
    info: StreamInfo,
}

impl IqSource for Resolved {
    fn info(&self) -> &StreamInfo {
        &self.info
    }
    fn read(&mut self, out: &mut [Complex<f32>]) -> Result<usize, SourceError> {
        self.inner.read(out)
    }
    fn warnings(&self) -> Vec<String> {
        self.inner.warnings()
    }
}

fn open_stdin(path: &Path, ov: &Overrides) -> Result<(Input, Origins), SourceError> {
    let sf = match ov.format {
        Some(FileFormat::Raw(sf)) => sf,
        Some(other) => {
            return Err(SourceError::new(
                path,
                Problem::Unsupported(format!(
                    "{other} cannot be read from standard input; give the file's path (standard input takes cu8, cs8, cs16, cf32)"
                )),
            ));
        }
        None => {
            return Err(SourceError::new(
                path,
                Problem::Unsupported(
                    "standard input has no file name to tell the format: give --format (cu8, cs8, cs16 or cf32)".into(),
                ),
            ));
        }
    };
    let rate = ov
        .sample_rate_hz
        .ok_or_else(|| SourceError::new(path, Problem::NoSampleRate))?;
    let info = StreamInfo {
        path: "-".into(),
        format: FileFormat::Raw(sf),
        sample_format: sf,
        sample_rate_hz: rate,
        center_freq_hz: ov.center_freq_hz,
        total_samples: None,
        datetime: None,
        hardware: None,
    };
    let origins = Origins {
        sample_rate: Some(Origin::Flag),
        center_freq: ov.center_freq_hz.map(|_| Origin::Flag),
    };
    Ok((
        Input::Iq(Box::new(raw::RawReader::new(std::io::stdin(), info))),
        origins,
    ))
}
