//! Pictures of a recording (`--plot FILE.png`): a spectrogram with every detected
//! transmission boxed and labelled and the key-fob band edges drawn, and under it the
//! demodulated envelope (OOK) or instantaneous frequency (FSK) of the strongest transmission
//! with its sliced pulses and bits.
//!
//! The picture is made from the finished report in a **second pass** over the input file
//! (standard input cannot be plotted: it cannot be read twice). That pass streams the file
//! block by block like the analysis: the spectrogram is accumulated in a bounded buffer
//! ([`spectrogram`]) and only the strongest transmission's time window is re-channelised for
//! the trace ([`trace`]), so memory stays flat whatever the length of the recording. Pulse
//! files (`.ook`, `.sub`) carry no samples: their picture is the pulse panel alone.
//!
//! [`layout`] holds the geometry (public, and written into the PNG as [`layout::Notes`], so
//! a reader of the picture can map times to pixels) and [`draw`] the drawing, on a
//! [`canvas`] with the bundled font ([`text`]); [`write_report_plot`] and
//! [`write_compare_plot`] are the entry points.
//!
//! The colour scale is fixed by default ([`FIXED_DB`], dBFS per bin), so pictures of
//! different recordings compare: a weak key looks weaker. [`ColourScale::Auto`] stretches
//! the scale from each picture's noise floor to its strongest cell instead.

pub mod canvas;
pub mod draw;
pub mod layout;
pub mod legend;
pub mod overlay;
pub mod spectrogram;
pub mod text;
pub mod trace;

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use num_complex::Complex;

use crate::diagnosis::{Status, headline};
use crate::model::Report;
use crate::source::{self, BLOCK_SAMPLES, Input, Overrides, SourceError};
use draw::{KeyPicture, Scales};
use layout::{BlockSpec, Layout, NOTES_KEYWORD, Notes};
use spectrogram::{Spectrogram, SpectrogramData};
use trace::{TraceBuilder, TraceData};

/// Time columns aimed at when choosing the spectrogram hop (about the panel's width).
const TARGET_COLUMNS: usize = 520;

/// The default colour scale, dBFS per 512-point FFT bin (a full-scale tone reads 0 dBFS):
/// from the noise of an 8-bit recording at moderate gain, which then shows near black (the
/// bundled captures' noise sits at −58 to −64 dBFS per bin), to a key held next to the
/// dongle (−10 dBFS); stronger cells show at the top colour.
pub const FIXED_DB: (f32, f32) = (-60.0, -10.0);

/// How the spectrogram's colours map to levels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColourScale {
    /// The same dBFS scale for every picture ([`FIXED_DB`]): pictures compare.
    #[default]
    Fixed,
    /// From this picture's noise floor to its strongest cell: faint detail shows, but a
    /// weak key looks as bright as a strong one.
    Auto,
}

impl ColourScale {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ColourScale::Fixed => "fixed",
            ColourScale::Auto => "auto",
        }
    }
}

/// Choices for drawing a picture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlotOptions {
    /// The colour scale.
    pub scale: ColourScale,
}

/// Why a picture could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The input was standard input, which cannot be read a second time.
    #[error(
        "{0}: --plot needs a file: standard input cannot be read a second time (save the samples to a file first)"
    )]
    Stdin(String),
    /// Reading the input again failed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// Writing the PNG failed.
    #[error("{path}: cannot write the picture: {source}")]
    Write {
        /// The PNG's path.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Encoding or drawing failed.
    #[error("{path}: cannot draw the picture: {msg}")]
    Draw {
        /// The PNG's path.
        path: String,
        /// Why.
        msg: String,
    },
}

/// What the second pass over one input gathered.
struct Gathered {
    spectrogram: Option<SpectrogramData>,
    trace: Option<TraceData>,
}

/// The transmission shown in the trace panel and its time window start.
fn shown(report: &Report) -> Option<(usize, (f64, f64))> {
    let i = trace::strongest(&report.transmissions)?;
    Some((i, trace::window_of(&report.transmissions[i])))
}

/// Streams the input of `report` again, building its spectrogram and the trace of
/// transmission `shown` over `window`.
fn gather(
    report: &Report,
    overrides: &Overrides,
    shown: Option<(usize, (f64, f64))>,
) -> Result<Gathered, PlotError> {
    let path = Path::new(&report.input.path);
    if report.input.path == "-" {
        return Err(PlotError::Stdin(report.input.path.clone()));
    }
    let mut src = match source::open(path, overrides)? {
        Input::Pulses(_) => {
            return Ok(Gathered {
                spectrogram: None,
                trace: None,
            });
        }
        Input::Iq(src) => src,
    };
    let info = src.info().clone();
    let fs = info.sample_rate_hz;
    let mut spec = Spectrogram::new(Spectrogram::hop_for(info.total_samples, TARGET_COLUMNS));
    let mut tb = shown.and_then(|(i, w)| TraceBuilder::new(&report.transmissions[i], fs, w));
    let mut block = vec![Complex::new(0.0f32, 0.0); BLOCK_SAMPLES];
    loop {
        let n = src.read(&mut block)?;
        if n == 0 {
            break;
        }
        spec.push(&block[..n]);
        if let Some(t) = tb.as_mut() {
            t.push(&block[..n]);
        }
    }
    Ok(Gathered {
        spectrogram: Some(spec.finish(fs)),
        trace: tb.map(TraceBuilder::finish),
    })
}

