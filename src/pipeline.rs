//! The pipeline glue: runs an input through detection, pulse analysis and frame decoding and
//! assembles the [`crate::model::Report`].
//!
//! IQ inputs stream block by block through [`crate::dsp::BurstProcessor`]; pulse files enter
//! after the demodulator. Memory stays flat: only the burst in progress is held by the front
//! end, and at most [`MAX_TRANSMISSIONS`] transmissions are kept for the report.

use std::path::Path;
use std::sync::mpsc;

use num_complex::Complex;

use crate::band;
use crate::dsp::{BurstProcessor, DetectedTransmission, DspConfig, Modulation};
use crate::model::{InputSummary, Report, Spur, Transmission};
use crate::protocol;
use crate::pulse::{self, PulseTrain};
use crate::source::{
    self, BLOCK_SAMPLES, Input, IqSource, Overrides, PulseRecording, SourceError, StreamInfo,
};

/// Most transmissions one report keeps; later ones are counted in a warning, not stored.
pub const MAX_TRANSMISSIONS: usize = 10_000;

/// Most pulses kept for one transmission found in IQ samples; a longer one is cut there and
/// marked truncated. A key-fob transmission (ended by a gap of 10 ms) holds a few hundred
/// pulses; rtl_433 ends a package at 1200 (`PD_MAX_PULSES`). With [`MAX_TRANSMISSIONS`] this
/// bounds the pulses a report holds (4096 × 8 bytes × 10 000 = 328 MB at the very worst).
pub const MAX_PULSES_PER_TRANSMISSION: usize = 4096;

/// Settings of one analysis.
#[derive(Clone, Debug, Default)]
pub struct AnalyzeOptions {
    /// Flags that win over the file's metadata.
    pub overrides: Overrides,
    /// Crystal error of the receiving dongle, ppm (corrects reported frequencies).
    pub ppm: f64,
}

/// Analyses one input file (or `-`) completely and returns its report (no verdict).
pub fn analyze_path(path: &Path, opts: &AnalyzeOptions) -> Result<Report, SourceError> {
    analyze_path_with_progress(path, opts, &mut |_| {})
}

/// As [`analyze_path`], calling `progress` with the fraction done (0..=1) when the length of
/// the input is known.
pub fn analyze_path_with_progress(
    path: &Path,
    opts: &AnalyzeOptions,
    progress: &mut dyn FnMut(f64),
) -> Result<Report, SourceError> {
    match source::open(path, &opts.overrides)? {
        Input::Iq(src) => analyze_iq(src, opts, progress),
        Input::Pulses(rec) => Ok(analyze_pulses(&rec, opts)),
    }
}

/// Blocks in flight between the reading thread and the analysis: one being analysed, one
/// read ahead, one being filled. Memory stays flat: the same buffers go round.
const BLOCKS_IN_FLIGHT: usize = 3;

