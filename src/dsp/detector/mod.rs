//! Short-time FFT band detector: per-bin noise floor and active-bin runs per frame.
//!
//! The stream is cut into non-overlapping frames of `N` samples (`N` = the power of two
//! nearest to `fs / 1 kHz`, so bins are about 1 kHz wide and frames about 1 ms long), each
//! Hann-windowed and transformed with one FFT plan made at start-up. The detection statistic of
//! a bin is its power averaged over the last [`AVG_FRAMES`] frames; a bin is *active* when the
//! statistic exceeds [`THRESHOLD`] times the bin's noise floor.
//!
//! **False alarms.** On white Gaussian noise a bin's power in one frame is exponentially
//! distributed, so the average of 8 frames is Gamma(8)/8. The probability that it exceeds 5
//! times its mean is `e^-40 Σ_{i<8} 40^i/i! ≈ 1.7·10⁻¹⁰`. At 1024 kS/s there are about 10⁶
//! bin-frames per second, so the expected rate of raw false triggers is below 2·10⁻⁴ per
//! second (one per 1.5 hours; the averaged statistics of neighbouring frames are correlated, so
//! this is an upper bound), and a trigger must still pass the demodulator's own SNR and
//! pulse-count checks before it is reported.
//!
//! **Noise floor.** Initialised from the first [`INIT_FRAMES`] frames by [`super::floor`]
//! (per-bin medians, with a signal present through them left out), then tracked by an exponential
//! average of the frame power with a time constant of [`FLOOR_TC_FRAMES`] frames while the bin
//! is quiet, and a much slower one while it is active, so a constant line such as the DC spike
//! of an RTL-SDR becomes part of the floor, while a burst does not raise the floor under itself.

mod kernels;

use std::sync::Arc;

use num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use kernels::{
    Bins, accumulate, as_flat, as_flat_mut, bin_power, centred_power, find_runs, judge_and_track,
    track, window,
};

/// Frames averaged in the detection statistic.
pub const AVG_FRAMES: usize = 8;
/// Detection threshold, times the noise floor (7 dB).
pub const THRESHOLD: f32 = 5.0;
/// Frames used to initialise the noise floor.
pub const INIT_FRAMES: usize = 32;
/// Time constant of the floor tracking for quiet bins, frames.
pub const FLOOR_TC_FRAMES: f32 = 256.0;
/// Time constant of the floor tracking for active bins, frames (absorbs constant carriers).
pub const FLOOR_TC_ACTIVE_FRAMES: f32 = 8192.0;

/// A run of adjacent active bins in one frame (bin indices in centred order, 0 = −fs/2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Run {
    /// First active bin.
    pub lo: usize,
    /// Last active bin.
    pub hi: usize,
    /// Bin with the largest statistic.
    pub peak: usize,
    /// Single-frame power of the peak bin over its floor.
    pub frame_ratio: f32,
    /// Power of the peak bin averaged over the last [`AVG_FRAMES`] frames (full-scale units of
    /// the windowed FFT).
    pub power: f32,
    /// Single-frame power of the peak bin (units of `power`): a tone that has just come on
    /// is at its level here while its average still lags.
    pub frame_power: f32,
}

/// The FFT band detector.
pub struct Detector {
    n: usize,
    fft: Arc<dyn Fft<f32>>,
    /// Hann window, each value twice (for interleaved I/Q floats).
    window2: Vec<f32>,
    buf: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// Single-frame powers of the last [`AVG_FRAMES`] frames, `n` bins per slot.
    hist: Vec<f32>,
    hist_slot: usize,
    frames_seen: usize,
    sum: Vec<f32>,
    /// `floors[cur]` is the floor; the other one is the floor before the last frame's update
    /// (what its activity was judged against). A frame writes the updated floor over the older
    /// one and swaps them, so the floor it was judged against stays without a copy.
    floors: [Vec<f32>; 2],
    cur: usize,
    /// Activity in the last frame, a bit per bin: bit `k % 8` of byte `k / 8` is bin `k`.
    active: Vec<u8>,
    /// Activity in the last frame, a byte per bin (scratch of the per-bin kernel).
    on: Vec<u8>,
    init: Vec<f32>,
    init_count: usize,
    /// No bin's floor is below this (see [`super::floor::lowest_floor`]).
    min_floor: f32,
}

