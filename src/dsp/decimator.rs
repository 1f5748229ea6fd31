//! Streaming decimating FIR filter for complex samples.
//!
//! Output `j` is the filter applied to input samples `j·D .. j·D + N` (counting from the first
//! input ever pushed), so it describes the instant of input sample `j·D + (N − 1)/2`: no zero
//! history is invented and the timing of every output is exact.
//!
//! The inner product runs over interleaved I/Q floats against a copy of the taps with every tap
//! twice, zero-padded at the front to a whole number of SIMD blocks; the buffer starts with as
//! many zero samples, which only ever meet those zero taps. On x86_64 the blocks go through SSE
//! (the baseline), or AVX when the processor has it; both add in the same order as the portable
//! version, so every path gives the same bits.

use num_complex::Complex;

/// Lanes of the dot product: sixteen independent partial sums (eight I, eight Q), so the
/// additions pipeline and the loop maps onto whole SIMD registers.
const LANES: usize = 16;

/// A decimate-by-`D` FIR filter that keeps its history between calls.
#[derive(Clone, Debug)]
pub struct Decimator {
    taps: Vec<f32>,
    /// Zero padding, then every tap twice (`h0, h0, h1, h1, ...`): a multiple of [`LANES`]
    /// floats that multiplies interleaved I/Q floats directly.
    taps2: Vec<f32>,
    factor: usize,
    /// Zero samples in front of the first input (`taps2.len() / 2 − taps.len()`).
    pad: usize,
    buf: Vec<Complex<f32>>,
    pos: usize,
    avx: bool,
}

impl Decimator {
    /// A filter with the given taps (non-empty) keeping every `factor`-th output.
    pub fn new(taps: Vec<f32>, factor: usize) -> Self {
        let taps = if taps.is_empty() { vec![1.0] } else { taps };
        let floats = (2 * taps.len()).div_ceil(LANES) * LANES;
        let pad = floats / 2 - taps.len();
        let mut taps2 = vec![0.0f32; 2 * pad];
        taps2.extend(taps.iter().flat_map(|&h| [h, h]));
        Decimator {
            taps,
            taps2,
            factor: factor.max(1),
            pad,
            buf: vec![Complex::new(0.0, 0.0); pad],
            pos: 0,
            avx: has_avx(),
        }
    }

    /// Group delay in input samples.
    pub fn delay(&self) -> f64 {
        (self.taps.len() - 1) as f64 / 2.0
    }

    /// The taps.
    pub fn taps(&self) -> &[f32] {
        &self.taps
    }

    /// Filters `input`, appending the decimated outputs to `out`.
    pub fn process(&mut self, input: &[Complex<f32>], out: &mut Vec<Complex<f32>>) {
        self.buf.extend_from_slice(input);
        let n = self.taps.len() + self.pad;
        if self.pos + n <= self.buf.len() {
            let count = (self.buf.len() - n - self.pos) / self.factor + 1;
            let flat = as_flat(&self.buf[self.pos..]);
            outputs(flat, &self.taps2, self.factor, count, self.avx, out);
            self.pos += count * self.factor;
        }
        let keep_from = self.pos.min(self.buf.len());
        self.buf.drain(..keep_from);
        self.pos -= keep_from;
    }
}

/// Views complex samples as interleaved floats (I, Q, I, Q, ...).
fn as_flat(x: &[Complex<f32>]) -> &[f32] {
    // SAFETY: num-complex declares `Complex<T>` `#[repr(C)]` with fields `re`, `im` (both
    // `T`), so `n` consecutive `Complex<f32>` are `2n` consecutive, aligned `f32`s; the borrow
    // of `x` is carried over to the result.
    unsafe { std::slice::from_raw_parts(x.as_ptr().cast::<f32>(), x.len() * 2) }
}

#[cfg(target_arch = "x86_64")]
fn has_avx() -> bool {
    std::arch::is_x86_feature_detected!("avx")
}

#[cfg(not(target_arch = "x86_64"))]
fn has_avx() -> bool {
    false
}

