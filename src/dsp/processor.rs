//! The streaming front end: frames in, bursts opened, followed by frequency and closed.
//!
//! [`BurstProcessor`] cuts the stream into detector frames (about 1 ms each), analyses each
//! where it lies in the caller's block ([`super::frames`] keeps only the frames a new burst
//! needs as pre-roll), matches the detector's runs of active bins to the open bursts by
//! frequency, opens a burst ([`super::burst`]) for each run no burst claims, and closes a burst
//! after a hang time without activity. Closed bursts go to [`super::worker`] for
//! demodulation and their transmissions through [`super::reported`] to the caller.

use num_complex::Complex;
use rustfft::FftPlanner;

use super::burst::{self, OpenBurst};
use super::demod;
use super::detector::{self, Detector, Run};
use super::frames::{FrameRing, Recent};
use super::reported::Reported;
use super::worker::{Demodulation, Job, OpenBand, Worker, demodulate_batch};
use super::{DetectedTransmission, DspConfig};

/// Frames of stream recorded before the frame where a burst is first seen, at least.
pub const PRE_ROLL_FRAMES: u64 = detector::AVG_FRAMES as u64 + 2;
/// Stream recorded before the frame where a burst is first seen, at least, s: a key's word
/// can begin with a sync mark some 8 ms before its data (EV1527's 31-chip sync at 4 kbaud),
/// and the far tone of a wide FSK key may open its burst only with the data (a lone short mark
/// is weak in a frame); this holds at every rate, where frames are shorter than 1 ms too.
const PRE_ROLL_S: f64 = 0.0099;
/// Shortest hang time after the last activity of a burst, s.
pub const HANG_MIN_S: f64 = 0.03;
/// Longest hang time, s. A run of strong frames is either one long mark or a dense train of
/// short ones, which frames of 1 ms cannot tell apart, so the hang is capped: a mark longer
/// than 12.5 ms followed by a gap of more than this is split by the detector even where the
/// gap rule would keep it (not seen in key fobs).
pub const HANG_MAX_S: f64 = 0.15;
/// Bursts followed at the same time, at most.
pub const MAX_OPEN_BURSTS: usize = 8;
/// Single-frame peak over floor that counts as "carrier on" for the longest-mark estimate.
const RUN_RATIO: f32 = 8.0;
/// Detector bins around a burst's peaks that still belong to it (about ±40 kHz: the two tones
/// of an FSK burst, key clicks and drift).
pub(super) const MATCH_HZ: f64 = 40_000.0;
/// A run about as strong as a burst's peak is claimed by the burst only where its peak lies
/// this far inside the band the burst's channel searches, Hz (about the half-width of a key's
/// tone): a tone beyond it (the far tone of a wide FSK signal, when the burst opened
/// off-centre) opens a burst of its own, whose channel sees it.
const CLAIM_MARGIN_HZ: f64 = 10_000.0;
/// A run this much weaker or stronger than a burst's peak is claimed wherever it lies within
/// [`MATCH_HZ`], dB: the two tones of an FSK signal have about the same power (within
/// [`super::merge::MAX_TONE_POWER_DIFF_DB`]), while a strong key's splatter, spurs and
/// image, which must not open bursts of their own, are much weaker (and a burst opened on
/// such an emission, or on noise, much weaker than the key that follows).
const CLAIM_BELOW_DB: f64 = 10.0;
/// Only a burst that began less than this long ago leaves a tone beyond its channel to a
/// burst of its own, s: both tones of an FSK key are on within its first word, while a burst
/// that has been open longer (a standing carrier) keeps the signals it has been following.
const SECOND_TONE_S: f64 = 0.1;

/// The streaming front end: detector, tuner and demodulator.
pub struct BurstProcessor {
    config: DspConfig,
    fs: f64,
    det: Detector,
    n: usize,
    /// The start of the next frame, while a block has ended inside it.
    pending: Vec<Complex<f32>>,
    ring: FrameRing,
    frames: u64,
    processed: u64,
    bursts: Vec<OpenBurst>,
    runs: Vec<Run>,
    /// Per run of the current frame: matched to an open burst (kept to avoid reallocation).
    used: Vec<bool>,
    demod: Demodulation,
    match_bins: usize,
    /// Frames recorded before the frame where a burst is first seen ([`PRE_ROLL_FRAMES`],
    /// [`PRE_ROLL_S`]).
    pre_roll: u64,
    /// Largest distance from a burst's centre of a run it claims, Hz.
    claim_hz: f64,
    /// [`SECOND_TONE_S`] in frames.
    tone_frames: u64,
    hang_min_frames: u64,
    hang_max_frames: u64,
    /// Transmissions reported so far, for duplicate checks and spurs.
    reported: Reported,
}

