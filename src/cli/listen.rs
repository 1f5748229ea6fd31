//! `fobscope listen`: live key presses from a radio, a level meter, a verdict at the end.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::Args;

use super::check;
use super::radio::{self, RadioArgs};
use super::{CliError, EXIT_ERROR, term, units};
use crate::band;
use crate::diagnosis::diagnose;
use crate::live::{self, LiveObserver, LiveOptions, StopReason};
use crate::model::Transmission;
use crate::report;
use crate::sink::{self, SinkMeta};

/// Arguments of `fobscope listen`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  fobscope listen --band 433                         RTL-SDR via SoapySDR, 433.92 MHz band
  fobscope listen --band 315 --duration 30s --record key.sigmf-meta
  fobscope listen --rtl-tcp 192.168.1.20:1234 --freq 433.92M --rate 250k
  fobscope listen --device driver=rtlsdr --gain 30 --ppm 42 --band 868 --json

Press the key's button a few times while it runs; stop with Ctrl-C (or --duration).
Each key press is printed as it happens; the verdict comes when the session ends.
A recording is always finalised, even when the radio fails mid-way.

Exit codes: as `fobscope check` (0 working, 10 weak, 11 no_signal, 12 band_mismatch),
and 2 when the radio or the recording failed.")]
pub struct ListenArgs {
    #[command(flatten)]
    pub radio: RadioArgs,
    /// Band to listen to: 315, 433, 868 or 915 (tunes to cover its usual key carriers).
    #[arg(long, conflicts_with = "freq", value_parser = parse_band)]
    pub band: Option<&'static band::Band>,
    /// Centre frequency to tune to (e.g. 433.92M); default: the 433 band.
    #[arg(long, value_parser = units::parse_freq, allow_hyphen_values = true)]
    pub freq: Option<f64>,
    /// Sample rate (an RTL-SDR does up to 2.4M reliably).
    #[arg(long, default_value = "1.024M", value_parser = units::parse_rate, allow_hyphen_values = true)]
    pub rate: f64,
    /// Stop after this long (e.g. 30s, 2min); default: until Ctrl-C.
    #[arg(long, value_parser = units::parse_duration_s)]
    pub duration: Option<f64>,
    /// Record what is received: SigMF (`.sigmf-meta`, annotated with each transmission) or
    /// raw `.cu8`/`.cs16`/`.cf32`.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// One JSON object per transmission on stdout, then the final report.
    #[arg(long)]
    pub json: bool,
    /// The car, for the check of the key against its receiver (e.g. "2004 honda accord", "mini
    /// r53 2004 us"): make and model must both match an entry of `fobscope cars`.
    #[arg(long, conflicts_with = "expect_band")]
    pub car: Option<String>,
    /// The band the car expects (315, 433, 868, 915), when it is not in the table.
    #[arg(long, value_name = "MHZ")]
    pub expect_band: Option<String>,
}

/// Parses a band name for `--band`.
pub fn parse_band(s: &str) -> Result<&'static band::Band, String> {
    band::band_by_name(s).ok_or_else(|| format!("unknown band '{s}': use 315, 433, 868 or 915"))
}

struct Printer {
    json: bool,
    meter: bool,
    count: usize,
    peak_dbfs: f64,
    last_meter: f64,
}

impl Printer {
    fn clear_meter(&self) {
        if self.meter {
            eprint!("\r{:79}\r", "");
        }
    }
}

