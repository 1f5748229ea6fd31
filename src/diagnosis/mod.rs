//! Diagnosis: the dead/weak/working verdict, the band check against the car, key comparison.
//!
//! [`diagnose`] judges one report: [`evidence`] measures the key's transmissions, each item
//! beside a threshold of [`thresholds`], and [`decision`] turns the items into a status,
//! reasons and advice, worded by [`text`]. [`vehicles`] knows which band each car expects,
//! and [`compare`] sets two recordings side by side.

use serde::Serialize;

pub mod compare;
pub mod decision;
pub mod evidence;
pub mod sufficiency;
pub mod text;
pub mod thresholds;
pub mod vehicles;

pub use compare::{Comparison, compare};
pub use decision::diagnose;
pub use evidence::EvidenceItem;
pub use text::headline;
pub use vehicles::{CarBand, CarMatch, Vehicle, find_car};

/// The verdict states of DESIGN.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Complete frames, consistent repeats, adequate SNR.
    Working,
    /// A transmission is there but too weak or broken to trust.
    Weak,
    /// Nothing above the noise in the span the recording covered.
    NoSignal,
    /// The key works but transmits outside the car's band.
    BandMismatch,
}

/// The `verdict` object of the JSON report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// The state.
    pub status: Status,
    /// Band the key transmitted in (`315`, `433`, ...), when known.
    pub key_band: Option<String>,
    /// Band the car expects, when given.
    pub car_band: Option<String>,
    /// Evidence, each a sentence citing figures.
    pub reasons: Vec<String>,
    /// What to do next, in plain words.
    pub advice: Vec<String>,
    /// The measurements behind the verdict, each beside its threshold.
    pub evidence: Vec<EvidenceItem>,
}

impl Status {
    /// The name used in reports (`working`, `weak`, `no_signal`, `band_mismatch`).
    pub fn name(self) -> &'static str {
        match self {
            Status::Working => "working",
            Status::Weak => "weak",
            Status::NoSignal => "no_signal",
            Status::BandMismatch => "band_mismatch",
        }
    }

    /// Exit code of `fobscope check`: 0 working, 10 weak, 11 no_signal, 12 band_mismatch.
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Working => 0,
            Status::Weak => 10,
            Status::NoSignal => 11,
            Status::BandMismatch => 12,
        }
    }
}
