//! Signal processing: tuner (NCO + decimating FIR), FFT band detector, OOK/FSK demodulator.
//!
//! [`BurstProcessor`] ([`processor`]) is the streaming front end of the pipeline: blocks of samples go in,
//! [`DetectedTransmission`]s (a pulse train plus its RF measurements) come out. Memory is
//! bounded: only the samples of the bursts in progress are kept, each in its own decimated
//! channel and up to [`burst::MAX_BURST_S`] seconds, at most [`MAX_OPEN_BURSTS`] at a time,
//! and all of them (with those waiting for demodulation) at most [`burst::STORE_BUDGET`]
//! samples.
//!
//! Flow: [`detector`] finds active bins frame by frame (about 1 ms per frame); runs of active
//! bins are matched to open bursts by frequency, so transmitters at different offsets are
//! followed separately even when they overlap in time; a new run opens a burst whose channel
//! ([`burst`]) starts with a pre-roll of [`PRE_ROLL_FRAMES`] frames. A burst closes after a
//! hang time without activity of 12 times its longest mark, between [`HANG_MIN_S`] and
//! [`HANG_MAX_S`], so it does not close inside a transmission; [`demod`] then measures it, demodulates it and splits
//! its pulses into transmissions by the gap rule of [`split`]. Weaker emissions that follow a
//! louder transmission's edges (spurs, splatter, images) become its [`spurs`]; the detector's
//! first floor ([`floor`]) does without a quiet lead-in.
//!
//! Modules by stage: [`processor`] (frames in, bursts opened, followed and closed),
//! [`frames`] (the frames kept for a burst's pre-roll), [`burst`] (a burst's channel while it
//! is open), [`worker`] (demodulating closed bursts, inline or on a thread), [`demod`] (one
//! burst's spectrum, decision and slicing), [`merge`] (pairs of FSK tones), [`reported`]
//! (duplicates and spurs of transmissions already reported).

use serde::Serialize;

use crate::pulse::PulseTrain;

pub mod burst;
pub mod candidate;
pub mod decimator;
pub mod demod;
pub mod detector;
pub mod fir;
pub mod floor;
mod frames;
pub mod merge;
pub mod nco;
pub mod processor;
mod reported;
pub mod split;
pub mod spurs;
pub mod window;
mod worker;

pub use processor::{BurstProcessor, HANG_MAX_S, HANG_MIN_S, MAX_OPEN_BURSTS, PRE_ROLL_FRAMES};
pub use reported::{DUPLICATE_HZ, DUPLICATE_S};
pub use worker::WORKER_QUEUE;

/// Modulation of a transmission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Modulation {
    /// On-off keying (ASK with full depth).
    #[serde(rename = "OOK")]
    Ook,
    /// Two-level frequency-shift keying.
    #[serde(rename = "FSK")]
    Fsk,
}

impl Modulation {
    /// `OOK` or `FSK`.
    pub fn name(self) -> &'static str {
        match self {
            Modulation::Ook => "OOK",
            Modulation::Fsk => "FSK",
        }
    }
}

/// One transmission found in an IQ stream, measured in its own channel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DetectedTransmission {
    /// Carrier offset from the centre frequency, Hz (for FSK: the midpoint of the two tones).
    pub freq_offset_hz: f64,
    /// Occupied bandwidth, Hz.
    pub bandwidth_hz: f64,
    /// OOK or FSK, decided from the signal.
    pub modulation: Modulation,
    /// Half the distance between the two FSK tones, Hz (FSK only).
    pub fsk_deviation_hz: Option<f64>,
    /// Mean power while the carrier is on, dBFS.
    pub rssi_dbfs: f64,
    /// Noise power in the same channel bandwidth, dBFS.
    pub noise_dbfs: f64,
    /// `rssi_dbfs - noise_dbfs`.
    pub snr_db: f64,
    /// Mark level at the end of the burst relative to its start, dB (negative = sagging).
    pub amplitude_sag_db: Option<f64>,
    /// True when the burst was cut off by the end of the stream or by the burst-length cap.
    pub truncated: bool,
    /// Weaker emissions keyed with this transmission (spurs, splatter, images; [`spurs`]).
    pub spurs: Vec<spurs::Spur>,
    /// The demodulated pulses; `pulses.start_s` is the transmission's start time.
    pub pulses: PulseTrain,
}

/// Front-end settings.
#[derive(Clone, Debug, PartialEq)]
pub struct DspConfig {
    /// Sample rate of the stream, S/s.
    pub sample_rate_hz: f64,
}
