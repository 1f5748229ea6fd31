//! `fobscope check A B C ...`: many recordings judged in parallel, one aligned line each (in
//! the order given), then a summary.
//!
//! Worker threads (one per core, at most one per file) take the next file from a shared
//! counter and send back its judged report; the main thread prints each line as soon as every
//! line before it is printed. A file that cannot be read gets an error line naming the file
//! and the problem, and the others are still checked.
//!
//! Exit code: [`EXIT_ERROR`] when any file could not be read, else the highest of the
//! verdicts' codes (so 0 only when every key is working).

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use super::check::CheckArgs;
use super::progress::Bar;
use super::{CliError, EXIT_ERROR, term};
use crate::diagnosis::{CarBand, Status, diagnose};
use crate::model::{Report, Transmission};
use crate::pipeline::{AnalyzeOptions, analyze_path};

/// Width of the verdict column (`band_mismatch`).
const VERDICT_W: usize = 13;
/// Width of the frequency column (`433.9200 MHz`).
const FREQ_W: usize = 12;
/// Width of the band column.
const BAND_W: usize = 4;
/// Width of the protocol column (`KeeLoq`, `PT2262`, `EV1527`, `bits`).
const PROTOCOL_W: usize = 8;
/// Width of the SNR column (`30.9 dB`).
const SNR_W: usize = 8;

/// What became of one file: its judged report, or why it could not be read.
pub type Outcome = Result<Report, String>;

/// Tally of a batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files per verdict: working, weak, no_signal, band_mismatch.
    pub counts: [usize; 4],
    /// Files that could not be read.
    pub errors: usize,
}

const STATUSES: [Status; 4] = [
    Status::Working,
    Status::Weak,
    Status::NoSignal,
    Status::BandMismatch,
];

impl Summary {
    /// Counts one outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        match outcome.as_ref().ok().and_then(|r| r.verdict.as_ref()) {
            Some(v) => {
                let k = STATUSES.iter().position(|&s| s == v.status).unwrap_or(0);
                self.counts[k] += 1;
            }
            None => self.errors += 1,
        }
    }

    /// The batch's exit code: 2 if any file failed, else the highest verdict code.
    pub fn exit_code(&self) -> u8 {
        if self.errors > 0 {
            return EXIT_ERROR;
        }
        STATUSES
            .iter()
            .zip(self.counts)
            .filter(|&(_, n)| n > 0)
            .map(|(s, _)| s.exit_code())
            .max()
            .unwrap_or(0)
    }

    /// The summary line (`4 files: working 2, weak 1, no_signal 0, band_mismatch 0, errors 1`).
    pub fn line(&self) -> String {
        let total = self.counts.iter().sum::<usize>() + self.errors;
        let parts: Vec<String> = STATUSES
            .iter()
            .zip(self.counts)
            .map(|(s, n)| format!("{} {n}", s.name()))
            .collect();
        format!(
            "{total} file{}: {}, errors {}",
            if total == 1 { "" } else { "s" },
            parts.join(", "),
            self.errors
        )
    }
}

/// The transmission a batch line describes: one with a decoded protocol before one with mere
/// bits before one without frames; among equals the one with the best SNR, then most pulses.
pub fn key_transmission(report: &Report) -> Option<&Transmission> {
    let rank = |t: &Transmission| {
        (
            t.frames.iter().any(|f| f.protocol.is_some()),
            !t.frames.is_empty(),
        )
    };
    report.transmissions.iter().max_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| {
                let sa = a.snr_db.unwrap_or(f64::NEG_INFINITY);
                let sb = b.snr_db.unwrap_or(f64::NEG_INFINITY);
                sa.total_cmp(&sb)
            })
            .then_with(|| a.pulses.cmp(&b.pulses))
    })
}

fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

fn pad_left(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{}{s}", " ".repeat(width.saturating_sub(n)))
}

/// The header line, for file names `file_w` characters wide.
pub fn header(file_w: usize) -> String {
    format!(
        "{}  {}  {}  {}  {}  {}",
        pad("file", file_w),
        pad("verdict", VERDICT_W),
        pad("frequency", FREQ_W),
        pad("band", BAND_W),
        pad("protocol", PROTOCOL_W),
        pad_left("SNR", SNR_W)
    )
    .trim_end()
    .to_string()
}

