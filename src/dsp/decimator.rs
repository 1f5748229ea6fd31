//! Streaming decimating FIR filter for complex samples.
//!
//! Output `j` is the filter applied to input samples `j·D .. j·D + N` (counting from the first
//! input ever pushed), so it describes the instant of input sample `j·D + (N − 1)/2`: no zero
//! history is invented and the timing of every output is exact.

use num_complex::Complex;

/// A decimate-by-`D` FIR filter that keeps its history between calls.
#[derive(Clone, Debug)]
pub struct Decimator {
    taps: Vec<f32>,
    factor: usize,
    buf: Vec<Complex<f32>>,
    pos: usize,
}

impl Decimator {
    /// A filter with the given taps (non-empty) keeping every `factor`-th output.
    pub fn new(taps: Vec<f32>, factor: usize) -> Self {
        let taps = if taps.is_empty() { vec![1.0] } else { taps };
        Decimator {
            taps,
            factor: factor.max(1),
            buf: Vec::new(),
            pos: 0,
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
        let n = self.taps.len();
        while self.pos + n <= self.buf.len() {
            out.push(dot(&self.buf[self.pos..self.pos + n], &self.taps));
            self.pos += self.factor;
        }
        let keep_from = self.pos.min(self.buf.len());
        self.buf.drain(..keep_from);
        self.pos -= keep_from;
    }
}

/// Σ x[i]·h[i] with eight independent accumulators, so the additions pipeline and vectorise.
#[inline]
fn dot(x: &[Complex<f32>], h: &[f32]) -> Complex<f32> {
    let mut acc = [0.0f32; 8];
    let xc = x.chunks_exact(4);
    let hc = h.chunks_exact(4);
    let (xr, hr) = (xc.remainder(), hc.remainder());
    for (xs, hs) in xc.zip(hc) {
        for k in 0..4 {
            acc[2 * k] += xs[k].re * hs[k];
            acc[2 * k + 1] += xs[k].im * hs[k];
        }
    }
    let mut re = acc[0] + acc[2] + acc[4] + acc[6];
    let mut im = acc[1] + acc[3] + acc[5] + acc[7];
    for (v, &c) in xr.iter().zip(hr) {
        re += v.re * c;
        im += v.im * c;
    }
    Complex::new(re, im)
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
}
