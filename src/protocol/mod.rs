//! Frame decoders: known key-fob formats recognised on top of pulses and bits.
//!
//! Each decoder checks its own structure (preamble, header, length, timing ratios) before
//! claiming a frame; anything unrecognised stays as plain bits.

pub mod fixed_code;
pub mod keeloq;

use crate::pulse::{PulseAnalysis, PulseTrain};

/// A frame that a decoder recognised.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedFrame {
    /// Protocol name (`KeeLoq HCS301`, `PT2262`, `EV1527`, ...).
    pub protocol: String,
    /// The frame's bits in the order sent.
    pub bits: Vec<bool>,
    /// Decoded fields for the report.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// How many consecutive copies of the frame the transmission held.
    pub repeats: u32,
}

/// Runs every decoder on one transmission.
pub fn decode(_train: &PulseTrain, _analysis: &PulseAnalysis) -> Vec<DecodedFrame> {
    Vec::new()
}
