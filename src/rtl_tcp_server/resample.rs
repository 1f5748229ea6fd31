//! A polyphase resampler for complex baseband: any ratio of two integer sample rates, with a
//! Kaiser-windowed sinc low-pass whose cutoff is chosen by the caller (the band to keep).
//!
//! Output sample k sits at input time k·M/L (L/M = output rate / input rate, reduced). When
//! L is small enough its phases are tabulated exactly (L phases: 250 kS/s to 1.024 MS/s is
//! 512/125, to 2.4 MS/s is 48/5); otherwise the nearest of [`MAX_PHASES`] phases is used, a
//! timing error under 1/8192 of an input sample (below the 8-bit output's own noise).
//! Design of the window: J. F. Kaiser, "Nonrecursive digital filter design using the I0-sinh
//! window function", Proc. IEEE ISCAS 1974 (β and length from the stopband attenuation).

use num_complex::Complex;

/// Largest number of tabulated phases.
pub const MAX_PHASES: usize = 4096;
/// Zero crossings of the sinc on each side of the centre: sets the transition band, about
/// a fifth of the cutoff wide with [`STOPBAND_DB`].
const ZERO_CROSSINGS: f64 = 24.0;
/// Stopband attenuation of the Kaiser window, dB.
const STOPBAND_DB: f64 = 80.0;
/// Largest table, coefficients (16 MB of f32): a narrow cutoff gets fewer phases instead.
const MAX_TABLE: usize = 4 << 20;
/// Input samples kept before the buffer is compacted.
const COMPACT_AT: usize = 1 << 14;

