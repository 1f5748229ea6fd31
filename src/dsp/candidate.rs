//! A transmission as one burst's demodulation found it, before duplicates and FSK tone pairs
//! are resolved ([`super::merge`], [`super::reported`]).

use super::DetectedTransmission;

/// A demodulated transmission and whether its carrier was already on when recording began.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The transmission.
    pub t: DetectedTransmission,
    /// The first mark began at the start of the recording (a steady carrier interrupted).
    pub on_at_start: bool,
}
