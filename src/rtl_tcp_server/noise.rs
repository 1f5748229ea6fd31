//! Receiver noise for the parts of a client's band the recording does not cover: complex
//! Gaussian noise of a given density, shaped in frequency (zero over the band the recording
//! fills, full elsewhere, a ramp between), synthesised frame by frame with an inverse FFT and
//! overlap-added with a sine window at 50 % overlap (sin² + cos² = 1, so the variance is the
//! same at every instant).

use std::sync::Arc;

use num_complex::Complex;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rustfft::{Fft, FftPlanner};

/// FFT length of a synthesis frame.
const FRAME: usize = 4096;

/// Shaped noise at the output rate.
pub struct NoiseFill {
    fft: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
    /// Standard deviation of each bin's real and imaginary parts.
    bin_sigma: Vec<f32>,
    rng: ChaCha8Rng,
    spectrum: Vec<Complex<f32>>,
    /// Second half of the last frame, to add to the first half of the next.
    tail: Vec<Complex<f32>>,
    ready: Vec<Complex<f32>>,
    next: usize,
}

impl NoiseFill {
    /// Noise of `density` (power per Hz, full scale = 1) at `rate_hz`, left out of `gap` (a
    /// band in Hz relative to the centre, `(low, high)`, with `ramp_hz` of transition at each
    /// edge), seeded by `seed`.
    pub fn new(
        rate_hz: f64,
        density: f64,
        gap: Option<(f64, f64)>,
        ramp_hz: f64,
        seed: u64,
    ) -> NoiseFill {
        let fft = FftPlanner::new().plan_fft_inverse(FRAME);
        let window = (0..FRAME)
            .map(|n| (std::f64::consts::PI * (n as f64 + 0.5) / FRAME as f64).sin() as f32)
            .collect();
        // Unnormalised inverse FFT: a sample's variance is the sum of the bins' variances,
        // so each bin carries density × rate / FRAME to give density × rate over the band.
        let full = (density.max(0.0) * rate_hz / FRAME as f64 / 2.0).sqrt();
        let bin_sigma = (0..FRAME)
            .map(|k| {
                let f = if k < FRAME / 2 {
                    k as f64
                } else {
                    k as f64 - FRAME as f64
                } * rate_hz
                    / FRAME as f64;
                let power = match gap {
                    None => 1.0,
                    Some((lo, hi)) => {
                        let inside = (f - lo).min(hi - f); // > 0 inside the gap
                        let r = ramp_hz.max(1e-9);
                        ((r / 2.0 - inside) / r).clamp(0.0, 1.0)
                    }
                };
                (full * power.sqrt()) as f32
            })
            .collect();
        NoiseFill {
            fft,
            window,
            bin_sigma,
            rng: ChaCha8Rng::seed_from_u64(seed),
            spectrum: vec![Complex::new(0.0, 0.0); FRAME],
            tail: vec![Complex::new(0.0, 0.0); FRAME / 2],
            ready: Vec::new(),
            next: 0,
        }
    }

    fn frame(&mut self) {
        let unit = Normal::new(0.0f32, 1.0).expect("unit normal");
        for (b, &s) in self.spectrum.iter_mut().zip(&self.bin_sigma) {
            *b = if s > 0.0 {
                Complex::new(
                    unit.sample(&mut self.rng) * s,
                    unit.sample(&mut self.rng) * s,
                )
            } else {
                Complex::new(0.0, 0.0)
            };
        }
        self.fft.process(&mut self.spectrum);
        for (x, w) in self.spectrum.iter_mut().zip(&self.window) {
            *x *= *w;
        }
        let half = FRAME / 2;
        self.ready.clear();
        self.ready.extend(
            self.spectrum[..half]
                .iter()
                .zip(&self.tail)
                .map(|(a, b)| a + b),
        );
        self.tail.copy_from_slice(&self.spectrum[half..]);
        self.next = 0;
    }

    /// Adds the next `out.len()` noise samples to `out`.
    pub fn add_to(&mut self, out: &mut [Complex<f32>]) {
        let mut k = 0;
        while k < out.len() {
            if self.next == self.ready.len() {
                self.frame();
            }
            let n = (self.ready.len() - self.next).min(out.len() - k);
            for (o, s) in out[k..k + n].iter_mut().zip(&self.ready[self.next..]) {
                *o += s;
            }
            self.next += n;
            k += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band_power(x: &[Complex<f32>], rate: f64, lo: f64, hi: f64) -> f64 {
        let n = 4096;
        let fft = FftPlanner::new().plan_fft_forward(n);
        let mut acc = vec![0.0f64; n];
        let mut frames = 0;
        for c in x.chunks_exact(n) {
            let mut b = c.to_vec();
            fft.process(&mut b);
            for (a, v) in acc.iter_mut().zip(&b) {
                *a += v.norm_sqr() as f64;
            }
            frames += 1;
        }
        let mut p = 0.0;
        for (k, a) in acc.iter().enumerate() {
            let f = if k < n / 2 {
                k as f64
            } else {
                k as f64 - n as f64
            } * rate
                / n as f64;
            if f >= lo && f < hi {
                p += a / (frames as f64 * (n * n) as f64);
            }
        }
        p
    }

    #[test]
    fn white_noise_has_the_asked_density() {
        let rate = 1.024e6;
        let density = 1e-9;
        let mut nf = NoiseFill::new(rate, density, None, 0.0, 1);
        let mut x = vec![Complex::new(0.0f32, 0.0); 400_000];
        nf.add_to(&mut x);
        let p: f64 = x.iter().map(|s| s.norm_sqr() as f64).sum::<f64>() / x.len() as f64;
        let expect = density * rate;
        assert!(
            (p / expect - 1.0).abs() < 0.03,
            "power {p}, expected {expect}"
        );
        // Stationary: every quarter of the stream has the same power.
        for q in x.chunks(100_000) {
            let pq: f64 = q.iter().map(|s| s.norm_sqr() as f64).sum::<f64>() / q.len() as f64;
            assert!((pq / expect - 1.0).abs() < 0.05, "{pq}");
        }
    }

    #[test]
    fn the_gap_is_left_empty_and_the_rest_filled() {
        let rate = 2.4e6;
        let density = 1e-9;
        let mut nf = NoiseFill::new(rate, density, Some((-100e3, 150e3)), 10e3, 2);
        let mut x = vec![Complex::new(0.0f32, 0.0); 409_600];
        nf.add_to(&mut x);
        let inside = band_power(&x, rate, -90e3, 140e3);
        let outside = band_power(&x, rate, 200e3, 1.0e6);
        assert!(inside < 1e-3 * density * 230e3, "inside {inside}");
        assert!(
            (outside / (density * 800e3) - 1.0).abs() < 0.1,
            "outside {outside} vs {}",
            density * 800e3
        );
    }
}
