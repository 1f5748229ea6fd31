//! Whole-recording statistics, accumulated block by block in constant memory: sample count,
//! DC offset, RMS and peak level, clipping, and a robust noise-level estimate.
//!
//! Levels are in dBFS with full scale = magnitude 1.0 (a full-scale complex tone reads 0 dBFS;
//! a sample with both I and Q at their rails, as clipped cu8 data has, reads +3 dBFS).
//! The noise level is a low percentile (10 %) of the mean power of short blocks, each block's
//! own mean removed first so a DC offset does not pass for noise; the block powers go into a
//! fixed histogram in dB, so memory does not grow with the recording.

use num_complex::Complex;
use serde::Serialize;

use super::SampleFormat;

/// Samples per short block for the noise estimate.
pub const NOISE_BLOCK: usize = 256;
/// Histogram floor, dBFS (quieter blocks are counted in the lowest bin).
const HIST_MIN_DB: f64 = -200.0;
/// Histogram resolution, dB per bin.
const HIST_STEP_DB: f64 = 0.1;
/// Histogram bins: -200 dBFS to +20 dBFS.
const HIST_BINS: usize = 2200;
/// Which percentile of block powers is taken for the noise level.
const NOISE_PERCENTILE: f64 = 0.10;

/// Final figures for a recording.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    /// Complex samples seen.
    pub samples: u64,
    /// Mean of I (DC offset), full scale = 1.0.
    pub dc_i: f64,
    /// Mean of Q (DC offset), full scale = 1.0.
    pub dc_q: f64,
    /// Mean power, dBFS (`None` for no samples or digital silence).
    pub rms_dbfs: Option<f64>,
    /// Largest instantaneous power, dBFS.
    pub peak_dbfs: Option<f64>,
    /// Percentage of samples with I or Q at the format's limits.
    pub clipped_percent: f64,
    /// Robust noise level, dBFS (`None` when shorter than one noise block).
    pub noise_dbfs: Option<f64>,
}

/// Streaming accumulator; feed it blocks with [`StatsAccumulator::add`].
#[derive(Clone, Debug)]
pub struct StatsAccumulator {
    lo: f32,
    hi: f32,
    samples: u64,
    sum_i: f64,
    sum_q: f64,
    sum_pow: f64,
    peak_pow: f32,
    clipped: u64,
    // Current short block.
    blk_n: usize,
    blk_i: f64,
    blk_q: f64,
    blk_pow: f64,
    hist: Vec<u64>,
    hist_total: u64,
}

fn db(p: f64) -> Option<f64> {
    (p > 0.0).then(|| 10.0 * p.log10())
}

impl StatsAccumulator {
    /// A fresh accumulator for samples decoded from `format`, whose integer rails define
    /// clipping (cu8 0/255, cs8 −128/127, cs16 −32768/32767; |x| ≥ 1.0 for floats).
    pub fn new(format: SampleFormat) -> Self {
        let (lo, hi) = match format {
            SampleFormat::Cu8 | SampleFormat::Cu16 | SampleFormat::Cf32 => (-1.0, 1.0),
            SampleFormat::Cs8 => (-1.0, 127.0 / 128.0),
            SampleFormat::Cs16 => (-1.0, 32767.0 / 32768.0),
        };
        StatsAccumulator {
            lo,
            hi,
            samples: 0,
            sum_i: 0.0,
            sum_q: 0.0,
            sum_pow: 0.0,
            peak_pow: 0.0,
            clipped: 0,
            blk_n: 0,
            blk_i: 0.0,
            blk_q: 0.0,
            blk_pow: 0.0,
            hist: vec![0; HIST_BINS],
            hist_total: 0,
        }
    }