/// One aligned line: file, verdict, frequency, band, protocol, SNR (or the error).
pub fn line(path: &str, outcome: &Outcome, file_w: usize, color: bool) -> String {
    let report = match outcome {
        Ok(r) => r,
        Err(e) => return format!("{}  {}  {e}", pad(path, file_w), pad("error", VERDICT_W)),
    };
    let Some(v) = &report.verdict else {
        return format!("{}  {}", pad(path, file_w), pad("?", VERDICT_W));
    };
    let key = (v.status != Status::NoSignal)
        .then(|| key_transmission(report))
        .flatten();
    let freq = key
        .and_then(|t| t.freq_hz)
        .map(crate::report::mhz)
        .unwrap_or_else(|| "-".into());
    let band = v
        .key_band
        .clone()
        .or_else(|| key.and_then(|t| t.band.clone()))
        .unwrap_or_else(|| "-".into());
    let protocol = key
        .and_then(|t| t.frames.first())
        .map(|f| f.protocol.clone().unwrap_or_else(|| "bits".into()))
        .unwrap_or_else(|| "-".into());
    let snr = key
        .and_then(|t| t.snr_db)
        .map(|s| format!("{s:.1} dB"))
        .unwrap_or_else(|| "-".into());
    format!(
        "{}  {}  {}  {}  {}  {}",
        pad(path, file_w),
        paint_cell(v.status, color),
        pad(&freq, FREQ_W),
        pad(&band, BAND_W),
        pad(&protocol, PROTOCOL_W),
        pad_left(&snr, SNR_W)
    )
}

/// The verdict cell, padded to its column, coloured (the word only) when `color`.
fn paint_cell(status: Status, color: bool) -> String {
    let name = status.name();
    let padding = " ".repeat(VERDICT_W.saturating_sub(name.len()));
    format!("{}{padding}", term::paint(name, status, color))
}

/// Analyses and judges one file; a panic in the analysis becomes an error, not a lost line.
fn judge(path: &Path, opts: &AnalyzeOptions, car: Option<&CarBand>) -> Outcome {
    let run = || {
        let mut rep = analyze_path(path, opts).map_err(|e| e.to_string())?;
        crate::diagnosis::sufficiency::check(&rep).map_err(|e| e.to_string())?;
        rep.verdict = Some(diagnose(&rep, car));
        Ok(rep)
    };
    catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|_| {
        Err(format!(
            "{}: the analysis failed unexpectedly (a bug: please report it)",
            path.display()
        ))
    })
}

/// What [`judge_in_order`] reports to its caller.
pub enum Event {
    /// The outcome of file `index`; every file before it has been reported already.
    Outcome {
        /// Position of the file in the list.
        index: usize,
        /// Its judged report, or why it could not be read.
        outcome: Box<Outcome>,
    },
    /// Still working; `done` files are finished (some may wait for an earlier one).
    Progress {
        /// Files finished so far.
        done: usize,
    },
}

/// How often [`Event::Progress`] is sent while waiting.
const TICK: Duration = Duration::from_millis(100);

