//! Pulse trains and their analysis: timing clusters, line coding, bits, rows and repeats.
//!
//! A [`PulseTrain`] is what the demodulator (or a pulse file) produces: alternating
//! high/low durations in microseconds, as rtl_433 stores pulses. The analyzer turns one train
//! into a [`PulseAnalysis`].

use serde::Serialize;

/// One mark (carrier on, or the upper FSK tone) and the space after it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Pulse {
    /// Duration of the mark, µs.
    pub high_us: f32,
    /// Duration of the space that follows, µs. For the last pulse of a train this is the
    /// silence measured after it (0 when unknown).
    pub low_us: f32,
}

/// The pulses of one transmission.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PulseTrain {
    /// Time of the first rising edge from the start of the recording, seconds.
    pub start_s: f64,
    /// The pulses in time order.
    pub pulses: Vec<Pulse>,
}

impl PulseTrain {
    /// Total duration from the first rising edge to the last falling edge, µs.
    pub fn duration_us(&self) -> f64 {
        let n = self.pulses.len();
        self.pulses
            .iter()
            .enumerate()
            .map(|(i, p)| p.high_us as f64 + if i + 1 < n { p.low_us as f64 } else { 0.0 })
            .sum()
    }
}

/// Line coding of a transmission (names as in the JSON report).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Coding {
    /// Pulse-width modulation: the mark width carries the bit.
    #[serde(rename = "PWM")]
    Pwm,
    /// Pulse-position (gap-width) modulation: the space width carries the bit.
    #[serde(rename = "PPM")]
    Ppm,
    /// Manchester: a transition in the middle of every bit.
    #[serde(rename = "MANCHESTER")]
    Manchester,
    /// Differential Manchester: a transition at every bit boundary.
    #[serde(rename = "DMC")]
    Dmc,
    /// Pulse-code (NRZ) modulation: marks and spaces are whole multiples of the bit time.
    #[serde(rename = "PCM")]
    Pcm,
    /// Not recognised.
    #[serde(rename = "UNKNOWN")]
    Unknown,
}

impl Coding {
    /// The name used in reports (`PWM`, `PPM`, `MANCHESTER`, `DMC`, `PCM`, `UNKNOWN`).
    pub fn name(self) -> &'static str {
        match self {
            Coding::Pwm => "PWM",
            Coding::Ppm => "PPM",
            Coding::Manchester => "MANCHESTER",
            Coding::Dmc => "DMC",
            Coding::Pcm => "PCM",
            Coding::Unknown => "UNKNOWN",
        }
    }
}

/// One row of bits (a frame candidate), with how many times it was repeated in a row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The bits, first received first.
    pub bits: Vec<bool>,
    /// How many consecutive rows of the transmission had exactly these bits.
    pub repeats: u32,
    /// Index of the first pulse of this row in the train.
    pub first_pulse: usize,
    /// Number of pulses in this row.
    pub pulse_count: usize,
    /// Indices of bits whose symbol width was ambiguous and that no agreeing repeat settled
    /// (see [`rows::settle`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uncertain: Vec<usize>,
    /// Bits of this row (over all its repeats) read from an agreeing repeat instead of its
    /// own symbols: ambiguous widths, a burst's start-up-shortened first mark, or the final
    /// PPM symbol that no trailing gap defines.
    #[serde(skip_serializing_if = "is_zero")]
    pub inferred: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Row {
    /// The bits as a string of `0` and `1`.
    pub fn bit_string(&self) -> String {
        self.bits
            .iter()
            .map(|&b| if b { '1' } else { '0' })
            .collect()
    }

    /// The bits as hex, MSB first, the last nibble padded with zeros on the right (as rtl_433).
    pub fn hex(&self) -> String {
        self.bits
            .chunks(4)
            .map(|c| {
                let mut v = 0u8;
                for (i, &b) in c.iter().enumerate() {
                    if b {
                        v |= 8 >> i;
                    }
                }
                char::from_digit(v as u32, 16).unwrap_or('0')
            })
            .collect()
    }
}

/// What the analyzer found in one pulse train. Unknown numbers are `None`, never invented.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PulseAnalysis {
    /// Line coding.
    pub coding: Coding,
    /// Short width (µs): the short mark for PWM, the short space for PPM, the half-bit for
    /// Manchester/DMC, the bit time for PCM.
    pub short_us: Option<f64>,
    /// Long width (µs): the long mark (PWM) or long space (PPM); `None` where the coding has
    /// no long symbol.
    pub long_us: Option<f64>,
    /// The typical gap between rows (µs), when there is more than one row.
    pub gap_us: Option<f64>,
    /// Base time unit Te (µs).
    pub te_us: Option<f64>,
    /// Bit rate (bit/s).
    pub bitrate_bps: Option<f64>,
    /// Rows of bits, repeated rows merged (see [`Row::repeats`]).
    pub rows: Vec<Row>,
}

impl PulseAnalysis {
    /// The analysis of a train nothing could be made of: coding unknown, no numbers, no rows.
    pub fn unknown() -> Self {
        PulseAnalysis {
            coding: Coding::Unknown,
            short_us: None,
            long_us: None,
            gap_us: None,
            te_us: None,
            bitrate_bps: None,
            rows: Vec::new(),
        }
    }
}

pub mod analyzer;

pub use analyzer::analyze;
pub mod cluster;
pub mod rows;
pub mod slicer;