    /// Adds a block of samples.
    pub fn add(&mut self, block: &[Complex<f32>]) {
        let (lo, hi) = (self.lo, self.hi);
        let mut rest = block;
        while !rest.is_empty() {
            let take = (NOISE_BLOCK - self.blk_n).min(rest.len());
            let (chunk, tail) = rest.split_at(take);
            rest = tail;
            // Sums in f32 over at most NOISE_BLOCK samples, then f64: fast and accurate
            // enough. Eight independent lanes let the compiler vectorise the loop.
            const L: usize = 8;
            let (mut si, mut sq, mut sp, mut pkl) =
                ([0.0f32; L], [0.0f32; L], [0.0f32; L], [0.0f32; L]);
            let mut cl = [0u32; L];
            let mut lanes = chunk.chunks_exact(L);
            for c in &mut lanes {
                for l in 0..L {
                    let (re, im) = (c[l].re, c[l].im);
                    let p = re * re + im * im;
                    si[l] += re;
                    sq[l] += im;
                    sp[l] += p;
                    pkl[l] = if p > pkl[l] { p } else { pkl[l] };
                    cl[l] += (re <= lo || re >= hi || im <= lo || im >= hi) as u32;
                }
            }
            for s in lanes.remainder() {
                let p = s.re * s.re + s.im * s.im;
                si[0] += s.re;
                sq[0] += s.im;
                sp[0] += p;
                pkl[0] = if p > pkl[0] { p } else { pkl[0] };
                cl[0] += (s.re <= lo || s.re >= hi || s.im <= lo || s.im >= hi) as u32;
            }
            let si: f32 = si.iter().sum();
            let sq: f32 = sq.iter().sum();
            let sp: f32 = sp.iter().sum();
            let pk = pkl.iter().fold(self.peak_pow, |a, &b| a.max(b));
            let clip: u64 = cl.iter().map(|&c| c as u64).sum();
            self.peak_pow = pk;
            self.clipped += clip;
            self.sum_i += si as f64;
            self.sum_q += sq as f64;
            self.sum_pow += sp as f64;
            self.blk_i += si as f64;
            self.blk_q += sq as f64;
            self.blk_pow += sp as f64;
            self.blk_n += take;
            self.samples += take as u64;
            if self.blk_n == NOISE_BLOCK {
                self.close_block();
            }
        }
    }

    fn close_block(&mut self) {
        let n = self.blk_n as f64;
        let mi = self.blk_i / n;
        let mq = self.blk_q / n;
        let var = (self.blk_pow / n - mi * mi - mq * mq).max(0.0);
        let bin = match db(var) {
            Some(d) => {
                (((d - HIST_MIN_DB) / HIST_STEP_DB).floor().max(0.0) as usize).min(HIST_BINS - 1)
            }
            None => 0,
        };
        self.hist[bin] += 1;
        self.hist_total += 1;
        self.blk_n = 0;
        self.blk_i = 0.0;
        self.blk_q = 0.0;
        self.blk_pow = 0.0;
    }

