//! `fobscope check`: the verdict on one recording (working, weak, no signal, wrong band);
//! several recordings are judged by [`super::check_batch`], one line each.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::progress::Bar;
use super::{CliError, InputArgs, check_batch, term};
use crate::band::band_by_name;
use crate::diagnosis::text::evidence_line;
use crate::diagnosis::{CarBand, diagnose, find_car, headline};
use crate::model::Report;
use crate::pipeline::{AnalyzeOptions, analyze_path_with_progress};

/// Arguments of `check`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  fobscope check captures/mini-r53-weak-battery_315M_250k.cu8 --plot weak.png
  fobscope check key.cu8 --freq 433.92M --rate 250k
  fobscope check g001_315M_250k.cu8 --car \"mini r53 2004 us\"
  fobscope check key_315M_250k.cu8 --car \"2004 honda accord\"   against the car's filed frequency
  fobscope check capture.sigmf-meta --expect-band 315 --json
  fobscope check lock.sub
  fobscope check captures/*.cu8                  one line per file, then a summary
  fobscope check keys/*.cu8 --car \"bmw e46 2003 uk\" --json > verdicts.jsonl

Exit codes:
  0   working: complete, consistent frames with adequate SNR
  10  weak: a transmission is there but too weak or broken to trust
  11  no_signal: nothing above the noise in the span the recording covered
  12  band_mismatch: the key works but does not fit the car's receiver: outside its band, or
      farther than about ±300 kHz from the car's filed frequency, or the wrong modulation
  2   error: unreadable input, bad arguments, or too little evidence for a verdict (under
      0.5 s of recording, an implausible sample rate, no key band covered)

With several files (checked in parallel, printed in the order given):
  0   every file is working
  10, 11 or 12   the highest code among the files' verdicts (none unreadable)
  2   at least one file could not be read (its line says why; the others are still checked)
--json then prints one JSON object per line (JSON Lines), in the order given: the report
with its verdict, or {\"path\": ..., \"error\": ...} for a file that could not be read.")]
pub struct CheckArgs {
    /// Recording to judge: IQ file (cu8, cs8, cs16, cf32), SigMF, WAV, rtl_433 .ook or Flipper
    /// .sub pulse file, or `-` for standard input (with --format).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// More recordings: each is judged on one line, then a summary is printed.
    #[arg(value_name = "FILE")]
    pub more: Vec<PathBuf>,
    /// How to read the input.
    #[command(flatten)]
    pub input: InputArgs,
    /// The car, as you would say it: year, make, model (or chassis), market, in any order
    /// (e.g. "2004 honda accord", "mini r53 2004 us"); see `fobscope cars`. Make and model
    /// must both match an entry.
    #[arg(long, conflicts_with = "expect_band")]
    pub car: Option<String>,
    /// The band the car expects when it is not in the table: 315, 433, 868 or 915.
    #[arg(long, value_name = "MHZ")]
    pub expect_band: Option<String>,
    /// Print the JSON report (with its `verdict` object) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Crystal error of the receiving dongle in ppm (corrects reported frequencies).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true, value_parser = super::units::parse_ppm)]
    pub ppm: f64,
    /// Also draw a picture to this PNG (several files: FILE-1.png, FILE-2.png, ...): spectrogram
    /// with each transmission boxed, band edges, and the strongest transmission's envelope or
    /// frequency with its bits (files only).
    #[arg(long, value_name = "FILE.png")]
    pub plot: Option<PathBuf>,
    /// Colour scale of the picture: `fixed` dBFS, the same for every picture so a weak key
    /// looks weaker than a strong one, or `auto`, stretched from this recording's noise floor
    /// to its strongest signal.
    #[arg(long, value_enum, default_value_t = crate::plot::ColourScale::Fixed, value_name = "SCALE")]
    pub plot_scale: crate::plot::ColourScale,
}

/// Turns `--car` / `--expect-band` into what the car expects (with a note on other rows that
/// matched).
pub fn resolve_car(
    car: Option<&str>,
    band: Option<&str>,
) -> Result<Option<(CarBand, Option<String>)>, CliError> {
    if let Some(q) = car {
        let m = find_car(q).map_err(|e| CliError::Usage(format!("--car: {e}")))?;
        let car = CarBand::from_match(&m);
        let note = (car.keys.len() > 1).then(|| {
            format!(
                "{} key styles on file; the key fits the car if it fits one",
                car.keys.len()
            )
        });
        return Ok(Some((car, note)));
    }
    if let Some(b) = band {
        let band = band_by_name(b).ok_or_else(|| {
            CliError::Usage(format!(
                "--expect-band '{b}' is not a key-fob band; one of 315, 433, 868, 915"
            ))
        })?;
        return Ok(Some((CarBand::from_band(band), None)));
    }
    Ok(None)
}

/// The text form of a judged report: the verdict line first, then the evidence.
pub fn render_text(report: &Report, car: Option<&CarBand>, car_note: Option<&str>) -> String {
    let mut s = String::new();
    let Some(v) = &report.verdict else {
        return s;
    };
    s.push_str(&headline(v));
    s.push('\n');
    s.push_str(&format!("input: {}\n", report.input.path));
    if let Some(c) = car {
        s.push_str(&format!("car: {} — expects {}\n", c.label, c.freq_text()));
        if let Some(n) = car_note {
            s.push_str(&format!("     ({n})\n"));
        }
    }
    if !v.evidence.is_empty() {
        s.push_str("evidence:\n");
        for i in &v.evidence {
            s.push_str(&format!("  {}\n", evidence_line(i)));
        }
    }
    let notes: Vec<&String> = v.reasons[1.min(v.reasons.len())..]
        .iter()
        .filter(|r| !v.evidence.iter().any(|i| &i.detail == *r))
        .collect();
    if !notes.is_empty() {
        s.push_str("notes:\n");
        for r in notes {
            s.push_str(&format!("  - {r}\n"));
        }
    }
    if !v.advice.is_empty() {
        s.push_str("next:\n");
        for a in &v.advice {
            s.push_str(&format!("  - {a}\n"));
        }
    }
    if !report.transmissions.is_empty() {
        s.push_str(&format!("transmissions: {}\n", report.transmissions.len()));
        for (i, t) in report.transmissions.iter().enumerate() {
            let f = t
                .freq_hz
                .map(|f| format!("{:.4} MHz", f / 1e6))
                .unwrap_or_else(|| "freq ?".into());
            let snr = t
                .snr_db
                .map(|x| format!("SNR {x:.1} dB"))
                .unwrap_or_else(|| "SNR ?".into());
            let m = t.modulation.map(|m| m.name()).unwrap_or("?");
            let frame = t
                .frames
                .first()
                .map(|fr| {
                    format!(
                        "{} {} ×{}",
                        fr.protocol.as_deref().unwrap_or("bits"),
                        fr.hex,
                        fr.repeats
                    )
                })
                .unwrap_or_default();
            s.push_str(&format!(
                "  #{:<3} {:>8.3} s  {f}  {m}  {snr}  {} pulses  {}  {frame}\n",
                i + 1,
                t.start_s,
                t.pulses,
                t.coding.name()
            ));
        }
    }
    for w in &report.warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    s
}

/// Runs `check`.
pub fn run(args: &CheckArgs) -> Result<ExitCode, CliError> {
    let car = resolve_car(args.car.as_deref(), args.expect_band.as_deref())?;
    let opts = AnalyzeOptions {
        overrides: args.input.overrides(),
        ppm: args.ppm,
    };
    if !args.more.is_empty() {
        return check_batch::run(args, &opts, car.as_ref().map(|(c, _)| c));
    }
    let mut bar = Bar::for_fraction(&args.file.display().to_string());
    let mut report = analyze_path_with_progress(&args.file, &opts, &mut |f| bar.fraction(f))?;
    bar.clear();
    crate::diagnosis::sufficiency::check(&report).map_err(|e| CliError::Usage(e.to_string()))?;
    let verdict = diagnose(&report, car.as_ref().map(|(c, _)| c));
    let code = verdict.status.exit_code();
    report.verdict = Some(verdict);
    if args.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| CliError::Io {
            path: "standard output".into(),
            source: e.into(),
        })?;
        super::write_stdout(format!("{text}\n").as_bytes())?;
    } else {
        let (c, note) = match &car {
            Some((c, n)) => (Some(c), n.as_deref()),
            None => (None, None),
        };
        let text = render_text(&report, c, note);
        let status = report.verdict.as_ref().map(|v| v.status);
        let text = match status {
            Some(st) => term::paint_first_line(&text, st, term::color_stdout()),
            None => text,
        };
        super::write_stdout(text.as_bytes())?;
    }
    if let Some(png) = &args.plot {
        let po = crate::plot::PlotOptions {
            scale: args.plot_scale,
        };
        let notes = crate::plot::write_report_plot(png, &report, &opts.overrides, &po)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        term::note(&crate::plot::written_note(png, &notes));
    }
    Ok(ExitCode::from(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InputSummary;

    #[test]
    fn text_puts_the_verdict_first_then_evidence_and_advice() {
        let mut report = Report {
            input: InputSummary {
                path: "k.cu8".into(),
                format: "cu8".into(),
                sample_rate_hz: Some(250e3),
                center_freq_hz: Some(433.92e6),
                duration_s: Some(1.0),
            },
            transmissions: Vec::new(),
            verdict: None,
            warnings: Vec::new(),
        };
        let (car, note) = resolve_car(Some("mini r53 2004 us"), None)
            .unwrap()
            .unwrap();
        assert!(note.is_none());
        report.verdict = Some(diagnose(&report, Some(&car)));
        let text = render_text(&report, Some(&car), None);
        let first = text.lines().next().unwrap();
        assert!(first.starts_with("NO SIGNAL — "), "{first}");
        assert!(first.contains("433.795–434.045 MHz"), "{first}");
        assert!(text.contains("car: MINI"), "{text}");
        assert!(text.contains("\nnext:\n"), "{text}");
        assert!(resolve_car(None, Some("2400")).is_err());
        assert!(resolve_car(None, None).unwrap().is_none());
    }
}
