//! Spectrogram accumulation in bounded memory.
//!
//! Samples stream in block by block; every [`HOP`]-ish samples a Hann-windowed FFT of the last
//! [`FFT_SIZE`] samples is taken and its power added to the current time column. The buffer
//! holds at most [`MAX_COLUMNS`] columns of [`FFT_SIZE`] rows: when it is full, adjacent
//! columns are merged pairwise (averaged) and each column from then on spans twice as many
//! FFT frames. Memory is therefore flat (`MAX_COLUMNS × FFT_SIZE` floats plus one FFT frame)
//! whatever the length of the recording, and the columns always cover the whole of it.

use std::sync::Arc;

use num_complex::Complex;
use rustfft::{Fft, FftPlanner};

/// FFT length (and number of frequency rows).
pub const FFT_SIZE: usize = 512;
/// Most time columns held; a power of two so pairwise merging keeps columns aligned.
pub const MAX_COLUMNS: usize = 2048;
/// Default hop between FFT frames, samples (the frames do not overlap).
pub const HOP: usize = FFT_SIZE;

/// A spectrogram being accumulated: power per (time column, frequency row).
pub struct Spectrogram {
    fft: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
    hop: usize,
    /// Input samples not yet consumed by a frame (at most `FFT_SIZE + hop`).
    pending: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// Finished columns, `FFT_SIZE` linear powers each, DC-centred (row 0 = lowest frequency).
    columns: Vec<Vec<f32>>,
    /// The column being filled and how many frames it holds.
    current: Vec<f32>,
    current_frames: usize,
    frames_per_column: usize,
    samples: u64,
}

impl Spectrogram {
    /// A spectrogram taking a frame every `hop` samples (`hop` is clamped to 1..=FFT_SIZE).
    pub fn new(hop: usize) -> Self {
        let fft = FftPlanner::new().plan_fft_forward(FFT_SIZE);
        let window = crate::dsp::window::hann(FFT_SIZE);
        Spectrogram {
            fft,
            window,
            hop: hop.clamp(1, FFT_SIZE),
            pending: Vec::with_capacity(2 * FFT_SIZE),
            scratch: vec![Complex::new(0.0, 0.0); FFT_SIZE],
            columns: Vec::new(),
            current: vec![0.0; FFT_SIZE],
            current_frames: 0,
            frames_per_column: 1,
            samples: 0,
        }
    }

    /// A hop that gives about `target_columns` frames for a recording of `total_samples`
    /// (the plain [`HOP`] when the length is unknown).
    pub fn hop_for(total_samples: Option<u64>, target_columns: usize) -> usize {
        match total_samples {
            Some(n) if target_columns > 0 => {
                ((n / target_columns as u64) as usize).clamp(FFT_SIZE / 8, FFT_SIZE)
            }
            _ => HOP,
        }
    }

    /// Feeds samples.
    pub fn push(&mut self, block: &[Complex<f32>]) {
        self.samples += block.len() as u64;
        let mut rest = block;
        while !rest.is_empty() {
            let want = FFT_SIZE.saturating_sub(self.pending.len()).max(1);
            let take = want.min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() >= FFT_SIZE {
                self.frame();
                self.pending.drain(..self.hop);
            }
        }
    }

    fn frame(&mut self) {
        for (o, (x, w)) in self
            .scratch
            .iter_mut()
            .zip(self.pending.iter().zip(&self.window))
        {
            *o = x * *w;
        }
        self.fft.process(&mut self.scratch);
        // Hann window power gain, so a full-scale tone reads about 0 dBFS.
        let norm = 1.0 / (FFT_SIZE as f32 * 0.5).powi(2);
        let half = FFT_SIZE / 2;
        for (row, acc) in self.current.iter_mut().enumerate() {
            let bin = (row + half) % FFT_SIZE;
            *acc += self.scratch[bin].norm_sqr() * norm;
        }
        self.current_frames += 1;
        if self.current_frames == self.frames_per_column {
            self.close_column();
        }
    }

    fn close_column(&mut self) {
        let k = 1.0 / self.current_frames.max(1) as f32;
        let col: Vec<f32> = self.current.iter().map(|v| v * k).collect();
        self.current.iter_mut().for_each(|v| *v = 0.0);
        self.current_frames = 0;
        self.columns.push(col);
        if self.columns.len() == MAX_COLUMNS {
            let merged: Vec<Vec<f32>> = self
                .columns
                .chunks(2)
                .map(|p| p[0].iter().zip(&p[1]).map(|(a, b)| 0.5 * (a + b)).collect())
                .collect();
            self.columns = merged;
            self.frames_per_column *= 2;
        }
    }

