//! Low-pass FIR design by the window method (windowed sinc, Blackman window).
//!
//! A Blackman window gives a stop-band attenuation of about 74 dB and a transition width of
//! about `5.5 / N` of the sample rate for `N` taps (Oppenheim & Schafer, "Discrete-Time Signal
//! Processing", table of window properties), so the tap count is chosen as
//! `N = ceil(5.5 · fs / transition)`, made odd so the filter has an integer group delay of
//! `(N − 1) / 2` samples. The cut-off (−6 dB point) sits in the middle of the transition band.
//! Taps are normalised to unit gain at 0 Hz.

/// Stop-band attenuation of the Blackman design, dB (documented, not tuned).
pub const BLACKMAN_ATTENUATION_DB: f64 = 74.0;

/// Number of taps for a Blackman low-pass with the given transition width (odd, ≥ 3, ≤ `max`).
pub fn blackman_taps(fs_hz: f64, transition_hz: f64, max: usize) -> usize {
    let n = (5.5 * fs_hz / transition_hz.max(1.0)).ceil() as usize;
    let n = n.clamp(3, max.max(3));
    n | 1
}

/// Designs a low-pass filter: `taps` coefficients (odd), −6 dB cut-off `cutoff_hz`.
pub fn lowpass(fs_hz: f64, cutoff_hz: f64, taps: usize) -> Vec<f32> {
    let taps = taps.max(1) | 1;
    let m = (taps - 1) as f64;
    let fc = (cutoff_hz / fs_hz).clamp(0.0, 0.5);
    let mut h: Vec<f64> = (0..taps)
        .map(|i| {
            let x = i as f64 - m / 2.0;
            let sinc = if x == 0.0 {
                2.0 * fc
            } else {
                (2.0 * std::f64::consts::PI * fc * x).sin() / (std::f64::consts::PI * x)
            };
            let w = if taps == 1 {
                1.0
            } else {
                let a = 2.0 * std::f64::consts::PI * i as f64 / m;
                0.42 - 0.5 * a.cos() + 0.08 * (2.0 * a).cos()
            };
            sinc * w
        })
        .collect();
    let sum: f64 = h.iter().sum();
    if sum.abs() > 0.0 {
        h.iter_mut().for_each(|v| *v /= sum);
    }
    h.into_iter().map(|v| v as f32).collect()
}

/// Equivalent noise bandwidth of a unit-DC-gain filter at `fs_hz`: `fs · Σ h²`, Hz.
pub fn noise_bandwidth(fs_hz: f64, h: &[f32]) -> f64 {
    fs_hz * h.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gain_db(h: &[f32], f_norm: f64) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (i, &v) in h.iter().enumerate() {
            let a = -2.0 * std::f64::consts::PI * f_norm * i as f64;
            re += v as f64 * a.cos();
            im += v as f64 * a.sin();
        }
        10.0 * (re * re + im * im).log10()
    }

    #[test]
    fn response_matches_the_design() {
        let fs = 250_000.0;
        let n = blackman_taps(fs, 5_000.0, 4097);
        assert_eq!(n % 2, 1);
        let h = lowpass(fs, 10_000.0, n);
        assert!(gain_db(&h, 0.0).abs() < 0.01);
        assert!(gain_db(&h, 7_000.0 / fs).abs() < 0.1, "passband");
        let c = gain_db(&h, 10_000.0 / fs);
        assert!((c + 6.0).abs() < 0.5, "cut-off {c}");
        for f in [13_000.0, 20_000.0, 60_000.0, 120_000.0] {
            assert!(gain_db(&h, f / fs) < -70.0, "stop band at {f}");
        }
        let enbw = noise_bandwidth(fs, &h);
        assert!((enbw - 20_000.0).abs() < 2_000.0, "enbw {enbw}");
    }
}
