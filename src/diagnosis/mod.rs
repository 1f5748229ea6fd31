//! Diagnosis: the dead/weak/working verdict, the band check against the car, key comparison.
//!
//! [`diagnose`] judges one report: [`evidence`] measures the key's transmissions, each item
//! beside a threshold of [`thresholds`], and [`decision`] turns the items into a status,
//! reasons and advice, worded by [`text`]. The car side is [`vehicles`] (rows), [`car_table`]
//! (the table: the US list from FCC filings and the hand-written rows), [`car_match`] (finding
//! a car from what a person types), [`car_band`] (what the car expects), [`car_fit`] (does the
//! key fit the car's receiver?) and
//! [`car_procedure`] (re-initialisation by make); [`compare`] sets two recordings side by side.

use serde::Serialize;

pub mod car_band;
pub mod car_fit;
pub mod car_match;
pub mod car_procedure;
pub mod car_table;
pub mod compare;
pub mod decision;
pub mod evidence;
pub mod sufficiency;
pub mod text;
pub mod thresholds;
pub mod vehicles;

pub use car_fit::{CarFit, FitStatus, car_fit};
pub use car_match::CarError;
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