    /// Ends the stream (a partly filled last column is kept) and returns the result.
    pub fn finish(mut self, sample_rate_hz: f64) -> SpectrogramData {
        if self.current_frames > 0 {
            self.close_column();
        }
        let seconds_per_column = self.frames_per_column as f64 * self.hop as f64 / sample_rate_hz;
        SpectrogramData {
            columns: self.columns,
            seconds_per_column,
            // A frame's centre sits FFT_SIZE/2 after its first sample; a column's frames are
            // `hop` apart, so its centre is half a hop before the middle of its span.
            offset_s: (FFT_SIZE as f64 - self.hop as f64) / 2.0 / sample_rate_hz,
            sample_rate_hz,
            samples: self.samples,
        }
    }

    /// Columns held so far (for the memory test).
    pub fn held_columns(&self) -> usize {
        self.columns.len()
    }
}

/// Rows either side of 0 Hz searched for a DC line: a DC offset spreads over the Hann
/// window's main lobe, ±2 bins.
pub const DC_SEARCH_ROWS: usize = 3;
/// How far a row's median power must stand above the picture's median to be a DC line, dB.
pub const DC_RISE_DB: f32 = 6.0;

/// The steady line of a DC offset: rows `first..first + level.len()`.
#[derive(Clone, Debug, PartialEq)]
pub struct DcLine {
    /// First row (row 0 = lowest frequency).
    pub first: usize,
    /// Steady (median) power per row, linear; 0 for a row inside the span that is not raised.
    pub level: Vec<f32>,
}

impl DcLine {
    /// The largest steady power among rows `r0..r1`, linear; `None` when none of them is in
    /// the line.
    pub fn steady_in(&self, r0: usize, r1: usize) -> Option<f32> {
        let a = r0.max(self.first);
        let b = r1.min(self.first + self.level.len());
        (a < b)
            .then(|| {
                self.level[a - self.first..b - self.first]
                    .iter()
                    .fold(0.0f32, |m, &v| m.max(v))
            })
            .filter(|&v| v > 0.0)
    }

    /// Last row of the line.
    pub fn last(&self) -> usize {
        self.first + self.level.len() - 1
    }
}

/// A finished spectrogram: linear power per (time column, frequency row).
#[derive(Clone, Debug)]
pub struct SpectrogramData {
    /// Columns in time order; row 0 is the lowest frequency (centre − fs/2).
    pub columns: Vec<Vec<f32>>,
    /// Time spanned by one column, s.
    pub seconds_per_column: f64,
    /// Time of the start of column 0, s.
    pub offset_s: f64,
    /// Sample rate of the recording.
    pub sample_rate_hz: f64,
    /// Samples read.
    pub samples: u64,
}

impl SpectrogramData {
    /// Power in dB (dBFS per bin) of the cell covering time `t0..t1` (max over columns) and
    /// rows `r0..r1` (max over rows); `None` past the end.
    pub fn cell_db(&self, t0: f64, t1: f64, r0: usize, r1: usize) -> Option<f32> {
        if self.columns.is_empty() || self.seconds_per_column <= 0.0 {
            return None;
        }
        let (t0, t1) = (t0 - self.offset_s, t1 - self.offset_s);
        let c0 = (t0 / self.seconds_per_column).floor().max(0.0) as usize;
        let c1 = ((t1 / self.seconds_per_column).ceil().max(0.0) as usize).max(c0 + 1);
        if c0 >= self.columns.len() {
            return None;
        }
        let c1 = c1.min(self.columns.len());
        let r1 = r1.clamp(r0 + 1, FFT_SIZE);
        let mut best = 0.0f32;
        for col in &self.columns[c0..c1] {
            for &p in &col[r0..r1] {
                best = best.max(p);
            }
        }
        Some(10.0 * best.max(1e-20).log10())
    }

    /// The median cell power, dB (the noise floor for the colour scale).
    pub fn median_db(&self) -> Option<f32> {
        let mut all: Vec<f32> = self
            .columns
            .iter()
            .flat_map(|c| c.iter().step_by(4).copied())
            .collect();
        if all.is_empty() {
            return None;
        }
        let mid = all.len() / 2;
        all.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
        Some(10.0 * all[mid].max(1e-20).log10())
    }

    /// The strongest cell power, dB.
    pub fn max_db(&self) -> Option<f32> {
        let m = self
            .columns
            .iter()
            .flat_map(|c| c.iter())
            .fold(0.0f32, |a, &b| a.max(b));
        (!self.columns.is_empty()).then(|| 10.0 * m.max(1e-20).log10())
    }

