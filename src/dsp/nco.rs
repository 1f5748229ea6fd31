//! Numerically controlled oscillator: shifts a complex signal in frequency.
//!
//! The oscillator is a unit phasor rotated by a fixed step every sample, kept in `f64` and
//! renormalised every block so its amplitude cannot drift over a long burst.

use num_complex::Complex;

/// A complex mixer: `y[n] = x[n] · e^{-j2π f n / fs}` shifts `f` down to 0 Hz.
#[derive(Clone, Debug)]
pub struct Nco {
    phasor: Complex<f64>,
    step: Complex<f64>,
}

impl Nco {
    /// A mixer moving `shift_hz` down to 0 Hz at sample rate `fs_hz`.
    pub fn new(shift_hz: f64, fs_hz: f64) -> Self {
        let w = -2.0 * std::f64::consts::PI * shift_hz / fs_hz;
        Nco {
            phasor: Complex::new(1.0, 0.0),
            step: Complex::new(w.cos(), w.sin()),
        }
    }

    /// Mixes `input` and appends the result to `out`.
    pub fn mix_into(&mut self, input: &[Complex<f32>], out: &mut Vec<Complex<f32>>) {
        // Through a small buffer of the mixer's own chunk length (so the rotation is the same
        // as one `mix` over the whole input): `out` grows without being zeroed first.
        let mut tmp = [Complex::new(0.0f32, 0.0); CHUNK];
        out.reserve(input.len());
        for chunk in input.chunks(CHUNK) {
            let tmp = &mut tmp[..chunk.len()];
            self.mix(chunk, tmp);
            out.extend_from_slice(tmp);
        }
    }

    /// Mixes `input` into `out` (as many samples as both hold).
    pub fn mix(&mut self, input: &[Complex<f32>], out: &mut [Complex<f32>]) {
        for (chunk, dst) in input.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
            // Within a chunk the rotation runs in f32 from an exact f64 start: [`WIDTH`]
            // phasors side by side, each stepping by `WIDTH` samples, so the multiplications
            // of one step do not wait on one another.
            let (mut pr, mut pi) = ([0.0f32; WIDTH], [0.0f32; WIDTH]);
            let mut q = self.phasor;
            for (r, i) in pr.iter_mut().zip(pi.iter_mut()) {
                *r = q.re as f32;
                *i = q.im as f32;
                q *= self.step;
            }
            let sw = self.step.powu(WIDTH as u32);
            let (sr, si) = (sw.re as f32, sw.im as f32);
            let whole = chunk.len().min(dst.len()) / WIDTH * WIDTH;
            rotate(&chunk[..whole], &mut dst[..whole], &mut pr, &mut pi, sr, si);
            for (k, (y, &x)) in dst[whole..].iter_mut().zip(&chunk[whole..]).enumerate() {
                *y = x * Complex::new(pr[k], pi[k]);
            }
            self.phasor *= self.step.powu(chunk.len() as u32);
            let n = self.phasor.norm();
            if n > 0.0 {
                self.phasor /= n;
            }
        }
    }
}

/// Samples mixed from one exact `f64` phasor; the phasor is renormalised after each chunk.
const CHUNK: usize = 1024;

/// Phasors rotated side by side.
const WIDTH: usize = 16;

/// For every group of [`WIDTH`] samples: `y[Wm + k] = x[Wm + k] · p[k]`, then `p[k] *= s`
/// (lengths equal, a multiple of `WIDTH`). Every path does the same operations on each lane in
/// the same order, without fused multiply-adds, so all give the same bits.
fn rotate(
    x: &[Complex<f32>],
    y: &mut [Complex<f32>],
    pr: &mut [f32; WIDTH],
    pi: &mut [f32; WIDTH],
    sr: f32,
    si: f32,
) {
    assert!(x.len() == y.len() && x.len().is_multiple_of(WIDTH));
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the processor has AVX-512F (checked just above); lengths asserted.
            unsafe { rotate_avx512(x, y, pr, pi, sr, si) };
        } else if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: the processor has AVX (checked just above); lengths asserted.
            unsafe { rotate_avx(x, y, pr, pi, sr, si) };
        } else {
            rotate_sse(x, y, pr, pi, sr, si);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    rotate_portable(x, y, pr, pi, sr, si);
}

/// [`rotate`] in plain Rust (the reference for the vector paths).
#[cfg_attr(target_arch = "x86_64", cfg(test))]
fn rotate_portable(
    x: &[Complex<f32>],
    y: &mut [Complex<f32>],
    pr: &mut [f32; WIDTH],
    pi: &mut [f32; WIDTH],
    sr: f32,
    si: f32,
) {
    for (xs, ys) in x.chunks_exact(WIDTH).zip(y.chunks_exact_mut(WIDTH)) {
        for k in 0..WIDTH {
            let (xr, xi) = (xs[k].re, xs[k].im);
            ys[k] = Complex::new(xr * pr[k] - xi * pi[k], xr * pi[k] + xi * pr[k]);
            let (nr, ni) = (pr[k] * sr - pi[k] * si, pr[k] * si + pi[k] * sr);
            pr[k] = nr;
            pi[k] = ni;
        }
    }
}

