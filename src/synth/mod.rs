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
//!    continuous-phase 2-FSK, with carrier offset, drift and amplitude sag, hard keying
//!    (its splatter) and spurs keyed with the carrier.
//! 4. [`impairments`]: noise at a wideband SNR (**carrier power while on ÷ complex noise power
//!    over the whole sample bandwidth**), crystal error in ppm, DC offset, IQ imbalance.
//! 5. [`scene`]: bursts at times over noise, streamed in constant memory, with ground truth.
//!
//! ```
//! use fobscope::protocol::keeloq::KeeloqWord;
//! use fobscope::synth::{Burst, Scene, keeloq_press, noise_dbfs_for_snr, render};
//!
//! let word = KeeloqWord { hopping: 0x1234_5678, serial: 0x0AB_CDEF, buttons: 0b0010,
//!                         battery_low: false, repeat: false };
//! let mut burst = Burst::new(0.1, keeloq_press(&word, 400.0, 2)); // 2 code words at Te 400 µs
//! burst.offset_hz = 20e3;
//! burst.level_dbfs = -20.0;
//! let mut scene = Scene::new(250e3, 0.4);
//! scene.center_freq_hz = Some(433.92e6);
//! scene.noise_dbfs = Some(noise_dbfs_for_snr(burst.level_dbfs, 10.0)); // 10 dB wideband SNR
//! scene.bursts.push(burst);
//! let samples = render(&scene).unwrap();
//! assert_eq!(samples.len(), 100_000);
//! let truth = scene.truth();
//! assert_eq!(truth[0].words.len(), 2);
//! assert!((truth[0].end_s - truth[0].start_s - (2.0 * 270.0 - 40.0) * 400e-6).abs() < 1e-5);
//! ```

pub mod impairments;
pub mod linecode;
pub mod modulator;
pub mod scene;
pub mod words;

pub use impairments::{FrontEnd, NoiseSource, dbfs_to_amplitude, noise_dbfs_for_snr, ppm_shift_hz};
pub use linecode::{Envelope, LineCode, Segment, encode};
pub use modulator::{BurstModulator, CarrierParams, Keying, Spur};
pub use scene::{Burst, BurstTruth, Scene, SceneStream, render};
pub use words::{Press, coded_press, ev1527_press, keeloq_press, pt2262_press};

/// A scene or argument that cannot be generated.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// A parameter is out of range or parameters do not fit together.
    #[error("{0}")]
    Invalid(String),
}