impl BurstProcessor {
    /// Creates a processor for a stream at `config.sample_rate_hz`.
    pub fn new(config: DspConfig) -> Self {
        let fs = if config.sample_rate_hz.is_finite() && config.sample_rate_hz > 0.0 {
            config.sample_rate_hz
        } else {
            1.0
        };
        let det = Detector::new(fs);
        let n = det.frame_len();
        let frame_s = n as f64 / fs;
        BurstProcessor {
            config,
            fs,
            det,
            n,
            pending: Vec::with_capacity(n),
            ring: FrameRing::new(n, detector::INIT_FRAMES + 1),
            frames: 0,
            processed: 0,
            bursts: Vec::new(),
            runs: Vec::new(),
            used: Vec::new(),
            demod: Demodulation::Inline(FftPlanner::new()),
            match_bins: ((MATCH_HZ * n as f64 / fs).ceil() as usize).max(2),
            pre_roll: PRE_ROLL_FRAMES.max((PRE_ROLL_S / frame_s).ceil() as u64),
            claim_hz: burst::search_half_width_hz(fs) - CLAIM_MARGIN_HZ,
            tone_frames: (SECOND_TONE_S / frame_s).ceil() as u64,
            hang_min_frames: (HANG_MIN_S / frame_s).ceil() as u64,
            hang_max_frames: (HANG_MAX_S / frame_s).ceil() as u64,
            reported: Reported::new(),
        }
    }

    /// As [`BurstProcessor::new`], demodulating closed bursts on a second thread while the
    /// front end goes on with the stream.
    ///
    /// The transmissions are the same as without the thread, in the same order, but they come
    /// out later: those of a burst closed by one [`push`](Self::push) appear in a later push
    /// or in [`finish`](Self::finish). At most [`WORKER_QUEUE`] batches of closed bursts wait
    /// for the thread, and the bursts open and in flight hold at most [`burst::STORE_BUDGET`]
    /// samples (the front end waits otherwise), so memory stays bounded.
    /// Meant for file analysis on a machine with more than one core; a live display wants
    /// each transmission as soon as possible and uses [`BurstProcessor::new`].
    pub fn with_worker(config: DspConfig) -> Self {
        let mut p = Self::new(config);
        if let Some(w) = Worker::spawn() {
            p.demod = Demodulation::Worker(w);
        }
        p
    }

    /// The settings in use.
    pub fn config(&self) -> &DspConfig {
        &self.config
    }

