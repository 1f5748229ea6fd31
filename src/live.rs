//! Live sessions: a radio stream analysed as it arrives, optionally recorded, stopped by
//! Ctrl-C, a duration or the source failing, and `scan` hopping between bands.
//!
//! Whatever ends a session, the recording is finalised and the transmissions seen so far are
//! kept: a dongle unplugged after a minute still leaves a readable recording of that minute.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use num_complex::Complex;

use crate::model::{Report, Transmission};
use crate::pipeline::StreamAnalyzer;
use crate::sink::{Annotation, IqSink, SinkError};
use crate::source::{IqSource, SourceError};

/// Samples per read in live mode (~27 ms at 2.4 MS/s: a responsive meter).
pub const LIVE_BLOCK: usize = 1 << 16;

/// Why a session ended.
#[derive(Clone, Debug, PartialEq)]
pub enum StopReason {
    /// The requested duration elapsed.
    Duration,
    /// The user pressed Ctrl-C (or the stop flag was set).
    Interrupted,
    /// The source ended normally (a file).
    EndOfStream,
    /// The source failed; the message says why.
    SourceFailed(String),
    /// The recording could not be written (disk full, ...); the message says why.
    RecordingFailed(String),
}

/// What a live session is told as it runs.
pub trait LiveObserver {
    /// A transmission has completed.
    fn transmission(&mut self, t: &Transmission);
    /// The mean power of the last block, dBFS, at `time_s` into the session.
    fn level(&mut self, dbfs: f64, time_s: f64);
}

/// An observer that ignores everything.
pub struct Silent;

impl LiveObserver for Silent {
    fn transmission(&mut self, _t: &Transmission) {}
    fn level(&mut self, _dbfs: f64, _time_s: f64) {}
}

/// The end of a session.
pub struct LiveOutcome {
    /// Everything seen, as a report (its warnings include the source's).
    pub report: Report,
    /// Why it ended.
    pub stop: StopReason,
    /// Samples received.
    pub samples: u64,
    /// The recording's final state: `None` without `--record`.
    pub recording: Option<Result<(), SinkError>>,
}

/// Session settings.
#[derive(Default)]
pub struct LiveOptions {
    /// Stop after this much signal time.
    pub duration: Option<Duration>,
    /// Correction of reported frequencies, ppm (0 when the device applied it).
    pub ppm: f64,
    /// Where to record what is received.
    pub record: Option<Box<dyn IqSink>>,
}

/// Mean power of a block, dBFS (full scale = magnitude 1.0).
pub fn block_dbfs(block: &[Complex<f32>]) -> f64 {
    if block.is_empty() {
        return f64::NEG_INFINITY;
    }
    let p: f64 = block.iter().map(|s| s.norm_sqr() as f64).sum::<f64>() / block.len() as f64;
    10.0 * p.max(1e-20).log10()
}

/// The annotation a recording gets for a transmission.
pub fn annotation_for(t: &Transmission, rate_hz: f64) -> Annotation {
    let half_bw = t.bandwidth_hz.unwrap_or(0.0) / 2.0;
    let label = match t.frames.iter().find_map(|f| f.protocol.clone()) {
        Some(p) => p,
        None => format!(
            "{} {}",
            t.modulation.map(|m| m.name()).unwrap_or("?"),
            t.coding.name()
        ),
    };
    Annotation {
        sample_start: (t.start_s * rate_hz).round().max(0.0) as u64,
        sample_count: (t.duration_s * rate_hz).round().max(1.0) as u64,
        freq_lower_hz: t.freq_hz.map(|f| f - half_bw),
        freq_upper_hz: t.freq_hz.map(|f| f + half_bw),
        label,
        comment: Some(format!(
            "{} pulses, SNR {}",
            t.pulses,
            t.snr_db
                .map(|s| format!("{s:.1} dB"))
                .unwrap_or_else(|| "unknown".into())
        )),
    }
}

