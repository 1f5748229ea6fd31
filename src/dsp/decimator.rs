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

use multiversion::multiversion;
use multiversion::target::target_cfg_f;
use num_complex::Complex;

/// Floats per block of the dot product (eight I/Q pairs): one AVX-512 register, two AVX or four
/// SSE registers. The doubled taps are padded to a multiple of this.
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
    /// Input history: `buf[pos..end]` is still needed, the rest is free space. The buffer keeps
    /// its length between calls, so steady streaming neither zeroes nor reallocates it.
    buf: Vec<Complex<f32>>,
    /// Start of the next output's window.
    pos: usize,
    /// End of the samples written.
    end: usize,
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
            outputs(flat, &self.taps2, self.factor, count, out);
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
///
/// Compiled for each target listed and picked at run time. Where the target has fused
/// multiply-add each lane rounds once per product added; elsewhere a product and a sum are
/// rounded apart (see [`outputs_in`] for the order of every addition).
#[multiversion(targets("x86_64+avx512f+avx2+fma", "x86_64+avx2+fma"))]
fn outputs(x: &[f32], h: &[f32], factor: usize, count: usize, out: &mut Vec<Complex<f32>>) {
    // Named apart: in the AVX-512 build both hold.
    let wide = target_cfg_f!(target_feature = "avx512f");
    let fused = target_cfg_f!(target_feature = "fma");
    if wide {
        // One register per output: eight outputs give eight independent chains.
        outputs_in::<8, true>(x, h, factor, count, out)
    } else if fused {
        // Two registers per output, four outputs: eight chains, and each block of taps loaded
        // once for four outputs.
        outputs_in::<4, true>(x, h, factor, count, out)
    } else {
        // Four registers per output (SSE): one output at a time leaves room for the taps.
        outputs_in::<1, false>(x, h, factor, count, out)
    }
}

/// [`outputs`] `G` outputs at a time, written in place. Each output has [`LANES`] partial sums, lane `k` adding the products `i ≡ k (mod 16)`
/// in order, fused when `FUSED`; the lanes are then reduced by [`reduce`] or [`reduce_fused`].
/// The order of the additions does not depend on `G` or on the vector width the compiler picks.
#[inline(always)]
fn outputs_in<const G: usize, const FUSED: bool>(
    x: &[f32],
    h: &[f32],
    factor: usize,
    count: usize,
    out: &mut Vec<Complex<f32>>,
) {
    let (m, step) = (h.len(), 2 * factor);
    assert!(m.is_multiple_of(LANES) && x.len() >= step * (count - 1) + m);
    let blocks = m / LANES;
    let h = &h.as_chunks::<LANES>().0[..blocks];
    let start = out.len();
    out.resize(start + count, Complex::new(0.0, 0.0));
    let (groups, rest) = out[start..].as_chunks_mut::<G>();
    for (g, dst) in groups.iter_mut().enumerate() {
        let span = &x[step * G * g..][..step * (G - 1) + m];
        let w: [&[[f32; LANES]]; G] =
            std::array::from_fn(|i| &span[step * i..][..m].as_chunks().0[..blocks]);
        *dst = dot::<G, FUSED>(w, h);
    }
    if !rest.is_empty() {
        // The last group repeats the last output where fewer than `G` are left.
        let (j, last) = (count - rest.len(), count - 1);
        let w: [&[[f32; LANES]]; G] =
            std::array::from_fn(|i| &x[step * (j + i).min(last)..][..m].as_chunks().0[..blocks]);
        let sums = dot::<G, FUSED>(w, h);
        rest.copy_from_slice(&sums[..rest.len()]);
    }
}

/// The outputs of the `G` windows `w` (each as long as `h`), in the order [`outputs_in`] says.
#[inline(always)]
fn dot<const G: usize, const FUSED: bool>(
    w: [&[[f32; LANES]]; G],
    h: &[[f32; LANES]],
) -> [Complex<f32>; G] {
    let mut acc = [[0.0f32; LANES]; G];
    let blocks = h.len();
    for b in 0..blocks {
        let hb = &h[b];
        for (a, w) in acc.iter_mut().zip(&w) {
            let xb = &w[..blocks][b];
            for k in 0..LANES {
                a[k] = if FUSED {
                    xb[k].mul_add(hb[k], a[k])
                } else {
                    a[k] + xb[k] * hb[k]
                };
            }
        }
    }
    acc.map(|a| if FUSED { reduce_fused(a) } else { reduce(a) })
}

/// Adds the sixteen partial sums four at a time (one SSE register each) lane-wise, then I and
/// Q: `(((0 + a₀) + a₄) + a₈) + a₁₂` and so on, then `(v₀ + v₂, v₁ + v₃)`.
#[inline(always)]
fn reduce(acc: [f32; LANES]) -> Complex<f32> {
    let mut v = [0.0f32; 4];
    for g in acc.chunks_exact(4) {
        for (s, &a) in v.iter_mut().zip(g) {
            *s += a;
        }
    }
    Complex::new(v[0] + v[2], v[1] + v[3])
}