impl Detector {
    /// A detector for a stream at `fs_hz`.
    pub fn new(fs_hz: f64) -> Self {
        let n = frame_len(fs_hz);
        // The per-bin kernels work on groups of eight bins within each half of the spectrum,
        // and the activity bits are read 64 at a time.
        assert!(n.is_power_of_two() && n >= 64);
        let mut planner = FftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(n);
        let scratch = vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()];
        let window = super::window::hann(n);
        Detector {
            n,
            fft,
            window2: window.iter().flat_map(|&w| [w, w]).collect(),
            buf: vec![Complex::new(0.0, 0.0); n],
            scratch,
            hist: vec![0.0; n * AVG_FRAMES],
            hist_slot: 0,
            frames_seen: 0,
            sum: vec![0.0; n],
            floors: [vec![0.0; n], vec![0.0; n]],
            cur: 0,
            active: vec![0; n / 8],
            on: vec![0; n],
            init: Vec::with_capacity(n * INIT_FRAMES),
            init_count: 0,
            min_floor: 0.0,
        }
    }

    /// Frame length, samples.
    pub fn frame_len(&self) -> usize {
        self.n
    }

    /// Σ w² of the window (noise gain of one bin).
    pub fn window_power(&self) -> f32 {
        self.window2.iter().step_by(2).map(|w| w * w).sum()
    }

    /// Power of a full-scale tone in one bin, (Σ w)²: a bin power divided by it is the power
    /// of the tone it holds, dBFS once in decibels.
    pub fn tone_gain(&self) -> f32 {
        let s: f32 = self.window2.iter().step_by(2).sum();
        s * s
    }

    /// Offset of centred bin `k` from the centre frequency, Hz.
    pub fn bin_hz(&self, k: f64, fs_hz: f64) -> f64 {
        (k - (self.n / 2) as f64) * fs_hz / self.n as f64
    }

    /// True once the floor has been initialised.
    pub fn ready(&self) -> bool {
        self.init_count >= INIT_FRAMES
    }

    /// Median of the floor across bins: the white-noise level of one bin.
    pub fn median_floor(&self) -> f32 {
        let mut v = self.floors[self.cur].clone();
        let mid = v.len() / 2;
        v.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
        v[mid]
    }

    /// Median of the floor over the bins from `lo_hz` to `hi_hz` (offsets from the centre,
    /// clipped to the capture's span): the white-noise level of one bin there.
    pub fn median_floor_between(&self, lo_hz: f64, hi_hz: f64, fs_hz: f64) -> f32 {
        let n = self.n as f64;
        let bin = |f: f64| (f * n / fs_hz + n / 2.0).round().clamp(0.0, n - 1.0) as usize;
        let (a, b) = (bin(lo_hz.min(hi_hz)), bin(lo_hz.max(hi_hz)));
        let mut v = self.floors[self.cur][a..=b].to_vec();
        let mid = v.len() / 2;
        v.select_nth_unstable_by(mid, |x, y| x.total_cmp(y));
        v[mid]
    }

    /// The floor of the DC bin relative to the median floor of the centre quarter of the
    /// span around it (1.0 = white noise; an RTL-SDR's DC spike stands far above 1). Measured
    /// against the floor near DC, not the whole span's, because a wide capture's floor is not
    /// flat: the tuner's filter rolls it off towards the edges (or, in a recording resampled
    /// from a narrower one, the band beyond the original holds less noise), and against that
    /// lower median an ordinary floor at DC would look like a line.
    pub fn dc_floor_ratio(&self) -> f32 {
        let (c, w) = (self.n / 2, self.n / 8);
        let mut v = self.floors[self.cur][c - w..=c + w].to_vec();
        let mid = v.len() / 2;
        v.select_nth_unstable_by(mid, |x, y| x.total_cmp(y));
        self.floors[self.cur][c] / v[mid].max(1e-30)
    }

    /// Windowed FFT of `frame`, left in `buf` (natural order).
    fn transform(&mut self, frame: &[Complex<f32>]) {
        let n = self.n.min(frame.len());
        window(
            as_flat(&frame[..n]),
            &self.window2[..2 * n],
            as_flat_mut(&mut self.buf[..n]),
        );
        self.buf[n..].fill(Complex::new(0.0, 0.0));
        self.fft
            .process_with_scratch(&mut self.buf, &mut self.scratch);
    }

    /// Feeds one frame for floor initialisation. Returns true when the floor is ready.
    pub fn init_frame(&mut self, frame: &[Complex<f32>]) -> bool {
        if self.ready() {
            return true;
        }
        self.transform(frame);
        let n = self.n;
        let at = self.init.len();
        self.init.resize(at + n, 0.0);
        // Centred order: the upper half of the FFT (negative frequencies) first.
        let (neg, pos) = self.buf.split_at(n / 2);
        let (p_neg, p_pos) = self.init[at..].split_at_mut(n - n / 2);
        bin_power(pos, p_neg);
        bin_power(neg, p_pos);
        self.init_count += 1;
        if self.ready() {
            let mut floor = super::floor::initial_floor(&self.init, n, INIT_FRAMES);
            self.min_floor = super::floor::lowest_floor(&floor);
            for f in floor.iter_mut() {
                *f = f.max(self.min_floor);
            }
            self.floors[self.cur] = floor.clone();
            self.floors[self.cur ^ 1] = floor;
            self.init = Vec::new();
            return true;
        }
        false
    }

    /// Analyses one frame (the floor must be ready); active runs are written to `runs`.
    pub fn frame(&mut self, frame: &[Complex<f32>], runs: &mut Vec<Run>) {
        runs.clear();
        self.transform(frame);
        let n = self.n;
        let slot = self.hist_slot;
        self.hist_slot = (slot + 1) % AVG_FRAMES;
        self.frames_seen += 1;
        let [f0, f1] = &mut self.floors;
        let (floor, next) = if self.cur == 0 { (f0, f1) } else { (f1, f0) };
        // Until the history is full the missing frames count as zero, never as noise spikes.
        let any = if self.frames_seen.is_multiple_of(1024) {
            // Re-sum now and then so rounding cannot accumulate: the running sum is replaced
            // between its update and the judgement, so this frame takes the two steps apart.
            accumulate(
                &self.buf,
                &mut self.hist[slot * n..(slot + 1) * n],
                &mut self.sum,
            );
            for (k, s) in self.sum.iter_mut().enumerate() {
                *s = (0..AVG_FRAMES).map(|f| self.hist[f * n + k]).sum();
            }
            // The slot now holds this frame's power.
            let power = &self.hist[slot * n..(slot + 1) * n];
            judge_and_track(power, &self.sum, floor, next, &mut self.active)
        } else {
            let bins = Bins {
                v: &self.buf,
                old: &mut self.hist[slot * n..(slot + 1) * n],
                sum: &mut self.sum,
                floor,
                next,
                active: &mut self.active,
                on: &mut self.on,
            };
            track(bins)
        };
        // Activity was judged against the floor as it was, which is now the older one.
        self.cur ^= 1;
        if self.frames_seen.is_multiple_of(1024) {
            self.min_floor = super::floor::lowest_floor(&self.floors[self.cur]);
        }
        let lowest = self.min_floor;
        for f in self.floors[self.cur].iter_mut() {
            *f = f.max(lowest);
        }
        // Most frames have no active bin.
        if any {
            let judged = &self.floors[self.cur ^ 1];
            find_runs(&self.active, &self.sum, judged, &self.buf, runs);
        }
    }

    /// Single-frame power of bin `k` over its floor, for the last frame.
    pub fn frame_ratio(&self, k: usize) -> f32 {
        centred_power(&self.buf, k) / self.floors[self.cur][k]
    }
}

