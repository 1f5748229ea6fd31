//! The report's data model: what one analysed input contains (JSON contract of DESIGN.md).
//!
//! Unknown numbers are `None` (JSON `null`), never invented.

use serde::Serialize;

use crate::diagnosis::Verdict;
use crate::dsp::Modulation;
use crate::pulse::{Coding, PulseTrain};

/// The `input` object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputSummary {
    /// Path as given.
    pub path: String,
    /// Format name (`cu8`, `sigmf`, `ook`, ...).
    pub format: String,
    /// Samples per second (`None` for pulse files that do not say).
    pub sample_rate_hz: Option<f64>,
    /// Centre frequency, Hz, when known.
    pub center_freq_hz: Option<f64>,
    /// Length of the recording, seconds, when known.
    pub duration_s: Option<f64>,
}

impl InputSummary {
    /// The frequency span the recording covered, Hz (`None` when the centre is unknown).
    pub fn covered_span_hz(&self) -> Option<(f64, f64)> {
        let c = self.center_freq_hz?;
        let r = self.sample_rate_hz?;
        Some((c - r / 2.0, c + r / 2.0))
    }
}

/// A decoded (or merely sliced) frame of a transmission.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Frame {
    /// The bits as `0`/`1` characters.
    pub bits: String,
    /// The bits as hex, MSB first.
    pub hex: String,
    /// Name of the protocol whose structure checks passed, or `None`.
    pub protocol: Option<String>,
    /// Protocol fields (serial, buttons, battery flag, ...).
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// How many times the frame was repeated within the transmission.
    pub repeats: u32,
}

/// A weaker emission keyed with a transmission: a spur, keying splatter or an image (same
/// edges, far weaker). It belongs to the transmission and is never one of its own.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spur {
    /// Absolute frequency, Hz (when the centre is known).
    pub freq_hz: Option<f64>,
    /// Offset from the centre frequency, Hz.
    pub freq_offset_hz: f64,
    /// Power relative to the transmission's carrier, dB.
    pub level_dbc: f64,
}

/// One transmission: a burst of pulses ended by a gap longer than max(10 ms, 10 × the longest
/// pulse).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Transmission {
    /// Start time from the start of the recording, s.
    pub start_s: f64,
    /// Duration, s.
    pub duration_s: f64,
    /// Absolute carrier frequency, Hz (when the centre is known).
    pub freq_hz: Option<f64>,
    /// Carrier offset from the centre frequency, Hz (IQ inputs).
    pub freq_offset_hz: Option<f64>,
    /// Band id (`315`, `433`, `868`, `915`), `None` when outside every band or unknown.
    pub band: Option<String>,
    /// OOK or FSK (`None` for pulse files that do not say).
    pub modulation: Option<Modulation>,
    /// FSK deviation, Hz.
    pub fsk_deviation_hz: Option<f64>,
    /// Occupied bandwidth, Hz.
    pub bandwidth_hz: Option<f64>,
    /// Mean carrier power while on, dBFS.
    pub rssi_dbfs: Option<f64>,
    /// Signal-to-noise ratio in the transmission's channel, dB.
    pub snr_db: Option<f64>,
    /// Noise power in the channel, dBFS.
    pub noise_dbfs: Option<f64>,
    /// Mark level at the end relative to the start, dB.
    pub amplitude_sag_db: Option<f64>,
    /// Cut off by the end of the recording.
    pub truncated: bool,
    /// Weaker emissions keyed with this transmission, by frequency.
    pub spurs: Vec<Spur>,
    /// Line coding.
    pub coding: Coding,
    /// Short width, µs.
    pub short_us: Option<f64>,
    /// Long width, µs.
    pub long_us: Option<f64>,
    /// Gap between rows, µs.
    pub gap_us: Option<f64>,
    /// Base time unit Te, µs.
    pub te_us: Option<f64>,
    /// Bit rate, bit/s.
    pub bitrate_bps: Option<f64>,
    /// Number of pulses.
    pub pulses: usize,
    /// Frames (rows of bits), repeated rows merged.
    pub frames: Vec<Frame>,
    /// The pulse train itself (not serialised; for plots and diagnosis).
    #[serde(skip)]
    pub train: PulseTrain,
}

/// One analysed input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// What was read.
    pub input: InputSummary,
    /// Every transmission, in time order.
    pub transmissions: Vec<Transmission>,
    /// The verdict (`check`), absent for `analyze`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Problems met while reading that did not stop the analysis.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}
