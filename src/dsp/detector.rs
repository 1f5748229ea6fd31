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
//! **Noise floor.** Initialised as the per-bin median of the first [`INIT_FRAMES`] frames
//! (divided by ln 2, the median of an exponential variable), then tracked by an exponential
//! average of the frame power with a time constant of [`FLOOR_TC_FRAMES`] frames while the bin
//! is quiet, and a much slower one while it is active, so a constant line such as the DC spike
//! of an RTL-SDR becomes part of the floor, while a burst does not raise the floor under itself.

use std::sync::Arc;

use num_complex::Complex;
use rustfft::{Fft, FftPlanner};

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
}

/// The FFT band detector.
pub struct Detector {
    n: usize,
    fft: Arc<dyn Fft<f32>>,
    /// Hann window, each value twice (for interleaved I/Q floats).
    window2: Vec<f32>,
    buf: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    power: Vec<f32>,
    hist: Vec<f32>,
    hist_slot: usize,
    frames_seen: usize,
    sum: Vec<f32>,
    floor: Vec<f32>,
    /// Per bin, 1 when active in the last frame.
    active: Vec<u8>,
    /// The floor before the last frame's update (what its activity was judged against).
    prev_floor: Vec<f32>,
    /// The processor has AVX (the per-bin kernels use it).
    avx: bool,
    init: Vec<f32>,
    init_count: usize,
}

impl Detector {
    /// A detector for a stream at `fs_hz`.
    pub fn new(fs_hz: f64) -> Self {
        let n = frame_len(fs_hz);
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
            power: vec![0.0; n],
            hist: vec![0.0; n * AVG_FRAMES],
            hist_slot: 0,
            frames_seen: 0,
            sum: vec![0.0; n],
            floor: vec![0.0; n],
            active: vec![0; n],
            prev_floor: vec![0.0; n],
            avx: has_avx(),
            init: Vec::with_capacity(n * INIT_FRAMES),
            init_count: 0,
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
        let mut v = self.floor.clone();
        let mid = v.len() / 2;
        v.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
        v[mid]
    }

    /// The floor of the DC bin relative to the median floor (1.0 = white noise; an RTL-SDR's
    /// DC spike stands far above 1).
    pub fn dc_floor_ratio(&self) -> f32 {
        self.floor[self.n / 2] / self.median_floor().max(1e-30)
    }

    /// Windowed FFT of `frame`, left in `buf` (natural order).
    fn transform(&mut self, frame: &[Complex<f32>]) {
        let n = self.n.min(frame.len());
        window(
            self.avx,
            as_flat(&frame[..n]),
            &self.window2[..2 * n],
            as_flat_mut(&mut self.buf[..n]),
        );
        self.buf[n..].fill(Complex::new(0.0, 0.0));
        self.fft
            .process_with_scratch(&mut self.buf, &mut self.scratch);
    }

    /// Power spectrum of `frame` into `power`, in centred order.
    fn spectrum(&mut self, frame: &[Complex<f32>]) {
        self.transform(frame);
        let h = self.n / 2;
        let (neg, pos) = self.buf.split_at(h);
        let (p_neg, p_pos) = self.power.split_at_mut(self.n - h);
        bin_power(self.avx, pos, p_neg);
        bin_power(self.avx, neg, p_pos);
    }

