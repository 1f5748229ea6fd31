//! The replay server's virtual tuner: turns the recording into what a dongle tuned to the
//! client's frequency and sample rate would deliver.
//!
//! The recording covers `centre ± rate/2`. The client's band (`its centre ± 45 % of its rate`,
//! the part a dongle's own filters pass cleanly) overlaps it in some band [a, b] (or not at
//! all). That overlap is moved to 0 Hz at the recording's rate (a rotation, which cannot fold
//! anything into it), low-passed to its half-width and resampled to the client's rate in one
//! polyphase step, then moved to where the client expects it. The rest of the client's band
//! gets receiver noise at the recording's own noise density (and the recording dongle's DC
//! offset is taken out, since it would not follow the signal), so a band the recording does not
//! cover reads as an empty band, never as silence. A client asking for exactly the
//! recording's rate and centre gets the recorded samples unchanged.

use num_complex::Complex;

use super::noise::NoiseFill;
use super::resample::{Nco, Resampler};
use crate::report;

/// Fraction of a client's sample rate its band is taken to span (the edges are the dongle's
/// filter roll-off).
const CLIENT_BAND: f64 = 0.9;
/// Narrowest overlap worth serving, as a fraction of the recording's rate.
const MIN_OVERLAP: f64 = 0.02;

/// What a client asked the radio to do.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tuning {
    /// Sample rate, S/s.
    pub rate_hz: f64,
    /// Centre frequency, Hz.
    pub center_hz: f64,
}

/// The recording as the tuner sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Recording {
    /// Sample rate, S/s.
    pub rate_hz: f64,
    /// Centre frequency, Hz, when known (unknown: it is taken to be wherever the client tunes).
    pub center_hz: Option<f64>,
    /// Noise power over the recording's bandwidth, dBFS.
    pub noise_dbfs: f64,
    /// The recording dongle's DC offset: removed when the recording is moved (the client's
    /// own dongle has its DC at its own centre, not at the recorder's).
    pub dc: Complex<f32>,
}

impl Recording {
    /// Noise power per Hz.
    fn density(&self) -> f64 {
        10f64.powf(self.noise_dbfs / 10.0) / self.rate_hz
    }
}

enum Path {
    /// Same rate and centre: the recorded samples as they are.
    Identity,
    /// Part of the recording in the client's band.
    Shifted {
        pre: Nco,
        resampler: Box<Resampler>,
        post: Nco,
        fill: NoiseFill,
        scratch: Vec<Complex<f32>>,
    },
    /// Nothing of the recording in the client's band (or the recording is over): noise.
    NoiseOnly {
        fill: NoiseFill,
        /// Input samples consumed and output samples made, to keep time.
        consumed: u64,
        made: u64,
    },
}

/// The tuner for one setting; rebuilt when the client retunes.
pub struct FrontEnd {
    rec: Recording,
    tuning: Tuning,
    path: Path,
    summary: String,
}

impl FrontEnd {
    /// The tuner for `tuning`; `seed` makes its noise reproducible.
    pub fn new(rec: Recording, tuning: Tuning, seed: u64) -> FrontEnd {
        let center = rec.center_hz.unwrap_or(tuning.center_hz);
        let delta = center - tuning.center_hz; // recording frame → client frame
        let same_rate = (rec.rate_hz - tuning.rate_hz).abs() < 0.5;
        if same_rate && delta.abs() < 0.5 {
            return FrontEnd {
                rec,
                tuning,
                path: Path::Identity,
                summary: format!(
                    "the recording as it is ({} at {})",
                    report::rate(rec.rate_hz),
                    report::mhz(center)
                ),
            };
        }
        let half_client = CLIENT_BAND * tuning.rate_hz / 2.0;
        let a = (-rec.rate_hz / 2.0).max(-delta - half_client);
        let b = (rec.rate_hz / 2.0).min(-delta + half_client);
        let span = format!(
            "{}–{}",
            report::mhz(center - rec.rate_hz / 2.0),
            report::mhz(center + rec.rate_hz / 2.0)
        );
        let seed = seed ^ (tuning.center_hz as u64).rotate_left(17) ^ tuning.rate_hz as u64;
        if b - a < MIN_OVERLAP * rec.rate_hz {
            let fill = NoiseFill::new(tuning.rate_hz, rec.density(), None, 0.0, seed);
            return FrontEnd {
                rec,
                tuning,
                path: Path::NoiseOnly {
                    fill,
                    consumed: 0,
                    made: 0,
                },
                summary: format!(
                    "noise at the recording's floor ({:.1} dBFS per {}): the recording \
                     ({span}) is outside {}–{}",
                    rec.noise_dbfs,
                    report::rate(rec.rate_hz),
                    report::mhz(tuning.center_hz - half_client),
                    report::mhz(tuning.center_hz + half_client)
                ),
            };
        }
        let f0 = (a + b) / 2.0;
        let half_w = (b - a) / 2.0;
        let resampler = Resampler::new(rec.rate_hz, tuning.rate_hz, half_w);
        // The resampler's transition band is about a fifth of its cutoff wide.
        let ramp = 0.2 * half_w;
        let gap = (a + delta, b + delta);
        let fill = NoiseFill::new(tuning.rate_hz, rec.density(), Some(gap), ramp, seed);
        let whole = a <= -rec.rate_hz / 2.0 + 1.0 && b >= rec.rate_hz / 2.0 - 1.0;
        let summary = format!(
            "{} of the recording ({span}){}, resampled {} → {} ({} taps), shifted {:+.1} kHz; \
             noise at the recording's floor elsewhere",
            if whole { "all" } else { "part" },
            if whole {
                String::new()
            } else {
                format!(": {}–{}", report::mhz(center + a), report::mhz(center + b))
            },
            report::rate(rec.rate_hz),
            report::rate(tuning.rate_hz),
            resampler.taps(),
            delta / 1e3
        );
        FrontEnd {
            rec,
            tuning,
            path: Path::Shifted {
                pre: Nco::new(-f0, rec.rate_hz),
                resampler: Box::new(resampler),
                post: Nco::new(f0 + delta, tuning.rate_hz),
                fill,
                scratch: Vec::new(),
            },
            summary,
        }
    }

