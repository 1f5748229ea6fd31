//! The demodulation channel: the region shifted to 0 Hz, low-pass filtered and decimated in
//! two stages.

use num_complex::Complex;

use crate::dsp::decimator::Decimator;
use crate::dsp::fir;
use crate::dsp::nco::Nco;

/// The demodulation channel: shifted, low-pass filtered and decimated samples.
pub(super) struct Channel {
    pub(super) y: Vec<Complex<f32>>,
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
        let mut mixed = Vec::with_capacity(x.len());
        Nco::new(f_mix, fs).mix_into(x, &mut mixed);
        if fc >= 0.4 * fs {
            return Channel {
                y: mixed,
                fs_d: fs,
                d2: 1,
                delay: 0.0,
                enbw: fs,
            };
        }
        let (stage_a, fs_d) = if d2 > 1 {
            let taps = fir::lowpass(fs, 4.0 * fc, fir::blackman_taps(fs, 5.0 * fc, 1025));
            let mut dec = Decimator::new(taps, d2);
            let mut y = Vec::with_capacity(mixed.len() / d2 + 1);
            dec.process(&mixed, &mut y);
            // The full-rate samples are not needed any more.
            drop(mixed);
            ((y, dec.delay()), fs / d2 as f64)
        } else {
            ((mixed, 0.0), fs)
        };
        let taps = fir::lowpass(fs_d, fc, fir::blackman_taps(fs_d, 0.5 * fc, 4095));
        let enbw = fir::noise_bandwidth(fs_d, &taps);
        let mut dec = Decimator::new(taps, 1);
        let mut y = Vec::with_capacity(stage_a.0.len());
        dec.process(&stage_a.0, &mut y);
        let delay_a = stage_a.1;
        drop(stage_a);
        Channel {
            y,
            fs_d,
            d2,
            delay: delay_a + dec.delay() * d2 as f64,
            enbw,
        }
    }

    pub(super) fn power(&self) -> Vec<f32> {
        self.y.iter().map(|v| v.norm_sqr()).collect()
    }
}