    /// Feeds the next block of samples; completed transmissions are appended to `out`.
    ///
    /// Once the floor is ready, the whole frames of a block are analysed where they lie;
    /// only a frame split between blocks is gathered in `pending` first, and only the frames
    /// a later burst may need as pre-roll are copied into the ring.
    pub fn push(&mut self, block: &[Complex<f32>], out: &mut Vec<DetectedTransmission>) {
        let first_new = out.len();
        let mut rest = block;
        while !rest.is_empty() && (!self.pending.is_empty() || !self.det.ready()) {
            let take = (self.n - self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() == self.n {
                self.store_pending(out);
            }
        }
        let whole = rest.len() - rest.len() % self.n;
        if whole > 0 {
            self.analyse_block(&rest[..whole], out);
        }
        self.pending.extend_from_slice(&rest[whole..]);
        self.collect(false, out);
        out[first_new..].sort_by(|a, b| a.pulses.start_s.total_cmp(&b.pulses.start_s));
    }

    /// Ends the stream: a burst still open is finished (marked truncated) and appended.
    pub fn finish(&mut self, out: &mut Vec<DetectedTransmission>) {
        let first_new = out.len();
        if !self.det.ready() && self.frames >= 4 {
            // A short stream: initialise the floor from what there is and analyse it.
            let stored = self.frames;
            for f in 0..detector::INIT_FRAMES as u64 - stored {
                self.det.init_frame(self.ring.frame(f % stored));
            }
            self.analyse_ring(0..self.frames, out);
        }
        let tail = std::mem::take(&mut self.pending);
        for b in &mut self.bursts {
            b.feed(&tail);
        }
        let end = self.frames;
        let dc_line = self.dc_line();
        let caps: Vec<demod::Capture> = std::mem::take(&mut self.bursts)
            .into_iter()
            .map(|b| {
                let cut = end.saturating_sub(b.last_active) < PRE_ROLL_FRAMES;
                let noise = self.noise_density(b.shift_hz());
                b.into_capture(noise, cut, dc_line)
            })
            .collect();
        self.emit(caps, out);
        self.collect(true, out);
        out[first_new..].sort_by(|a, b| a.pulses.start_s.total_cmp(&b.pulses.start_s));
    }

    /// Demodulates closed bursts. Two bursts opened on the two tones of one FSK signal (or on
    /// a key click beside a carrier) demodulate the same transmission: a transmission starting
    /// within [`DUPLICATE_S`] of one already reported, on the same carrier, is dropped.
    ///
    /// With a worker thread the demodulation is queued here and its results are checked
    /// against the transmissions already reported by [`Self::collect`], in the same order.
    fn emit(&mut self, caps: Vec<demod::Capture>, out: &mut Vec<DetectedTransmission>) {
        let job = Job {
            caps,
            held: self.open_bands(),
        };
        match &mut self.demod {
            Demodulation::Inline(planner) => {
                let batch = demodulate_batch(&job, planner);
                self.reported.keep_new(batch, out);
            }
            Demodulation::Worker(w) => w.send(job),
        }
    }

    /// With a worker, waits for its oldest batches while the bursts stored (those open and
    /// those sent but not demodulated yet) hold more than [`burst::STORE_BUDGET`] samples:
    /// only the front end's lead over the thread depends on it, not the results.
    fn wait_for_room(&mut self, out: &mut Vec<DetectedTransmission>) {
        let Demodulation::Worker(w) = &mut self.demod else {
            return;
        };
        let open: usize = self.bursts.iter().map(OpenBurst::stored).sum();
        while w.in_flight_samples() > 0 && open + w.in_flight_samples() > burst::STORE_BUDGET {
            if let Some(batch) = w.receive_one() {
                self.reported.keep_new(batch, out);
            }
        }
    }

    /// Takes the worker's finished batches (all of them, waiting, when `wait`).
    fn collect(&mut self, wait: bool, out: &mut Vec<DetectedTransmission>) {
        if let Demodulation::Worker(w) = &mut self.demod {
            let batches = w.receive(wait);
            for batch in batches {
                self.reported.keep_new(batch, out);
            }
        }
    }

    /// The bands of the bursts still open, and since when each has been recording.
    fn open_bands(&self) -> Vec<OpenBand> {
        let gain = self.det.tone_gain().max(1e-30) as f64;
        self.bursts
            .iter()
            .map(|b| OpenBand {
                lo_hz: self.det.bin_hz(b.lo_bin as f64, self.fs) - MATCH_HZ,
                hi_hz: self.det.bin_hz(b.hi_bin as f64, self.fs) + MATCH_HZ,
                since_s: (b.first_frame * self.n as u64) as f64 / self.fs,
                level_dbfs: 10.0 * (b.peak_power as f64 / gain).max(1e-30).log10(),
            })
            .collect()
    }

    /// Noise power density for a burst around `centre_hz`: the floor's median over the whole
    /// span or, where more noise surrounds the burst (the rest of the capture is an empty,
    /// filtered band, or the burst sits in a noisier part of it), over the bins within
    /// [`burst::SEARCH_HALF_WIDTH_HZ`]. Never below the span's median, so a burst near a
    /// receiver's roll-off at the band edge is not credited with an SNR its quieter floor
    /// would give.
    fn noise_density(&self, centre_hz: f64) -> f64 {
        let half = burst::SEARCH_HALF_WIDTH_HZ;
        let local = self
            .det
            .median_floor_between(centre_hz - half, centre_hz + half, self.fs);
        let floor = local.max(self.det.median_floor());
        floor as f64 / (self.det.window_power() as f64 * self.fs)
    }

    /// Whether the stream has a standing DC line (its floor [`demod::DC_LINE_RATIO`] times
    /// above white noise), which no burst may be taken for.
    fn dc_line(&self) -> bool {
        self.det.ready() && self.det.dc_floor_ratio() > demod::DC_LINE_RATIO
    }

    /// Stores the frame gathered in `pending` in the ring and analyses it (or, before the
    /// floor is ready, feeds it to the floor's initialisation, and once that is done analyses
    /// every frame stored so far).
    fn store_pending(&mut self, out: &mut Vec<DetectedTransmission>) {
        let f = self.frames;
        self.ring.store(f, &self.pending);
        self.pending.clear();
        self.frames += 1;
        if self.det.ready() {
            self.analyse_ring(f..f + 1, out);
        } else if self.det.init_frame(self.ring.frame(f)) {
            self.analyse_ring(0..self.frames, out);
            // From here on the ring holds only the pre-roll of a new burst and the frame being
            // analysed.
            self.ring.shrink(self.pre_roll as usize + 1, self.frames);
        }
    }

    /// Analyses frames `frames`, all in the ring.
    fn analyse_ring(&mut self, frames: std::ops::Range<u64>, out: &mut Vec<DetectedTransmission>) {
        let ring = std::mem::take(&mut self.ring);
        let recent = Recent {
            ring: &ring,
            block: &[],
            first: u64::MAX,
        };
        for f in frames {
            self.analyse(f, &recent, out);
        }
        self.ring = ring;
    }

    /// Analyses whole frames where they lie in the stream (the floor must be ready and no
    /// frame pending), then keeps the last pre-roll of them in the ring.
    fn analyse_block(&mut self, frames: &[Complex<f32>], out: &mut Vec<DetectedTransmission>) {
        let first = self.frames;
        let count = (frames.len() / self.n) as u64;
        let ring = std::mem::take(&mut self.ring);
        let recent = Recent {
            ring: &ring,
            block: frames,
            first,
        };
        for f in first..first + count {
            self.frames = f + 1;
            self.analyse(f, &recent, out);
        }
        self.ring = ring;
        let n = self.n;
        for i in count.saturating_sub(self.pre_roll)..count {
            let at = i as usize * n;
            self.ring.store(first + i, &frames[at..at + n]);
        }
    }

    /// Analyses frame `f`: detection, matching runs to open bursts, opening and closing bursts.
    fn analyse(&mut self, f: u64, recent: &Recent, out: &mut Vec<DetectedTransmission>) {
        let frame = recent.frame(f);
        self.det.frame(frame, &mut self.runs);
        self.processed = f + 1;
        let m = self.match_bins;
        let (det, fs, claim) = (&self.det, self.fs, self.claim_hz);
        let reach = burst::search_half_width_hz(fs);
        let weaker = 10f32.powf(-(CLAIM_BELOW_DB as f32) / 10.0);
        let young = self.pre_roll + self.tone_frames;
        // Bursts opened in this frame count too: their runs are in it.
        let loudest = self
            .bursts
            .iter()
            .map(|b| b.peak_power)
            .chain(self.runs.iter().map(|r| r.power))
            .fold(0.0, f32::max);
        // A tone's level: its average lags for the first frames it is on.
        let now = |r: &Run| r.power.max(r.frame_power);
        let bw = fs / self.n as f64;
        // A burst open longer than a key's first word (a standing carrier) keeps the runs it
        // has been following, but not a far stronger signal than the one it opened on (a key
        // beside a standing carrier) that its channel cannot see: a run whose peak lies beyond
        // the band the channel searches, or, no wider than a key's two tones, reaches beyond
        // it, opens a burst of its own. Without this the far tone of a wide FSK key beside a
        // standing carrier is lost at a rate where the channel is decimated.
        let seen_by = |b: &OpenBurst, r: &Run| {
            let off = |bin: usize| (det.bin_hz(bin as f64, fs) - b.shift_hz()).abs();
            b.first_power >= weaker * r.power
                || (off(r.peak) <= reach
                    && ((r.hi - r.lo) as f64 * bw > 2.0 * MATCH_HZ
                        || (off(r.lo) <= reach && off(r.hi) <= reach)))
        };
        let in_channel = |b: &OpenBurst, r: &Run| {
            if f - b.first_frame > young {
                return seen_by(b, r);
            }
            r.frame_ratio <= RUN_RATIO
                || now(r) < weaker * loudest
                || now(r) < weaker * b.peak_power
                || b.peak_power < weaker * r.power
                || (det.bin_hz(r.peak as f64, fs) - b.shift_hz()).abs() <= claim
        };
        let mut used = std::mem::take(&mut self.used);
        used.clear();
        used.resize(self.runs.len(), false);
        for b in &mut self.bursts {
            let mut strong = false;
            let mut hit = false;
            for (r, u) in self.runs.iter().zip(used.iter_mut()) {
                if r.peak + m >= b.lo_bin && r.peak <= b.hi_bin + m && in_channel(b, r) {
                    *u = true;
                    hit = true;
                    b.lo_bin = b.lo_bin.min(r.peak);
                    b.hi_bin = b.hi_bin.max(r.peak);
                    b.peak_power = b.peak_power.max(r.power);
                    strong |= r.frame_ratio > RUN_RATIO;
                }
            }
            if hit {
                b.last_active = f;
            }
            b.run = if strong { b.run + 1 } else { 0 };
            b.longest_run = b.longest_run.max(b.run);
        }
        let first_new = self.bursts.len();
        for (r, u) in self.runs.iter().zip(&used) {
            if *u || self.bursts.len() >= MAX_OPEN_BURSTS {
                continue;
            }
            // Runs of one new burst seen in the same frame (key clicks, two FSK tones).
            if let Some(b) = self.bursts[first_new..]
                .iter_mut()
                .find(|b| r.peak + m >= b.lo_bin && r.peak <= b.hi_bin + m && in_channel(b, r))
            {
                b.lo_bin = b.lo_bin.min(r.peak);
                b.hi_bin = b.hi_bin.max(r.peak);
                b.peak_power = b.peak_power.max(r.power);
                continue;
            }
            let bw = self.fs / self.n as f64;
            let centre = if (r.hi - r.lo) as f64 * bw <= 2.0 * MATCH_HZ {
                (r.lo + r.hi) as f64 / 2.0
            } else {
                r.peak as f64
            };
            let start = f.saturating_sub(self.pre_roll);
            let mut b = OpenBurst::new(
                self.fs,
                self.det.bin_hz(centre, self.fs),
                r.peak,
                start,
                start * self.n as u64,
            );
            b.last_active = f;
            b.peak_power = r.power;
            b.first_power = r.power;
            for g in start..f {
                b.feed(recent.frame(g));
            }
            self.bursts.push(b);
        }
        self.used = used;
        for b in &mut self.bursts {
            b.feed(frame);
        }
        self.wait_for_room(out);
        // Close the bursts that went quiet or reached the cap, and with them the bursts that
        // went quiet at the same time (the other tone of a wide FSK signal).
        let mut closing: Vec<(usize, bool)> = Vec::new();
        for (i, b) in self.bursts.iter().enumerate() {
            let hang = (12 * b.longest_run).clamp(self.hang_min_frames, self.hang_max_frames);
            let quiet = f - b.last_active >= hang;
            if quiet || b.full() {
                closing.push((i, quiet));
            }
        }
        // The bursts left open must fit the store: the longest are cut.
        if self.bursts.iter().map(OpenBurst::stored).sum::<usize>() > burst::STORE_BUDGET {
            let stored: Vec<usize> = self.bursts.iter().map(OpenBurst::stored).collect();
            let leaving = |i: usize| closing.iter().any(|c| c.0 == i);
            let cut = burst::cut_to_budget(&stored, leaving, burst::STORE_BUDGET);
            closing.extend(cut.into_iter().map(|i| (i, false)));
        }
        if closing.is_empty() {
            return;
        }
        let ends: Vec<u64> = closing
            .iter()
            .filter(|c| c.1)
            .map(|c| self.bursts[c.0].last_active)
            .collect();
        for (i, b) in self.bursts.iter().enumerate() {
            if !closing.iter().any(|c| c.0 == i)
                && ends
                    .iter()
                    .any(|&e| b.last_active.abs_diff(e) <= PRE_ROLL_FRAMES)
            {
                closing.push((i, true));
            }
        }
        closing.sort_by_key(|c| std::cmp::Reverse(c.0));
        let dc_line = self.dc_line();
        let caps: Vec<demod::Capture> = closing
            .into_iter()
            .map(|(i, quiet)| {
                let b = self.bursts.swap_remove(i);
                let noise = self.noise_density(b.shift_hz());
                b.into_capture(noise, !quiet, dc_line)
            })
            .collect();
        self.emit(caps, out);
    }
}

#[cfg(test)]
mod tests;
