//! A generator of realistic key-fob captures: line codes, KeeLoq and fixed-code words, FSK, and
//! the impairments of real radios and dying batteries.
//!
//! Layers, each usable alone:
//!
//! 1. [`linecode`]: an [`Envelope`] (keying program of marks and spaces, µs) and the line codes
//!    PWM, PPM, Manchester (IEEE 802.3), differential Manchester and NRZ.
//! 2. [`words`]: KeeLoq HCS300/301, PT2262 and EV1527 words and presses, on the bit layouts of
//!    [`crate::protocol`].
//! 3. [`modulator`]: an envelope to complex baseband, OOK with raised-cosine edges or
//!    continuous-phase 2-FSK, with carrier offset, drift and amplitude sag.
//! 4. [`impairments`]: noise at a wideband SNR (**carrier power while on ÷ complex noise power
//!    over the whole sample bandwidth**), crystal error in ppm, DC offset, IQ imbalance.
//! 5. [`scene`]: bursts at times over noise, streamed in constant memory, with ground truth.

pub mod impairments;
pub mod linecode;
pub mod modulator;
pub mod scene;
pub mod words;

pub use impairments::{FrontEnd, NoiseSource, dbfs_to_amplitude, noise_dbfs_for_snr, ppm_shift_hz};
pub use linecode::{Envelope, LineCode, Segment, encode};
pub use modulator::{BurstModulator, CarrierParams, Keying};
pub use scene::{Burst, BurstTruth, Scene, SceneStream, render};
pub use words::{Press, coded_press, ev1527_press, keeloq_press, pt2262_press};

/// A scene or argument that cannot be generated.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// A parameter is out of range or parameters do not fit together.
    #[error("{0}")]
    Invalid(String),
}