fn subtitle(report: &Report) -> (String, [u8; 3]) {
    match &report.verdict {
        Some(v) => {
            let c = match v.status {
                Status::Working => [110, 230, 120],
                Status::Weak => [255, 190, 70],
                Status::NoSignal => [255, 110, 100],
                Status::BandMismatch => [255, 140, 220],
            };
            (headline(v), c)
        }
        None => {
            let n = report.transmissions.len();
            let s = if n == 0 {
                "analysis: no transmission detected".to_string()
            } else {
                format!(
                    "analysis: {n} transmission(s); boxes mark each one, the trace shows the strongest"
                )
            };
            (s, [200, 200, 210])
        }
    }
}

/// One key's picture data, with the trace window stretched to `len` seconds.
fn picture<'a>(
    report: &'a Report,
    g: Gathered,
    shown: Option<(usize, (f64, f64))>,
) -> KeyPicture<'a> {
    let (subtitle, subtitle_rgb) = subtitle(report);
    let (marks, bits, window) = match shown {
        Some((i, w)) => {
            let tr = &report.transmissions[i].train;
            (trace::marks(tr), trace::bit_marks(tr), w)
        }
        None => (Vec::new(), Vec::new(), (0.0, 1.0)),
    };
    KeyPicture {
        input: &report.input,
        subtitle,
        subtitle_rgb,
        transmissions: &report.transmissions,
        spectrogram: g.spectrogram,
        shown: shown.map(|s| s.0),
        trace: g.trace,
        window,
        marks,
        bits,
    }
}

/// The auto colour scale of `specs`: from the quietest floor (+4 dB) to the strongest cell.
fn auto_db(specs: &[&SpectrogramData]) -> (f32, f32) {
    let floor = specs
        .iter()
        .filter_map(|s| s.median_db())
        .fold(f32::INFINITY, f32::min);
    let top = specs
        .iter()
        .filter_map(|s| s.max_db())
        .fold(f32::NEG_INFINITY, f32::max);
    if floor.is_finite() && top.is_finite() {
        let lo = floor + 4.0;
        let hi = ((top.max(lo + 30.0)) / 5.0).ceil() * 5.0;
        (lo, hi)
    } else {
        FIXED_DB
    }
}

/// Scales shared by the keys: one colour scale, one trace height.
fn scales(keys: &[KeyPicture], opts: &PlotOptions) -> Scales {
    let specs: Vec<&SpectrogramData> = keys.iter().filter_map(|k| k.spectrogram.as_ref()).collect();
    let (db_lo, db_hi) = match opts.scale {
        ColourScale::Fixed => FIXED_DB,
        ColourScale::Auto => auto_db(&specs),
    };
    let peak = |kind: trace::TraceKind| {
        keys.iter()
            .filter_map(|k| k.trace.as_ref())
            .filter(|t| t.kind == kind)
            .map(|t| t.peak())
            .fold(0.0f32, f32::max)
    };
    Scales {
        db_lo,
        db_hi,
        envelope_peak: (peak(trace::TraceKind::Envelope) * 1.1).max(1e-4),
        frequency_peak: (peak(trace::TraceKind::Frequency) * 1.15).max(1e3),
    }
}

fn time_span(keys: &[KeyPicture]) -> f64 {
    keys.iter()
        .map(|k| {
            k.spectrogram
                .as_ref()
                .map(|s| s.duration_s())
                .or(k.input.duration_s)
                .unwrap_or(0.0)
        })
        .fold(0.0, f64::max)
}

/// Renders pictures of `keys` to an RGB buffer and the notes on what it shows.
fn render(
    png: &Path,
    keys: &[KeyPicture],
    opts: &PlotOptions,
) -> Result<(Notes, Vec<u8>), PlotError> {
    let specs: Vec<BlockSpec> = keys
        .iter()
        .map(|k| BlockSpec {
            spectrogram: k.spectrogram.is_some(),
            headline_lines: k.headline_lines(layout::WIDTH).len(),
        })
        .collect();
    let layout = Layout::with_blocks(&specs, time_span(keys));
    let sc = scales(keys, opts);
    let (buf, key_notes) = draw::render(&layout, keys, &sc).map_err(|msg| PlotError::Draw {
        path: png.display().to_string(),
        msg,
    })?;
    let notes = Notes {
        layout,
        db_lo: sc.db_lo,
        db_hi: sc.db_hi,
        scale: opts.scale.name().to_string(),
        keys: key_notes,
    };
    Ok((notes, buf))
}

