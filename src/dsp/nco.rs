//! Numerically controlled oscillator: shifts a complex signal in frequency.
//!
//! The oscillator is a unit phasor rotated by a fixed step every sample, kept in `f64` and
//! renormalised every block so its amplitude cannot drift over a long burst. The per-sample
//! rotation is plain Rust compiled for several instruction sets by `multiversion`, which picks
//! one at run time (see [`rotate`]).

use multiversion::multiversion;
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
pub(crate) const CHUNK: usize = 1024;

/// Phasors rotated side by side.
const WIDTH: usize = 16;

/// For every group of [`WIDTH`] samples: `y[Wm + k] = x[Wm + k] · p[k]`, then `p[k] *= s`
/// (lengths equal, a multiple of `WIDTH`). Plain Rust the compiler vectorises, compiled for
/// the baseline (SSE2 on x86_64), AVX and AVX-512F by `multiversion` and picked at run time.
/// Every version does the same operations on each lane in the same order, without fused
/// multiply-adds, so all give the same bits.
#[multiversion(targets("x86_64+avx512f", "x86_64+avx2", "x86_64+avx"))]
fn rotate(
    x: &[Complex<f32>],
    y: &mut [Complex<f32>],
    pr: &mut [f32; WIDTH],
    pi: &mut [f32; WIDTH],
    sr: f32,
    si: f32,
) {
    assert!(x.len() == y.len() && x.len().is_multiple_of(WIDTH));
    let (mut r, mut i) = (*pr, *pi);
    for (xs, ys) in x
        .as_chunks::<WIDTH>()
        .0
        .iter()
        .zip(y.as_chunks_mut::<WIDTH>().0)
    {
        let xr: [f32; WIDTH] = std::array::from_fn(|k| xs[k].re);
        let xi: [f32; WIDTH] = std::array::from_fn(|k| xs[k].im);
        let yr: [f32; WIDTH] = std::array::from_fn(|k| xr[k] * r[k] - xi[k] * i[k]);
        let yi: [f32; WIDTH] = std::array::from_fn(|k| xr[k] * i[k] + xi[k] * r[k]);
        for k in 0..WIDTH {
            ys[k] = Complex::new(yr[k], yi[k]);
        }
        let nr: [f32; WIDTH] = std::array::from_fn(|k| r[k] * sr - i[k] * si);
        let ni: [f32; WIDTH] = std::array::from_fn(|k| r[k] * si + i[k] * sr);
        (r, i) = (nr, ni);
    }
    (*pr, *pi) = (r, i);
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
        let want = run(&|x, y, pr, pi| rotate(x, y, pr, pi, sr, si));
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
    }
}
