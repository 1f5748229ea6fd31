//! `fobscope test`: a guided key test. Asks for each button in turn, listens on the car's band
//! with a level meter, and ends with a verdict per button, the button map, and optionally a
//! comparison with another recording.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::Args;

use super::listen::parse_band;
use super::radio::{self, RadioArgs};
use super::{CliError, EXIT_ERROR, check, term, units};
use crate::band;
use crate::diagnosis::Status;
use crate::diagnosis::compare::compare;
use crate::diagnosis::headline;
use crate::diagnosis::thresholds::MIN_KEY_PULSES;
use crate::guided::result::{GuidedResult, judge};
use crate::guided::{self, Guide, GuidedObserver, Step};
use crate::live::{self, LiveOptions, StopReason};
use crate::model::Transmission;
use crate::pipeline::{AnalyzeOptions, analyze_path};
use crate::report;

/// Arguments of `fobscope test`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  fobscope test --car \"mini r53 2004 us\"                     the car's band, its buttons
  fobscope test --band 433 --buttons lock,unlock,trunk --step-time 6s
  fobscope test --rtl-tcp 127.0.0.1:1234 --band 315 --json
  fobscope test --band 315 --compare spare-key_315M_250k.cu8   this key against the spare
  fobscope test --scan --rtl-tcp 127.0.0.1:1234                 find the key's band first

Each button gets a window of --step-time: when \"press LOCK now\" appears, press LOCK once or
twice, and wait for the next prompt. The prompts are timed, so the test runs without a
keyboard (and the same way from a script). At the end: a verdict for each button, the code
each one sent (KeeLoq button bits, or which bits differ between the presses), the verdict of
the whole test, and with --compare the side-by-side table against the other recording.

Exit codes: 0 when every button works; else the first failing button's status
(10 weak, 11 no_signal, 12 band_mismatch); 2 when the radio failed or arguments are bad.")]
pub struct TestArgs {
    #[command(flatten)]
    pub radio: RadioArgs,
    /// The car (e.g. "mini r53 2004 us"): its band is listened to, its key's buttons asked
    /// for, and the band check applied; see `fobscope cars`.
    #[arg(long)]
    pub car: Option<String>,
    /// Band to listen to: 315, 433, 868 or 915 (default: the car's, else 433).
    #[arg(long, conflicts_with = "freq", value_parser = parse_band)]
    pub band: Option<&'static band::Band>,
    /// Centre frequency to tune to instead of a band (e.g. 433.92M).
    #[arg(long, value_parser = units::parse_freq)]
    pub freq: Option<f64>,
    /// Find the band first: hop between 315, 433 and 868 MHz while any button is pressed, then
    /// test on the band the key was heard on.
    #[arg(long, conflicts_with_all = ["band", "freq"])]
    pub scan: bool,
    /// Sample rate (an RTL-SDR does up to 2.4M reliably).
    #[arg(long, default_value = "1.024M", value_parser = units::parse_rate)]
    pub rate: f64,
    /// Buttons to ask for, in order (default: lock,unlock, or as many as the car's key has).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub buttons: Option<Vec<String>>,
    /// Time given to each button.
    #[arg(long, default_value = "5s", value_parser = units::parse_duration_s)]
    pub step_time: f64,
    /// Another recording (a second key, or this key earlier) to compare the test with; its
    /// rate and frequency come from its metadata or its name (`key_315M_250k.cu8`).
    #[arg(long, value_name = "FILE")]
    pub compare: Option<PathBuf>,
    /// The result as one JSON object on stdout (prompts stay on standard error).
    #[arg(long)]
    pub json: bool,
}

/// Prompts and meter on standard error.
struct TermGuide<'a> {
    steps: &'a [Step],
    meter: bool,
    talk: bool,
    heard: Vec<usize>,
    last_meter: f64,
}

impl TermGuide<'_> {
    fn clear_meter(&self) {
        if self.meter {
            eprint!("\r{:79}\r", "");
        }
    }
}

impl Guide for TermGuide<'_> {
    fn prompt(&mut self, index: usize, step: &Step) {
        if self.talk {
            self.clear_meter();
            eprintln!(
                "[{}/{}] press {} now ({:.0} s)",
                index + 1,
                self.steps.len(),
                step.button,
                step.end_s - step.start_s
            );
        }
    }

    fn level(&mut self, dbfs: f64, time_s: f64, index: Option<usize>) {
        if !self.meter || time_s - self.last_meter < 0.1 {
            return;
        }
        self.last_meter = time_s;
        let cells = (((dbfs + 60.0) / 2.0).clamp(0.0, 30.0)) as usize;
        let (name, left, heard) = match index {
            Some(k) => (
                self.steps[k].button.as_str(),
                self.steps[k].end_s - time_s,
                self.heard[k],
            ),
            None => ("", 0.0, 0),
        };
        eprint!(
            "\r[{}{}] {:6.1} dBFS  {name} {left:4.1} s left  {heard} heard ",
            "#".repeat(cells),
            "-".repeat(30 - cells),
            dbfs
        );
        let _ = std::io::stderr().flush();
    }

    fn transmission(&mut self, t: &Transmission, index: Option<usize>) {
        if let Some(k) = index {
            self.heard[k] += 1;
        }
        if self.talk {
            self.clear_meter();
            eprintln!(
                "  {}: {}",
                index
                    .map(|k| self.steps[k].button.as_str())
                    .unwrap_or("(between prompts)"),
                report::text::transmission_line(t).trim()
            );
        }
    }
}

