//! The detector's first noise floor, from the frames it has seen before detection starts.
//!
//! Each bin's floor is the median of its power over those frames divided by ln 2 (the median
//! of an exponential variable is ln 2 times its mean), which a burst on the air for less than
//! half of them does not move. A recording that starts inside a transmission, or is cut tightly
//! around one message (as URH, inspectrum or GNU Radio exports are), has the signal in its bins
//! for most of those frames, and its median is the signal's level: the detector would then
//! never see it. So a bin whose median stands far above the floor of the bins around it is
//! brought down to that neighbourhood's level, unless its power was steady (a standing line,
//! such as an RTL-SDR's DC spike, which belongs to the floor):
//!
//! * **Neighbourhood level**: the upper quartile of the bins' medians within
//!   ±[`NEIGHBOURHOOD_BINS`] bins (about ±32 kHz). White noise is flat at this scale; a key's
//!   signal fills a few bins of it, and the upper quartile, unlike the median, is still the
//!   noise where part of the neighbourhood is an empty, filtered band (a capture resampled from
//!   a lower rate has no noise beyond the original band).
//! * **Raised**: a bin's median above [`RAISED_RATIO`] times its neighbourhood level (12 dB):
//!   well beyond what white noise gives (the median of 32 exponential values has a relative
//!   spread of about 0.26), and below the 24 dB or more by which a key at 0 dB wideband SNR
//!   stands above the noise of its bin at 250 kS/s. Fainter emissions present from the first
//!   frame stay in the floor, as before any of this.
//! * **Steady**: power whose coefficient of variation over the frames is below
//!   [`STEADY_CV`] (a carrier at least 29 dB above the noise of its bin, held on for every
//!   frame); a keyed signal and noise vary far more from frame to frame.

/// The floor of no bin is taken below this fraction of the band's noise level
/// ([`lowest_floor`]).
pub const LOWEST_FLOOR_RATIO: f32 = 0.1;
/// Quantile of the bins' floors taken as the band's noise level in [`lowest_floor`].
pub const BAND_LEVEL_QUANTILE: f64 = 0.95;

/// Half-width of the neighbourhood a bin's floor is compared with, bins.
pub const NEIGHBOURHOOD_BINS: usize = 32;
/// A bin's median above this many times its neighbourhood's level holds a signal (12 dB).
pub const RAISED_RATIO: f32 = 16.0;
/// A bin whose power varied less than this (standard deviation ÷ mean) over the frames holds
/// a standing line.
pub const STEADY_CV: f32 = 0.05;

/// The initial floor of each of `n` bins from `frames` frames of bin powers (frame `f`, bin
/// `k` at `init[f * n + k]`), each at least `1e-30`.
pub fn initial_floor(init: &[f32], n: usize, frames: usize) -> Vec<f32> {
    let mut col = vec![0.0f32; frames];
    let mut median = vec![0.0f32; n];
    let mut steady = vec![false; n];
    for k in 0..n {
        for (f, c) in col.iter_mut().enumerate() {
            *c = init[f * n + k];
        }
        let (mean, var) = moments(&col);
        steady[k] = mean > 0.0 && var.sqrt() < STEADY_CV as f64 * mean;
        col.select_nth_unstable_by(frames / 2, |a, b| a.total_cmp(b));
        median[k] = (col[frames / 2] / std::f32::consts::LN_2).max(1e-30);
    }
    let level = neighbourhood_level(&median);
    median
        .iter()
        .zip(&level)
        .zip(&steady)
        .map(|((&m, &l), &s)| if !s && m > RAISED_RATIO * l { l } else { m })
        .collect()
}