    /// The steady line a receiver's DC offset draws at 0 Hz, when there is one: for each row
    /// within [`DC_SEARCH_ROWS`] of the centre whose median power over time stands at least
    /// [`DC_RISE_DB`] above the picture's median, that steady (median) power, linear; `None`
    /// when no row does. A burst on the centre frequency rises above its row's median and is
    /// still drawn in colour.
    pub fn dc_line(&self) -> Option<DcLine> {
        let floor = self.median_db()?;
        let mut steady = Vec::new();
        let mid = FFT_SIZE / 2;
        for row in mid - DC_SEARCH_ROWS..=mid + DC_SEARCH_ROWS {
            let mut v: Vec<f32> = self.columns.iter().map(|c| c[row]).collect();
            let k = v.len() / 2;
            v.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
            let med = v[k];
            if 10.0 * med.max(1e-20).log10() >= floor + DC_RISE_DB {
                steady.push((row, med));
            }
        }
        let first = steady.first()?.0;
        let last = steady.last()?.0;
        let mut level = vec![0.0; last - first + 1];
        for (row, med) in steady {
            level[row - first] = med;
        }
        Some(DcLine { first, level })
    }

    /// Seconds covered.
    pub fn duration_s(&self) -> f64 {
        self.samples as f64 / self.sample_rate_hz
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(n: usize, f: f64, fs: f64, amp: f32) -> Vec<Complex<f32>> {
        (0..n)
            .map(|k| {
                let ph = 2.0 * std::f64::consts::PI * f * k as f64 / fs;
                Complex::new(ph.cos() as f32, ph.sin() as f32) * amp
            })
            .collect()
    }

    #[test]
    fn a_tone_lands_in_its_row_at_its_level() {
        let fs = 250e3;
        // Bin-centred tone: +25 bins above the centre.
        let f = 25.0 * fs / FFT_SIZE as f64;
        let mut s = Spectrogram::new(HOP);
        for c in tone(FFT_SIZE * 20, f, fs, 0.5).chunks(1000) {
            s.push(c);
        }
        let d = s.finish(fs);
        assert_eq!(d.columns.len(), 20);
        let row = FFT_SIZE / 2 + 25;
        let at = d.cell_db(0.0, 0.01, row, row + 1).unwrap();
        assert!((at - (-6.0)).abs() < 0.5, "tone at {at} dB, want -6 dBFS");
        let away = d.cell_db(0.0, 0.01, row + 40, row + 41).unwrap();
        assert!(away < at - 60.0, "leakage {away} dB");
    }

    #[test]
    fn memory_is_bounded_and_columns_cover_the_whole_stream() {
        let fs = 1e6;
        let mut s = Spectrogram::new(HOP);
        let block = vec![Complex::new(0.1f32, 0.0); 65_536];
        let blocks = 200; // 13.1 M samples → 25 600 frames, far more than MAX_COLUMNS
        for _ in 0..blocks {
            s.push(&block);
            assert!(s.held_columns() < MAX_COLUMNS);
        }
        let d = s.finish(fs);
        assert!(d.columns.len() <= MAX_COLUMNS && d.columns.len() >= MAX_COLUMNS / 4);
        let covered = d.columns.len() as f64 * d.seconds_per_column;
        let dur = d.duration_s();
        assert!(
            (covered - dur).abs() <= d.seconds_per_column + FFT_SIZE as f64 / fs,
            "columns cover {covered} s of {dur} s"
        );
    }

    #[test]
    fn a_dc_offset_is_found_as_a_steady_line_and_noise_alone_has_none() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let noise: Vec<Complex<f32>> = (0..FFT_SIZE * 40)
            .map(|_| Complex::new(rng.random::<f32>() - 0.5, rng.random::<f32>() - 0.5) * 0.01)
            .collect();
        let mut plain = Spectrogram::new(HOP);
        plain.push(&noise);
        assert!(plain.finish(250e3).dc_line().is_none());
        let with_dc: Vec<Complex<f32>> =
            noise.iter().map(|x| x + Complex::new(0.02, 0.01)).collect();
        let mut s = Spectrogram::new(HOP);
        s.push(&with_dc);
        let d = s.finish(250e3);
        let dc = d.dc_line().expect("a DC line");
        assert!(
            dc.first <= FFT_SIZE / 2 && dc.last() >= FFT_SIZE / 2,
            "{dc:?}"
        );
        assert!(dc.last() - dc.first <= 2 * DC_SEARCH_ROWS);
        assert!(dc.steady_in(FFT_SIZE / 2, FFT_SIZE / 2 + 1).is_some());
        assert!(dc.steady_in(0, 10).is_none());
    }

    #[test]
    fn hop_follows_the_length() {
        assert_eq!(Spectrogram::hop_for(None, 1000), HOP);
        assert_eq!(Spectrogram::hop_for(Some(200_000), 1000), 200);
        assert_eq!(Spectrogram::hop_for(Some(1_000), 1000), FFT_SIZE / 8);
        assert_eq!(Spectrogram::hop_for(Some(1 << 30), 1000), FFT_SIZE);
    }
}