    /// The recording has ended: from now on only noise comes out.
    pub fn end_of_recording(&mut self, seed: u64) {
        let fill = NoiseFill::new(self.tuning.rate_hz, self.rec.density(), None, 0.0, seed);
        self.path = Path::NoiseOnly {
            fill,
            consumed: 0,
            made: 0,
        };
        self.summary = format!(
            "noise at the recording's floor ({:.1} dBFS per {})",
            self.rec.noise_dbfs,
            report::rate(self.rec.rate_hz)
        );
    }

    /// What the tuner delivers, in words.
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// The setting it was built for.
    pub fn tuning(&self) -> Tuning {
        self.tuning
    }

    /// Recording samples needed for about `out_samples` output samples.
    pub fn input_for(&self, out_samples: usize) -> usize {
        ((out_samples as f64 * self.rec.rate_hz / self.tuning.rate_hz).ceil() as usize).max(1)
    }

    /// Turns recording samples into client samples, appended to `out`.
    pub fn process(&mut self, input: &[Complex<f32>], out: &mut Vec<Complex<f32>>) {
        match &mut self.path {
            Path::Identity => out.extend_from_slice(input),
            Path::Shifted {
                pre,
                resampler,
                post,
                fill,
                scratch,
            } => {
                scratch.clear();
                let dc = self.rec.dc;
                scratch.extend(input.iter().map(|s| s - dc));
                pre.mix(scratch);
                let start = out.len();
                resampler.process(scratch, out);
                post.mix(&mut out[start..]);
                fill.add_to(&mut out[start..]);
            }
            Path::NoiseOnly {
                fill,
                consumed,
                made,
            } => {
                *consumed += input.len() as u64;
                let due = (*consumed as f64 * self.tuning.rate_hz / self.rec.rate_hz) as u64;
                let n = due.saturating_sub(*made) as usize;
                *made += n as u64;
                let start = out.len();
                out.resize(start + n, Complex::new(0.0, 0.0));
                fill.add_to(&mut out[start..]);
            }
        }
    }