impl LiveObserver for Printer {
    fn transmission(&mut self, t: &Transmission) {
        self.count += 1;
        self.clear_meter();
        let line = if self.json {
            serde_json::to_string(t).unwrap_or_default()
        } else {
            report::text::transmission_line(t)
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    fn level(&mut self, dbfs: f64, time_s: f64) {
        self.peak_dbfs = self.peak_dbfs.max(dbfs);
        if !self.meter || time_s - self.last_meter < 0.1 {
            return;
        }
        self.last_meter = time_s;
        // -60 dBFS .. 0 dBFS over 30 cells.
        let cells = (((dbfs + 60.0) / 2.0).clamp(0.0, 30.0)) as usize;
        eprint!(
            "\r[{}{}] {:6.1} dBFS  peak {:6.1}  {:7.1} s  {} heard ",
            "#".repeat(cells),
            "-".repeat(30 - cells),
            dbfs,
            self.peak_dbfs,
            time_s,
            self.count
        );
        let _ = std::io::stderr().flush();
    }
}

/// Runs `fobscope listen`.
pub fn run(args: &ListenArgs) -> Result<ExitCode, CliError> {
    let center = match (args.freq, args.band) {
        (Some(f), _) => f,
        (None, Some(b)) => band::listen_center_hz(b, args.rate),
        (None, None) => band::listen_center_hz(&band::BANDS[1], args.rate),
    };
    let car = check::resolve_car(args.car.as_deref(), args.expect_band.as_deref())?;
    let radio = radio::open(&args.radio, args.rate, center)?;
    let info = radio.source.info().clone();
    let record = match &args.record {
        Some(path) => Some(sink::create(
            path,
            None,
            &SinkMeta {
                sample_rate_hz: info.sample_rate_hz,
                center_freq_hz: info.center_freq_hz,
                datetime: Some(sink::now_iso8601()),
                description: Some("fobscope listen".into()),
                hardware: info.hardware.clone(),
                sigmf_sample_format: Some(info.sample_format),
            },
        )?),
        None => None,
    };
    if !args.json && !term::quiet() {
        eprintln!(
            "listening on {} at {} ({}); press the key, Ctrl-C to stop",
            report::mhz(center),
            report::rate(info.sample_rate_hz),
            info.path
        );
    }
    let stop = radio::interrupt_flag();
    let mut printer = Printer {
        json: args.json,
        meter: !term::quiet() && !args.json && std::io::stderr().is_terminal(),
        count: 0,
        peak_dbfs: f64::NEG_INFINITY,
        last_meter: f64::NEG_INFINITY,
    };
    let outcome = live::run(
        radio.source,
        LiveOptions {
            duration: args.duration.map(Duration::from_secs_f64),
            ppm: radio.software_ppm,
            record,
        },
        &stop,
        &mut printer,
    );
    printer.clear_meter();
    stop.store(true, Ordering::Relaxed);
    let mut rep = outcome.report;
    if let StopReason::SourceFailed(msg) | StopReason::RecordingFailed(msg) = &outcome.stop
        && outcome.samples == 0
    {
        // Nothing was listened to: the failure is the whole story, not a verdict.
        return Err(CliError::Usage(format!(
            "{msg} (the source delivered no samples, so there is no verdict)"
        )));
    }
    if let Err(e) = crate::diagnosis::sufficiency::check(&rep) {
        return Err(CliError::Usage(format!(
            "{e} (received {} samples before the session ended: {})",
            outcome.samples,
            stop_text(&outcome.stop)
        )));
    }
    let verdict = diagnose(&rep, car.as_ref().map(|(c, _)| c));
    let verdict_code = verdict.status.exit_code();
    let status = verdict.status;
    rep.verdict = Some(verdict);
    if args.json {
        println!("{}", report::json::to_json(&rep));
    } else {
        println!();
        let (c, note) = match &car {
            Some((c, n)) => (Some(c), n.as_deref()),
            None => (None, None),
        };
        let text = check::render_text(&rep, c, note);
        print!(
            "{}",
            term::paint_first_line(&text, status, term::color_stdout())
        );
    }
    if let (Some(path), Some(r)) = (&args.record, &outcome.recording) {
        match r {
            Ok(()) if term::quiet() => {}
            Ok(()) => eprintln!(
                "recorded {} samples ({:.1} s) to {}",
                outcome.samples,
                outcome.samples as f64 / info.sample_rate_hz,
                path.display()
            ),
            Err(e) => eprintln!("fobscope: error: recording {}: {e}", path.display()),
        }
    }
    match outcome.stop {
        StopReason::SourceFailed(msg) | StopReason::RecordingFailed(msg) => {
            eprintln!("fobscope: error: {msg}");
            Ok(ExitCode::from(EXIT_ERROR))
        }
        _ if matches!(outcome.recording, Some(Err(_))) => Ok(ExitCode::from(EXIT_ERROR)),
        _ => Ok(ExitCode::from(verdict_code)),
    }
}

/// Why a session ended, in words.
fn stop_text(stop: &StopReason) -> String {
    match stop {
        StopReason::Duration => "the duration elapsed".into(),
        StopReason::Interrupted => "interrupted".into(),
        StopReason::EndOfStream => "the source ended".into(),
        StopReason::SourceFailed(m) => format!("the source failed: {m}"),
        StopReason::RecordingFailed(m) => format!("the recording failed: {m}"),
    }
}
