//! Streaming decimating FIR filter for complex samples.
//!
//! Output `j` is the filter applied to input samples `j·D .. j·D + N` (counting from the first
//! input ever pushed), so it describes the instant of input sample `j·D + (N − 1)/2`: no zero
//! history is invented and the timing of every output is exact.
//!
//! The inner product runs over interleaved I/Q floats against a copy of the taps with every tap
//! twice, zero-padded at the front to a whole number of SIMD blocks; the buffer starts with as
//! many zero samples, which only ever meet those zero taps. On x86_64 the blocks go through SSE
//! (the baseline), AVX2 with fused multiply-add, or AVX-512, the widest the processor has
//! (detected at run time). The paths add in different orders and the fused ones round once per
//! multiply-add, so their results may differ in the last bits; each is tested against a
//! double-precision reference.

use num_complex::Complex;

/// Floats per block of the dot product (eight I/Q pairs): one AVX-512 register, two AVX or four
/// SSE registers. The doubled taps are padded to a multiple of this.
const LANES: usize = 16;

/// The dot-product code used, chosen once from what the processor has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kernel {
    /// SSE on x86_64 (the baseline), plain Rust elsewhere.
    Portable,
    /// AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    Fma,
    /// AVX-512F.
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Kernel {
    /// The widest kernel the processor supports.
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Kernel::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Kernel::Fma;
            }
        }
        Kernel::Portable
    }

    /// Every kernel this processor can run (for tests).
    #[cfg(test)]
    fn available() -> Vec<Self> {
        let mut v = vec![Kernel::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                v.push(Kernel::Fma);
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                v.push(Kernel::Avx512);
            }
        }
        v
    }
}

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
    /// Input history: `buf[pos..end]` is still needed, the rest is free space. The buffer keeps
    /// its length between calls, so steady streaming neither zeroes nor reallocates it.
    buf: Vec<Complex<f32>>,
    /// Start of the next output's window.
    pos: usize,
    /// End of the samples written.
    end: usize,
    kernel: Kernel,
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
            end: pad,
            kernel: Kernel::detect(),
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
        let n = input.len();
        self.make_room(n);
        if self.end + n > self.buf.len() {
            // Growing: append the input itself rather than zeroes to be overwritten.
            self.buf.truncate(self.end);
            self.buf.extend_from_slice(input);
        } else {
            self.buf[self.end..self.end + n].copy_from_slice(input);
        }
        self.end += n;
        self.run(out);
    }

    /// Filters `n` input samples that `fill` writes (into a slice of length `n` holding
    /// arbitrary earlier values), appending the decimated outputs to `out`: a mixer can write
    /// straight into the filter's history without a buffer of its own.
    pub fn process_with(
        &mut self,
        n: usize,
        fill: impl FnOnce(&mut [Complex<f32>]),
        out: &mut Vec<Complex<f32>>,
    ) {
        self.make_room(n);
        if self.end + n > self.buf.len() {
            self.buf.resize(self.end + n, Complex::new(0.0, 0.0));
        }
        fill(&mut self.buf[self.end..self.end + n]);
        self.end += n;
        self.run(out);
    }

    /// When `n` more samples do not fit after `end`, moves the history still needed
    /// (`pos..end`) to the front of the buffer.
    fn make_room(&mut self, n: usize) {
        if self.end + n > self.buf.len() {
            let keep = self.pos.min(self.end);
            self.buf.copy_within(keep..self.end, 0);
            self.end -= keep;
            self.pos -= keep;
        }
    }

    /// Computes every output whose window is complete.
    fn run(&mut self, out: &mut Vec<Complex<f32>>) {
        let span = self.taps.len() + self.pad;
        if self.pos + span <= self.end {
            let count = (self.end - span - self.pos) / self.factor + 1;
            let flat = as_flat(&self.buf[self.pos..self.end]);
            outputs(self.kernel, flat, &self.taps2, self.factor, count, out);
            // May pass `end` when the factor is longer than the filter: the samples up to it
            // are skipped as they arrive.
            self.pos += count * self.factor;
        }
    }
}

/// Views complex samples as interleaved floats (I, Q, I, Q, ...).
fn as_flat(x: &[Complex<f32>]) -> &[f32] {
    // SAFETY: num-complex declares `Complex<T>` `#[repr(C)]` with fields `re`, `im` (both
    // `T`), so `n` consecutive `Complex<f32>` are `2n` consecutive, aligned `f32`s; the borrow
    // of `x` is carried over to the result.
    unsafe { std::slice::from_raw_parts(x.as_ptr().cast::<f32>(), x.len() * 2) }
}

