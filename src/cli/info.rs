//! `fobscope info FILE...`: what a recording is (format, rate, centre frequency, length) and
//! how it sounds (DC offset, levels, clipping, noise), read in one streaming pass.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use num_complex::Complex;
use serde::Serialize;

use super::{CliError, EXIT_ERROR, InputArgs};
use crate::source::stats::{Stats, StatsAccumulator};
use crate::source::{BLOCK_SAMPLES, Input, Origin, Overrides, SourceError, open_with_origins};

/// Arguments of `fobscope info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Recordings to describe (`-` reads standard input; then give --format and --rate).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// How to read the input.
    #[command(flatten)]
    pub input: InputArgs,
    /// One JSON object per file instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Pulse-file summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PulseSummary {
    /// Number of pulse trains (transmissions).
    pub trains: usize,
    /// Number of pulses over all trains.
    pub pulses: usize,
    /// Modulation named by the file.
    pub modulation_hint: Option<String>,
}

/// Everything `info` reports about one file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileInfo {
    /// The path as given.
    pub path: String,
    /// Container format name (`cu8`, `sigmf`, `wav`, `ook`, ...).
    pub format: String,
    /// Sample encoding (`cu8`, `cs16`, ...); `None` for pulse files.
    pub sample_format: Option<String>,
    /// Samples per second.
    pub sample_rate_hz: Option<f64>,
    /// Where the rate came from.
    pub sample_rate_source: Option<Origin>,
    /// Centre frequency, Hz.
    pub center_freq_hz: Option<f64>,
    /// Where the centre frequency came from.
    pub center_freq_source: Option<Origin>,
    /// Length in seconds (samples read / rate), IQ only.
    pub duration_s: Option<f64>,
    /// Recording start, when the file says.
    pub datetime: Option<String>,
    /// Recording hardware, when the file says.
    pub hardware: Option<String>,
    /// Signal statistics, IQ only.
    pub stats: Option<Stats>,
    /// Pulse-file contents.
    pub pulses: Option<PulseSummary>,
    /// Problems that did not stop the reading.
    pub warnings: Vec<String>,
}

/// Opens and reads `path` to the end, in blocks of [`BLOCK_SAMPLES`].
pub fn inspect(path: &Path, ov: &Overrides) -> Result<FileInfo, SourceError> {
    let (input, origins) = open_with_origins(path, ov)?;
    match input {
        Input::Pulses(rec) => Ok(FileInfo {
            path: rec.info.path.clone(),
            format: rec.info.format.name().into(),
            sample_format: None,
            sample_rate_hz: rec.info.sample_rate_hz,
            sample_rate_source: origins.sample_rate,
            center_freq_hz: rec.info.center_freq_hz,
            center_freq_source: origins.center_freq,
            duration_s: None,
            datetime: None,
            hardware: None,
            stats: None,
            pulses: Some(PulseSummary {
                trains: rec.trains.len(),
                pulses: rec.trains.iter().map(|t| t.pulses.len()).sum(),
                modulation_hint: rec.info.modulation_hint.clone(),
            }),
            warnings: rec.warnings,
        }),
        Input::Iq(mut src) => {
            let info = src.info().clone();
            let mut acc = StatsAccumulator::new(info.sample_format);
            let mut buf = vec![Complex::default(); BLOCK_SAMPLES];
            loop {
                let n = src.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                acc.add(&buf[..n]);
            }
            let stats = acc.finish();
            Ok(FileInfo {
                path: info.path.clone(),
                format: info.format.name().into(),
                sample_format: Some(info.sample_format.name().into()),
                sample_rate_hz: Some(info.sample_rate_hz),
                sample_rate_source: origins.sample_rate,
                center_freq_hz: info.center_freq_hz,
                center_freq_source: origins.center_freq,
                duration_s: Some(stats.samples as f64 / info.sample_rate_hz),
                datetime: info.datetime.clone(),
                hardware: info.hardware.clone(),
                stats: Some(stats),
                pulses: None,
                warnings: src.warnings(),
            })
        }
    }
}

fn si(v: f64, unit: &str) -> String {
    let (d, p) = if v >= 1e9 {
        (1e9, "G")
    } else if v >= 1e6 {
        (1e6, "M")
    } else if v >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let s = format!("{:.6}", v / d);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} {p}{unit}")
}

fn origin(o: Option<Origin>) -> String {
    o.map(|o| format!(" (from {})", o.describe()))
        .unwrap_or_default()
}

fn db(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.1} dBFS"))
}

