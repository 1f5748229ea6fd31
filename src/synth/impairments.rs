//! Impairments of real radios: noise at a stated SNR, crystal error, DC offset, IQ imbalance.
//!
//! # The SNR definition (used by the whole project)
//!
//! **Wideband SNR = carrier power while on ÷ complex noise power over the whole sample
//! bandwidth.** Carrier power is the mean of |x|² of the clean carrier during a mark (A² for
//! amplitude A); noise power is the mean of |n|² of the complex noise, which is white over the
//! full sample rate. At 250 kS/s, 0 dB SNR means the noise power equals the carrier power; a
//! receiver that filters the burst to a channel of bandwidth B gains 10·log10(rate / B) dB over
//! that figure. In dBFS terms: `noise_dbfs = level_dbfs − snr_db`, where `level_dbfs` =
//! 20·log10(A) is the carrier power relative to a full-scale (|x| = 1) sine.
//!
//! Crystal error: `ppm` parts per million of the nominal **absolute** carrier frequency, so
//! 50 ppm at 433.92 MHz moves the carrier by 21.696 kHz.
//!
//! The receiver front end (RTL-SDR style) adds a DC offset on I and Q and an IQ gain
//! imbalance (I gain ÷ Q gain, in dB); 8-bit quantisation is left to the cu8 writer.

use num_complex::Complex;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Linear amplitude of a carrier at `dbfs` (0 dBFS = magnitude 1).
pub fn dbfs_to_amplitude(dbfs: f64) -> f64 {
    10f64.powf(dbfs / 20.0)
}

/// Noise power (dBFS, complex, whole bandwidth) that gives `snr_db` for a carrier at
/// `level_dbfs` under the wideband definition of this module.
pub fn noise_dbfs_for_snr(level_dbfs: f64, snr_db: f64) -> f64 {
    level_dbfs - snr_db
}

/// Frequency shift, Hz, of a crystal error of `ppm` at absolute frequency `freq_hz`.
pub fn ppm_shift_hz(freq_hz: f64, ppm: f64) -> f64 {
    freq_hz * ppm * 1e-6
}

/// Mean power (mean of |x|²) of samples, linear; 0 for no samples.
pub fn mean_power(samples: &[Complex<f32>]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.iter().map(|s| s.norm_sqr() as f64).sum::<f64>() / samples.len() as f64
}

/// White complex Gaussian noise of a given total power, from a seeded generator.
#[derive(Clone, Debug)]
pub struct NoiseSource {
    rng: ChaCha8Rng,
    sigma: f32,
}

impl NoiseSource {
    /// Noise of power `noise_dbfs` (mean |n|², both components together), seeded.
    pub fn new(noise_dbfs: f64, seed: u64) -> Self {
        // Each of I and Q carries half the power.
        let sigma = (10f64.powf(noise_dbfs / 10.0) / 2.0).sqrt() as f32;
        NoiseSource {
            rng: ChaCha8Rng::seed_from_u64(seed),
            sigma,
        }
    }

    /// Adds noise to every sample of `out`.
    pub fn add_into(&mut self, out: &mut [Complex<f32>]) {
        for o in out.iter_mut() {
            let i: f32 = StandardNormal.sample(&mut self.rng);
            let q: f32 = StandardNormal.sample(&mut self.rng);
            o.re += self.sigma * i;
            o.im += self.sigma * q;
        }
    }
}

/// Receiver front-end imperfections.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FrontEnd {
    /// DC offset added to I and Q (full scale = 1).
    pub dc_offset: (f64, f64),
    /// IQ gain imbalance: I gain over Q gain, dB (0 = balanced).
    pub iq_gain_imbalance_db: f64,
}

impl FrontEnd {
    /// True when it changes nothing.
    pub fn is_ideal(&self) -> bool {
        self.dc_offset == (0.0, 0.0) && self.iq_gain_imbalance_db == 0.0
    }

    /// Applies the imbalance (split evenly between I and Q) then the DC offset.
    pub fn apply(&self, out: &mut [Complex<f32>]) {
        if self.is_ideal() {
            return;
        }
        let gi = 10f64.powf(self.iq_gain_imbalance_db / 40.0) as f32;
        let gq = 1.0 / gi;
        let (di, dq) = (self.dc_offset.0 as f32, self.dc_offset.1 as f32);
        for o in out.iter_mut() {
            o.re = o.re * gi + di;
            o.im = o.im * gq + dq;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert!((dbfs_to_amplitude(-20.0) - 0.1).abs() < 1e-12);
        assert_eq!(noise_dbfs_for_snr(-20.0, 10.0), -30.0);
        assert!((ppm_shift_hz(433.92e6, 50.0) - 21_696.0).abs() < 1e-6);
    }

    #[test]
    fn noise_power_and_whiteness() {
        let mut v = vec![Complex::new(0.0f32, 0.0); 400_000];
        NoiseSource::new(-30.0, 7).add_into(&mut v);
        let p_db = 10.0 * mean_power(&v).log10();
        assert!((p_db + 30.0).abs() < 0.05, "{p_db}");
        // I and Q carry equal power and are uncorrelated; lag-1 correlation is negligible.
        let pi: f64 = v.iter().map(|s| (s.re as f64).powi(2)).sum();
        let pq: f64 = v.iter().map(|s| (s.im as f64).powi(2)).sum();
        assert!((pi / pq - 1.0).abs() < 0.02);
        let lag: Complex<f64> = v
            .windows(2)
            .map(|w| w[1] * w[0].conj())
            .map(|c| Complex::new(c.re as f64, c.im as f64))
            .sum();
        let total: f64 = v.iter().map(|s| s.norm_sqr() as f64).sum();
        assert!(lag.norm() / total < 0.01);
    }

    #[test]
    fn front_end() {
        let mut v = vec![Complex::new(0.5f32, 0.5); 4];
        let fe = FrontEnd {
            dc_offset: (0.02, -0.01),
            iq_gain_imbalance_db: 1.0,
        };
        fe.apply(&mut v);
        let ratio_db = 20.0 * ((v[0].re - 0.02) / (v[0].im + 0.01)).log10();
        assert!((ratio_db - 1.0).abs() < 1e-4, "{ratio_db}");
        assert!(FrontEnd::default().is_ideal());
    }
}
