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
    /// The processor has AVX (the per-bin kernels use it).
    avx: bool,
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
            avx: has_avx(),
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

    /// The floor of the DC bin relative to the median floor (1.0 = white noise; an RTL-SDR's
    /// DC spike stands far above 1).
    pub fn dc_floor_ratio(&self) -> f32 {
        self.floors[self.cur][self.n / 2] / self.median_floor().max(1e-30)
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
        bin_power(self.avx, pos, p_neg);
        bin_power(self.avx, neg, p_pos);
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
            };
            track(self.avx, bins)
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

/// `buf = frame · w` over interleaved I/Q floats (`w` holds each window value twice).
fn window(avx: bool, frame: &[f32], w: &[f32], buf: &mut [f32]) {
    let n = buf.len().min(frame.len()).min(w.len());
    let (frame, w, buf) = (&frame[..n], &w[..n], &mut buf[..n]);
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if avx {
        // SAFETY: `avx` is true only when the processor has AVX.
        done = unsafe { window_avx(frame, w, buf) };
    }
    let _ = avx;
    for ((b, &x), &w) in buf[done..].iter_mut().zip(&frame[done..]).zip(&w[done..]) {
        *b = x * w;
    }
}

/// [`window`] 32 floats at a time with AVX, for the whole multiples of 32; returns the number
/// of floats done. One product per float, as in the scalar code.
///
/// # Safety
/// The processor must support AVX; the slices have equal lengths.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn window_avx(frame: &[f32], w: &[f32], buf: &mut [f32]) -> usize {
    use std::arch::x86_64::{_mm256_loadu_ps, _mm256_mul_ps, _mm256_storeu_ps};
    let n = buf.len();
    assert!(frame.len() == n && w.len() == n);
    let whole = n - n % 32;
    let (x, w, b) = (frame.as_ptr(), w.as_ptr(), buf.as_mut_ptr());
    let mut i = 0;
    while i < whole {
        // SAFETY: AVX is available (the caller's contract); floats `i..i + 32` with
        // `i + 32 <= n` are in bounds of the three slices (equal lengths, asserted).
        unsafe {
            for j in [0, 8, 16, 24] {
                let p = _mm256_mul_ps(_mm256_loadu_ps(x.add(i + j)), _mm256_loadu_ps(w.add(i + j)));
                _mm256_storeu_ps(b.add(i + j), p);
            }
        }
        i += 32;
    }
    whole
}

/// `|v|²`; a non-finite power (NaN fails the comparison too) becomes a huge finite one.
#[inline(always)]
fn finite_power(v: Complex<f32>) -> f32 {
    let q = v.re * v.re + v.im * v.im;
    if q <= f32::MAX { q } else { f32::MAX / 1e6 }
}

/// Single-frame power of centred bin `k` of the spectrum `v` (natural order, power-of-two
/// length).
#[inline(always)]
fn centred_power(v: &[Complex<f32>], k: usize) -> f32 {
    let n = v.len();
    finite_power(v[(k + n / 2) & (n - 1)])
}

kernel! {
    /// `|v|²` of each bin into `p`.
    fn bin_power(v: &[Complex<f32>], p: &mut [f32]) {
        for (p, &v) in p.iter_mut().zip(v) {
            *p = finite_power(v);
        }
    }
}

/// The per-bin state one frame updates. All but `v` are in centred order (bin 0 = −fs/2).
struct Bins<'a> {
    /// The frame's spectrum, natural FFT order, `n` bins (a power of two, at least 64).
    v: &'a [Complex<f32>],
    /// The history slot of the oldest frame's power; receives this frame's power.
    old: &'a mut [f32],
    /// Running sum of the history.
    sum: &'a mut [f32],
    /// The floor activity is judged against.
    floor: &'a [f32],
    /// Receives the updated floor.
    next: &'a mut [f32],
    /// Receives the activity bits (`n / 8` bytes).
    active: &'a mut [u8],
}