/// [`rotate`] with SSE (the x86_64 baseline): four independent quads of lanes per group.
#[cfg(target_arch = "x86_64")]
fn rotate_sse(
    x: &[Complex<f32>],
    y: &mut [Complex<f32>],
    pr: &mut [f32; WIDTH],
    pi: &mut [f32; WIDTH],
    sr: f32,
    si: f32,
) {
    use std::arch::x86_64::{
        __m128, _mm_add_ps, _mm_loadu_ps, _mm_mul_ps, _mm_set1_ps, _mm_shuffle_ps, _mm_storeu_ps,
        _mm_sub_ps, _mm_unpackhi_ps, _mm_unpacklo_ps,
    };
    assert!(x.len() == y.len() && x.len().is_multiple_of(WIDTH));
    // SAFETY: SSE is part of the x86_64 baseline; each quad reads and writes 8 floats (4
    // complex samples) at an offset below the equal lengths of `x` and `y` (multiples of
    // `WIDTH`, asserted above); `Complex<f32>` is `#[repr(C)]` (re, im); `pr`, `pi` hold
    // `WIDTH` floats.
    unsafe {
        let mut vr: [__m128; 4] = [_mm_set1_ps(0.0); 4];
        let mut vi: [__m128; 4] = [_mm_set1_ps(0.0); 4];
        for g in 0..4 {
            vr[g] = _mm_loadu_ps(pr.as_ptr().add(4 * g));
            vi[g] = _mm_loadu_ps(pi.as_ptr().add(4 * g));
        }
        let (s_r, s_i) = (_mm_set1_ps(sr), _mm_set1_ps(si));
        let (xp, yp) = (x.as_ptr().cast::<f32>(), y.as_mut_ptr().cast::<f32>());
        for m in (0..2 * x.len()).step_by(2 * WIDTH) {
            for g in 0..4 {
                let o = m + 8 * g;
                let a = _mm_loadu_ps(xp.add(o));
                let b = _mm_loadu_ps(xp.add(o + 4));
                let xr = _mm_shuffle_ps::<0b10_00_10_00>(a, b);
                let xi = _mm_shuffle_ps::<0b11_01_11_01>(a, b);
                let (r, i) = (vr[g], vi[g]);
                let yr = _mm_sub_ps(_mm_mul_ps(xr, r), _mm_mul_ps(xi, i));
                let yi = _mm_add_ps(_mm_mul_ps(xr, i), _mm_mul_ps(xi, r));
                _mm_storeu_ps(yp.add(o), _mm_unpacklo_ps(yr, yi));
                _mm_storeu_ps(yp.add(o + 4), _mm_unpackhi_ps(yr, yi));
                vr[g] = _mm_sub_ps(_mm_mul_ps(r, s_r), _mm_mul_ps(i, s_i));
                vi[g] = _mm_add_ps(_mm_mul_ps(r, s_i), _mm_mul_ps(i, s_r));
            }
        }
        for g in 0..4 {
            _mm_storeu_ps(pr.as_mut_ptr().add(4 * g), vr[g]);
            _mm_storeu_ps(pi.as_mut_ptr().add(4 * g), vi[g]);
        }
    }
}