/// The text form of the result.
pub fn render_text(r: &GuidedResult) -> String {
    // The first line is the test's outcome: the first failing button's verdict, if any.
    let mut s = r
        .buttons
        .iter()
        .find(|b| b.verdict.status != Status::Working)
        .map(|b| format!("{}: {}", b.button, headline(&b.verdict)))
        .unwrap_or_else(|| headline(&r.verdict));
    s.push_str("\n\nbuttons:\n");
    for b in &r.buttons {
        let heard = match (b.freq_hz, b.snr_db) {
            (Some(f), Some(snr)) => format!("{}  SNR {snr:.1} dB", report::mhz(f)),
            (Some(f), None) => report::mhz(f),
            _ => "nothing heard".to_string(),
        };
        s.push_str(&format!(
            "  {:<8} {:<13} {heard}  {} transmission(s){}\n",
            b.button,
            b.verdict.status.name().replace('_', " ").to_uppercase(),
            b.transmissions,
            b.protocol
                .as_deref()
                .map(|p| format!("  {p}"))
                .unwrap_or_default()
        ));
        if b.verdict.status != Status::Working
            && let Some(reason) = b.verdict.reasons.first()
        {
            s.push_str(&format!("           {reason}\n"));
        }
    }
    s.push_str("button map:\n");
    for l in &r.button_map.lines {
        s.push_str(&format!("  {l}\n"));
    }
    for n in &r.button_map.notes {
        s.push_str(&format!("  ! {n}\n"));
    }
    if !r.advice.is_empty() {
        s.push_str("next:\n");
        for a in &r.advice {
            s.push_str(&format!("  - {a}\n"));
        }
    }
    if let Some(c) = &r.comparison {
        s.push_str("\ncompared with the other recording:\n");
        s.push_str(&super::compare::render_text(c, false));
    }
    s
}

/// Bands hopped between by `--scan`.
const SCAN_BANDS: [&str; 3] = ["315", "433", "868"];
/// Time on each band per round of `--scan`, and the rounds.
const SCAN_DWELL_S: f64 = 1.0;
const SCAN_ROUNDS: u32 = 3;

/// `--scan`: hops between the key bands while the owner presses any button; the band with the
/// most key transmissions (`None`, said on stderr, when the key was heard on none).
fn find_band(args: &TestArgs) -> Result<Option<&'static band::Band>, CliError> {
    let bands: Vec<&'static band::Band> = SCAN_BANDS
        .iter()
        .filter_map(|id| band::band_by_name(id))
        .collect();
    let centers: Vec<f64> = bands
        .iter()
        .map(|b| band::listen_center_hz(b, args.rate))
        .collect();
    let radio = radio::open(&args.radio, args.rate, centers[0])?;
    let talk = !term::quiet();
    if talk {
        eprintln!(
            "finding the band: press any button every second or so while the radio hops \
             between 315, 433 and 868 MHz ({:.0} s)",
            SCAN_DWELL_S * (bands.len() as u32 * SCAN_ROUNDS) as f64
        );
    }
    let stop = radio::interrupt_flag();
    let opts = live::ScanOptions {
        centers_hz: centers.clone(),
        dwell: Duration::from_secs_f64(SCAN_DWELL_S),
        rounds: SCAN_ROUNDS,
        settle: Duration::from_millis(150),
        ppm: radio.software_ppm,
    };
    let outcome = live::scan(radio.source, &opts, &stop, &mut |_, _| {})?;
    if let Some(StopReason::SourceFailed(msg)) = &outcome.stop {
        return Err(CliError::Usage(format!(
            "the radio failed while scanning: {msg}"
        )));
    }
    let keys = |k: usize| {
        outcome.bands[k]
            .transmissions
            .iter()
            .filter(|t| t.pulses >= MIN_KEY_PULSES)
            .count()
    };
    let best = (0..bands.len())
        .max_by_key(|&k| keys(k))
        .filter(|&k| keys(k) > 0);
    match best {
        Some(k) => {
            if talk {
                eprintln!(
                    "the key was heard on the {} band ({} transmission(s))",
                    bands[k].id,
                    keys(k)
                );
            }
            Ok(Some(bands[k]))
        }
        None => {
            let covered: Vec<String> = outcome
                .bands
                .iter()
                .map(|b| {
                    format!(
                        "{}–{}",
                        report::mhz(b.center_freq_hz - 0.4 * args.rate),
                        report::mhz(b.center_freq_hz + 0.4 * args.rate)
                    )
                })
                .collect();
            let text = format!(
                "NO SIGNAL — no key was heard while scanning {} ({:.0} s on each): is the key \
                 within 1 m of the antenna, and were its buttons pressed?",
                covered.join(", "),
                SCAN_DWELL_S * f64::from(SCAN_ROUNDS)
            );
            if args.json {
                let v = serde_json::json!({
                    "scan": outcome.bands.iter().map(|b| serde_json::json!({
                        "center_freq_hz": b.center_freq_hz,
                        "listened_s": b.listened_s,
                        "transmissions": b.transmissions.len(),
                    })).collect::<Vec<_>>(),
                    "verdict": {"status": "no_signal", "reasons": [text]},
                });
                super::write_stdout(format!("{v}\n").as_bytes())?;
            } else {
                super::write_stdout(format!("{text}\n").as_bytes())?;
            }
            Ok(None)
        }
    }
}