/// One frame's per-bin work: the running sum moves from the oldest frame's power to this
/// frame's ([`accumulate`]), then each bin is judged and its floor moved
/// ([`judge_and_track`]); returns true if any bin is active. With AVX the two steps are one
/// pass over the bins, with the same bits.
fn track(avx: bool, b: Bins) -> bool {
    #[cfg(target_arch = "x86_64")]
    if avx {
        // SAFETY: `avx` is true only when the processor has AVX.
        return unsafe { track_avx(b) };
    }
    let _ = avx;
    accumulate(b.v, b.old, b.sum);
    judge_and_track(b.old, b.sum, b.floor, b.next, b.active)
}

/// `|v|²` of each bin (centred order) into `old`, which held the oldest frame's power; the
/// running sum moves from that to this.
fn accumulate(v: &[Complex<f32>], old: &mut [f32], sum: &mut [f32]) {
    for (k, (o, s)) in old.iter_mut().zip(sum.iter_mut()).enumerate() {
        let q = centred_power(v, k);
        *s += q - *o;
        *o = q;
    }
}

/// Marks the active bins (statistic over [`THRESHOLD`] times the floor) in `active` and
/// returns true if any; writes to `next` each bin's floor moved towards its power, slowly
/// where the bin is active.
fn judge_and_track(
    power: &[f32],
    sum: &[f32],
    floor: &[f32],
    next: &mut [f32],
    active: &mut [u8],
) -> bool {
    let inv = 1.0 / AVG_FRAMES as f32;
    let a_quiet = 1.0 / FLOOR_TC_FRAMES;
    let a_active = 1.0 / FLOOR_TC_ACTIVE_FRAMES;
    let mut any = false;
    active.fill(0);
    for (k, ((&q, &s), (&fl, nf))) in power
        .iter()
        .zip(sum)
        .zip(floor.iter().zip(next.iter_mut()))
        .enumerate()
    {
        let on = s * inv > THRESHOLD * fl;
        active[k / 8] |= (on as u8) << (k % 8);
        any |= on;
        let a = if on { a_active } else { a_quiet };
        *nf = (fl + a * (q - fl)).max(1e-30);
    }
    any
}

/// [`track`] eight bins at a time with AVX. `re² + im²` is formed by a horizontal add of the
/// squares, the same single addition as the scalar code; every other step is the scalar
/// code's operation in the same order (no fused multiply-add; `max` and the ordered compare
/// treat NaN as the scalar code does), so the bits are the same.
///
/// # Safety
/// The processor must support AVX.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn track_avx(b: Bins) -> bool {
    use std::arch::x86_64::{
        _CMP_GT_OQ, _CMP_LE_OQ, _mm256_add_ps, _mm256_blendv_ps, _mm256_cmp_ps, _mm256_hadd_ps,
        _mm256_loadu_ps, _mm256_max_ps, _mm256_movemask_ps, _mm256_mul_ps, _mm256_permute2f128_ps,
        _mm256_set1_ps, _mm256_storeu_ps, _mm256_sub_ps,
    };
    let n = b.v.len();
    let h = n / 2;
    assert!(n.is_power_of_two() && n >= 16);
    assert!(b.old.len() == n && b.sum.len() == n && b.floor.len() == n && b.next.len() == n);
    assert!(b.active.len() == n / 8);
    let x = as_flat(b.v).as_ptr();
    let (old, sum, floor) = (b.old.as_mut_ptr(), b.sum.as_mut_ptr(), b.floor.as_ptr());
    let (next, active) = (b.next.as_mut_ptr(), b.active.as_mut_ptr());
    let mut any = 0;
    // SAFETY: AVX is available (the caller's contract). Bins `k..k + 8` (`k` a multiple of 8
    // below `n`) are in bounds of the `n`-long slices and byte `k / 8` of `active`; their
    // source bins `s..s + 8`, `s = (k + n / 2) mod n`, lie within the spectrum (`n / 2` is a
    // multiple of 8), whose `2n` floats `x` views.
    unsafe {
        let big = _mm256_set1_ps(f32::MAX);
        let repl = _mm256_set1_ps(f32::MAX / 1e6);
        let inv = _mm256_set1_ps(1.0 / AVG_FRAMES as f32);
        let thr = _mm256_set1_ps(THRESHOLD);
        let a_quiet = _mm256_set1_ps(1.0 / FLOOR_TC_FRAMES);
        let a_active = _mm256_set1_ps(1.0 / FLOOR_TC_ACTIVE_FRAMES);
        let tiny = _mm256_set1_ps(1e-30);
        // Centred order: the upper half of the FFT (negative frequencies) first.
        for (k0, s0) in [(0, h), (h, 0)] {
            let src = x.add(2 * s0);
            let mut j = 0;
            while j < h {
                let k = k0 + j;
                let v0 = _mm256_loadu_ps(src.add(2 * j));
                let v1 = _mm256_loadu_ps(src.add(2 * j + 8));
                let (v0, v1) = (_mm256_mul_ps(v0, v0), _mm256_mul_ps(v1, v1));
                // Bins 0, 1 | 4, 5 and 2, 3 | 6, 7, so the pairwise sums come out in order.
                let lo = _mm256_permute2f128_ps::<0x20>(v0, v1);
                let hi = _mm256_permute2f128_ps::<0x31>(v0, v1);
                let q = _mm256_hadd_ps(lo, hi);
                let ok = _mm256_cmp_ps::<_CMP_LE_OQ>(q, big);
                let q = _mm256_blendv_ps(repl, q, ok);
                let o = _mm256_loadu_ps(old.add(k));
                let s = _mm256_add_ps(_mm256_loadu_ps(sum.add(k)), _mm256_sub_ps(q, o));
                _mm256_storeu_ps(sum.add(k), s);
                _mm256_storeu_ps(old.add(k), q);
                let fl = _mm256_loadu_ps(floor.add(k));
                let on = _mm256_cmp_ps::<_CMP_GT_OQ>(_mm256_mul_ps(s, inv), _mm256_mul_ps(thr, fl));
                let bits = _mm256_movemask_ps(on);
                *active.add(k / 8) = bits as u8;
                any |= bits;
                let a = _mm256_blendv_ps(a_quiet, a_active, on);
                let moved = _mm256_add_ps(fl, _mm256_mul_ps(a, _mm256_sub_ps(q, fl)));
                _mm256_storeu_ps(next.add(k), _mm256_max_ps(moved, tiny));
                j += 8;
            }
        }
    }
    any != 0
}