/// [`rotate`] with AVX: two registers of eight lanes per group.
///
/// The in-lane shuffles that split eight samples into I and Q leave them in the order
/// 0, 1, 4, 5, 2, 3, 6, 7, and the unpacks that interleave the products restore it, so each
/// register holds its phasors in that order too.
///
/// # Safety
/// The processor must support AVX; `x` and `y` have equal lengths, a multiple of `WIDTH`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn rotate_avx(
    x: &[Complex<f32>],
    y: &mut [Complex<f32>],
    pr: &mut [f32; WIDTH],
    pi: &mut [f32; WIDTH],
    sr: f32,
    si: f32,
) {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_set1_ps, _mm256_shuffle_ps,
        _mm256_storeu_ps, _mm256_sub_ps, _mm256_unpackhi_ps, _mm256_unpacklo_ps,
    };
    const ORDER: [usize; 8] = [0, 1, 4, 5, 2, 3, 6, 7];
    assert!(x.len() == y.len() && x.len().is_multiple_of(WIDTH));
    let lanes = |p: &[f32; WIDTH], g: usize| -> [f32; 8] { ORDER.map(|k| p[8 * g + k]) };
    let (mut lr, mut li) = ([lanes(pr, 0), lanes(pr, 1)], [lanes(pi, 0), lanes(pi, 1)]);
    // SAFETY: AVX is available (the caller's contract); each group reads and writes 16 floats
    // (8 complex samples) at an offset below the equal lengths of `x` and `y` (multiples of
    // `WIDTH`, asserted above); `Complex<f32>` is `#[repr(C)]` (re, im); `lr`, `li` hold
    // 8 floats per group.
    unsafe {
        let mut vr: [__m256; 2] = [
            _mm256_loadu_ps(lr[0].as_ptr()),
            _mm256_loadu_ps(lr[1].as_ptr()),
        ];
        let mut vi: [__m256; 2] = [
            _mm256_loadu_ps(li[0].as_ptr()),
            _mm256_loadu_ps(li[1].as_ptr()),
        ];
        let (s_r, s_i) = (_mm256_set1_ps(sr), _mm256_set1_ps(si));
        let (xp, yp) = (x.as_ptr().cast::<f32>(), y.as_mut_ptr().cast::<f32>());
        for m in (0..2 * x.len()).step_by(2 * WIDTH) {
            for g in 0..2 {
                let o = m + 16 * g;
                let a = _mm256_loadu_ps(xp.add(o));
                let b = _mm256_loadu_ps(xp.add(o + 8));
                let xr = _mm256_shuffle_ps::<0b10_00_10_00>(a, b);
                let xi = _mm256_shuffle_ps::<0b11_01_11_01>(a, b);
                let (r, i) = (vr[g], vi[g]);
                let yr = _mm256_sub_ps(_mm256_mul_ps(xr, r), _mm256_mul_ps(xi, i));
                let yi = _mm256_add_ps(_mm256_mul_ps(xr, i), _mm256_mul_ps(xi, r));
                _mm256_storeu_ps(yp.add(o), _mm256_unpacklo_ps(yr, yi));
                _mm256_storeu_ps(yp.add(o + 8), _mm256_unpackhi_ps(yr, yi));
                vr[g] = _mm256_sub_ps(_mm256_mul_ps(r, s_r), _mm256_mul_ps(i, s_i));
                vi[g] = _mm256_add_ps(_mm256_mul_ps(r, s_i), _mm256_mul_ps(i, s_r));
            }
        }
        for g in 0..2 {
            _mm256_storeu_ps(lr[g].as_mut_ptr(), vr[g]);
            _mm256_storeu_ps(li[g].as_mut_ptr(), vi[g]);
        }
    }
    for g in 0..2 {
        for (j, &k) in ORDER.iter().enumerate() {
            pr[8 * g + k] = lr[g][j];
            pi[8 * g + k] = li[g][j];
        }
    }
}