/// Runs `fobscope test`.
pub fn run(args: &TestArgs) -> Result<ExitCode, CliError> {
    if !(args.step_time >= 1.0 && args.step_time <= 60.0) {
        return Err(CliError::Usage(
            "--step-time must be between 1 s and 60 s".into(),
        ));
    }
    let car = check::resolve_car(args.car.as_deref(), None)?;
    let buttons = match &args.buttons {
        Some(b) if b.iter().any(|n| n.trim().is_empty()) || b.len() > 16 => {
            return Err(CliError::Usage(
                "--buttons takes 1 to 16 names separated by commas (e.g. lock,unlock)".into(),
            ));
        }
        Some(b) => b.iter().map(|n| n.trim().to_string()).collect(),
        None => guided::default_buttons(
            car.as_ref()
                .and_then(|(c, _)| c.vehicle.as_ref())
                .and_then(|v| v.buttons),
        ),
    };
    // The other recording is read first: a bad path is an error before the owner presses.
    let other = match &args.compare {
        Some(p) => Some(analyze_path(
            p,
            &AnalyzeOptions {
                overrides: Default::default(),
                ppm: 0.0,
            },
        )?),
        None => None,
    };
    let band = match args.scan {
        true => match find_band(args)? {
            Some(b) => b,
            None => return Ok(ExitCode::from(Status::NoSignal.exit_code())),
        },
        false => args
            .band
            .or_else(|| car.as_ref().and_then(|(c, _)| c.bands.first().copied()))
            .unwrap_or(&band::BANDS[1]),
    };
    let center = args
        .freq
        .unwrap_or_else(|| band::listen_center_hz(band, args.rate));
    let steps = guided::plan(&buttons, args.step_time);
    let radio = radio::open(&args.radio, args.rate, center)?;
    let info = radio.source.info().clone();
    let talk = !term::quiet();
    if talk {
        eprintln!(
            "key test: {} button(s), {:.0} s each, on {} at {} ({}); press each button when asked",
            steps.len(),
            args.step_time,
            report::mhz(center),
            report::rate(info.sample_rate_hz),
            info.path
        );
    }
    let stop = radio::interrupt_flag();
    let mut guide = TermGuide {
        steps: &steps,
        meter: talk && std::io::stderr().is_terminal(),
        talk,
        heard: vec![0; steps.len()],
        last_meter: f64::NEG_INFINITY,
    };
    let outcome = {
        let mut observer = GuidedObserver::new(&steps, &mut guide);
        live::run(
            radio.source,
            LiveOptions {
                duration: Some(Duration::from_secs_f64(args.step_time * steps.len() as f64)),
                ppm: radio.software_ppm,
                record: None,
            },
            &stop,
            &mut observer,
        )
    };
    guide.clear_meter();
    stop.store(true, Ordering::Relaxed);
    match &outcome.stop {
        StopReason::SourceFailed(msg) | StopReason::RecordingFailed(msg) => {
            eprintln!("fobscope: error: {msg}");
            return Ok(ExitCode::from(EXIT_ERROR));
        }
        StopReason::Interrupted => {
            eprintln!("fobscope: error: the test was interrupted before every button was tried");
            return Ok(ExitCode::from(EXIT_ERROR));
        }
        _ if outcome.samples == 0 => {
            eprintln!("fobscope: error: the radio delivered no samples");
            return Ok(ExitCode::from(EXIT_ERROR));
        }
        _ => {}
    }
    let carband = car.as_ref().map(|(c, _)| c);
    let mut result = judge(outcome.report, &steps, carband);
    if let Some(other) = &other {
        result.comparison = Some(compare(&result.report, other, carband));
    }
    let status = result.status();
    if args.json {
        let text = serde_json::to_string_pretty(&result).map_err(|e| CliError::Io {
            path: "standard output".into(),
            source: e.into(),
        })?;
        super::write_stdout(format!("{text}\n").as_bytes())?;
    } else {
        let text = render_text(&result);
        super::write_stdout(
            term::paint_first_line(&text, status, term::color_stdout()).as_bytes(),
        )?;
    }
    Ok(ExitCode::from(status.exit_code()))
}
