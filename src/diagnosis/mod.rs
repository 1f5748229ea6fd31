//! Diagnosis: the dead/weak/working verdict, the band check against the car, key comparison.

use serde::Serialize;

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
}