/// Appends `count` outputs: output `j` is `x[2jD ..]·h` (`x` holds them all).
fn outputs(
    kernel: Kernel,
    x: &[f32],
    h: &[f32],
    factor: usize,
    count: usize,
    out: &mut Vec<Complex<f32>>,
) {
    let need = 2 * factor * (count - 1) + h.len();
    assert!(h.len().is_multiple_of(LANES) && x.len() >= need);
    out.reserve(count);
    match kernel {
        // SAFETY (both): the kernel was chosen by run-time detection of its features; the
        // lengths are checked above.
        #[cfg(target_arch = "x86_64")]
        Kernel::Fma => unsafe { outputs_fma(x, h, factor, count, out) },
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => unsafe { outputs_avx512(x, h, factor, count, out) },
        Kernel::Portable => {
            for j in 0..count {
                let s = 2 * factor * j;
                out.push(reduce(lanes(&x[s..s + h.len()], h)));
            }
        }
    }
}

/// As [`outputs`] with AVX2 and FMA: four outputs at a time, each in two registers, so eight
/// independent chains of multiply-adds hide their latency and each block of taps is loaded once
/// for four outputs. The four sums are reduced together, in the order of [`pair_sums`], and
/// stored as four I/Q pairs at once.
///
/// # Safety
/// The processor must support AVX2 and FMA; `x` holds `2·factor·(count − 1) + h.len()` floats
/// and `h.len()` is a multiple of [`LANES`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn outputs_fma(
    x: &[f32],
    h: &[f32],
    factor: usize,
    count: usize,
    out: &mut Vec<Complex<f32>>,
) {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_setzero_ps,
    };
    let (m, step) = (h.len(), 2 * factor);
    let blocks = m / LANES;
    let mut j = 0;
    while j < count {
        // The last group repeats the last output where fewer than four are left.
        let last = count - 1;
        let p: [*const f32; 4] = if j + 3 <= last {
            let w = &x[step * j..step * (j + 3) + m];
            let b = w.as_ptr();
            // SAFETY: offsets up to `3·step` stay within `w`, which holds `3·step + m` floats.
            unsafe { [b, b.add(step), b.add(2 * step), b.add(3 * step)] }
        } else {
            std::array::from_fn(|i| x[step * (j + i).min(last)..][..m].as_ptr())
        };
        let mut sums = [Complex::new(0.0f32, 0.0); 4];
        // SAFETY: AVX2 and FMA are available (the caller's contract); each window `p[i]` holds
        // `m = blocks·16` floats (sliced above) and every load reads 8 floats below `m`; `sums`
        // holds the 8 floats stored.
        unsafe {
            let (mut hp, mut xp) = (h.as_ptr(), p);
            let mut a: [[__m256; 2]; 4] = [[_mm256_setzero_ps(); 2]; 4];
            for _ in 0..blocks {
                let (h0, h1) = (_mm256_loadu_ps(hp), _mm256_loadu_ps(hp.add(8)));
                for (acc, xp) in a.iter_mut().zip(xp.iter_mut()) {
                    acc[0] = _mm256_fmadd_ps(_mm256_loadu_ps(*xp), h0, acc[0]);
                    acc[1] = _mm256_fmadd_ps(_mm256_loadu_ps(xp.add(8)), h1, acc[1]);
                    *xp = xp.add(LANES);
                }
                hp = hp.add(LANES);
            }
            let v = a.map(|acc| _mm256_add_ps(acc[0], acc[1]));
            pair_sums(v, sums.as_mut_ptr().cast());
        }
        out.extend_from_slice(&sums[..(count - j).min(4)]);
        j += 4;
    }
}