fn write_png(png: &Path, notes: &Notes, rgb: &[u8]) -> Result<(), PlotError> {
    let layout = &notes.layout;
    let name = png.display().to_string();
    let file = std::fs::File::create(png).map_err(|source| PlotError::Write {
        path: name.clone(),
        source,
    })?;
    let mut enc = png::Encoder::new(BufWriter::new(file), layout.width, layout.height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::High);
    let json = serde_json::to_string(notes).map_err(|e| PlotError::Draw {
        path: name.clone(),
        msg: e.to_string(),
    })?;
    enc.add_itxt_chunk(NOTES_KEYWORD.to_string(), json)
        .map_err(|e| PlotError::Draw {
            path: name.clone(),
            msg: e.to_string(),
        })?;
    let encode_err = |e: png::EncodingError| match e {
        png::EncodingError::IoError(source) => PlotError::Write {
            path: name.clone(),
            source,
        },
        other => PlotError::Draw {
            path: name.clone(),
            msg: other.to_string(),
        },
    };
    let mut w = enc.write_header().map_err(encode_err)?;
    w.write_image_data(rgb).map_err(encode_err)?;
    w.finish().map_err(encode_err)
}

/// Writes the picture of one analysed (or judged) recording to `png`. The input named in the
/// report is read a second time with the same `overrides`. Returns the notes written into
/// the PNG (its layout, so a reader can map times to pixel columns, and what each block
/// shows).
pub fn write_report_plot(
    png: &Path,
    report: &Report,
    overrides: &Overrides,
    opts: &PlotOptions,
) -> Result<Notes, PlotError> {
    let s = shown(report);
    let g = gather(report, overrides, s)?;
    let keys = [picture(report, g, s)];
    let (notes, buf) = render(png, &keys, opts)?;
    write_png(png, &notes, &buf)?;
    Ok(notes)
}

/// The line printed on standard error once a picture is written.
pub fn written_note(png: &Path, notes: &Notes) -> String {
    format!(
        "picture written to {} ({}×{} px, colour scale {} {:.0}..{:.0} dBFS)",
        png.display(),
        notes.layout.width,
        notes.layout.height,
        notes.scale,
        notes.db_lo,
        notes.db_hi
    )
}

/// Writes the picture of two keys, one above the other on the same time axis, colour scale and
/// trace scales (both trace windows stretched to the longer of the two).
pub fn write_compare_plot(
    png: &Path,
    a: &Report,
    b: &Report,
    overrides: &Overrides,
    opts: &PlotOptions,
) -> Result<Notes, PlotError> {
    let (sa, sb) = (shown(a), shown(b));
    let len = [sa, sb]
        .iter()
        .flatten()
        .map(|(_, (t0, t1))| t1 - t0)
        .fold(0.0, f64::max);
    let stretch = |s: Option<(usize, (f64, f64))>| s.map(|(i, (t0, _))| (i, (t0, t0 + len)));
    let (sa, sb) = (stretch(sa), stretch(sb));
    let ga = gather(a, overrides, sa)?;
    let gb = gather(b, overrides, sb)?;
    let keys = [picture(a, ga, sa), picture(b, gb, sb)];
    let (notes, buf) = render(png, &keys, opts)?;
    write_png(png, &notes, &buf)?;
    Ok(notes)
}

/// The picture path for input `k` of `n`: `path` itself when there is one input, else
/// `stem-<k+1>.png` beside it.
pub fn numbered_path(path: &Path, k: usize, n: usize) -> PathBuf {
    if n <= 1 {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plot".into());
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "png".into());
    path.with_file_name(format!("{stem}-{}.{ext}", k + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_paths() {
        let p = Path::new("out/key.png");
        assert_eq!(numbered_path(p, 0, 1), PathBuf::from("out/key.png"));
        assert_eq!(numbered_path(p, 1, 3), PathBuf::from("out/key-2.png"));
    }

    #[test]
    fn stdin_cannot_be_plotted_and_the_error_says_so() {
        let report = Report {
            input: crate::model::InputSummary {
                path: "-".into(),
                format: "cu8".into(),
                sample_rate_hz: Some(250e3),
                center_freq_hz: None,
                duration_s: Some(1.0),
            },
            transmissions: Vec::new(),
            verdict: None,
            warnings: Vec::new(),
        };
        let e = write_report_plot(
            Path::new("/nonexistent/x.png"),
            &report,
            &Overrides::default(),
            &PlotOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(e, PlotError::Stdin(_)));
        assert!(e.to_string().contains("standard input"), "{e}");
    }
}