/// Adds the sixteen partial sums of the fused kernels: the upper eight to the lower eight
/// (`w_k = a_k + a_{k+8}`), then the I/Q pairs as `(p₀ + p₂) + (p₁ + p₃)`.
#[inline(always)]
fn reduce_fused(a: [f32; LANES]) -> Complex<f32> {
    let w: [f32; 8] = std::array::from_fn(|k| a[k] + a[k + 8]);
    Complex::new((w[0] + w[4]) + (w[2] + w[6]), (w[1] + w[5]) + (w[3] + w[7]))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Outputs = fn(&[f32], &[f32], usize, usize, &mut Vec<Complex<f32>>);

    /// Every variant of the kernel, compiled here for the baseline (the fused ones through the
    /// library's `mul_add`, which rounds once, as the instruction does), with whether it fuses.
    fn variants() -> [(&'static str, Outputs, bool); 5] {
        [
            ("1 unfused", outputs_in::<1, false>, false),
            ("4 unfused", outputs_in::<4, false>, false),
            ("1 fused", outputs_in::<1, true>, true),
            ("4 fused", outputs_in::<4, true>, true),
            ("8 fused", outputs_in::<8, true>, true),
        ]
    }

    /// Whether the dispatched kernel fuses on this processor.
    fn dispatch_fuses() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    /// Output `j` of `x·h` in plain scalar code, in the order the kernels add: sixteen lanes,
    /// lane `k` summing the products `i ≡ k (mod 16)` in order, fused (one rounding per
    /// multiply-add) or not; then the lanes reduced as the kernel of that kind reduces them.
    fn scalar_output(x: &[f32], h: &[f32], fused: bool) -> Complex<f32> {
        let mut a = [0.0f32; LANES];
        for (xs, hs) in x.chunks_exact(LANES).zip(h.chunks_exact(LANES)) {
            for k in 0..LANES {
                a[k] = if fused {
                    xs[k].mul_add(hs[k], a[k])
                } else {
                    a[k] + xs[k] * hs[k]
                };
            }
        }
        if fused {
            let w: [f32; 8] = std::array::from_fn(|k| a[k] + a[k + 8]);
            Complex::new((w[0] + w[4]) + (w[2] + w[6]), (w[1] + w[5]) + (w[3] + w[7]))
        } else {
            let v: [f32; 4] =
                std::array::from_fn(|s| (((0.0 + a[s]) + a[s + 4]) + a[s + 8]) + a[s + 12]);
            Complex::new(v[0] + v[2], v[1] + v[3])
        }
    }

    #[test]
    fn every_kernel_gives_the_bits_of_its_scalar_order() {
        // Values of very different sizes, so another order of addition rounds differently.
        let x: Vec<f32> = (0..9000)
            .map(|i| ((i * 7919 % 97) as f32 - 48.0) * 10f32.powi(i % 9 - 4))
            .collect();
        for (ntaps, factor) in [(69, 5), (31, 3), (8, 1), (129, 8), (1, 1), (257, 1)] {
            let taps: Vec<f32> = (0..ntaps)
                .map(|k| ((k * 31 % 17) as f32 - 8.0) * 10f32.powi(k % 5 - 2))
                .collect();
            let d = Decimator::new(taps, factor);
            let h = &d.taps2;
            let count = (x.len() - h.len()) / (2 * factor) + 1;
            let dispatched: Outputs = outputs;
            let all = variants()
                .into_iter()
                .chain([("dispatched", dispatched, dispatch_fuses())]);
            for (name, f, fused) in all {
                let mut y = vec![Complex::new(7.0, 7.0)];
                f(&x, h, factor, count, &mut y);
                assert_eq!(y.len(), count + 1);
                for (j, v) in y[1..].iter().enumerate() {
                    let s = 2 * factor * j;
                    let want = scalar_output(&x[s..s + h.len()], h, fused);
                    assert_eq!(
                        (v.re.to_bits(), v.im.to_bits()),
                        (want.re.to_bits(), want.im.to_bits()),
                        "{name} taps {ntaps} output {j}"
                    );
                }
            }
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
        for (ntaps, factor) in [(69, 5), (31, 3), (8, 1), (129, 8), (1, 1)] {
            let taps = if ntaps == 1 {
                vec![1.0]
            } else {
                crate::dsp::fir::lowpass(1_024_000.0, 100_000.0, ntaps)
            };
            let mut results = Vec::new();
            // The streaming filter (dispatched kernel) in uneven blocks, so every group size
            // of the kernels is met, and each variant over the whole input at once.
            let mut d = Decimator::new(taps.clone(), factor);
            let mut y = Vec::new();
            for c in x.chunks(1021) {
                d.process(c, &mut y);
            }
            results.push(("dispatched", y));
            let mut padded = vec![Complex::new(0.0f32, 0.0); d.pad];
            padded.extend_from_slice(&x);
            let count = (x.len() - taps.len()) / factor + 1;
            for (name, f, _) in variants() {
                let mut y = Vec::new();
                f(as_flat(&padded), &d.taps2, factor, count, &mut y);
                results.push((name, y));
            }
            for (name, y) in &results {
                assert_eq!(y.len(), count, "{name}");
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
                        "{name} taps {ntaps} output {j}: {err} > {bound}"
                    );
                }
                if ntaps == 1 {
                    // One tap of 1.0: every kernel passes the input through exactly.
                    assert!(y.iter().zip(&x).all(|(a, b)| a == b), "{name}");
                }
            }
        }
    }
}