/// Appends `count` outputs: output `j` is `x[2jD ..]·h` (`x` holds them all).
fn outputs(
    x: &[f32],
    h: &[f32],
    factor: usize,
    count: usize,
    avx: bool,
    out: &mut Vec<Complex<f32>>,
) {
    let need = 2 * factor * (count - 1) + h.len();
    assert!(h.len() % LANES == 0 && x.len() >= need);
    out.reserve(count);
    #[cfg(target_arch = "x86_64")]
    if avx {
        // SAFETY: `avx` comes from run-time detection of the AVX feature; the lengths are
        // checked above.
        unsafe { outputs_avx(x, h, factor, count, out) };
        return;
    }
    let _ = avx;
    for j in 0..count {
        let s = 2 * factor * j;
        out.push(reduce(lanes(&x[s..s + h.len()], h)));
    }
}

/// As [`outputs`], compiled for AVX.
///
/// # Safety
/// The processor must support AVX; `x` holds `2·factor·(count − 1) + h.len()` floats and
/// `h.len()` is a multiple of [`LANES`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn outputs_avx(
    x: &[f32],
    h: &[f32],
    factor: usize,
    count: usize,
    out: &mut Vec<Complex<f32>>,
) {
    // Four outputs at a time: eight independent chains of additions, so the adder's latency
    // is hidden, and each block of taps is loaded once for four outputs.
    let step = 2 * factor;
    let mut j = 0;
    while j < count {
        let w = |i: usize| &x[step * (j + i).min(count - 1)..];
        // SAFETY: AVX is available (the caller's contract) and `x` holds every window.
        let acc = unsafe { dot4_avx([w(0), w(1), w(2), w(3)], h) };
        for a in acc.iter().take(count - j) {
            out.push(reduce(*a));
        }
        j += 4;
    }
}

/// The sixteen partial sums of `x[i]·h` for four windows `x[i]` (each at least as long as
/// `h`, whose length is a multiple of [`LANES`]).
///
/// # Safety
/// The processor must support AVX.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
#[inline]
unsafe fn dot4_avx(x: [&[f32]; 4], h: &[f32]) -> [[f32; LANES]; 4] {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_setzero_ps, _mm256_storeu_ps,
    };
    let m = h.len();
    assert!(m % LANES == 0 && x.iter().all(|w| w.len() >= m));
    let mut r = [[0.0f32; LANES]; 4];
    // SAFETY: AVX is available (the caller's contract); every load reads 8 floats below `m`
    // (a multiple of 16, asserted above) from slices at least `m` long; each array of `r`
    // holds the 16 floats stored in it.
    unsafe {
        let p = [x[0].as_ptr(), x[1].as_ptr(), x[2].as_ptr(), x[3].as_ptr()];
        let hp = h.as_ptr();
        let mut a: [[__m256; 2]; 4] = [[_mm256_setzero_ps(); 2]; 4];
        for c in (0..m).step_by(LANES) {
            let (h0, h1) = (_mm256_loadu_ps(hp.add(c)), _mm256_loadu_ps(hp.add(c + 8)));
            for (acc, &xp) in a.iter_mut().zip(&p) {
                acc[0] = _mm256_add_ps(acc[0], _mm256_mul_ps(_mm256_loadu_ps(xp.add(c)), h0));
                acc[1] = _mm256_add_ps(acc[1], _mm256_mul_ps(_mm256_loadu_ps(xp.add(c + 8)), h1));
            }
        }
        for (out, acc) in r.iter_mut().zip(&a) {
            _mm256_storeu_ps(out.as_mut_ptr(), acc[0]);
            _mm256_storeu_ps(out.as_mut_ptr().add(8), acc[1]);
        }
    }
    r
}

/// Adds the sixteen partial sums four at a time (one SIMD register each) lane-wise, then I and Q.
#[inline]
fn reduce(acc: [f32; LANES]) -> Complex<f32> {
    let mut v = [0.0f32; 4];
    for g in acc.chunks_exact(4) {
        for (s, &a) in v.iter_mut().zip(g) {
            *s += a;
        }
    }
    Complex::new(v[0] + v[2], v[1] + v[3])
}