/// Groups the active bins (bits of `active`) into runs; bins at most two apart join one run.
/// `floor` is the floor activity was judged against; `v` the frame's spectrum (natural order),
/// whose single-frame power of a peak is recomputed here, as it was in [`track`].
fn find_runs(active: &[u8], sum: &[f32], floor: &[f32], v: &[Complex<f32>], runs: &mut Vec<Run>) {
    let inv = 1.0 / AVG_FRAMES as f32;
    let mut cur: Option<Run> = None;
    let mut best = 0.0f32;
    for (w, word) in active.chunks_exact(8).enumerate() {
        let mut bits = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        while bits != 0 {
            let k = 64 * w + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let fl = floor[k];
            let ratio = sum[k] * inv / fl;
            match cur.as_mut() {
                Some(r) if k <= r.hi + 2 => {
                    r.hi = k;
                    if ratio > best {
                        best = ratio;
                        r.peak = k;
                        r.frame_power = centred_power(v, k);
                        r.frame_ratio = r.frame_power / fl;
                        r.power = sum[k] * inv;
                    }
                }
                _ => {
                    if let Some(r) = cur.take() {
                        runs.push(r);
                    }
                    best = ratio;
                    let frame_power = centred_power(v, k);
                    cur = Some(Run {
                        lo: k,
                        hi: k,
                        peak: k,
                        frame_ratio: frame_power / fl,
                        power: sum[k] * inv,
                        frame_power,
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
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let n = 256;
        let mut frames: Vec<Vec<Complex<f32>>> = (0..12)
            .map(|f| {
                (0..n)
                    .map(|i| {
                        // A few loud bins, so some bins are active and some frames not.
                        let a = if (i + 3 * f) % 37 < 4 { 30.0 } else { 1.0 };
                        Complex::new(a * rng.random::<f32>(), a * (rng.random::<f32>() - 0.5))
                    })
                    .collect()
            })
            .collect();
        // Non-finite and overflowing bins, early (their effect on the sums and floors is
        // followed) and in a frame whose history slot is not overwritten (checked below).
        for f in [2, 10] {
            frames[f][5] = Complex::new(f32::NAN, 0.0);
            frames[f][6] = Complex::new(f32::INFINITY, 1.0);
            frames[f][7] = Complex::new(3e30, 3e30);
            frames[f + 1][n - 1] = Complex::new(0.0, -f32::INFINITY);
        }
        let floor0: Vec<f32> = (0..n).map(|i| 0.05 + (i % 11) as f32 * 0.1).collect();
        // Eight frames of history per pass, as in the detector; the floor moves each frame.
        let run = |avx: bool| {
            let (mut old, mut sum) = (vec![0.0f32; n * AVG_FRAMES], vec![0.0f32; n]);
            let (mut floor, mut next) = (floor0.clone(), vec![0.0f32; n]);
            let mut seen = Vec::new();
            for (f, v) in frames.iter().enumerate() {
                let mut active = vec![0xa5u8; n / 8];
                let slot = f % AVG_FRAMES;
                let b = Bins {
                    v,
                    old: &mut old[slot * n..(slot + 1) * n],
                    sum: &mut sum,
                    floor: &floor,
                    next: &mut next,
                    active: &mut active,
                };
                let any = track(avx, b);
                std::mem::swap(&mut floor, &mut next);
                seen.push((any, active, sum.clone(), floor.clone()));
            }
            (seen, old)
        };
        let (a, b) = (run(false), run(has_avx()));
        assert_eq!(a, b);
        assert!(a.0.iter().any(|s| s.0) && a.0.iter().any(|s| s.1.contains(&0)));
        let p = &a.1[2 * n..3 * n];
        assert_eq!(p[5 + n / 2], f32::MAX / 1e6);
        assert_eq!(p[6 + n / 2], f32::MAX / 1e6);
        assert_eq!(p[7 + n / 2], f32::MAX / 1e6);
        assert_eq!(p[8 + n / 2], frames[10][8].norm_sqr());
        assert_eq!(a.1[3 * n + n / 2 - 1], f32::MAX / 1e6);
        // The window and the power spectrum of the floor's initialisation.
        for len in [0, 31, 64, 1003] {
            let x: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
            let w: Vec<f32> = (0..len).map(|i| (i as f32 * 0.11).cos()).collect();
            let mut got = vec![0.0f32; len];
            window(has_avx(), &x, &w, &mut got);
            let want: Vec<f32> = x.iter().zip(&w).map(|(x, w)| x * w).collect();
            assert_eq!(got, want);
        }
        let (mut p0, mut p1) = (vec![0.0f32; n], vec![0.0f32; n]);
        bin_power(false, &frames[2], &mut p0);
        bin_power(has_avx(), &frames[2], &mut p1);
        assert_eq!(p0, p1);
    }

    #[test]
    fn runs_group_active_bins_two_apart() {
        let n = 128;
        let v: Vec<Complex<f32>> = (0..n).map(|i| Complex::new(i as f32, 1.0)).collect();
        let sum: Vec<f32> = (0..n).map(|k| (k % 7) as f32 + 1.0).collect();
        let floor = vec![0.5f32; n];
        let mut active = vec![0u8; n / 8];
        for k in [3, 5, 6, 9, 63, 64, 65, 127] {
            active[k / 8] |= 1 << (k % 8);
        }
        let mut runs = Vec::new();
        find_runs(&active, &sum, &floor, &v, &mut runs);
        let spans: Vec<(usize, usize, usize)> = runs.iter().map(|r| (r.lo, r.hi, r.peak)).collect();
        assert_eq!(spans, [(3, 6, 6), (9, 9, 9), (63, 65, 65), (127, 127, 127)]);
        // The peak's single-frame power is that of its source bin (centred: k + n/2 mod n).
        assert_eq!(runs[0].frame_ratio, v[6 + n / 2].norm_sqr() / 0.5);
        assert_eq!(runs[3].frame_ratio, v[63].norm_sqr() / 0.5);
        assert_eq!(runs[0].frame_power, v[6 + n / 2].norm_sqr());
        assert_eq!(runs[3].frame_power, v[63].norm_sqr());
    }
}