/// FFT length for a stream at `fs_hz`: the power of two nearest to `fs / 1000`, 64..=8192.
pub fn frame_len(fs_hz: f64) -> usize {
    let target = (fs_hz / 1000.0).max(1.0);
    let e = target.log2().round().clamp(6.0, 13.0) as u32;
    1usize << e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_lengths() {
        assert_eq!(frame_len(250_000.0), 256);
        assert_eq!(frame_len(1_024_000.0), 1024);
        assert_eq!(frame_len(2_400_000.0), 2048);
        assert_eq!(frame_len(8_000.0), 64);
    }

    #[test]
    fn finds_a_tone_and_ignores_a_constant_dc_line() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, Normal};
        let fs = 250_000.0;
        let mut d = Detector::new(fs);
        let n = d.frame_len();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let g = Normal::new(0.0f32, 0.01).unwrap();
        let mut t = 0usize;
        let mut frame = |tone: bool, rng: &mut rand_chacha::ChaCha8Rng| -> Vec<Complex<f32>> {
            (0..n)
                .map(|_| {
                    t += 1;
                    let ph = 2.0 * std::f32::consts::PI * 50_000.0 * t as f32 / fs as f32;
                    let s = if tone {
                        Complex::from_polar(0.05, ph)
                    } else {
                        Complex::new(0.0, 0.0)
                    };
                    Complex::new(0.3 + g.sample(rng), g.sample(rng)) + s
                })
                .collect()
        };
        for _ in 0..INIT_FRAMES {
            let f = frame(false, &mut rng);
            d.init_frame(&f);
        }
        let mut runs = Vec::new();
        for _ in 0..200 {
            let f = frame(false, &mut rng);
            d.frame(&f, &mut runs);
            assert!(runs.is_empty(), "{runs:?}");
        }
        let f = frame(true, &mut rng);
        d.frame(&f, &mut runs);
        assert_eq!(runs.len(), 1);
        let hz = d.bin_hz(runs[0].peak as f64, fs);
        assert!((hz - 50_000.0).abs() < 1_000.0, "{hz}");
    }
}
