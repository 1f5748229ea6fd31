//! The demodulation channel: the region shifted to 0 Hz, low-pass filtered and decimated in
//! two stages.
//!
//! The mixer writes straight into the first filter's history a piece at a time, so the burst
//! is never held a second time at its full rate.

use num_complex::Complex;

use super::approx;
use super::scratch::{Buf, Pooled};
use crate::dsp::decimator::Decimator;
use crate::dsp::fir;
use crate::dsp::nco::{self, Nco};

/// Samples mixed into a filter at a time: whole chunks of the mixer, so the mixing gives the
/// same bits as one pass over the burst.
const PIECE: usize = 64 * nco::CHUNK;

/// The demodulation channel: shifted, low-pass filtered and decimated samples.
pub(super) struct Channel {
    pub(super) y: Buf<Complex<f32>>,
    pub(super) fs_d: f64,
    pub(super) d2: usize,
    pub(super) delay: f64,
    pub(super) enbw: f64,
}

impl Channel {
    /// Two stages: a short anti-alias filter decimating by `d2` (flat to 1.5 × the cut-off,
    /// stop band from 6.5 × the cut-off, where the output rate folds onto the band of the second
    /// stage), then the sharp Blackman low-pass at the low rate.
    pub(super) fn new(x: &[Complex<f32>], fs: f64, f_mix: f64, fc: f64) -> Self {
        let d2 = ((fs / (8.0 * fc)).floor() as usize).max(1);
        let mut nco = Nco::new(f_mix, fs);
        if fc >= 0.4 * fs {
            let mut mixed = Buf::with_capacity(x.len());
            nco.mix_into(x, &mut mixed);
            return Channel {
                y: mixed,
                fs_d: fs,
                d2: 1,
                delay: 0.0,
                enbw: fs,
            };
        }
        let fs_d = fs / d2 as f64;
        let taps = fir::lowpass(fs_d, fc, fir::blackman_taps(fs_d, 0.5 * fc, 4095));
        let enbw = fir::noise_bandwidth(fs_d, &taps);
        let mut dec = Decimator::new(taps, 1);
        let mut y = Buf::with_capacity(x.len() / d2 + 1);
        let delay_a = if d2 > 1 {
            let taps = fir::lowpass(fs, 4.0 * fc, fir::blackman_taps(fs, 5.0 * fc, 1025));
            let mut dec_a = Decimator::new(taps, d2);
            let mut a = Buf::<Complex<f32>>::with_capacity(x.len() / d2 + 1);
            mix_through(&mut nco, x, &mut dec_a, &mut a);
            // In pieces too: the filter copies its input into its history.
            for piece in a.chunks(PIECE) {
                dec.process(piece, &mut y);
            }
            dec_a.delay()
        } else {
            mix_through(&mut nco, x, &mut dec, &mut y);
            0.0
        };
        Channel {
            y,
            fs_d,
            d2,
            delay: delay_a + dec.delay() * d2 as f64,
            enbw,
        }
    }

    /// The power `|y|²` and the instantaneous frequency (Hz, [`approx::discriminate`]) of the
    /// channel, in place of its samples: the power is written over their memory, so the two
    /// never take more room than the samples and the frequency.
    pub(super) fn envelope(&mut self) -> (Buf<f32>, Buf<f32>) {
        let y = std::mem::replace(&mut self.y, Buf::empty()).into_vec();
        let n = y.len();
        let mut freq = Buf::with_capacity(n);
        freq.resize(n, 0.0f32);
        let to_hz = (self.fs_d / (2.0 * std::f64::consts::PI)) as f32;
        approx::discriminate(&y, to_hz, &mut freq);
        let mut flat = Pooled::into_floats(y);
        // Sample `i` is read (floats 2i, 2i + 1) before float `i <= 2i` is written.
        for i in 0..n {
            let (re, im) = (flat[2 * i], flat[2 * i + 1]);
            flat[i] = re * re + im * im;
        }
        flat.truncate(n);
        flat.shrink_to_fit();
        (Buf::from_vec(flat), freq)
    }
}

/// Filters `x` shifted by `nco` through `dec`, appending the outputs to `out`.
fn mix_through(
    nco: &mut Nco,
    x: &[Complex<f32>],
    dec: &mut Decimator,
    out: &mut Vec<Complex<f32>>,
) {
    for piece in x.chunks(PIECE) {
        dec.process_with(piece.len(), |dst| nco.mix(piece, dst), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The channel built piece by piece is the channel of the whole burst mixed at once.
    #[test]
    fn mixing_in_pieces_gives_the_same_channel() {
        let fs = 250_000.0;
        let x: Vec<Complex<f32>> = (0..PIECE * 2 + 777)
            .map(|k| {
                let ph = 2.0 * std::f64::consts::PI * 31_000.0 * k as f64 / fs;
                Complex::new(ph.cos() as f32, ph.sin() as f32 * 0.5)
            })
            .collect();
        for fc in [5_000.0, 20_000.0, 40_000.0] {
            let ch = Channel::new(&x, fs, 30_000.0, fc);
            let d2 = ((fs / (8.0 * fc)).floor() as usize).max(1);
            let mut mixed = Vec::new();
            Nco::new(30_000.0, fs).mix_into(&x, &mut mixed);
            let mut a = mixed.clone();
            if d2 > 1 {
                let taps = fir::lowpass(fs, 4.0 * fc, fir::blackman_taps(fs, 5.0 * fc, 1025));
                a.clear();
                Decimator::new(taps, d2).process(&mixed, &mut a);
            }
            let fs_d = fs / d2 as f64;
            let taps = fir::lowpass(fs_d, fc, fir::blackman_taps(fs_d, 0.5 * fc, 4095));
            let mut y = Vec::new();
            Decimator::new(taps, 1).process(&a, &mut y);
            assert_eq!(ch.d2, d2);
            assert_eq!(*ch.y, y, "fc {fc}");
        }
    }

    /// The envelope in place is the power and the discriminator of the samples.
    #[test]
    fn the_envelope_is_the_power_and_the_frequency() {
        let fs = 250_000.0;
        let x: Vec<Complex<f32>> = (0..5_000)
            .map(|k| {
                let ph = 2.0 * std::f64::consts::PI * 11_000.0 * k as f64 / fs;
                Complex::new(ph.cos() as f32, (1.3 * ph.sin()) as f32)
            })
            .collect();
        let mut ch = Channel::new(&x, fs, 1_000.0, 20_000.0);
        let y = ch.y.clone();
        let (power, freq) = ch.envelope();
        let want: Vec<f32> = y.iter().map(|v| v.norm_sqr()).collect();
        assert_eq!(*power, want);
        let mut f = vec![0.0f32; y.len()];
        approx::discriminate(&y, (ch.fs_d / (2.0 * std::f64::consts::PI)) as f32, &mut f);
        assert_eq!(*freq, f);
        assert!(ch.y.is_empty());
    }
}