/// [`rotate`] with AVX-512F: the sixteen lanes in one register.
///
/// # Safety
/// The processor must support AVX-512F; `x` and `y` have equal lengths, a multiple of `WIDTH`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn rotate_avx512(
    x: &[Complex<f32>],
    y: &mut [Complex<f32>],
    pr: &mut [f32; WIDTH],
    pi: &mut [f32; WIDTH],
    sr: f32,
    si: f32,
) {
    use std::arch::x86_64::{
        _mm512_add_ps, _mm512_loadu_ps, _mm512_mul_ps, _mm512_permutex2var_ps, _mm512_set1_ps,
        _mm512_setr_epi32, _mm512_storeu_ps, _mm512_sub_ps,
    };
    assert!(x.len() == y.len() && x.len().is_multiple_of(WIDTH));
    // SAFETY: AVX-512F is available (the caller's contract); each step reads and writes 32
    // floats (16 complex samples) at an offset below the equal lengths of `x` and `y`
    // (multiples of 16, asserted above); `Complex<f32>` is `#[repr(C)]` (re, im); `pr`, `pi`
    // hold 16 floats.
    unsafe {
        let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        let odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        let lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        let hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        let (mut vr, mut vi) = (_mm512_loadu_ps(pr.as_ptr()), _mm512_loadu_ps(pi.as_ptr()));
        let (s_r, s_i) = (_mm512_set1_ps(sr), _mm512_set1_ps(si));
        let (xp, yp) = (x.as_ptr().cast::<f32>(), y.as_mut_ptr().cast::<f32>());
        for m in (0..2 * x.len()).step_by(2 * WIDTH) {
            let a = _mm512_loadu_ps(xp.add(m));
            let b = _mm512_loadu_ps(xp.add(m + 16));
            let xr = _mm512_permutex2var_ps(a, even, b);
            let xi = _mm512_permutex2var_ps(a, odd, b);
            let yr = _mm512_sub_ps(_mm512_mul_ps(xr, vr), _mm512_mul_ps(xi, vi));
            let yi = _mm512_add_ps(_mm512_mul_ps(xr, vi), _mm512_mul_ps(xi, vr));
            _mm512_storeu_ps(yp.add(m), _mm512_permutex2var_ps(yr, lo, yi));
            _mm512_storeu_ps(yp.add(m + 16), _mm512_permutex2var_ps(yr, hi, yi));
            let nr = _mm512_sub_ps(_mm512_mul_ps(vr, s_r), _mm512_mul_ps(vi, s_i));
            let ni = _mm512_add_ps(_mm512_mul_ps(vr, s_i), _mm512_mul_ps(vi, s_r));
            vr = nr;
            vi = ni;
        }
        _mm512_storeu_ps(pr.as_mut_ptr(), vr);
        _mm512_storeu_ps(pi.as_mut_ptr(), vi);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_a_tone_to_dc() {
        let fs = 250_000.0;
        let f = 12_345.0;
        let x: Vec<Complex<f32>> = (0..50_000)
            .map(|n| {
                let ph = 2.0 * std::f64::consts::PI * f * n as f64 / fs;
                Complex::new(ph.cos() as f32, ph.sin() as f32)
            })
            .collect();
        let mut nco = Nco::new(f, fs);
        let mut y = Vec::new();
        // Odd block sizes exercise the phase continuity between calls.
        for c in x.chunks(777) {
            nco.mix_into(c, &mut y);
        }
        for v in y.iter().step_by(97) {
            assert!((v.re - 1.0).abs() < 1e-3 && v.im.abs() < 1e-3, "{v}");
        }
    }

    #[test]
    fn appending_gives_the_bits_of_one_mix() {
        let x: Vec<Complex<f32>> = (0..5000)
            .map(|n| Complex::new((n as f32 * 0.3).sin(), (n as f32 * 0.7).cos()))
            .collect();
        let mut want = vec![Complex::new(0.0f32, 0.0); x.len()];
        Nco::new(31_000.0, 1_024_000.0).mix(&x, &mut want);
        let mut got = vec![Complex::new(7.0f32, 7.0)];
        Nco::new(31_000.0, 1_024_000.0).mix_into(&x, &mut got);
        assert_eq!(got[0], Complex::new(7.0, 7.0));
        assert_eq!(got[1..], want[..]);
    }

    type Lanes = [f32; WIDTH];
    type Rotation<'a> = dyn Fn(&[Complex<f32>], &mut [Complex<f32>], &mut Lanes, &mut Lanes) + 'a;

    #[test]
    fn vector_paths_match_the_scalar_rotation_bit_for_bit() {
        let x: Vec<Complex<f32>> = (0..1008)
            .map(|n| Complex::new((n as f32 * 0.3).sin(), (n as f32 * 0.7).cos()))
            .collect();
        let p0: [f32; WIDTH] = std::array::from_fn(|k| (k as f32 * 0.4).cos());
        let q0: [f32; WIDTH] = std::array::from_fn(|k| (k as f32 * 0.4).sin());
        let (sr, si) = (0.9f32, 0.43f32);
        let run = |f: &Rotation<'_>| {
            let (mut pr, mut pi) = (p0, q0);
            let mut y = vec![Complex::new(0.0f32, 0.0); x.len()];
            f(&x, &mut y, &mut pr, &mut pi);
            (y, pr, pi)
        };
        let want = run(&|x, y, pr, pi| rotate_portable(x, y, pr, pi, sr, si));
        // The reference is the plain complex product, lane by lane.
        let (mut qr, mut qi) = (p0, q0);
        for (xs, ys) in x.chunks_exact(WIDTH).zip(want.0.chunks_exact(WIDTH)) {
            for k in 0..WIDTH {
                assert_eq!(ys[k], xs[k] * Complex::new(qr[k], qi[k]));
                let p = Complex::new(qr[k], qi[k]) * Complex::new(sr, si);
                (qr[k], qi[k]) = (p.re, p.im);
            }
        }
        assert_eq!((want.1, want.2), (qr, qi));
        assert_eq!(run(&|x, y, pr, pi| rotate(x, y, pr, pi, sr, si)), want);
        #[cfg(target_arch = "x86_64")]
        {
            assert_eq!(run(&|x, y, pr, pi| rotate_sse(x, y, pr, pi, sr, si)), want);
            if std::arch::is_x86_feature_detected!("avx") {
                // SAFETY: the processor has AVX; the lengths are equal multiples of 16.
                let got = run(&|x, y, pr, pi| unsafe { rotate_avx(x, y, pr, pi, sr, si) });
                assert_eq!(got, want);
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the processor has AVX-512F; the lengths are equal multiples of 16.
                let got = run(&|x, y, pr, pi| unsafe { rotate_avx512(x, y, pr, pi, sr, si) });
                assert_eq!(got, want);
            }
        }
    }
}