/// Judges `files` on up to `workers` threads and reports each outcome to `on` in the order of
/// `files`, as soon as it and all before it are done (with progress ticks in between). `on`
/// returning an error stops the batch (no new file is started).
pub fn judge_in_order(
    files: &[PathBuf],
    opts: &AnalyzeOptions,
    car: Option<&CarBand>,
    workers: usize,
    on: &mut dyn FnMut(Event) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    std::thread::scope(|s| {
        for _ in 0..workers.clamp(1, files.len().max(1)) {
            let tx = tx.clone();
            let (next, stop) = (&next, &stop);
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    if tx.send((i, judge(path, opts, car))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending: Vec<Option<Outcome>> = (0..files.len()).map(|_| None).collect();
        let (mut printed, mut done) = (0, 0);
        let result = loop {
            let event = match rx.recv_timeout(TICK) {
                Ok((i, outcome)) => {
                    pending[i] = Some(outcome);
                    done += 1;
                    Event::Progress { done }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => Event::Progress { done },
                Err(mpsc::RecvTimeoutError::Disconnected) => break Ok(()),
            };
            if let Err(e) = on(event) {
                break Err(e);
            }
            let mut failed = None;
            while let Some(outcome) = pending.get_mut(printed).and_then(Option::take) {
                if let Err(e) = on(Event::Outcome {
                    index: printed,
                    outcome: Box::new(outcome),
                }) {
                    failed = Some(e);
                    break;
                }
                printed += 1;
            }
            if let Some(e) = failed {
                break Err(e);
            }
        };
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        result
    })
}

fn stdout_err(source: std::io::Error) -> CliError {
    CliError::Io {
        path: "standard output".into(),
        source,
    }
}

/// Runs `check` on several files.
pub fn run(
    args: &CheckArgs,
    opts: &AnalyzeOptions,
    car: Option<&CarBand>,
) -> Result<ExitCode, CliError> {
    let files: Vec<PathBuf> = std::iter::once(&args.file)
        .chain(&args.more)
        .cloned()
        .collect();
    if files.iter().any(|p| p.as_os_str() == "-") {
        return Err(CliError::Usage(
            "standard input (`-`) can only be checked alone, not among other files".into(),
        ));
    }
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let file_w = names.iter().map(|n| n.chars().count()).max().unwrap_or(4);
    let color = term::color_stdout();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut bar = Bar::for_files(files.len(), "checking");
    let mut summary = Summary::default();
    let mut plot_failed = false;
    let stdout = std::io::stdout();
    if !args.json {
        writeln!(stdout.lock(), "{}", header(file_w)).map_err(stdout_err)?;
    }
    let mut on = |event: Event| -> Result<(), CliError> {
        let (i, outcome) = match event {
            Event::Progress { done } => {
                bar.set(done as u64);
                return Ok(());
            }
            Event::Outcome { index, outcome } => (index, *outcome),
        };
        summary.add(&outcome);
        if let (Some(png), Ok(rep)) = (&args.plot, &outcome) {
            let png = crate::plot::numbered_path(png, i, files.len());
            let po = crate::plot::PlotOptions {
                scale: args.plot_scale,
            };
            match crate::plot::write_report_plot(&png, rep, &opts.overrides, &po) {
                Ok(notes) => super::term::note(&crate::plot::written_note(&png, &notes)),
                Err(e) => {
                    eprintln!("fobscope: error: {e}");
                    plot_failed = true;
                }
            }
        }
        let text = if args.json {
            match &outcome {
                Ok(rep) => serde_json::to_string(rep).map_err(|e| stdout_err(e.into()))?,
                Err(e) => {
                    eprintln!("fobscope: error: {e}");
                    serde_json::json!({ "path": names[i], "error": e }).to_string()
                }
            }
        } else {
            line(&names[i], &outcome, file_w, color)
        };
        bar.print(|| {
            let mut out = stdout.lock();
            writeln!(out, "{text}").and_then(|_| out.flush())
        })
        .map_err(stdout_err)
    };
    judge_in_order(&files, opts, car, workers, &mut on)?;
    bar.clear();
    if !args.json {
        writeln!(stdout.lock(), "\n{}", summary.line()).map_err(stdout_err)?;
    }
    let code = if plot_failed {
        EXIT_ERROR
    } else {
        summary.exit_code()
    };
    Ok(ExitCode::from(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::Verdict;
    use crate::model::InputSummary;

    fn judged(status: Status) -> Outcome {
        Ok(Report {
            input: InputSummary {
                path: "k.cu8".into(),
                format: "cu8".into(),
                sample_rate_hz: Some(250e3),
                center_freq_hz: Some(433.92e6),
                duration_s: Some(1.0),
            },
            transmissions: Vec::new(),
            verdict: Some(Verdict {
                status,
                key_band: None,
                car_band: None,
                reasons: vec!["r".into()],
                advice: Vec::new(),
                evidence: Vec::new(),
            }),
            warnings: Vec::new(),
        })
    }

    #[test]
    fn exit_code_is_error_first_then_the_worst_verdict() {
        let mut s = Summary::default();
        assert_eq!(s.exit_code(), 0);
        s.add(&judged(Status::Working));
        assert_eq!(s.exit_code(), 0);
        s.add(&judged(Status::NoSignal));
        s.add(&judged(Status::Weak));
        assert_eq!(s.exit_code(), 11);
        s.add(&Err("x: bad".into()));
        assert_eq!(s.exit_code(), EXIT_ERROR);
        assert_eq!(
            s.line(),
            "4 files: working 1, weak 1, no_signal 1, band_mismatch 0, errors 1"
        );
    }

    #[test]
    fn outcomes_come_in_the_order_given_and_stop_on_request() {
        let files: Vec<PathBuf> = (0..40)
            .map(|k| PathBuf::from(format!("missing-{k}_433.92M_250k.cu8")))
            .collect();
        let opts = AnalyzeOptions::default();
        let mut seen = Vec::new();
        let mut on = |e: Event| {
            if let Event::Outcome { index, outcome } = e {
                let msg = outcome.unwrap_err();
                assert!(msg.contains(&format!("missing-{index}_")), "{msg}");
                seen.push(index);
            }
            Ok(())
        };
        judge_in_order(&files, &opts, None, 4, &mut on).unwrap();
        assert_eq!(seen, (0..40).collect::<Vec<_>>());

        let mut n = 0;
        let mut on = |e: Event| {
            if matches!(e, Event::Outcome { .. }) {
                n += 1;
                if n == 3 {
                    return Err(CliError::Usage("stop".into()));
                }
            }
            Ok(())
        };
        assert!(judge_in_order(&files, &opts, None, 2, &mut on).is_err());
        assert_eq!(n, 3);
    }

    #[test]
    fn lines_align_with_the_header() {
        let h = header(10);
        let ok = line("a.cu8", &judged(Status::Weak), 10, false);
        let err = line("bb.cu8", &Err("bb.cu8: truncated".into()), 10, false);
        let col = |s: &str, w: &str| s.find(w).unwrap();
        assert_eq!(col(&h, "verdict"), col(&ok, "weak"));
        assert_eq!(col(&h, "verdict"), col(&err, "error"));
        assert!(err.ends_with("bb.cu8: truncated"), "{err}");
        assert!(!ok.contains('\x1b'));
        assert!(line("a.cu8", &judged(Status::Weak), 10, true).contains('\x1b'));
    }
}