    /// Feeds one frame for floor initialisation. Returns true when the floor is ready.
    pub fn init_frame(&mut self, frame: &[Complex<f32>]) -> bool {
        if self.ready() {
            return true;
        }
        self.spectrum(frame);
        self.init.extend_from_slice(&self.power);
        self.init_count += 1;
        if self.ready() {
            let mut col = [0.0f32; INIT_FRAMES];
            for k in 0..self.n {
                for (f, c) in col.iter_mut().enumerate() {
                    *c = self.init[f * self.n + k];
                }
                col.select_nth_unstable_by(INIT_FRAMES / 2, |a, b| a.total_cmp(b));
                self.floor[k] = (col[INIT_FRAMES / 2] / std::f32::consts::LN_2).max(1e-30);
            }
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
        let h = n / 2;
        {
            // Centred order: the upper half of the FFT (negative frequencies) first.
            let slot = &mut self.hist[self.hist_slot * n..(self.hist_slot + 1) * n];
            let (neg, pos) = self.buf.split_at(h);
            let (p_neg, p_pos) = self.power.split_at_mut(n - h);
            let (s_neg, s_pos) = self.sum.split_at_mut(n - h);
            let (o_neg, o_pos) = slot.split_at_mut(n - h);
            accumulate(self.avx, pos, p_neg, s_neg, o_neg);
            accumulate(self.avx, neg, p_pos, s_pos, o_pos);
        }
        self.hist_slot = (self.hist_slot + 1) % AVG_FRAMES;
        self.frames_seen += 1;
        if self.frames_seen.is_multiple_of(1024) {
            // Re-sum now and then so rounding cannot accumulate.
            for k in 0..n {
                self.sum[k] = (0..AVG_FRAMES).map(|f| self.hist[f * n + k]).sum();
            }
        }
        // Until the history is full the missing frames count as zero, never as noise spikes.
        let (sum, floor, power) = (&self.sum[..n], &mut self.floor[..n], &self.power[..n]);
        let active = &mut self.active[..n];
        // Activity is judged against the floor as it was (kept in `prev`), which then moves.
        let prev = &mut self.prev_floor[..n];
        // Most frames have no active bin.
        if judge_and_track(self.avx, sum, floor, power, active, prev) {
            find_runs(active, sum, prev, power, runs);
        }
    }

    /// Single-frame power of bin `k` over its floor, for the last frame.
    pub fn frame_ratio(&self, k: usize) -> f32 {
        self.power[k] / self.floor[k]
    }
}

/// Defines a per-bin kernel `name(avx, args...)`: one body, compiled twice, the second time for
/// AVX (run only when `avx`, detected at run time, says the processor has it). The body has no
/// fused multiply-add, so both give the same bits.
macro_rules! kernel {
    ($(#[$m:meta])* fn $name:ident($($a:ident: $t:ty),* $(,)?) $(-> $r:ty)? $body:block) => {
        $(#[$m])*
        fn $name(avx: bool, $($a: $t),*) $(-> $r)? {
            #[inline(always)]
            fn body($($a: $t),*) $(-> $r)? $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx")]
            unsafe fn with_avx($($a: $t),*) $(-> $r)? {
                body($($a),*)
            }
            #[cfg(target_arch = "x86_64")]
            if avx {
                // SAFETY: `avx` is true only when the processor has AVX.
                return unsafe { with_avx($($a),*) };
            }
            let _ = avx;
            body($($a),*)
        }
    };
}

/// Views complex samples as interleaved floats (I, Q, I, Q, ...).
fn as_flat(x: &[Complex<f32>]) -> &[f32] {
    // SAFETY: num-complex declares `Complex<T>` `#[repr(C)]` with fields `re`, `im` (both
    // `T`), so `n` consecutive `Complex<f32>` are `2n` consecutive, aligned `f32`s; the borrow
    // of `x` is carried over to the result.
    unsafe { std::slice::from_raw_parts(x.as_ptr().cast::<f32>(), x.len() * 2) }
}

/// See [`as_flat`].
fn as_flat_mut(x: &mut [Complex<f32>]) -> &mut [f32] {
    // SAFETY: as in `as_flat`; the exclusive borrow of `x` is carried over to the result.
    unsafe { std::slice::from_raw_parts_mut(x.as_mut_ptr().cast::<f32>(), x.len() * 2) }
}

/// True when the processor has AVX.
fn has_avx() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

kernel! {
    /// `buf = frame · w` over interleaved I/Q floats (`w` holds each window value twice).
    fn window(frame: &[f32], w: &[f32], buf: &mut [f32]) {
        for ((b, &x), &w) in buf.iter_mut().zip(frame).zip(w) {
            *b = x * w;
        }
    }
}

/// `|v|²`; a non-finite power (NaN fails the comparison too) becomes a huge finite one.
#[inline(always)]
fn finite_power(v: Complex<f32>) -> f32 {
    let q = v.re * v.re + v.im * v.im;
    if q <= f32::MAX { q } else { f32::MAX / 1e6 }
}

kernel! {
    /// `|v|²` of each bin into `p`.
    fn bin_power(v: &[Complex<f32>], p: &mut [f32]) {
        for (p, &v) in p.iter_mut().zip(v) {
            *p = finite_power(v);
        }
    }
}

/// `|v|²` of each bin into `p`; the running sum moves from the oldest frame's power (`old`) to
/// it, and it replaces the oldest in the history.
fn accumulate(avx: bool, v: &[Complex<f32>], p: &mut [f32], sum: &mut [f32], old: &mut [f32]) {
    let n = v.len().min(p.len()).min(sum.len()).min(old.len());
    let (v, p, sum, old) = (&v[..n], &mut p[..n], &mut sum[..n], &mut old[..n]);
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if avx {
        // SAFETY: `avx` is true only when the processor has AVX.
        done = unsafe { accumulate_avx(v, p, sum, old) };
    }
    let _ = avx;
    for k in done..n {
        let q = finite_power(v[k]);
        p[k] = q;
        sum[k] += q - old[k];
        old[k] = q;
    }
}

/// [`accumulate`] eight bins at a time with AVX, for the whole multiples of eight; returns the
/// number of bins done. `re² + im²` is formed by a horizontal add of the squares, the same
/// single addition as the scalar code, so the bits are the same.
///
/// # Safety
/// The processor must support AVX; the slices have equal lengths.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn accumulate_avx(
    v: &[Complex<f32>],
    p: &mut [f32],
    sum: &mut [f32],
    old: &mut [f32],
) -> usize {
    use std::arch::x86_64::{
        _CMP_LE_OQ, _mm256_add_ps, _mm256_blendv_ps, _mm256_cmp_ps, _mm256_hadd_ps,
        _mm256_loadu_ps, _mm256_mul_ps, _mm256_permute2f128_ps, _mm256_set1_ps, _mm256_storeu_ps,
        _mm256_sub_ps,
    };
    let n = v.len();
    assert!(p.len() == n && sum.len() == n && old.len() == n);
    let whole = n - n % 8;
    let x = as_flat(v);
    // SAFETY: AVX is available (the caller's contract); bins `k..k + 8` with `k + 8 <= n`
    // are in bounds of every slice (equal lengths, asserted), `x` holds `2n` floats.
    unsafe {
        let big = _mm256_set1_ps(f32::MAX);
        let repl = _mm256_set1_ps(f32::MAX / 1e6);
        for k in (0..whole).step_by(8) {
            let a = _mm256_loadu_ps(x.as_ptr().add(2 * k));
            let b = _mm256_loadu_ps(x.as_ptr().add(2 * k + 8));
            let (a, b) = (_mm256_mul_ps(a, a), _mm256_mul_ps(b, b));
            // Bins 0, 1 | 4, 5 and 2, 3 | 6, 7, so the pairwise sums come out in order.
            let lo = _mm256_permute2f128_ps::<0x20>(a, b);
            let hi = _mm256_permute2f128_ps::<0x31>(a, b);
            let q = _mm256_hadd_ps(lo, hi);
            let ok = _mm256_cmp_ps::<_CMP_LE_OQ>(q, big);
            let q = _mm256_blendv_ps(repl, q, ok);
            _mm256_storeu_ps(p.as_mut_ptr().add(k), q);
            let o = _mm256_loadu_ps(old.as_ptr().add(k));
            let s = _mm256_loadu_ps(sum.as_ptr().add(k));
            _mm256_storeu_ps(
                sum.as_mut_ptr().add(k),
                _mm256_add_ps(s, _mm256_sub_ps(q, o)),
            );
            _mm256_storeu_ps(old.as_mut_ptr().add(k), q);
        }
    }
    whole
}

kernel! {
    /// Marks the active bins (statistic over [`THRESHOLD`] times the floor) and returns true if
    /// any; copies the floor to `prev`, then moves each bin's floor towards its power, slowly
    /// where the bin is active.
    fn judge_and_track(
        sum: &[f32],
        floor: &mut [f32],
        power: &[f32],
        active: &mut [u8],
        prev: &mut [f32],
    ) -> bool {
        let inv = 1.0 / AVG_FRAMES as f32;
        let a_quiet = 1.0 / FLOOR_TC_FRAMES;
        let a_active = 1.0 / FLOOR_TC_ACTIVE_FRAMES;
        let n = sum.len().min(floor.len()).min(power.len()).min(active.len()).min(prev.len());
        let (sum, floor, power) = (&sum[..n], &mut floor[..n], &power[..n]);
        let (active, prev) = (&mut active[..n], &mut prev[..n]);
        let mut any = 0u8;
        for k in 0..n {
            let fl = floor[k];
            let on = sum[k] * inv > THRESHOLD * fl;
            active[k] = on as u8;
            any |= on as u8;
            prev[k] = fl;
            let a = if on { a_active } else { a_quiet };
            floor[k] = (fl + a * (power[k] - fl)).max(1e-30);
        }
        any != 0
    }
}

/// Groups the active bins (`active[k] != 0`) into runs; bins at most two apart join one run.
/// Reads the floor as it was when activity was judged.
fn find_runs(active: &[u8], sum: &[f32], floor: &[f32], power: &[f32], runs: &mut Vec<Run>) {
    let inv = 1.0 / AVG_FRAMES as f32;
    let mut cur: Option<Run> = None;
    let mut best = 0.0f32;
    for (w, word) in active.chunks(8).enumerate() {
        if word.iter().all(|&b| b == 0) {
            continue;
        }
        for (j, _) in word.iter().enumerate().filter(|(_, b)| **b != 0) {
            let k = 8 * w + j;
            let fl = floor[k];
            let ratio = sum[k] * inv / fl;
            match cur.as_mut() {
                Some(r) if k <= r.hi + 2 => {
                    r.hi = k;
                    if ratio > best {
                        best = ratio;
                        r.peak = k;
                        r.frame_ratio = power[k] / fl;
                    }
                }
                _ => {
                    if let Some(r) = cur.take() {
                        runs.push(r);
                    }
                    best = ratio;
                    cur = Some(Run {
                        lo: k,
                        hi: k,
                        peak: k,
                        frame_ratio: power[k] / fl,
                    });
                }
            }
        }
    }
    if let Some(r) = cur {
        runs.push(r);
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

    #[test]
    fn vector_kernels_give_the_scalar_bits() {
        let v: Vec<Complex<f32>> = (0..1003)
            .map(|i| match i {
                5 => Complex::new(f32::NAN, 0.0),
                6 => Complex::new(f32::INFINITY, 1.0),
                7 => Complex::new(3e30, 3e30),
                _ => Complex::new((i as f32 * 0.37).sin() * 1e-3, (i as f32 * 1.3).cos()),
            })
            .collect();
        let n = v.len();
        let old: Vec<f32> = (0..n).map(|i| (i % 7) as f32 * 0.1).collect();
        let sum: Vec<f32> = (0..n).map(|i| (i % 5) as f32).collect();
        let run = |avx: bool| {
            let (mut p, mut s, mut o) = (vec![0.0f32; n], sum.clone(), old.clone());
            accumulate(avx, &v, &mut p, &mut s, &mut o);
            (p, s, o)
        };
        let (a, b) = (run(false), run(has_avx()));
        assert_eq!(a, b);
        assert_eq!(a.0[5], f32::MAX / 1e6);
        assert_eq!(a.0[6], f32::MAX / 1e6);
        assert_eq!(a.0[8], v[8].norm_sqr());
    }
}