/// Annotates the recording (if any) with each transmission; failures only lose the note.
fn annotate(sink: Option<&mut (dyn IqSink + 'static)>, done: &[Transmission], rate_hz: f64) {
    if let Some(sink) = sink {
        for t in done {
            let _ = sink.annotate(&annotation_for(t, rate_hz));
        }
    }
}

/// Runs a session until the duration, Ctrl-C (`stop`), or the end or failure of the source.
pub fn run(
    mut src: Box<dyn IqSource>,
    mut opts: LiveOptions,
    stop: &AtomicBool,
    observer: &mut dyn LiveObserver,
) -> LiveOutcome {
    let info = src.info().clone();
    let rate = info.sample_rate_hz;
    let limit = opts
        .duration
        .map(|d| (d.as_secs_f64() * rate).round() as u64);
    let mut analyzer = StreamAnalyzer::new(&info, opts.ppm);
    let mut block = vec![Complex::new(0.0f32, 0.0); LIVE_BLOCK];
    let mut recording_error = None;
    let reason = loop {
        if stop.load(Ordering::Relaxed) {
            break StopReason::Interrupted;
        }
        let want = match limit {
            Some(l) if analyzer.samples() >= l => break StopReason::Duration,
            Some(l) => block.len().min((l - analyzer.samples()) as usize),
            None => block.len(),
        };
        let n = match src.read(&mut block[..want]) {
            Ok(0) => break StopReason::EndOfStream,
            Ok(n) => n,
            Err(e) => break StopReason::SourceFailed(e.to_string()),
        };
        let chunk = &block[..n];
        if let Some(sink) = opts.record.as_mut()
            && let Err(e) = sink.write(chunk)
        {
            recording_error = Some(e.to_string());
            break StopReason::RecordingFailed(e.to_string());
        }
        let t = analyzer.samples() as f64 / rate;
        observer.level(block_dbfs(chunk), t);
        let done = analyzer.push(chunk);
        annotate(opts.record.as_deref_mut(), done, rate);
        for tr in done {
            observer.transmission(tr);
        }
    };
    let done = analyzer.finish();
    annotate(opts.record.as_deref_mut(), done, rate);
    for tr in done {
        observer.transmission(tr);
    }
    let samples = analyzer.samples();
    let recording = opts.record.take().map(|sink| {
        let finished = sink.finish();
        match (recording_error, finished) {
            (Some(msg), _) => Err(SinkError {
                path: String::new(),
                message: msg,
            }),
            (None, r) => r,
        }
    });
    LiveOutcome {
        report: analyzer.into_report(src.warnings()),
        stop: reason,
        samples,
        recording,
    }
}

/// One band's result in a scan.
#[derive(Clone, Debug)]
pub struct BandScan {
    /// The centre frequency listened to, Hz.
    pub center_freq_hz: f64,
    /// Signal time spent there, s.
    pub listened_s: f64,
    /// Transmissions heard there.
    pub transmissions: Vec<Transmission>,
}

/// Scan settings.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Centre frequencies to hop between, Hz.
    pub centers_hz: Vec<f64>,
    /// Time on each before hopping.
    pub dwell: Duration,
    /// How many rounds over all centres.
    pub rounds: u32,
    /// Samples discarded after each retune while the tuner settles and old samples drain.
    pub settle: Duration,
    /// Correction of reported frequencies, ppm.
    pub ppm: f64,
}

/// The end of a scan.
pub struct ScanOutcome {
    /// One entry per centre frequency, in the order given.
    pub bands: Vec<BandScan>,
    /// Why it ended early, if it did.
    pub stop: Option<StopReason>,
    /// The source's warnings.
    pub warnings: Vec<String>,
}