    /// Appends `n` samples of what the client hears with no recording behind it.
    pub fn idle(&mut self, n: usize, out: &mut Vec<Complex<f32>>) {
        let start = out.len();
        out.resize(start + n, Complex::new(0.0, 0.0));
        match &mut self.path {
            Path::NoiseOnly { fill, .. } | Path::Shifted { fill, .. } => {
                fill.add_to(&mut out[start..]);
            }
            Path::Identity => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustfft::FftPlanner;

    const REC: Recording = Recording {
        rate_hz: 250e3,
        center_hz: Some(315e6),
        noise_dbfs: -40.0,
        dc: Complex::new(0.0, 0.0),
    };

    /// A recording: a tone at +18 kHz over white noise of the given level.
    fn recording(n: usize) -> Vec<Complex<f32>> {
        let mut noise = NoiseFill::new(250e3, REC.density(), None, 0.0, 9);
        let mut x: Vec<Complex<f32>> = (0..n)
            .map(|k| {
                let p = 2.0 * std::f64::consts::PI * 18e3 * k as f64 / 250e3;
                Complex::new(p.cos() as f32, p.sin() as f32) * 0.2
            })
            .collect();
        noise.add_to(&mut x);
        x
    }

    /// The strongest frequency in `y` (Hz relative to centre) and the median bin power.
    fn peak_and_floor(y: &[Complex<f32>], rate: f64) -> (f64, f64) {
        let n = 8192;
        let fft = FftPlanner::new().plan_fft_forward(n);
        let mut acc = vec![0.0f64; n];
        let frames = y.len() / n - 1;
        for c in y.chunks_exact(n).skip(1) {
            let mut b = c.to_vec();
            fft.process(&mut b);
            for (a, v) in acc.iter_mut().zip(&b) {
                *a += v.norm_sqr() as f64 / frames as f64;
            }
        }
        let (k, _) = acc
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap();
        let f = if k < n / 2 {
            k as f64
        } else {
            k as f64 - n as f64
        } * rate
            / n as f64;
        let mut sorted = acc.clone();
        sorted.sort_by(f64::total_cmp);
        (f, sorted[n / 2])
    }

    fn run(t: Tuning) -> (FrontEnd, Vec<Complex<f32>>) {
        let mut fe = FrontEnd::new(REC, t, 1);
        let x = recording(250_000);
        let mut y = Vec::new();
        for c in x.chunks(10_000) {
            fe.process(c, &mut y);
        }
        (fe, y)
    }

    #[test]
    fn identity_when_nothing_changes() {
        let (fe, y) = run(Tuning {
            rate_hz: 250e3,
            center_hz: 315e6,
        });
        assert_eq!(y, recording(250_000));
        assert!(fe.summary().contains("as it is"), "{}", fe.summary());
    }

    #[test]
    fn the_carrier_lands_where_the_client_expects_it_at_several_rates() {
        for (rate, center) in [(1.024e6, 315e6), (2.4e6, 314.5e6), (1.024e6, 315.3e6)] {
            let (fe, y) = run(Tuning {
                rate_hz: rate,
                center_hz: center,
            });
            let expect_len = 250_000.0 * rate / 250e3;
            assert!((y.len() as f64 - expect_len).abs() < 400.0, "{}", y.len());
            let (f, floor) = peak_and_floor(&y, rate);
            let want = 315.018e6 - center;
            assert!(
                (f - want).abs() <= rate / 8192.0,
                "{rate} {center}: {f} vs {want}"
            );
            // The noise floor is the same density as the recording's everywhere in the band.
            let bin_hz = rate / 8192.0;
            let expect_floor = REC.density() * bin_hz * 8192.0 * 8192.0;
            let ratio_db = 10.0 * (floor / expect_floor).log10();
            assert!(
                ratio_db.abs() < 1.5,
                "{rate}: floor off by {ratio_db:.2} dB"
            );
            assert!(fe.summary().contains("resampled"), "{}", fe.summary());
        }
    }

    #[test]
    fn outside_the_recording_only_noise_at_its_floor() {
        let (fe, y) = run(Tuning {
            rate_hz: 1.024e6,
            center_hz: 313.9596e6,
        });
        assert!(fe.summary().contains("outside"), "{}", fe.summary());
        assert!((y.len() as i64 - 1_024_000).abs() <= 1);
        let p: f64 = y.iter().map(|s| s.norm_sqr() as f64).sum::<f64>() / y.len() as f64;
        let expect = REC.density() * 1.024e6;
        assert!((10.0 * (p / expect).log10()).abs() < 0.3, "{p} vs {expect}");
    }

    #[test]
    fn the_recorders_dc_offset_does_not_follow_the_signal() {
        let rec = Recording {
            dc: Complex::new(0.05, -0.03),
            ..REC
        };
        let mut fe = FrontEnd::new(
            rec,
            Tuning {
                rate_hz: 1.024e6,
                center_hz: 315.1e6,
            },
            1,
        );
        let x: Vec<Complex<f32>> = recording(250_000).iter().map(|s| s + rec.dc).collect();
        let mut y = Vec::new();
        fe.process(&x, &mut y);
        // The recorder's DC would land at -100 kHz; the tone (at -82 kHz) is still the peak,
        // and the bin at -100 kHz holds only noise.
        let (f, floor) = peak_and_floor(&y, 1.024e6);
        assert!((f + 82e3).abs() <= 1.024e6 / 8192.0, "{f}");
        let n = 8192;
        let k = n - (100e3 / (1.024e6 / n as f64)).round() as usize;
        let fft = FftPlanner::new().plan_fft_forward(n);
        let mut b = y[n..2 * n].to_vec();
        fft.process(&mut b);
        let spur = b[k].norm_sqr() as f64;
        assert!(spur < 30.0 * floor, "DC spur {spur} over floor {floor}");
    }
}