/// The sixteen partial sums of `x·h` (lengths equal, a multiple of [`LANES`]): lane `k` takes
/// the products `i ≡ k (mod 16)` in order.
#[cfg(target_arch = "x86_64")]
#[inline]
fn lanes(x: &[f32], h: &[f32]) -> [f32; LANES] {
    use std::arch::x86_64::{
        __m128, _mm_add_ps, _mm_loadu_ps, _mm_mul_ps, _mm_setzero_ps, _mm_storeu_ps,
    };
    assert!(x.len() == h.len() && x.len() % LANES == 0);
    let mut out = [0.0f32; LANES];
    // SAFETY: SSE is part of the x86_64 baseline; every load reads 4 floats at an offset
    // below `x.len()` (a multiple of 16, asserted above) from slices of equal length, and
    // `out` holds the 16 floats stored.
    unsafe {
        let mut a: [__m128; 4] = [_mm_setzero_ps(); 4];
        let (xp, hp) = (x.as_ptr(), h.as_ptr());
        for c in (0..x.len()).step_by(LANES) {
            for (g, acc) in a.iter_mut().enumerate() {
                let i = c + 4 * g;
                let p = _mm_mul_ps(_mm_loadu_ps(xp.add(i)), _mm_loadu_ps(hp.add(i)));
                *acc = _mm_add_ps(*acc, p);
            }
        }
        for (g, acc) in a.iter().enumerate() {
            _mm_storeu_ps(out.as_mut_ptr().add(4 * g), *acc);
        }
    }
    out
}

/// The sixteen partial sums of `x·h` (lengths equal, a multiple of [`LANES`]): lane `k` takes
/// the products `i ≡ k (mod 16)` in order.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn lanes(x: &[f32], h: &[f32]) -> [f32; LANES] {
    let mut acc = [0.0f32; LANES];
    for (xs, hs) in x.chunks_exact(LANES).zip(h.chunks_exact(LANES)) {
        for k in 0..LANES {
            acc[k] += xs[k] * hs[k];
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_equals_one_shot_and_timing_is_exact() {
        let taps = crate::dsp::fir::lowpass(100_000.0, 10_000.0, 31);
        let x: Vec<Complex<f32>> = (0..1000)
            .map(|n| Complex::new((n as f32 * 0.01).sin(), (n as f32 * 0.013).cos()))
            .collect();
        let mut a = Decimator::new(taps.clone(), 3);
        let mut ya = Vec::new();
        a.process(&x, &mut ya);
        let mut b = Decimator::new(taps, 3);
        let mut yb = Vec::new();
        for c in x.chunks(17) {
            b.process(c, &mut yb);
        }
        assert_eq!(ya.len(), yb.len());
        assert_eq!(ya.len(), (1000 - 31) / 3 + 1);
        for (p, q) in ya.iter().zip(&yb) {
            assert!((p - q).norm() < 1e-5);
        }
        // A slow signal passes unchanged, delayed by (N-1)/2 samples.
        let j = 100;
        let centre = j * 3 + 15;
        assert!((ya[j] - x[centre]).norm() < 2e-3);
    }

    #[test]
    fn every_path_gives_the_same_bits() {
        let taps = crate::dsp::fir::lowpass(1_024_000.0, 100_000.0, 69);
        let x: Vec<Complex<f32>> = (0..5000)
            .map(|n| Complex::new((n as f32 * 0.37).sin(), (n as f32 * 0.11).cos() - 0.2))
            .collect();
        let mut a = Decimator::new(taps.clone(), 5);
        a.avx = false;
        let mut ya = Vec::new();
        a.process(&x, &mut ya);
        let mut b = Decimator::new(taps.clone(), 5);
        let mut yb = Vec::new();
        b.process(&x, &mut yb);
        assert_eq!(ya, yb);
        // And the plain sum, lane by lane, in the documented order.
        let flat = as_flat(&x);
        let mut h2 = vec![0.0f32; 2 * a.pad];
        h2.extend(taps.iter().flat_map(|&h| [h, h]));
        for (j, y) in ya.iter().enumerate().step_by(97) {
            let mut acc = [0.0f32; LANES];
            for (i, &h) in h2.iter().enumerate() {
                let k = 2 * (5 * j) as isize + i as isize - 2 * a.pad as isize;
                let v = if k < 0 { 0.0 } else { flat[k as usize] };
                acc[i % LANES] += v * h;
            }
            assert_eq!(*y, reduce(acc), "output {j}");
        }
    }
}