    /// The figures so far.
    pub fn finish(&self) -> Stats {
        let n = self.samples.max(1) as f64;
        let noise_dbfs = (self.hist_total > 0).then(|| {
            let target = ((self.hist_total as f64 * NOISE_PERCENTILE).ceil() as u64).max(1);
            let mut acc = 0;
            let mut bin = 0;
            for (k, &c) in self.hist.iter().enumerate() {
                acc += c;
                if acc >= target {
                    bin = k;
                    break;
                }
            }
            HIST_MIN_DB + (bin as f64 + 0.5) * HIST_STEP_DB
        });
        Stats {
            samples: self.samples,
            dc_i: self.sum_i / n,
            dc_q: self.sum_q / n,
            rms_dbfs: db(self.sum_pow / n),
            peak_dbfs: db(self.peak_pow as f64),
            clipped_percent: 100.0 * self.clipped as f64 / n,
            noise_dbfs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal};

    fn feed(acc: &mut StatsAccumulator, v: &[Complex<f32>]) {
        // Uneven block sizes must not matter.
        for c in v.chunks(1000) {
            acc.add(c);
        }
    }

    #[test]
    fn tone_levels_and_dc() {
        let a = 0.5f32;
        let v: Vec<_> = (0..100_000)
            .map(|k| {
                let ph = k as f32 * 0.1;
                Complex::new(0.1 + a * ph.cos(), -0.05 + a * ph.sin())
            })
            .collect();
        let mut acc = StatsAccumulator::new(SampleFormat::Cf32);
        feed(&mut acc, &v);
        let s = acc.finish();
        assert_eq!(s.samples, 100_000);
        assert!(
            (s.dc_i - 0.1).abs() < 1e-3 && (s.dc_q + 0.05).abs() < 1e-3,
            "{s:?}"
        );
        // A complex tone of amplitude 0.5 has power 0.25 (−6.02 dB); DC adds 0.0125.
        let expect_rms = 10.0 * (0.25f64 + 0.0125).log10();
        assert!((s.rms_dbfs.unwrap() - expect_rms).abs() < 0.05, "{s:?}");
        assert!(s.peak_dbfs.unwrap() > expect_rms && s.peak_dbfs.unwrap() < -3.0);
        assert_eq!(s.clipped_percent, 0.0);
        // Per-block variance removes the DC: the tone alone, -6.02 dBFS.
        assert!((s.noise_dbfs.unwrap() + 6.02).abs() < 0.3, "{s:?}");
    }

    #[test]
    fn noise_floor_under_bursts() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let sigma = 0.01f32; // per component: power 2e-4 = −37 dBFS
        let n = Normal::new(0.0, sigma).unwrap();
        let v: Vec<_> = (0..200_000)
            .map(|k| {
                let burst = (k / 10_000) % 3 == 0; // a third of the time a strong signal
                let s = if burst {
                    Complex::new(0.7, 0.0) * Complex::from_polar(1.0, k as f32 * 0.3)
                } else {
                    Complex::default()
                };
                s + Complex::new(n.sample(&mut rng), n.sample(&mut rng))
            })
            .collect();
        let mut acc = StatsAccumulator::new(SampleFormat::Cf32);
        feed(&mut acc, &v);
        let s = acc.finish();
        let expect = 10.0 * (2.0 * (sigma as f64).powi(2)).log10();
        let got = s.noise_dbfs.unwrap();
        assert!((got - expect).abs() < 1.0, "noise {got} expected {expect}");
        assert!(s.rms_dbfs.unwrap() > got + 10.0);
    }

    #[test]
    fn clipping_uses_format_rails() {
        let v = [
            Complex::new(-1.0f32, 0.0),
            Complex::new(0.0, 127.0 / 128.0),
            Complex::new(0.5, 0.5),
            Complex::new(0.1, 0.1),
        ];
        let mut acc = StatsAccumulator::new(SampleFormat::Cs8);
        acc.add(&v);
        assert_eq!(acc.finish().clipped_percent, 50.0);
        let mut acc = StatsAccumulator::new(SampleFormat::Cf32);
        acc.add(&v);
        assert_eq!(acc.finish().clipped_percent, 25.0);
        let mut acc = StatsAccumulator::new(SampleFormat::Cu8);
        acc.add(&[Complex::new(1.0, 0.0), Complex::new(0.99, -0.99)]);
        assert_eq!(acc.finish().clipped_percent, 50.0);
    }

    #[test]
    fn empty_and_silent() {
        let s = StatsAccumulator::new(SampleFormat::Cu8).finish();
        assert_eq!(s.samples, 0);
        assert_eq!(s.rms_dbfs, None);
        assert_eq!(s.noise_dbfs, None);
        let mut acc = StatsAccumulator::new(SampleFormat::Cf32);
        acc.add(&vec![Complex::default(); 1000]);
        let s = acc.finish();
        assert_eq!(s.rms_dbfs, None);
        assert_eq!(s.peak_dbfs, None);
        assert!(s.noise_dbfs.unwrap() < -190.0);
    }
}