/// Adds the four I/Q pairs of each of `v[0..4]` down to one pair, `(p0 + p2) + (p1 + p3)` as
/// the portable [`reduce`] adds them, and stores the four results (8 floats) at `dst`.
///
/// # Safety
/// The processor must support AVX2; `dst` is valid for writing 8 floats.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn pair_sums(v: [std::arch::x86_64::__m256; 4], dst: *mut f32) {
    use std::arch::x86_64::{
        _mm256_add_ps, _mm256_castpd_ps, _mm256_castps_pd, _mm256_permute2f128_ps,
        _mm256_permute4x64_pd, _mm256_storeu_ps, _mm256_unpackhi_pd, _mm256_unpacklo_pd,
    };
    // Each 64-bit element is one I/Q pair: v[i] = [p0, p1, p2, p3].
    let w01 = _mm256_add_ps(
        _mm256_permute2f128_ps::<0x20>(v[0], v[1]),
        _mm256_permute2f128_ps::<0x31>(v[0], v[1]),
    ); // [v0: p0+p2, p1+p3, v1: p0+p2, p1+p3]
    let w23 = _mm256_add_ps(
        _mm256_permute2f128_ps::<0x20>(v[2], v[3]),
        _mm256_permute2f128_ps::<0x31>(v[2], v[3]),
    );
    let (w01, w23) = (_mm256_castps_pd(w01), _mm256_castps_pd(w23));
    let r = _mm256_add_ps(
        _mm256_castpd_ps(_mm256_unpacklo_pd(w01, w23)),
        _mm256_castpd_ps(_mm256_unpackhi_pd(w01, w23)),
    ); // [v0, v2, v1, v3]
    let r = _mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_castps_pd(r));
    // SAFETY: the caller's contract.
    unsafe { _mm256_storeu_ps(dst, _mm256_castpd_ps(r)) };
}

/// As [`outputs`] with AVX-512F: eight outputs at a time, one register each (eight independent
/// chains of multiply-adds), each block of taps loaded once for eight outputs.
///
/// # Safety
/// The processor must support AVX-512F; `x` holds `2·factor·(count − 1) + h.len()` floats and
/// `h.len()` is a multiple of [`LANES`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn outputs_avx512(
    x: &[f32],
    h: &[f32],
    factor: usize,
    count: usize,
    out: &mut Vec<Complex<f32>>,
) {
    use std::arch::x86_64::{
        __m512, _mm_add_ps, _mm_movehl_ps, _mm256_add_ps, _mm256_castpd_ps, _mm256_castps256_ps128,
        _mm256_extractf128_ps, _mm512_castps_pd, _mm512_castps512_ps256, _mm512_extractf64x4_pd,
        _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_setzero_ps,
    };
    let (m, step) = (h.len(), 2 * factor);
    let mut j = 0;
    while j < count {
        // The last group repeats the last output where fewer than eight are left.
        let mut p = [x.as_ptr(); 8];
        for (i, p) in p.iter_mut().enumerate() {
            *p = x[step * (j + i).min(count - 1)..][..m].as_ptr();
        }
        let mut sums = [Complex::new(0.0f32, 0.0); 8];
        // SAFETY: AVX-512F is available (the caller's contract); each window `p[i]` holds `m`
        // floats (sliced above) and every load reads 16 floats below `m`, a multiple of 16.
        unsafe {
            let hp = h.as_ptr();
            let mut a: [__m512; 8] = [_mm512_setzero_ps(); 8];
            for c in (0..m).step_by(LANES) {
                let hc = _mm512_loadu_ps(hp.add(c));
                for (acc, &xp) in a.iter_mut().zip(&p) {
                    *acc = _mm512_fmadd_ps(_mm512_loadu_ps(xp.add(c)), hc, *acc);
                }
            }
            for (s, &acc) in sums.iter_mut().zip(&a) {
                // I, Q, I, Q, ... lanes added down to one I/Q pair.
                let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(acc)));
                let v = _mm256_add_ps(_mm512_castps512_ps256(acc), hi);
                let v = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
                *s = pair(_mm_add_ps(v, _mm_movehl_ps(v, v)));
            }
        }
        out.extend_from_slice(&sums[..(count - j).min(8)]);
        j += 8;
    }
}