/// The lowest floor a bin may have: [`LOWEST_FLOOR_RATIO`] of the band's noise level (the
/// [`BAND_LEVEL_QUANTILE`] of the floors). A bin more than 10 dB quieter than the noise of the
/// band is an empty, filtered part of it (a capture resampled from a lower rate, a receiver's
/// roll-off): no noise shows there, only the faint leakage of signals elsewhere (the resampling
/// filter's stop band, the FFT window's side lobes), which is no transmission. Where noise
/// fills the band the limit lies far below every floor.
pub fn lowest_floor(floor: &[f32]) -> f32 {
    if floor.is_empty() {
        return 0.0;
    }
    let mut v = floor.to_vec();
    let q = ((v.len() - 1) as f64 * BAND_LEVEL_QUANTILE).round() as usize;
    let level = *v.select_nth_unstable_by(q, |a, b| a.total_cmp(b)).1;
    LOWEST_FLOOR_RATIO * level
}

/// Mean and variance of `v`.
fn moments(v: &[f32]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean, var)
}

/// For each bin, the upper quartile of `median` over the bins within [`NEIGHBOURHOOD_BINS`].
fn neighbourhood_level(median: &[f32]) -> Vec<f32> {
    let n = median.len();
    let mut win = Vec::with_capacity(2 * NEIGHBOURHOOD_BINS + 1);
    (0..n)
        .map(|k| {
            let lo = k.saturating_sub(NEIGHBOURHOOD_BINS);
            let hi = (k + NEIGHBOURHOOD_BINS + 1).min(n);
            win.clear();
            win.extend_from_slice(&median[lo..hi]);
            let q = (3 * win.len()) / 4;
            let q = q.min(win.len() - 1);
            *win.select_nth_unstable_by(q, |a, b| a.total_cmp(b)).1
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Exp1};

    /// `frames` frames of `n` bins of white noise of mean power 1.
    fn noise(n: usize, frames: usize, seed: u64) -> Vec<f32> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n * frames).map(|_| Exp1.sample(&mut rng)).collect()
    }

    #[test]
    fn noise_alone_keeps_the_median_floor() {
        let (n, frames) = (1024, 32);
        let init = noise(n, frames, 1);
        let floor = initial_floor(&init, n, frames);
        let mut col = vec![0.0f32; frames];
        for k in 0..n {
            for (f, c) in col.iter_mut().enumerate() {
                *c = init[f * n + k];
            }
            col.sort_by(f32::total_cmp);
            let m = col[frames / 2] / std::f32::consts::LN_2;
            assert_eq!(floor[k], m, "bin {k}");
        }
    }

    #[test]
    fn a_keyed_signal_present_throughout_is_left_out_but_a_steady_line_stays() {
        let (n, frames) = (1024, 32);
        let mut init = noise(n, frames, 2);
        for f in 0..frames {
            // A keyed signal 30 dB up in bins 300..305 (on 30 to 70 % of each frame), and a
            // steady line 40 dB up in bin 700.
            let on = 0.3 + 0.4 * ((f * 7) % 5) as f32 / 4.0;
            for k in 300..305 {
                init[f * n + k] += 1000.0 * on;
            }
            init[f * n + 700] += 10_000.0;
        }
        let floor = initial_floor(&init, n, frames);
        for (k, &fl) in floor.iter().enumerate().take(305).skip(300) {
            assert!(fl < 2.0, "bin {k}: {fl}");
        }
        assert!(floor[700] > 9_000.0, "{}", floor[700]);
    }

    #[test]
    fn an_empty_band_beside_noise_is_not_taken_for_a_signal() {
        // Noise in the middle quarter only, as a capture resampled from a quarter of the rate.
        let (n, frames) = (1024, 32);
        let mut init = noise(n, frames, 3);
        for f in 0..frames {
            for k in (0..384).chain(640..n) {
                init[f * n + k] *= 1e-9;
            }
        }
        let floor = initial_floor(&init, n, frames);
        let mut col = vec![0.0f32; frames];
        for k in 384..640 {
            for (f, c) in col.iter_mut().enumerate() {
                *c = init[f * n + k];
            }
            col.sort_by(f32::total_cmp);
            assert_eq!(
                floor[k],
                col[frames / 2] / std::f32::consts::LN_2,
                "bin {k}"
            );
        }
    }
}