/// Streams an IQ source through the whole pipeline.
///
/// The source is read (and its samples decoded) on a second thread while the analysis runs
/// on this one, so the two overlap on a machine with more than one core; the analysis sees the
/// same blocks in the same order either way.
pub fn analyze_iq(
    mut src: Box<dyn IqSource>,
    opts: &AnalyzeOptions,
    progress: &mut dyn FnMut(f64),
) -> Result<Report, SourceError> {
    let info = src.info().clone();
    // Closed bursts are demodulated on a third thread when there is a core for it.
    let parallel = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    let mut analyzer = if parallel {
        StreamAnalyzer::with_worker(&info, opts.ppm)
    } else {
        StreamAnalyzer::new(&info, opts.ppm)
    };
    let warnings = std::thread::scope(|scope| -> Result<Vec<String>, SourceError> {
        type Filled = Result<(Vec<Complex<f32>>, usize), SourceError>;
        let (full_tx, full_rx) = mpsc::sync_channel::<Filled>(BLOCKS_IN_FLIGHT);
        let (empty_tx, empty_rx) = mpsc::channel::<Vec<Complex<f32>>>();
        for _ in 0..BLOCKS_IN_FLIGHT {
            // Cannot fail: the receiver is alive.
            let _ = empty_tx.send(vec![Complex::new(0.0f32, 0.0); BLOCK_SAMPLES]);
        }
        let reader = scope.spawn(move || {
            // Ends at the end of the stream, on an error (passed on), or when the analysis
            // stops taking blocks.
            while let Ok(mut block) = empty_rx.recv() {
                let msg = src.read(&mut block).map(|n| (block, n));
                let stop = matches!(msg, Ok((_, 0)) | Err(_));
                if full_tx.send(msg).is_err() || stop {
                    break;
                }
            }
            src
        });
        let mut result = Ok(());
        for msg in full_rx.iter() {
            match msg {
                Ok((_, 0)) => break,
                Ok((block, n)) => {
                    analyzer.push(&block[..n]);
                    if let Some(total) = info.total_samples.filter(|&t| t > 0) {
                        progress((analyzer.samples() as f64 / total as f64).min(1.0));
                    }
                    let _ = empty_tx.send(block);
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        drop(empty_tx);
        drop(full_rx);
        let src = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        result.map(|()| src.warnings())
    })?;
    analyzer.finish();
    progress(1.0);
    Ok(analyzer.into_report(warnings))
}

/// The streaming analysis of one IQ stream: push blocks, read the transmissions as they
/// complete, finish, and take the report.
pub struct StreamAnalyzer {
    info: StreamInfo,
    front: BurstProcessor,
    detected: Vec<DetectedTransmission>,
    collector: Collector,
    samples: u64,
    new_from: usize,
}

impl StreamAnalyzer {
    /// An analyzer for a stream described by `info`; `ppm` corrects reported frequencies.
    pub fn new(info: &StreamInfo, ppm: f64) -> Self {
        Self::with_front(info, ppm, BurstProcessor::new)
    }

    /// As [`StreamAnalyzer::new`], demodulating on a second thread
    /// ([`BurstProcessor::with_worker`]): the same transmissions in the same report, but each
    /// [`push`](Self::push) returns those completed some blocks earlier. For whole files.
    pub fn with_worker(info: &StreamInfo, ppm: f64) -> Self {
        Self::with_front(info, ppm, BurstProcessor::with_worker)
    }

    fn with_front(info: &StreamInfo, ppm: f64, front: fn(DspConfig) -> BurstProcessor) -> Self {
        StreamAnalyzer {
            info: info.clone(),
            front: front(DspConfig {
                sample_rate_hz: info.sample_rate_hz,
            }),
            detected: Vec::new(),
            collector: Collector::new(info.center_freq_hz, ppm),
            samples: 0,
            new_from: 0,
        }
    }

    /// Feeds a block; returns the transmissions completed by it.
    pub fn push(&mut self, block: &[Complex<f32>]) -> &[Transmission] {
        self.samples += block.len() as u64;
        self.front.push(block, &mut self.detected);
        self.new_from = self.collector.transmissions.len();
        self.collector.take(&mut self.detected);
        &self.collector.transmissions[self.new_from..]
    }

    /// Ends the stream; returns the transmissions completed by it (a burst cut off by the end).
    pub fn finish(&mut self) -> &[Transmission] {
        self.front.finish(&mut self.detected);
        self.new_from = self.collector.transmissions.len();
        self.collector.take(&mut self.detected);
        &self.collector.transmissions[self.new_from..]
    }

    /// Samples pushed so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Every transmission so far.
    pub fn transmissions(&self) -> &[Transmission] {
        &self.collector.transmissions
    }

    /// The report of everything pushed; `warnings` are the source's.
    pub fn into_report(mut self, mut warnings: Vec<String>) -> Report {
        warnings.extend(self.collector.warnings());
        // Transmissions complete in the order their bursts close; the report is in time order.
        self.collector
            .transmissions
            .sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        Report {
            input: InputSummary {
                path: self.info.path.clone(),
                format: self.info.format.name().to_string(),
                sample_rate_hz: Some(self.info.sample_rate_hz),
                center_freq_hz: self.info.center_freq_hz,
                duration_s: Some(if self.info.sample_rate_hz > 0.0 {
                    self.samples as f64 / self.info.sample_rate_hz
                } else {
                    0.0
                }),
            },
            transmissions: self.collector.transmissions,
            verdict: None,
            warnings,
        }
    }
}

/// Analyses a pulse file: every train goes straight to the pulse analyzer.
pub fn analyze_pulses(rec: &PulseRecording, opts: &AnalyzeOptions) -> Report {
    let center = opts.overrides.center_freq_hz.or(rec.info.center_freq_hz);
    let modulation = rec
        .info
        .modulation_hint
        .as_deref()
        .and_then(modulation_from_hint);
    let transmissions = rec
        .trains
        .iter()
        .take(MAX_TRANSMISSIONS)
        .map(|train| {
            let mut t = describe(train.clone());
            t.freq_hz = center.map(|c| correct_ppm(c, opts.ppm));
            t.band = t.freq_hz.and_then(band_id);
            t.modulation = modulation;
            t
        })
        .collect();
    let mut warnings = rec.warnings.clone();
    if rec.trains.len() > MAX_TRANSMISSIONS {
        warnings.push(format!(
            "only the first {MAX_TRANSMISSIONS} of {} transmissions are reported",
            rec.trains.len()
        ));
    }
    let end_s = rec
        .trains
        .last()
        .map(|t| t.start_s + t.duration_us() * 1e-6);
    Report {
        input: InputSummary {
            path: rec.info.path.clone(),
            format: rec.info.format.name().to_string(),
            sample_rate_hz: opts.overrides.sample_rate_hz.or(rec.info.sample_rate_hz),
            center_freq_hz: center,
            duration_s: end_s,
        },
        transmissions,
        verdict: None,
        warnings,
    }
}

/// Reads a modulation from a pulse file's hint (`OOK`, `FSK`, Flipper presets such as
/// `FuriHalSubGhzPresetOok650Async` or `2FSKDev476`).
fn modulation_from_hint(hint: &str) -> Option<Modulation> {
    let h = hint.to_ascii_lowercase();
    if h.contains("fsk") {
        Some(Modulation::Fsk)
    } else if h.contains("ook") || h.contains("am270") || h.contains("am650") {
        Some(Modulation::Ook)
    } else {
        None
    }
}

/// True frequency from a frequency read off a dongle whose crystal is off by `ppm`.
fn correct_ppm(freq_hz: f64, ppm: f64) -> f64 {
    freq_hz * (1.0 + ppm * 1e-6)
}

fn band_id(freq_hz: f64) -> Option<String> {
    band::band_of(freq_hz).map(|b| b.id.to_string())
}

/// Turns detected transmissions into report transmissions, keeping at most
/// [`MAX_TRANSMISSIONS`].
struct Collector {
    center_freq_hz: Option<f64>,
    ppm: f64,
    transmissions: Vec<Transmission>,
    dropped: u64,
}

impl Collector {
    fn new(center_freq_hz: Option<f64>, ppm: f64) -> Self {
        Collector {
            center_freq_hz,
            ppm,
            transmissions: Vec::new(),
            dropped: 0,
        }
    }

    fn take(&mut self, detected: &mut Vec<DetectedTransmission>) {
        for mut d in detected.drain(..) {
            if self.transmissions.len() >= MAX_TRANSMISSIONS {
                self.dropped += 1;
                continue;
            }
            if d.pulses.pulses.len() > MAX_PULSES_PER_TRANSMISSION {
                d.pulses.pulses.truncate(MAX_PULSES_PER_TRANSMISSION);
                d.truncated = true;
            }
            let freq_hz = self
                .center_freq_hz
                .map(|c| correct_ppm(c + d.freq_offset_hz, self.ppm));
            let mut t = describe(d.pulses);
            t.freq_hz = freq_hz;
            t.freq_offset_hz = Some(d.freq_offset_hz);
            t.band = freq_hz.and_then(band_id);
            t.modulation = Some(d.modulation);
            t.fsk_deviation_hz = d.fsk_deviation_hz;
            t.bandwidth_hz = Some(d.bandwidth_hz);
            t.rssi_dbfs = Some(d.rssi_dbfs);
            t.snr_db = Some(d.snr_db);
            t.noise_dbfs = Some(d.noise_dbfs);
            t.amplitude_sag_db = d.amplitude_sag_db;
            t.truncated = d.truncated;
            t.spurs = d
                .spurs
                .iter()
                .map(|s| Spur {
                    freq_hz: self
                        .center_freq_hz
                        .map(|c| correct_ppm(c + s.freq_offset_hz, self.ppm)),
                    freq_offset_hz: s.freq_offset_hz,
                    level_dbc: s.level_dbc,
                })
                .collect();
            self.transmissions.push(t);
        }
    }

    fn warnings(&self) -> Vec<String> {
        if self.dropped == 0 {
            return Vec::new();
        }
        vec![format!(
            "{} further transmissions after the first {MAX_TRANSMISSIONS} were not reported",
            self.dropped
        )]
    }
}

/// Analyses and decodes one pulse train; RF fields are left empty for the caller.
pub fn describe(train: PulseTrain) -> Transmission {
    let analysis = pulse::analyze(&train);
    let frames = protocol::frames(&train, &analysis);
    Transmission {
        start_s: train.start_s,
        duration_s: train.duration_us() * 1e-6,
        freq_hz: None,
        freq_offset_hz: None,
        band: None,
        modulation: None,
        fsk_deviation_hz: None,
        bandwidth_hz: None,
        rssi_dbfs: None,
        snr_db: None,
        noise_dbfs: None,
        amplitude_sag_db: None,
        truncated: false,
        spurs: Vec::new(),
        coding: analysis.coding,
        short_us: analysis.short_us,
        long_us: analysis.long_us,
        gap_us: analysis.gap_us,
        te_us: analysis.te_us,
        bitrate_bps: analysis.bitrate_bps,
        pulses: train.pulses.len(),
        frames,
        train,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppm_correction_scales_frequency() {
        assert!((correct_ppm(433.92e6, 50.0) - 433.92e6 * 1.00005).abs() < 1e-3);
        assert_eq!(correct_ppm(315e6, 0.0), 315e6);
    }

    #[test]
    fn modulation_hints() {
        assert_eq!(
            modulation_from_hint("FuriHalSubGhzPresetOok650Async"),
            Some(Modulation::Ook)
        );
        assert_eq!(modulation_from_hint("2FSKDev476"), Some(Modulation::Fsk));
        assert_eq!(modulation_from_hint("OOK"), Some(Modulation::Ook));
        assert_eq!(modulation_from_hint("weird"), None);
    }
}