/// Greatest common divisor.
fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Modified Bessel function of the first kind, order 0 (power series; converges fast for the
/// β values used here).
fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term, q) = (1.0, 1.0, x * x / 4.0);
    for k in 1..64 {
        term *= q / (k * k) as f64;
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// Kaiser's β for a stopband attenuation in dB.
fn kaiser_beta(atten_db: f64) -> f64 {
    if atten_db > 50.0 {
        0.1102 * (atten_db - 8.7)
    } else if atten_db >= 21.0 {
        0.5842 * (atten_db - 21.0).powf(0.4) + 0.07886 * (atten_db - 21.0)
    } else {
        0.0
    }
}

/// Converts a stream of complex samples from one integer rate to another.
pub struct Resampler {
    taps: usize,
    phases: usize,
    /// `phases + 1` rows of `taps` coefficients (the last row is the first shifted by one).
    table: Vec<f32>,
    up: u64,
    down: u64,
    buf: Vec<Complex<f32>>,
    /// Index in `buf` of the first tap of the next output.
    pos: usize,
    /// Phase of the next output, in units of 1/`up` input sample.
    rem: u64,
}

impl Resampler {
    /// A resampler from `in_rate` to `out_rate` S/s keeping `|f| < cutoff_hz` (the input
    /// must already be centred on the band to keep). Rates are rounded to whole S/s.
    pub fn new(in_rate: f64, out_rate: f64, cutoff_hz: f64) -> Resampler {
        let (i, o) = (
            in_rate.round().max(1.0) as u64,
            out_rate.round().max(1.0) as u64,
        );
        let g = gcd(i, o);
        let (up, down) = (o / g, i / g);
        // Cutoff in cycles per input sample, no higher than the input's Nyquist.
        let fc = (cutoff_hz / in_rate).clamp(1e-4, 0.5);
        let half = (ZERO_CROSSINGS / (2.0 * fc)).ceil() as usize;
        let taps = 2 * half.max(2);
        let mut phases = if up as usize <= MAX_PHASES {
            up as usize
        } else {
            MAX_PHASES
        };
        while phases > 1 && (phases + 1) * taps > MAX_TABLE {
            phases /= 2;
        }
        let beta = kaiser_beta(STOPBAND_DB);
        let i0b = bessel_i0(beta);
        let h = |s: f64| -> f64 {
            let r = s / (taps as f64 / 2.0);
            if r.abs() >= 1.0 {
                return 0.0;
            }
            let x = 2.0 * fc * s;
            let sinc = if x.abs() < 1e-12 {
                1.0
            } else {
                (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
            };
            2.0 * fc * sinc * bessel_i0(beta * (1.0 - r * r).sqrt()) / i0b
        };
        let mut table = vec![0.0f32; (phases + 1) * taps];
        for p in 0..=phases {
            let frac = p as f64 / phases as f64;
            let row = &mut table[p * taps..(p + 1) * taps];
            let mut sum = 0.0;
            let mut vals = vec![0.0f64; taps];
            for (j, v) in vals.iter_mut().enumerate() {
                *v = h(frac + (half as f64 - 1.0) - j as f64);
                sum += *v;
            }
            // Unity gain at DC for every phase: no ripple in level from phase to phase.
            for (c, v) in row.iter_mut().zip(&vals) {
                *c = (v / sum) as f32;
            }
        }
        let mut buf = Vec::with_capacity(COMPACT_AT * 2);
        // History of zeros so that the first output is the first input's instant.
        buf.resize(half - 1, Complex::new(0.0, 0.0));
        Resampler {
            taps,
            phases,
            table,
            up,
            down,
            buf,
            pos: 0,
            rem: 0,
        }
    }

    /// Coefficients per output sample.
    pub fn taps(&self) -> usize {
        self.taps
    }

    /// The ratio as (L, M): L output samples for M input samples.
    pub fn ratio(&self) -> (u64, u64) {
        (self.up, self.down)
    }

    /// Feeds input samples and appends every output sample they complete to `out`.
    pub fn process(&mut self, input: &[Complex<f32>], out: &mut Vec<Complex<f32>>) {
        self.buf.extend_from_slice(input);
        let taps = self.taps;
        while self.pos + taps <= self.buf.len() {
            let phase = if self.phases as u64 == self.up {
                self.rem as usize
            } else {
                ((self.rem as u128 * self.phases as u128 + self.up as u128 / 2) / self.up as u128)
                    as usize
            };
            let row = &self.table[phase * taps..(phase + 1) * taps];
            let x = &self.buf[self.pos..self.pos + taps];
            let (mut re, mut im) = (0.0f32, 0.0f32);
            for (c, s) in row.iter().zip(x) {
                re += c * s.re;
                im += c * s.im;
            }
            out.push(Complex::new(re, im));
            self.rem += self.down;
            self.pos += (self.rem / self.up) as usize;
            self.rem %= self.up;
        }
        if self.pos >= COMPACT_AT {
            let drop = self.pos.min(self.buf.len());
            self.buf.drain(..drop);
            self.pos -= drop;
        }
    }
}

/// A numerically controlled oscillator: multiplies samples by e^{j·2π·f·n/rate}, phase kept
/// continuous across calls.
pub struct Nco {
    step: Complex<f64>,
    rot: Complex<f64>,
    count: u32,
}

impl Nco {
    /// An oscillator at `freq_hz` for samples at `rate_hz`.
    pub fn new(freq_hz: f64, rate_hz: f64) -> Nco {
        let w = 2.0 * std::f64::consts::PI * freq_hz / rate_hz;
        Nco {
            step: Complex::new(w.cos(), w.sin()),
            rot: Complex::new(1.0, 0.0),
            count: 0,
        }
    }

    /// Mixes `samples` in place.
    pub fn mix(&mut self, samples: &mut [Complex<f32>]) {
        for s in samples {
            let r = Complex::new(self.rot.re as f32, self.rot.im as f32);
            *s *= r;
            self.rot *= self.step;
            self.count += 1;
            if self.count == 1024 {
                // Keep the magnitude at 1 against rounding drift.
                self.rot /= self.rot.norm();
                self.count = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(f: f64, rate: f64, n: usize) -> Vec<Complex<f32>> {
        (0..n)
            .map(|k| {
                let p = 2.0 * std::f64::consts::PI * f * k as f64 / rate;
                Complex::new(p.cos() as f32, p.sin() as f32) * 0.5
            })
            .collect()
    }

    /// Largest deviation of `y` from an ideal tone of frequency `f` at `rate`, after the
    /// filter's start-up (its phase is fitted from the middle sample).
    fn error_vs_tone(y: &[Complex<f32>], f: f64, rate: f64, skip: usize) -> f64 {
        let mid = y.len() / 2;
        let p = 2.0 * std::f64::consts::PI * f * mid as f64 / rate;
        let rot = y[mid] / Complex::new(p.cos() as f32, p.sin() as f32);
        let mut worst = 0.0f64;
        for (k, s) in y.iter().enumerate().skip(skip).take(y.len() - 2 * skip) {
            let p = 2.0 * std::f64::consts::PI * f * k as f64 / rate;
            let ideal = rot * Complex::new(p.cos() as f32, p.sin() as f32);
            worst = worst.max((s - ideal).norm() as f64);
        }
        worst
    }

    #[test]
    fn tones_keep_frequency_and_level_at_several_ratios() {
        for (rin, rout, f) in [
            (250e3, 1.024e6, 18e3),
            (250e3, 2.4e6, -60e3),
            (250e3, 2.048e6, 90e3),
            (2.4e6, 250e3, 40e3),
            (250e3, 1_000_003.0, 25e3),
        ] {
            let x = tone(f, rin, 40_000);
            let mut r = Resampler::new(rin, rout, 0.45 * rin.min(rout));
            let mut y = Vec::new();
            for chunk in x.chunks(3001) {
                r.process(chunk, &mut y);
            }
            let expect = (x.len() as f64 * rout / rin) as usize;
            assert!(
                (y.len() as f64 - expect as f64).abs() <= r.taps() as f64 * (rout / rin).max(1.0),
                "{rin}->{rout}: {} outputs, expected about {expect}",
                y.len()
            );
            let err = error_vs_tone(&y, f, rout, (r.taps() as f64 * rout / rin) as usize + 8);
            // The tone has magnitude 0.5; the error stays below -60 dB of it.
            assert!(err < 0.5e-3, "{rin}->{rout} at {f}: error {err}");
        }
    }

    #[test]
    fn out_of_band_content_is_removed() {
        // Keep ±20 kHz of a 250 kS/s stream while going to 1.024 MS/s: a tone at 80 kHz is gone.
        let x = tone(80e3, 250e3, 50_000);
        let mut r = Resampler::new(250e3, 1.024e6, 20e3);
        let mut y = Vec::new();
        r.process(&x, &mut y);
        let tail = &y[y.len() / 4..];
        let p: f64 = tail.iter().map(|s| s.norm_sqr() as f64).sum::<f64>() / tail.len() as f64;
        assert!(
            10.0 * p.log10() < -6.0 - 70.0,
            "leak {} dB",
            10.0 * p.log10()
        );
    }

    #[test]
    fn nco_shifts_a_tone() {
        let mut x = tone(10e3, 250e3, 10_000);
        Nco::new(5e3, 250e3).mix(&mut x);
        assert!(error_vs_tone(&x, 15e3, 250e3, 0) < 1e-4);
    }
}
