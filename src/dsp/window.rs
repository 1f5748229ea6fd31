//! Analysis windows for short-time spectra.

/// The periodic Hann window of length `n` (`0.5 − 0.5·cos(2πi/n)`), the usual choice for
/// spectra taken frame after frame: its first sidelobe is 31 dB down and its sidelobes fall
/// at 18 dB per octave, so a strong carrier does not raise the floor of distant bins.
pub fn hann(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let a = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            (0.5 - 0.5 * a.cos()) as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hann_is_zero_at_the_start_one_in_the_middle_and_symmetric() {
        let w = hann(16);
        assert_eq!(w.len(), 16);
        assert!(w[0].abs() < 1e-7);
        assert!((w[8] - 1.0).abs() < 1e-7);
        for i in 1..16 {
            assert!((w[i] - w[16 - i]).abs() < 1e-6, "periodic symmetry at {i}");
        }
        // Mean of a periodic Hann window is exactly 1/2.
        let mean: f32 = w.iter().sum::<f32>() / 16.0;
        assert!((mean - 0.5).abs() < 1e-6);
    }
}
