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
        let start = out.len();
        out.resize(start + input.len(), Complex::new(0.0, 0.0));
        self.mix(input, &mut out[start..]);
    }

    /// Mixes `input` into `out` (as many samples as both hold).
    pub fn mix(&mut self, input: &[Complex<f32>], out: &mut [Complex<f32>]) {
        for (chunk, dst) in input.chunks(1024).zip(out.chunks_mut(1024)) {
            // Within a chunk the rotation runs in f32 from an exact f64 start.
            // Four interleaved phasors, each stepping by four samples, so the multiplications
            // do not wait on one another.
            let (mut pr, mut pi) = ([0.0f32; 4], [0.0f32; 4]);
            let mut q = self.phasor;
            for (r, i) in pr.iter_mut().zip(pi.iter_mut()) {
                *r = q.re as f32;
                *i = q.im as f32;
                q *= self.step;
            }
            let s4 = self.step.powu(4);
            let (sr, si) = (s4.re as f32, s4.im as f32);
            let whole = chunk.len().min(dst.len()) / 4 * 4;
            rotate_quads(&chunk[..whole], &mut dst[..whole], &mut pr, &mut pi, sr, si);
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

/// `y[4m + k] = x[4m + k] · p[k]`, then `p[k] *= s`, for every group of four samples (lengths
/// equal, a multiple of 4). The SSE and portable versions do the same operations in the same
/// order, so they give the same bits.
#[cfg(target_arch = "x86_64")]
fn rotate_quads(
    x: &[Complex<f32>],
    y: &mut [Complex<f32>],
    pr: &mut [f32; 4],
    pi: &mut [f32; 4],
    sr: f32,
    si: f32,
) {
    use std::arch::x86_64::{
        _mm_add_ps, _mm_loadu_ps, _mm_mul_ps, _mm_set1_ps, _mm_shuffle_ps, _mm_storeu_ps,
        _mm_sub_ps, _mm_unpackhi_ps, _mm_unpacklo_ps,
    };
    assert!(x.len() == y.len() && x.len() % 4 == 0);
    // SAFETY: SSE is part of the x86_64 baseline; each step reads and writes 8 floats (4
    // complex samples) at an offset below the equal lengths of `x` and `y` (multiples of 4,
    // asserted above); `Complex<f32>` is `#[repr(C)]` (re, im).
    unsafe {
        let (mut vr, mut vi) = (_mm_loadu_ps(pr.as_ptr()), _mm_loadu_ps(pi.as_ptr()));
        let (s_r, s_i) = (_mm_set1_ps(sr), _mm_set1_ps(si));
        let (xp, yp) = (x.as_ptr().cast::<f32>(), y.as_mut_ptr().cast::<f32>());
        for m in (0..2 * x.len()).step_by(8) {
            let a = _mm_loadu_ps(xp.add(m));
            let b = _mm_loadu_ps(xp.add(m + 4));
            let xr = _mm_shuffle_ps::<0b10_00_10_00>(a, b);
            let xi = _mm_shuffle_ps::<0b11_01_11_01>(a, b);
            let yr = _mm_sub_ps(_mm_mul_ps(xr, vr), _mm_mul_ps(xi, vi));
            let yi = _mm_add_ps(_mm_mul_ps(xr, vi), _mm_mul_ps(xi, vr));
            _mm_storeu_ps(yp.add(m), _mm_unpacklo_ps(yr, yi));
            _mm_storeu_ps(yp.add(m + 4), _mm_unpackhi_ps(yr, yi));
            let nr = _mm_sub_ps(_mm_mul_ps(vr, s_r), _mm_mul_ps(vi, s_i));
            let ni = _mm_add_ps(_mm_mul_ps(vr, s_i), _mm_mul_ps(vi, s_r));
            vr = nr;
            vi = ni;
        }
        _mm_storeu_ps(pr.as_mut_ptr(), vr);
        _mm_storeu_ps(pi.as_mut_ptr(), vi);
    }
}

/// See the x86_64 version.
#[cfg(not(target_arch = "x86_64"))]
fn rotate_quads(
    x: &[Complex<f32>],
    y: &mut [Complex<f32>],
    pr: &mut [f32; 4],
    pi: &mut [f32; 4],
    sr: f32,
    si: f32,
) {
    for (xs, ys) in x.chunks_exact(4).zip(y.chunks_exact_mut(4)) {
        for k in 0..4 {
            let (xr, xi) = (xs[k].re, xs[k].im);
            ys[k] = Complex::new(xr * pr[k] - xi * pi[k], xr * pi[k] + xi * pr[k]);
            let (nr, ni) = (pr[k] * sr - pi[k] * si, pr[k] * si + pi[k] * sr);
            pr[k] = nr;
            pi[k] = ni;
        }
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
    fn vector_path_matches_the_scalar_rotation_bit_for_bit() {
        let x: Vec<Complex<f32>> = (0..1000)
            .map(|n| Complex::new((n as f32 * 0.3).sin(), (n as f32 * 0.7).cos()))
            .collect();
        let (mut pr, mut pi) = ([1.0f32, 0.6, -0.2, 0.1], [0.0f32, 0.8, 0.97, -0.99]);
        let (mut qr, mut qi) = (pr, pi);
        let (sr, si) = (0.9f32, 0.43f32);
        let mut y = vec![Complex::new(0.0f32, 0.0); x.len()];
        rotate_quads(&x, &mut y, &mut pr, &mut pi, sr, si);
        for (xs, ys) in x.chunks_exact(4).zip(y.chunks_exact(4)) {
            for k in 0..4 {
                let want = xs[k] * Complex::new(qr[k], qi[k]);
                assert_eq!(ys[k], want);
                let p = Complex::new(qr[k], qi[k]) * Complex::new(sr, si);
                (qr[k], qi[k]) = (p.re, p.im);
            }
        }
        assert_eq!((pr, pi), (qr, qi));
    }
}