/// Hops a live source between centre frequencies, listening `dwell` on each, `rounds` times.
pub fn scan(
    mut src: Box<dyn IqSource>,
    opts: &ScanOptions,
    stop: &AtomicBool,
    observer: &mut dyn FnMut(usize, &Transmission),
) -> Result<ScanOutcome, SourceError> {
    let rate = src.info().sample_rate_hz;
    let mut bands: Vec<BandScan> = opts
        .centers_hz
        .iter()
        .map(|&c| BandScan {
            center_freq_hz: c,
            listened_s: 0.0,
            transmissions: Vec::new(),
        })
        .collect();
    let mut block = vec![Complex::new(0.0f32, 0.0); LIVE_BLOCK];
    let settle = (opts.settle.as_secs_f64() * rate) as u64;
    let dwell = (opts.dwell.as_secs_f64() * rate) as u64;
    let mut early = None;
    'rounds: for _ in 0..opts.rounds.max(1) {
        for (k, band) in bands.iter_mut().enumerate() {
            src.retune(band.center_freq_hz)?;
            let mut info = src.info().clone();
            info.center_freq_hz = Some(band.center_freq_hz);
            let mut analyzer = StreamAnalyzer::new(&info, opts.ppm);
            let mut skipped = 0u64;
            while analyzer.samples() < dwell {
                if stop.load(Ordering::Relaxed) {
                    early = Some(StopReason::Interrupted);
                }
                let want = if skipped < settle {
                    block.len().min((settle - skipped) as usize)
                } else {
                    block.len().min((dwell - analyzer.samples()) as usize)
                };
                let n = match src.read(&mut block[..want]) {
                    Ok(0) => {
                        early = Some(StopReason::EndOfStream);
                        0
                    }
                    Ok(n) => n,
                    Err(e) => {
                        early = Some(StopReason::SourceFailed(e.to_string()));
                        0
                    }
                };
                if early.is_some() {
                    break;
                }
                if skipped < settle {
                    skipped += n as u64;
                    continue;
                }
                for t in analyzer.push(&block[..n]) {
                    observer(k, t);
                }
            }
            for t in analyzer.finish() {
                observer(k, t);
            }
            band.listened_s += analyzer.samples() as f64 / rate;
            band.transmissions
                .extend(analyzer.into_report(Vec::new()).transmissions);
            if early.is_some() {
                break 'rounds;
            }
        }
    }
    Ok(ScanOutcome {
        bands,
        stop: early,
        warnings: src.warnings(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileFormat, Problem, SampleFormat, StreamInfo};
    use std::sync::{Arc, Mutex};

    /// A source that yields `n` quiet samples and then fails (a dongle unplugged).
    struct Failing {
        info: StreamInfo,
        left: u64,
    }

    impl IqSource for Failing {
        fn info(&self) -> &StreamInfo {
            &self.info
        }
        fn read(&mut self, out: &mut [Complex<f32>]) -> Result<usize, SourceError> {
            if self.left == 0 {
                return Err(SourceError::new(
                    "test-radio",
                    Problem::Malformed("device unplugged".into()),
                ));
            }
            let n = (out.len() as u64).min(self.left) as usize;
            out[..n].fill(Complex::new(0.001, -0.001));
            self.left -= n as u64;
            Ok(n)
        }
    }

    fn failing(n: u64) -> Box<dyn IqSource> {
        Box::new(Failing {
            info: StreamInfo {
                path: "test-radio".into(),
                format: FileFormat::Raw(SampleFormat::Cf32),
                sample_format: SampleFormat::Cf32,
                sample_rate_hz: 250e3,
                center_freq_hz: Some(433.92e6),
                total_samples: None,
                datetime: None,
                hardware: None,
            },
            left: n,
        })
    }

    /// A sink that keeps count and whether it was finished.
    struct CountingSink(Arc<Mutex<(u64, bool)>>);

    impl IqSink for CountingSink {
        fn write(&mut self, samples: &[Complex<f32>]) -> Result<(), SinkError> {
            self.0.lock().unwrap().0 += samples.len() as u64;
            Ok(())
        }
        fn finish(self: Box<Self>) -> Result<(), SinkError> {
            self.0.lock().unwrap().1 = true;
            Ok(())
        }
    }

    #[test]
    fn a_failing_source_keeps_and_finalises_what_was_recorded() {
        let state = Arc::new(Mutex::new((0u64, false)));
        let opts = LiveOptions {
            record: Some(Box::new(CountingSink(Arc::clone(&state)))),
            ..LiveOptions::default()
        };
        let out = run(failing(300_000), opts, &AtomicBool::new(false), &mut Silent);
        assert_eq!(out.samples, 300_000);
        assert!(
            matches!(out.stop, StopReason::SourceFailed(ref m) if m.contains("device unplugged"))
        );
        assert!(matches!(out.recording, Some(Ok(()))));
        assert_eq!(*state.lock().unwrap(), (300_000, true));
        assert!((out.report.input.duration_s.unwrap() - 1.2).abs() < 1e-9);
    }

    #[test]
    fn duration_and_interrupt_stop_the_session() {
        let opts = LiveOptions {
            duration: Some(Duration::from_millis(500)),
            ..LiveOptions::default()
        };
        let out = run(
            failing(10_000_000),
            opts,
            &AtomicBool::new(false),
            &mut Silent,
        );
        assert_eq!(out.stop, StopReason::Duration);
        assert_eq!(out.samples, 125_000);

        let out = run(
            failing(10_000_000),
            LiveOptions::default(),
            &AtomicBool::new(true),
            &mut Silent,
        );
        assert_eq!(out.stop, StopReason::Interrupted);
        assert_eq!(out.samples, 0);
    }

    #[test]
    fn block_power_in_dbfs() {
        let b = vec![Complex::new(0.1f32, 0.0); 100];
        assert!((block_dbfs(&b) + 20.0).abs() < 1e-6);
        assert_eq!(block_dbfs(&[]), f64::NEG_INFINITY);
    }
}