/// The first two lanes of `v` as (I, Q).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn pair(v: std::arch::x86_64::__m128) -> Complex<f32> {
    let mut iq = [0.0f32; 4];
    // SAFETY: SSE is part of the x86_64 baseline; `iq` holds the four floats stored.
    unsafe { std::arch::x86_64::_mm_storeu_ps(iq.as_mut_ptr(), v) };
    Complex::new(iq[0], iq[1])
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
    assert!(x.len() == h.len() && x.len().is_multiple_of(LANES));
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

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn four_sums_reduce_in_the_scalar_order() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        use std::arch::x86_64::_mm256_loadu_ps;
        // Values of very different sizes, so another order of addition rounds differently.
        let f: Vec<f32> = (0..32)
            .map(|i| ((i * 7919 % 97) as f32 - 48.0) * 10f32.powi(i % 9 - 4))
            .collect();
        let mut got = [0.0f32; 8];
        // SAFETY: AVX2 was detected above; `f` holds 32 floats, `got` 8.
        unsafe {
            let v = std::array::from_fn(|i| _mm256_loadu_ps(f.as_ptr().add(8 * i)));
            pair_sums(v, got.as_mut_ptr());
        }
        for i in 0..4 {
            let p = &f[8 * i..8 * i + 8];
            let want = [(p[0] + p[4]) + (p[2] + p[6]), (p[1] + p[5]) + (p[3] + p[7])];
            assert_eq!(got[2 * i..2 * i + 2], want, "output {i}");
        }
    }

    #[test]
    fn any_split_of_the_input_gives_the_same_bits() {
        let x: Vec<Complex<f32>> = (0..20_000)
            .map(|n| Complex::new((n as f32 * 0.01).sin(), (n as f32 * 0.013).cos()))
            .collect();
        // Factor 40 is longer than the 31 taps: some inputs fall between windows.
        for factor in [1, 3, 5, 40] {
            let taps = crate::dsp::fir::lowpass(100_000.0, 10_000.0, 31);
            let mut one = Decimator::new(taps.clone(), factor);
            let mut want = Vec::new();
            one.process(&x, &mut want);
            let mut split = Decimator::new(taps, factor);
            let mut got = Vec::new();
            let sizes = [1, 17, 4096, 3, 999, 0, 30, 31, 32, 8191, 2];
            let (mut at, mut k) = (0, 0);
            while at < x.len() {
                let n = sizes[k % sizes.len()].min(x.len() - at);
                let part = &x[at..at + n];
                if k % 2 == 0 {
                    split.process(part, &mut got);
                } else {
                    // The slice handed to `fill` holds stale samples; all must be overwritten.
                    split.process_with(n, |dst| dst.copy_from_slice(part), &mut got);
                }
                at += n;
                k += 1;
            }
            assert_eq!(got, want, "factor {factor}");
            assert_eq!(want.len(), (x.len() - 31) / factor + 1);
        }
    }

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
    fn every_kernel_matches_a_double_precision_reference() {
        let x: Vec<Complex<f32>> = (0..5003)
            .map(|n| Complex::new((n as f32 * 0.37).sin(), (n as f32 * 0.11).cos() - 0.2))
            .collect();
        let kernels = Kernel::available();
        for (ntaps, factor) in [(69, 5), (31, 3), (8, 1), (129, 8), (1, 1)] {
            let taps = if ntaps == 1 {
                vec![1.0]
            } else {
                crate::dsp::fir::lowpass(1_024_000.0, 100_000.0, ntaps)
            };
            let mut results = Vec::new();
            for &kernel in &kernels {
                let mut d = Decimator::new(taps.clone(), factor);
                d.kernel = kernel;
                let mut y = Vec::new();
                // Uneven blocks, so every group size of the vector kernels is met.
                for c in x.chunks(1021) {
                    d.process(c, &mut y);
                }
                assert_eq!(y.len(), (x.len() - taps.len()) / factor + 1, "{kernel:?}");
                for (j, v) in y.iter().enumerate() {
                    let (mut re, mut im, mut mag) = (0.0f64, 0.0f64, 0.0f64);
                    for (k, &h) in taps.iter().enumerate() {
                        let s = x[j * factor + k];
                        re += f64::from(s.re) * f64::from(h);
                        im += f64::from(s.im) * f64::from(h);
                        mag += f64::from(s.norm()) * f64::from(h.abs());
                    }
                    // Each of the `ntaps` roundings is at most one epsilon of the magnitudes.
                    let bound = 2.0 * taps.len() as f64 * f64::from(f32::EPSILON) * mag + 1e-30;
                    let err = (f64::from(v.re) - re)
                        .abs()
                        .max((f64::from(v.im) - im).abs());
                    assert!(
                        err <= bound,
                        "{kernel:?} taps {ntaps} output {j}: {err} > {bound}"
                    );
                }
                results.push(y);
            }
            if ntaps == 1 {
                // One tap of 1.0: every kernel passes the input through exactly.
                for y in &results {
                    assert!(y.iter().zip(&x).all(|(a, b)| a == b));
                }
            }
        }
        eprintln!("kernels tested: {kernels:?}");
    }
}