/// The human-readable description of one file.
pub fn render_text(i: &FileInfo) -> String {
    let mut rows: Vec<(&str, String)> = vec![("file", i.path.clone())];
    rows.push((
        "format",
        match &i.sample_format {
            Some(sf) if *sf != i.format => format!("{} ({sf} samples)", i.format),
            _ => i.format.clone(),
        },
    ));
    rows.push((
        "sample rate",
        i.sample_rate_hz.map_or("unknown".into(), |r| {
            si(r, "S/s") + &origin(i.sample_rate_source)
        }),
    ));
    rows.push((
        "centre freq",
        i.center_freq_hz
            .map_or("unknown (give --freq)".into(), |f| {
                si(f, "Hz") + &origin(i.center_freq_source)
            }),
    ));
    if let Some(s) = &i.stats {
        rows.push((
            "duration",
            format!(
                "{:.6} s ({} samples)",
                i.duration_s.unwrap_or(0.0),
                s.samples
            ),
        ));
        rows.push(("DC offset", format!("I {:+.4}  Q {:+.4}", s.dc_i, s.dc_q)));
        rows.push(("RMS level", db(s.rms_dbfs)));
        rows.push(("peak level", db(s.peak_dbfs)));
        rows.push(("noise level", db(s.noise_dbfs)));
        rows.push(("clipping", format!("{:.3} %", s.clipped_percent)));
    }
    if let Some(p) = &i.pulses {
        rows.push((
            "contents",
            format!(
                "{} pulse train(s), {} pulses (already demodulated{})",
                p.trains,
                p.pulses,
                p.modulation_hint
                    .as_deref()
                    .map(|m| format!(", {m}"))
                    .unwrap_or_default()
            ),
        ));
    }
    if let Some(d) = &i.datetime {
        rows.push(("recorded", d.clone()));
    }
    if let Some(h) = &i.hardware {
        rows.push(("hardware", h.clone()));
    }
    for w in &i.warnings {
        rows.push(("warning", w.clone()));
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0) + 1;
    rows.iter()
        .map(|(k, v)| format!("{:<width$} {v}\n", format!("{k}:")))
        .collect()
}

/// Runs `fobscope info`: every file is described; a file that cannot be read is reported and
/// the others still are, and the exit code is then [`EXIT_ERROR`].
pub fn run(args: &InfoArgs) -> Result<ExitCode, CliError> {
    let ov = args.input.overrides();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let io = |e: std::io::Error| CliError::Io {
        path: "standard output".into(),
        source: e,
    };
    let mut failed = 0usize;
    for (k, path) in args.files.iter().enumerate() {
        match inspect(path, &ov) {
            Ok(info) => {
                if args.json {
                    let j = serde_json::to_string(&info).map_err(|e| io(e.into()))?;
                    writeln!(out, "{j}").map_err(io)?;
                } else {
                    if k > 0 {
                        writeln!(out).map_err(io)?;
                    }
                    write!(out, "{}", render_text(&info)).map_err(io)?;
                }
            }
            Err(e) => {
                if args.files.len() == 1 {
                    return Err(e.into());
                }
                failed += 1;
                out.flush().map_err(io)?;
                eprintln!("fobscope: error: {e}");
                if args.json {
                    let j = serde_json::json!({ "path": path.display().to_string(), "error": e.to_string() });
                    writeln!(out, "{j}").map_err(io)?;
                }
            }
        }
    }
    Ok(if failed > 0 {
        ExitCode::from(EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_formatting() {
        assert_eq!(si(250_000.0, "S/s"), "250 kS/s");
        assert_eq!(si(433_920_000.0, "Hz"), "433.92 MHz");
        assert_eq!(si(1_024_000.0, "S/s"), "1.024 MS/s");
        assert_eq!(si(12.5, "Hz"), "12.5 Hz");
    }

    #[test]
    fn text_is_aligned_and_names_sources() {
        let i = FileInfo {
            path: "a.cu8".into(),
            format: "cu8".into(),
            sample_format: Some("cu8".into()),
            sample_rate_hz: Some(250e3),
            sample_rate_source: Some(Origin::Flag),
            center_freq_hz: None,
            center_freq_source: None,
            duration_s: Some(1.0),
            datetime: None,
            hardware: None,
            stats: None,
            pulses: None,
            warnings: vec!["w".into()],
        };
        let t = render_text(&i);
        assert!(t.contains("250 kS/s (from flag)"), "{t}");
        assert!(t.contains("unknown (give --freq)"));
        // Every value starts in the same column.
        let value_col = |l: &str| {
            let colon = l.find(':').unwrap();
            colon + 1 + l[colon + 1..].find(|c: char| c != ' ').unwrap()
        };
        let cols: Vec<usize> = t.lines().map(value_col).collect();
        assert_eq!(cols.len(), 5, "{t}");
        assert!(cols.windows(2).all(|w| w[0] == w[1]), "{t}");
    }
}
