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
        out.reserve(input.len());
        for chunk in input.chunks(1024) {
            // Within a chunk the rotation runs in f32 from an exact f64 start.
            // Four interleaved phasors, each stepping by four samples, so the multiplications
            // do not wait on one another.
            let mut p = [Complex::new(0.0f32, 0.0); 4];
            let mut q = self.phasor;
            for v in p.iter_mut() {
                *v = Complex::new(q.re as f32, q.im as f32);
                q *= self.step;
            }
            let s4 = self.step.powu(4);
            let s4 = Complex::new(s4.re as f32, s4.im as f32);
            let quads = chunk.chunks_exact(4);
            let rest = quads.remainder();
            for xs in quads {
                for k in 0..4 {
                    out.push(xs[k] * p[k]);
                    p[k] *= s4;
                }
            }
            for (k, &x) in rest.iter().enumerate() {
                out.push(x * p[k]);
            }
            self.phasor *= self.step.powu(chunk.len() as u32);
            let n = self.phasor.norm();
            if n > 0.0 {
                self.phasor /= n;
            }
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
}
