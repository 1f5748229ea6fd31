//! The burst's spectrum: a Welch average of half-overlapping Hann-windowed FFTs.

use num_complex::Complex;
use rustfft::FftPlanner;

use super::approx;

/// Welch power spectrum, centred (bin 0 = −fs/2); returns the spectrum and its length.
pub(super) fn welch(
    x: &[Complex<f32>],
    planner: &mut FftPlanner<f32>,
    fs: f64,
) -> (Vec<f32>, usize) {
    let mut n = 1usize << ((fs / 250.0).log2().round().clamp(6.0, 14.0) as u32);
    while n > 64 && x.len() < 4 * n {
        n /= 2;
    }
    while n > 16 && x.len() < n {
        n /= 2;
    }
    let fft = planner.plan_fft_forward(n);
    let win: Vec<f32> = (0..n)
        .map(|i| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos()) as f32)
        .collect();
    let mut acc = vec![0.0f64; n];
    let mut buf = vec![Complex::new(0.0f32, 0.0); n];
    let mut scratch = vec![Complex::new(0.0f32, 0.0); fft.get_inplace_scratch_len()];
    let mut frames = 0usize;
    // Half-overlapping frames.
    let mut s = 0;
    while s + n <= x.len() {
        approx::window(&x[s..s + n], &win, &mut buf);
        fft.process_with_scratch(&mut buf, &mut scratch);
        approx::accumulate_power(&buf, &mut acc);
        frames += 1;
        s += n / 2;
    }
    let h = n / 2;
    let psd = (0..n)
        .map(|k| (acc[(k + h) % n] / frames.max(1) as f64) as f32)
        .collect();
    (psd, n)
}
