//! The pulse analyzer: clusters widths, finds Te and the line coding, slices bits into rows.

use super::{Coding, PulseAnalysis, PulseTrain};

/// Analyzes one pulse train.
pub fn analyze(_train: &PulseTrain) -> PulseAnalysis {
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
