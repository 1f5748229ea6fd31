//! Signal processing: tuner (NCO + decimating FIR), FFT band detector, OOK/FSK demodulator.
//!
//! [`BurstProcessor`] is the streaming front end of the pipeline: blocks of samples go in,
//! [`DetectedTransmission`]s (a pulse train plus its RF measurements) come out. Memory is
//! bounded: only the samples of the bursts in progress are kept, each in its own decimated
//! channel and up to [`burst::MAX_BURST_S`] seconds, at most [`MAX_OPEN_BURSTS`] at a time.
//!
//! Flow: [`detector`] finds active bins frame by frame (about 1 ms per frame); runs of active
//! bins are matched to open bursts by frequency, so transmitters at different offsets are
//! followed separately even when they overlap in time; a new run opens a burst whose channel
//! ([`burst`]) starts with a pre-roll of [`PRE_ROLL_FRAMES`] frames. A burst closes after a
//! hang time without activity of 12 times its longest mark, between [`HANG_MIN_S`] and
//! [`HANG_MAX_S`], so it does not close inside a transmission; [`demod`] then measures it, demodulates it and splits
//! its pulses into transmissions by the gap rule of [`split`]. Weaker emissions that follow a
//! louder transmission's edges (spurs, splatter, images) become its [`spurs`]; the detector's
//! first floor ([`floor`]) does without a quiet lead-in.

use std::sync::mpsc;

use num_complex::Complex;
use rustfft::FftPlanner;
use serde::Serialize;

use crate::pulse::PulseTrain;

pub mod burst;
pub mod decimator;
pub mod demod;
pub mod detector;
pub mod fir;
pub mod floor;
pub mod merge;
pub mod nco;
pub mod split;
pub mod spurs;
pub mod window;

use burst::OpenBurst;
use detector::{Detector, Run};

/// Modulation of a transmission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Modulation {
    /// On-off keying (ASK with full depth).
    #[serde(rename = "OOK")]
    Ook,
    /// Two-level frequency-shift keying.
    #[serde(rename = "FSK")]
    Fsk,
}

impl Modulation {
    /// `OOK` or `FSK`.
    pub fn name(self) -> &'static str {
        match self {
            Modulation::Ook => "OOK",
            Modulation::Fsk => "FSK",
        }
    }
}

/// One transmission found in an IQ stream, measured in its own channel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DetectedTransmission {
    /// Carrier offset from the centre frequency, Hz (for FSK: the midpoint of the two tones).
    pub freq_offset_hz: f64,
    /// Occupied bandwidth, Hz.
    pub bandwidth_hz: f64,
    /// OOK or FSK, decided from the signal.
    pub modulation: Modulation,
    /// Half the distance between the two FSK tones, Hz (FSK only).
    pub fsk_deviation_hz: Option<f64>,
    /// Mean power while the carrier is on, dBFS.
    pub rssi_dbfs: f64,
    /// Noise power in the same channel bandwidth, dBFS.
    pub noise_dbfs: f64,
    /// `rssi_dbfs - noise_dbfs`.
    pub snr_db: f64,
    /// Mark level at the end of the burst relative to its start, dB (negative = sagging).
    pub amplitude_sag_db: Option<f64>,
    /// True when the burst was cut off by the end of the stream or by the burst-length cap.
    pub truncated: bool,
    /// Weaker emissions keyed with this transmission (spurs, splatter, images; [`spurs`]).
    pub spurs: Vec<spurs::Spur>,
    /// The demodulated pulses; `pulses.start_s` is the transmission's start time.
    pub pulses: PulseTrain,
}

/// Front-end settings.
#[derive(Clone, Debug, PartialEq)]
pub struct DspConfig {
    /// Sample rate of the stream, S/s.
    pub sample_rate_hz: f64,
}

/// Frames of stream recorded before the frame where a burst is first seen.
pub const PRE_ROLL_FRAMES: u64 = detector::AVG_FRAMES as u64 + 2;
/// Shortest hang time after the last activity of a burst, s.
pub const HANG_MIN_S: f64 = 0.03;
/// Longest hang time, s. A run of strong frames is either one long mark or a dense train of
/// short ones, which frames of 1 ms cannot tell apart, so the hang is capped: a mark longer
/// than 12.5 ms followed by a gap of more than this is split by the detector even where the
/// gap rule would keep it (not seen in key fobs).
pub const HANG_MAX_S: f64 = 0.15;
/// Bursts followed at the same time, at most.
pub const MAX_OPEN_BURSTS: usize = 8;
/// Transmissions closer than this in start time and [`DUPLICATE_HZ`] in carrier are one, s.
pub const DUPLICATE_S: f64 = 0.002;
/// See [`DUPLICATE_S`], Hz.
pub const DUPLICATE_HZ: f64 = 5_000.0;
/// Single-frame peak over floor that counts as "carrier on" for the longest-mark estimate.
const RUN_RATIO: f32 = 8.0;
/// Detector bins around a burst's peaks that still belong to it (about ±40 kHz: the two tones
/// of an FSK burst, key clicks and drift).
const MATCH_HZ: f64 = 40_000.0;

/// A transmission already reported, for duplicate checks.
struct Seen {
    start: f64,
    freq: f64,
    dev: f64,
    pulses: usize,
    duration_us: f64,
    /// Its keying, for the emissions that follow it.
    leader: spurs::Leader,
}

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
    hang_min_frames: u64,
    hang_max_frames: u64,
    recent: Vec<Seen>,
    /// Transmissions waiting for the bursts still open that they may follow.
    deferred: Vec<DetectedTransmission>,
    /// Earliest start among `deferred`, s.
    deferred_t_min: f64,
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
            hang_min_frames: (HANG_MIN_S / frame_s).ceil() as u64,
            hang_max_frames: (HANG_MAX_S / frame_s).ceil() as u64,
            recent: Vec::new(),
            deferred: Vec::new(),
            deferred_t_min: f64::INFINITY,
        }
    }

    /// As [`BurstProcessor::new`], demodulating closed bursts on a second thread while the
    /// front end goes on with the stream.
    ///
    /// The transmissions are the same as without the thread, in the same order, but they come
    /// out later: those of a burst closed by one [`push`](Self::push) appear in a later push
    /// or in [`finish`](Self::finish). At most [`WORKER_QUEUE`] batches of closed bursts wait
    /// for the thread (the front end waits when the queue is full), so memory stays bounded.
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
                self.keep_new(batch, out);
            }
            Demodulation::Worker(w) => w.send(job),
        }
    }

    /// Takes the worker's finished batches (all of them, waiting, when `wait`).
    fn collect(&mut self, wait: bool, out: &mut Vec<DetectedTransmission>) {
        if let Demodulation::Worker(w) = &mut self.demod {
            let batches = w.receive(wait);
            for batch in batches {
                self.keep_new(batch, out);
            }
        }
    }

    /// Appends the transmissions of a demodulated batch that are not duplicates of ones
    /// already reported.
    ///
    /// First the batch's emissions that follow a louder transmission's keying ([`spurs`])
    /// are taken out and listed as that transmission's spurs.
    fn keep_new(&mut self, batch: Batch, out: &mut Vec<DetectedTransmission>) {
        let Batch { found, t_min, held } = batch;
        let horizon = t_min.min(self.deferred_t_min) - 2.0 * burst::MAX_BURST_S;
        self.recent.retain(|r| r.start > horizon);
        // Those that may follow a louder burst still open wait for its transmissions.
        let mut all = std::mem::take(&mut self.deferred);
        all.extend(found);
        let (wait, found): (Vec<_>, Vec<_>) = all
            .into_iter()
            .partition(|t| held.iter().any(|b| b.may_lead(t)));
        self.deferred_t_min = wait
            .iter()
            .map(|t| t.pulses.start_s)
            .fold(f64::INFINITY, f64::min);
        self.deferred = wait;
        let spurs_of = self.take_followers(&found);
        for (mut t, spurs) in found.into_iter().zip(spurs_of) {
            let Some(spurs) = spurs else {
                continue;
            };
            t.spurs = spurs;
            // Same start and the same carrier, or one tone of an FSK transmission already kept,
            // or the same pulses (an image or the other tone of the same signal).
            let n = t.pulses.pulses.len();
            let dur = t.pulses.duration_us();
            let end = t.pulses.start_s + dur * 1e-6;
            let dup = self.recent.iter().any(|r| {
                // Inside the band of an FSK transmission kept for the same time span.
                let common =
                    end.min(r.start + r.duration_us * 1e-6) - t.pulses.start_s.max(r.start);
                let within_fsk = r.dev > 0.0
                    && common > 0.5 * dur * 1e-6
                    && (t.freq_offset_hz - r.freq).abs() < 1.5 * r.dev;
                // The same carrier over most of the same time: one signal seen by two bursts
                // (a strong, clipping key splatters runs that open a second burst whose
                // channel then finds the same signal).
                let shorter = dur.min(r.duration_us) * 1e-6;
                let same_signal =
                    (t.freq_offset_hz - r.freq).abs() < DUPLICATE_HZ && common > 0.5 * shorter;
                within_fsk
                    || same_signal
                    || (r.start - t.pulses.start_s).abs() < DUPLICATE_S
                        && ([r.freq, r.freq - r.dev, r.freq + r.dev]
                            .iter()
                            .any(|&g| (g - t.freq_offset_hz).abs() < DUPLICATE_HZ.max(0.3 * r.dev))
                            || (r.pulses.abs_diff(n) <= 2
                                && (r.duration_us - dur).abs() < 0.03 * dur))
            });
            if !dup {
                self.recent.push(Seen {
                    start: t.pulses.start_s,
                    freq: t.freq_offset_hz,
                    dev: t.fsk_deviation_hz.unwrap_or(0.0),
                    pulses: n,
                    duration_us: dur,
                    leader: spurs::Leader::of(&t),
                });
                out.push(t);
            }
        }
    }

    /// Finds the transmissions of `found` that follow a louder one's keying (in the batch or
    /// reported before), loudest first. Returns, per transmission, `None` for a follower and
    /// otherwise the spurs attributed to it (a follower goes to the loudest transmission of the
    /// batch it follows; one following a transmission already reported is only dropped).
    fn take_followers(&self, found: &[DetectedTransmission]) -> Vec<Option<Vec<spurs::Spur>>> {
        let mut order: Vec<usize> = (0..found.len()).collect();
        order.sort_by(|&a, &b| found[b].rssi_dbfs.total_cmp(&found[a].rssi_dbfs));
        let mut leaders: Vec<(usize, spurs::Leader)> = Vec::new();
        let mut result: Vec<Option<Vec<spurs::Spur>>> = vec![Some(Vec::new()); found.len()];
        for &i in &order {
            let t = &found[i];
            let all: Vec<&spurs::Leader> = leaders
                .iter()
                .map(|(_, l)| l)
                .chain(self.recent.iter().map(|r| &r.leader))
                .collect();
            if !spurs::follows(t, &all) {
                leaders.push((i, spurs::Leader::of(t)));
                continue;
            }
            let to = leaders
                .iter()
                .filter(|(_, l)| l.rssi_dbfs - t.rssi_dbfs >= spurs::MIN_BELOW_DB && l.overlaps(t))
                .max_by(|a, b| a.1.rssi_dbfs.total_cmp(&b.1.rssi_dbfs))
                .map(|(j, _)| *j);
            let spur = spurs::Spur {
                freq_offset_hz: t.freq_offset_hz,
                level_dbc: t.rssi_dbfs - to.map_or(t.rssi_dbfs, |j| found[j].rssi_dbfs),
            };
            result[i] = None;
            // A view of the leader's own carrier from a channel beside it is no spur.
            let own = to
                .is_some_and(|j| (found[j].freq_offset_hz - t.freq_offset_hz).abs() < DUPLICATE_HZ);
            if let Some(Some(list)) = to.filter(|_| !own).map(|j| result[j].as_mut()) {
                spurs::add_spur(list, spur);
            }
        }
        result
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
            self.ring.shrink(PRE_ROLL_FRAMES as usize + 1, self.frames);
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
    /// frame pending), then keeps the last [`PRE_ROLL_FRAMES`] of them in the ring.
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
        for i in count.saturating_sub(PRE_ROLL_FRAMES)..count {
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
        let mut used = std::mem::take(&mut self.used);
        used.clear();
        used.resize(self.runs.len(), false);
        for b in &mut self.bursts {
            let mut strong = false;
            let mut hit = false;
            for (r, u) in self.runs.iter().zip(used.iter_mut()) {
                if r.peak + m >= b.lo_bin && r.peak <= b.hi_bin + m {
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
                .find(|b| r.peak + m >= b.lo_bin && r.peak <= b.hi_bin + m)
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
            let start = f.saturating_sub(PRE_ROLL_FRAMES);
            let mut b = OpenBurst::new(
                self.fs,
                self.det.bin_hz(centre, self.fs),
                r.peak,
                start,
                start * self.n as u64,
            );
            b.last_active = f;
            b.peak_power = r.power;
            for g in start..f {
                b.feed(recent.frame(g));
            }
            self.bursts.push(b);
        }
        self.used = used;
        for b in &mut self.bursts {
            b.feed(frame);
        }
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

/// The last frames of the stream, frame `g` in slot `g % slots`: the frames before the floor
/// is ready, then the pre-roll of a burst opened by a later frame.
#[derive(Default)]
struct FrameRing {
    n: usize,
    slots: usize,
    data: Vec<Complex<f32>>,
}

impl FrameRing {
    /// A ring of `slots` frames of `n` samples.
    fn new(n: usize, slots: usize) -> Self {
        FrameRing {
            n,
            slots,
            data: vec![Complex::new(0.0, 0.0); n * slots],
        }
    }

    /// The samples of frame `g` (the last stored in its slot).
    fn frame(&self, g: u64) -> &[Complex<f32>] {
        let at = (g % self.slots as u64) as usize * self.n;
        &self.data[at..at + self.n]
    }

    /// Stores frame `g`.
    fn store(&mut self, g: u64, x: &[Complex<f32>]) {
        let at = (g % self.slots as u64) as usize * self.n;
        self.data[at..at + self.n].copy_from_slice(x);
    }

    /// Keeps only the last `slots` frames before frame `end`.
    fn shrink(&mut self, slots: usize, end: u64) {
        let mut kept = FrameRing::new(self.n, slots.min(self.slots));
        for g in end.saturating_sub(kept.slots as u64)..end {
            kept.store(g, self.frame(g));
        }
        *self = kept;
    }
}

/// Where the frames around the one analysed are: from frame `first` on in `block` (the
/// stream, `n` samples a frame), before it in the ring.
struct Recent<'a> {
    ring: &'a FrameRing,
    block: &'a [Complex<f32>],
    first: u64,
}

impl<'a> Recent<'a> {
    /// The samples of frame `g`, which must be in the block or still in the ring.
    fn frame(&self, g: u64) -> &'a [Complex<f32>] {
        match g.checked_sub(self.first) {
            Some(i) => {
                let n = self.ring.n;
                &self.block[i as usize * n..(i as usize + 1) * n]
            }
            None => self.ring.frame(g),
        }
    }
}

/// Closed bursts waiting for the worker thread, at most (batches of bursts closed together).
pub const WORKER_QUEUE: usize = 3;

/// Where closed bursts are demodulated.
enum Demodulation {
    /// On the calling thread.
    Inline(FftPlanner<f32>),
    /// On a worker thread, in order.
    Worker(Worker),
}

/// A burst still open when others closed: its band (with the [`MATCH_HZ`] margin), the
/// time it has been recording since, s, and the level of its strongest tone so far, dBFS.
#[derive(Clone, Debug)]
struct OpenBand {
    lo_hz: f64,
    hi_hz: f64,
    since_s: f64,
    level_dbfs: f64,
}

impl OpenBand {
    /// True when `t` may be an emission following this burst's signal: the burst is louder
    /// by [`DEFER_BELOW_DB`] and was recording when `t` began. Its own transmissions are not
    /// known yet, so `t` waits for them.
    fn may_lead(&self, t: &DetectedTransmission) -> bool {
        self.level_dbfs >= t.rssi_dbfs + DEFER_BELOW_DB && self.since_s <= t.pulses.start_s
    }
}

/// A transmission at least this much weaker than a burst still open waits for that burst's
/// transmissions before it is reported, dB: [`spurs::MIN_BELOW_DB`] less the margin of the
/// detector's tone level (a keyed carrier's averaged bin power underestimates its power).
const DEFER_BELOW_DB: f64 = spurs::MIN_BELOW_DB - 6.0;

/// Bursts closed together, and the bursts still open at that moment.
struct Job {
    caps: Vec<demod::Capture>,
    held: Vec<OpenBand>,
}

impl Job {
    /// True when `t`, found in a channel centred on `shift_hz`, lies outside that channel's
    /// own carrier and inside the band of a burst still open that started recording before
    /// `t` began.
    fn held_by_open_burst(&self, shift_hz: f64, t: &DetectedTransmission) -> bool {
        if (t.freq_offset_hz - shift_hz).abs() <= MATCH_HZ {
            return false;
        }
        self.held.iter().any(|b| {
            (b.lo_hz..=b.hi_hz).contains(&t.freq_offset_hz) && b.since_s <= t.pulses.start_s
        })
    }
}

/// The transmissions demodulated from bursts closed together, best view first.
struct Batch {
    found: Vec<DetectedTransmission>,
    /// Earliest start of the batch's channels, s.
    t_min: f64,
    /// The bursts still open when these closed.
    held: Vec<OpenBand>,
}

/// Demodulates bursts closed together, merges pairs of FSK tones and orders the results for
/// the duplicate check: FSK first, then the most complete (most pulses), then by SNR, so the
/// best view of a transmission is the one kept.
fn demodulate_batch(job: &Job, planner: &mut FftPlanner<f32>) -> Batch {
    let mut found = Vec::new();
    let mut tones = Vec::new();
    let mut t_min = f64::INFINITY;
    for cap in &job.caps {
        let (f0, t0) = (found.len(), tones.len());
        demod::demodulate(cap, planner, &mut found, &mut tones);
        t_min = t_min.min(cap.t0_s);
        // A signal found far from the capture's own carrier (a burst opened on a spur or
        // splatter sees a strong key elsewhere in its channel) and that a burst still open has
        // been recording since before it began: that burst will report the whole of it, so
        // this partial view is not reported first.
        let keep = |c: &demod::Candidate| !job.held_by_open_burst(cap.shift_hz, &c.t);
        let tail: Vec<_> = found.drain(f0..).filter(keep).collect();
        found.extend(tail);
        let tail: Vec<_> = tones.drain(t0..).filter(keep).collect();
        tones.extend(tail);
    }
    merge::merge_tone_pairs(&mut found, tones);
    let mut found: Vec<DetectedTransmission> = found.into_iter().map(|c| c.t).collect();
    found.sort_by(|a, b| {
        (b.modulation == Modulation::Fsk)
            .cmp(&(a.modulation == Modulation::Fsk))
            .then(b.pulses.pulses.len().cmp(&a.pulses.pulses.len()))
            .then(b.snr_db.total_cmp(&a.snr_db))
    });
    Batch {
        found,
        t_min,
        held: job.held.clone(),
    }
}

/// A thread demodulating batches of closed bursts first in, first out.
struct Worker {
    jobs: Option<mpsc::SyncSender<Job>>,
    results: mpsc::Receiver<Batch>,
    /// Batches sent and not yet received.
    in_flight: usize,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    /// Starts the thread; `None` when the system cannot start one.
    fn spawn() -> Option<Self> {
        let (jobs, job_rx) = mpsc::sync_channel::<Job>(WORKER_QUEUE);
        let (result_tx, results) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name("demodulation".into())
            .spawn(move || {
                let mut planner = FftPlanner::new();
                for job in job_rx {
                    if result_tx
                        .send(demodulate_batch(&job, &mut planner))
                        .is_err()
                    {
                        break;
                    }
                }
            })
            .ok()?;
        Some(Worker {
            jobs: Some(jobs),
            results,
            in_flight: 0,
            handle: Some(handle),
        })
    }

    /// Queues a batch, waiting while the queue is full.
    fn send(&mut self, job: Job) {
        let sent = self.jobs.as_ref().is_some_and(|tx| tx.send(job).is_ok());
        if !sent {
            self.raise();
        }
        self.in_flight += 1;
    }

    /// The batches finished so far, in the order sent; with `wait`, every batch sent.
    fn receive(&mut self, wait: bool) -> Vec<Batch> {
        let mut done = Vec::new();
        while self.in_flight > 0 {
            let batch = if wait {
                self.results.recv().ok()
            } else {
                match self.results.try_recv() {
                    Ok(b) => Some(b),
                    Err(mpsc::TryRecvError::Empty) => break,
                    Err(mpsc::TryRecvError::Disconnected) => None,
                }
            };
            match batch {
                Some(b) => {
                    self.in_flight -= 1;
                    done.push(b);
                }
                None => self.raise(),
            }
        }
        done
    }

    /// The thread stopped early, which only a panic does: the panic goes on here.
    fn raise(&mut self) -> ! {
        self.jobs = None;
        match self.handle.take().map(|h| h.join()) {
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            _ => panic!("the demodulation thread stopped"),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the queue ends the thread once it has finished its batch.
        self.jobs = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal};

    /// Marks of a KeeLoq code word (µs, start and width): 12 preamble marks of Te with Te
    /// gaps, a 10 Te header, 66 PWM bits of 3 Te (1 = short mark), then the guard time.
    fn keeloq_marks(te: f64, bits: &[bool], t0: f64) -> Vec<(f64, f64)> {
        let mut v = Vec::new();
        let mut t = t0;
        for _ in 0..12 {
            v.push((t, te));
            t += 2.0 * te;
        }
        t += 10.0 * te - te;
        for &b in bits {
            v.push((t, if b { te } else { 2.0 * te }));
            t += 3.0 * te;
        }
        v
    }

    fn bits(seed: u64, n: usize) -> Vec<bool> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x & 1 == 1
            })
            .collect()
    }

    /// A keyed carrier: offset Hz, wideband SNR dB, marks (start µs, width µs), FSK deviation.
    type Keyed = (f64, f64, Vec<(f64, f64)>, f64);

    /// Complex white noise of total power `noise` plus carriers keyed by `marks` (µs);
    /// each signal: (offset Hz, wideband SNR dB, marks, FSK deviation (0 = OOK)).
    fn synth(fs: f64, dur_s: f64, noise: f64, signals: &[Keyed], seed: u64) -> Vec<Complex<f32>> {
        let n = (dur_s * fs) as usize;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let g = Normal::new(0.0f64, (noise / 2.0).sqrt()).unwrap();
        let mut x: Vec<Complex<f32>> = (0..n)
            .map(|_| Complex::new(g.sample(&mut rng) as f32, g.sample(&mut rng) as f32))
            .collect();
        for (off, snr, marks, dev) in signals {
            let a = (noise * 10f64.powf(snr / 10.0)).sqrt();
            let mut ph = 0.0f64;
            let mut on = vec![false; n];
            for &(s, w) in marks {
                let a0 = (s * 1e-6 * fs).round() as usize;
                let a1 = (((s + w) * 1e-6 * fs).round() as usize).min(n);
                on[a0.min(n)..a1].iter_mut().for_each(|v| *v = true);
            }
            let (first, last) = match (on.iter().position(|&v| v), on.iter().rposition(|&v| v)) {
                (Some(f), Some(l)) => (f, l),
                _ => continue,
            };
            for i in 0..n {
                let keyed = if *dev > 0.0 {
                    i >= first && i <= last
                } else {
                    on[i]
                };
                let f = if *dev > 0.0 {
                    off + if on[i] { *dev } else { -*dev }
                } else {
                    *off
                };
                ph += 2.0 * std::f64::consts::PI * f / fs;
                if keyed {
                    x[i] += Complex::new((a * ph.cos()) as f32, (a * ph.sin()) as f32);
                }
            }
        }
        x
    }

    fn run(fs: f64, x: &[Complex<f32>]) -> Vec<DetectedTransmission> {
        let mut p = BurstProcessor::new(DspConfig { sample_rate_hz: fs });
        let mut out = Vec::new();
        for b in x.chunks(10_000) {
            p.push(b, &mut out);
        }
        p.finish(&mut out);
        out
    }

    /// Transmissions from a processor on `x` pushed in blocks of `block`, in time order.
    fn run_with(
        mut p: BurstProcessor,
        x: &[Complex<f32>],
        block: usize,
    ) -> Vec<DetectedTransmission> {
        let mut out = Vec::new();
        for b in x.chunks(block) {
            p.push(b, &mut out);
        }
        p.finish(&mut out);
        out.sort_by(|a, b| {
            a.pulses
                .start_s
                .total_cmp(&b.pulses.start_s)
                .then(a.freq_offset_hz.total_cmp(&b.freq_offset_hz))
        });
        out
    }

    #[test]
    fn worker_thread_finds_the_same_transmissions() {
        let fs = 1_024_000.0;
        // Presses one after another and two at once on different carriers, OOK and FSK.
        let mut fsk = Vec::new();
        for (i, &v) in bits(13, 120).iter().enumerate() {
            if v {
                fsk.push((900_000.0 + i as f64 * 500.0, 500.0));
            }
        }
        let signals = [
            (
                -150_000.0,
                5.0,
                keeloq_marks(400.0, &bits(5, 66), 50_000.0),
                0.0,
            ),
            (
                120_000.0,
                5.0,
                keeloq_marks(300.0, &bits(6, 66), 70_000.0),
                0.0,
            ),
            (
                30_000.0,
                0.0,
                keeloq_marks(400.0, &bits(7, 66), 400_000.0),
                0.0,
            ),
            (-60_000.0, 10.0, fsk, 20_000.0),
        ];
        let x = synth(fs, 1.2, 1e-3, &signals, 21);
        let cfg = DspConfig { sample_rate_hz: fs };
        let inline = run_with(BurstProcessor::new(cfg.clone()), &x, 10_000);
        assert!(inline.len() >= 4, "{inline:#?}");
        for block in [777, 10_000, 262_144] {
            let threaded = run_with(BurstProcessor::with_worker(cfg.clone()), &x, block);
            assert_eq!(threaded, inline, "blocks of {block}");
        }
        // Dropped before the end of the stream, with bursts queued: the thread ends.
        let mut p = BurstProcessor::with_worker(cfg);
        let mut out = Vec::new();
        p.push(&x[..x.len() / 2], &mut out);
        drop(p);
    }

    #[test]
    fn frames_analysed_in_the_block_match_frames_gathered_one_sample_at_a_time() {
        let fs = 1_024_000.0;
        // A press during the floor's initialisation, and two after it whose pre-roll spans
        // blocks.
        let signals = [
            (
                300_000.0,
                5.0,
                keeloq_marks(400.0, &bits(8, 66), 20_000.0),
                0.0,
            ),
            (
                -150_000.0,
                5.0,
                keeloq_marks(400.0, &bits(5, 66), 50_000.0),
                0.0,
            ),
            (
                120_000.0,
                5.0,
                keeloq_marks(300.0, &bits(6, 66), 70_000.0),
                0.0,
            ),
        ];
        let x = synth(fs, 0.3, 1e-3, &signals, 22);
        let cfg = DspConfig { sample_rate_hz: fs };
        // One sample at a time: every frame is gathered, stored in the ring and analysed there.
        let gathered = run_with(BurstProcessor::new(cfg.clone()), &x, 1);
        assert!(gathered.len() >= 3, "{gathered:#?}");
        for block in [1024, 3 * 1024, 5 * 1024 + 3, 65_536, x.len()] {
            let got = run_with(BurstProcessor::new(cfg.clone()), &x, block);
            assert_eq!(got, gathered, "blocks of {block}");
        }
    }

    /// Largest error (µs) of mark and gap widths against the keyed marks.
    fn width_errors(t: &DetectedTransmission, marks: &[(f64, f64)]) -> (f64, f64) {
        let p = &t.pulses.pulses;
        assert_eq!(p.len(), marks.len(), "pulse count");
        let mut worst = 0.0f64;
        let mut sum = 0.0;
        for (i, (q, m)) in p.iter().zip(marks).enumerate() {
            let e = (q.high_us as f64 - m.1).abs();
            worst = worst.max(e);
            sum += e;
            if i + 1 < marks.len() {
                let gap = marks[i + 1].0 - m.0 - m.1;
                let e = (q.low_us as f64 - gap).abs();
                worst = worst.max(e);
                sum += e;
            }
        }
        (worst, sum / (2 * p.len() - 1) as f64)
    }

    #[test]
    fn ook_at_minus_3_db_is_sliced_exactly() {
        for (fs, off, seed) in [(250_000.0, 37_000.0, 1), (1_024_000.0, -55_000.0, 2)] {
            let b = bits(seed, 66);
            let marks = keeloq_marks(400.0, &b, 150_000.0);
            let x = synth(fs, 0.35, 1e-3, &[(off, -3.0, marks.clone(), 0.0)], seed);
            let tx = run(fs, &x);
            assert_eq!(tx.len(), 1, "{fs}: {tx:#?}");
            let t = &tx[0];
            assert_eq!(t.modulation, Modulation::Ook);
            assert!(
                (t.freq_offset_hz - off).abs() < 300.0,
                "freq {}",
                t.freq_offset_hz
            );
            assert!(
                (t.pulses.start_s - 0.15).abs() < 50e-6,
                "start {}",
                t.pulses.start_s
            );
            let (worst, mean) = width_errors(t, &marks);
            assert!(
                worst < 160.0 && mean < 35.0,
                "{fs}: worst {worst} µs, mean {mean} µs"
            );
            let got: Vec<bool> = t.pulses.pulses[12..]
                .iter()
                .map(|p| p.high_us < 600.0)
                .collect();
            assert_eq!(got, b, "bits at {fs}");
            assert!(
                (t.snr_db - (-3.0 + 10.0 * (fs / 10_000.0).log10())).abs() < 6.0,
                "snr {}",
                t.snr_db
            );
        }
    }

    #[test]
    fn ook_at_minus_6_db_is_detected() {
        for (fs, off, seed) in [(250_000.0, -20_000.0, 3), (1_024_000.0, 60_000.0, 4)] {
            let marks = keeloq_marks(400.0, &bits(seed, 66), 100_000.0);
            let x = synth(fs, 0.3, 1e-3, &[(off, -6.0, marks, 0.0)], seed);
            let tx = run(fs, &x);
            assert!(!tx.is_empty(), "nothing at {fs}");
            assert!(
                tx.iter().all(|t| (t.freq_offset_hz - off).abs() < 2_000.0),
                "{tx:#?}"
            );
        }
    }

    #[test]
    fn fsk_deviation_is_measured() {
        let fs = 250_000.0;
        // PCM at 2 kbit/s: the upper tone for 1 bits.
        let b = bits(9, 120);
        let mut marks = Vec::new();
        for (i, &v) in b.iter().enumerate() {
            if v {
                marks.push((50_000.0 + i as f64 * 500.0, 500.0));
            }
        }
        let x = synth(fs, 0.2, 1e-3, &[(10_000.0, 10.0, marks, 20_000.0)], 9);
        let tx = run(fs, &x);
        assert_eq!(tx.len(), 1, "{tx:#?}");
        let t = &tx[0];
        assert_eq!(t.modulation, Modulation::Fsk);
        let dev = t.fsk_deviation_hz.unwrap();
        assert!((dev - 20_000.0).abs() < 2_000.0, "deviation {dev}");
        assert!(
            (t.freq_offset_hz - 10_000.0).abs() < 2_000.0,
            "freq {}",
            t.freq_offset_hz
        );
        // Marks are whole bits: multiples of 500 µs.
        for p in &t.pulses.pulses {
            let k = (p.high_us / 500.0).round();
            assert!(k >= 1.0 && (p.high_us - 500.0 * k).abs() < 60.0, "{p:?}");
        }
    }

    #[test]
    fn two_transmitters_are_found_separately() {
        let fs = 1_024_000.0;
        let a = keeloq_marks(400.0, &bits(5, 66), 50_000.0);
        let b = keeloq_marks(300.0, &bits(6, 66), 70_000.0);
        let x = synth(
            fs,
            0.25,
            1e-3,
            &[
                (-150_000.0, 5.0, a.clone(), 0.0),
                (120_000.0, 5.0, b.clone(), 0.0),
            ],
            5,
        );
        let tx = run(fs, &x);
        assert_eq!(tx.len(), 2, "{tx:#?}");
        let lo = tx.iter().find(|t| t.freq_offset_hz < 0.0).expect("lower");
        let hi = tx.iter().find(|t| t.freq_offset_hz > 0.0).expect("upper");
        assert!((lo.freq_offset_hz + 150_000.0).abs() < 500.0);
        assert!((hi.freq_offset_hz - 120_000.0).abs() < 500.0);
        assert!(width_errors(lo, &a).0 < 60.0);
        assert!(width_errors(hi, &b).0 < 60.0);
    }

    #[test]
    fn white_noise_gives_nothing() {
        for (fs, level_db) in [
            (1_024_000.0, -50.0),
            (1_024_000.0, -30.0),
            (250_000.0, -15.0),
        ] {
            let noise = 10f64.powf(level_db / 10.0);
            let mut p = BurstProcessor::new(DspConfig { sample_rate_hz: fs });
            let mut out = Vec::new();
            // 10 s, generated a second at a time.
            for s in 0..10 {
                let x = synth(fs, 1.0, noise, &[], 100 + s);
                p.push(&x, &mut out);
            }
            p.finish(&mut out);
            assert!(out.is_empty(), "{level_db} dBFS at {fs}: {out:#?}");
        }
    }

    #[test]
    fn rtl_sdr_like_noise_gives_nothing() {
        // 8-bit quantised noise with a DC offset of 3 % of full scale, as an RTL-SDR gives.
        let fs = 250_000.0;
        for level_db in [-40.0, -25.0] {
            let noise = 10f64.powf(level_db / 10.0);
            let mut p = BurstProcessor::new(DspConfig { sample_rate_hz: fs });
            let mut out = Vec::new();
            for s in 0..10 {
                let x: Vec<Complex<f32>> = synth(fs, 1.0, noise, &[], 200 + s)
                    .into_iter()
                    .map(|v| {
                        let q = |u: f32| {
                            (((u + 0.03) * 127.5 + 127.5).round().clamp(0.0, 255.0) - 127.5) / 127.5
                        };
                        Complex::new(q(v.re), q(v.im))
                    })
                    .collect();
                p.push(&x, &mut out);
            }
            p.finish(&mut out);
            assert!(out.is_empty(), "{level_db}: {out:#?}");
        }
    }

    #[test]
    fn bad_input_does_not_panic() {
        let fs = 250_000.0;
        // A burst cut off by the end of the stream.
        let marks = keeloq_marks(400.0, &bits(7, 66), 60_000.0);
        let x = synth(fs, 0.1, 1e-3, &[(5_000.0, 10.0, marks, 0.0)], 7);
        let tx = run(fs, &x);
        assert!(!tx.is_empty() && tx.last().unwrap().truncated, "{tx:#?}");
        // All clipping, a huge DC step, extreme values, tiny streams.
        let clip = vec![Complex::new(1.0f32, -1.0); 200_000];
        assert!(run(fs, &clip).is_empty());
        let mut dc = synth(fs, 1.0, 1e-4, &[], 8);
        dc[100_000..]
            .iter_mut()
            .for_each(|v| *v += Complex::new(0.9, 0.0));
        let _ = run(fs, &dc);
        let ext: Vec<Complex<f32>> = (0..100_000)
            .map(|i| {
                if i % 1000 < 500 {
                    Complex::new(1e30, -1e30)
                } else {
                    Complex::new(0.0, 0.0)
                }
            })
            .collect();
        let _ = run(fs, &ext);
        assert!(run(fs, &x[..100]).is_empty());
        let _ = run(fs, &x[..3000]);
        let _ = run(0.0, &x[..3000]);
    }

    #[test]
    fn drifting_fsk_still_demodulates() {
        let fs = 250_000.0;
        let n = (0.3 * fs) as usize;
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let g = Normal::new(0.0f64, 0.01).unwrap();
        let mut ph = 0.0f64;
        let x: Vec<Complex<f32>> = (0..n)
            .map(|i| {
                let t = i as f64 / fs;
                let on = (0.05..0.25).contains(&t);
                let bit = ((t * 2000.0) as usize).is_multiple_of(2);
                // The carrier drifts by 8 kHz over the burst.
                let f = 5_000.0 + 40_000.0 * (t - 0.05) + if bit { 15_000.0 } else { -15_000.0 };
                ph += 2.0 * std::f64::consts::PI * f / fs;
                let s = if on {
                    Complex::from_polar(0.1, ph)
                } else {
                    Complex::new(0.0, 0.0)
                };
                Complex::new(
                    (s.re + g.sample(&mut rng)) as f32,
                    (s.im + g.sample(&mut rng)) as f32,
                )
            })
            .collect();
        let tx = run(fs, &x);
        assert_eq!(tx.len(), 1, "{tx:#?}");
        assert_eq!(tx[0].modulation, Modulation::Fsk);
        let p = &tx[0].pulses.pulses;
        assert!(p.len() > 150, "{}", p.len());
        let good = p
            .iter()
            .filter(|q| (q.high_us - 500.0).abs() < 80.0)
            .count();
        assert!(good * 10 >= p.len() * 9, "{good} of {}", p.len());
    }

    /// Marks of a PT2262 press: `frames` words of 12 trits (a trit is two marks: short 4α or
    /// long 12α, in a 32α slot), each followed by the sync mark (4α) and 124α of silence.
    fn pt2262_marks(alpha: f64, trits: &[u8], frames: usize, t0: f64) -> Vec<(f64, f64)> {
        let mut v = Vec::new();
        let mut t = t0;
        for _ in 0..frames {
            for &tr in trits {
                let pair = match tr {
                    0 => [false, false],
                    1 => [true, true],
                    _ => [false, true],
                };
                for long in pair {
                    v.push((t, if long { 12.0 * alpha } else { 4.0 * alpha }));
                    t += 16.0 * alpha;
                }
            }
            v.push((t, 4.0 * alpha));
            t += 128.0 * alpha;
        }
        v
    }

    /// Detection and exact-slicing rates over random carriers within ±60 kHz, printed as a
    /// table. Asserted: detection of (nearly) every press from −6 dB, every mark of every frame
    /// right in most presses at −3 dB and nearly all from 0 dB.
    #[test]
    fn sensitivity_sweep() {
        let trials = 8;
        println!("format   rate_kS/s  snr_dB  detected  marks_exact");
        for (fs, name) in [(250_000.0, "250"), (1_024_000.0, "1024")] {
            for format in ["PT2262", "KeeLoq"] {
                for snr in [-8.0, -6.0, -4.0, -3.0, 0.0] {
                    let (mut det, mut exact) = (0, 0);
                    for k in 0..trials {
                        let seed = 1000 + k as u64 + (snr as i64 + 20) as u64 * 100;
                        let off = -60_000.0
                            + 120_000.0
                                * (bits(seed, 16).iter().filter(|&&b| b).count() as f64 / 16.0);
                        let (marks, per_tx) = if format == "KeeLoq" {
                            let m = keeloq_marks(400.0, &bits(seed, 66), 60_000.0);
                            let n = m.len();
                            (m, n)
                        } else {
                            let trits: Vec<u8> = bits(seed, 24)
                                .chunks(2)
                                .map(|c| c[0] as u8 + c[1] as u8)
                                .collect();
                            // α = 80 µs: the 124α sync gaps (9.9 ms) stay inside one transmission.
                            (pt2262_marks(80.0, &trits, 4, 60_000.0), 100)
                        };
                        let x = synth(fs, 0.3, 1e-3, &[(off, snr, marks.clone(), 0.0)], seed);
                        let tx = run(fs, &x);
                        if tx.iter().any(|t| (t.freq_offset_hz - off).abs() < 2_000.0) {
                            det += 1;
                        }
                        // Exact: every keyed frame comes out with the right long/short marks.
                        let want: Vec<Vec<bool>> = marks
                            .chunks(per_tx)
                            .map(|c| c.iter().map(|m| m.1 > 600.0).collect())
                            .collect();
                        let got: Vec<Vec<bool>> = tx
                            .iter()
                            .map(|t| t.pulses.pulses.iter().map(|p| p.high_us > 600.0).collect())
                            .collect();
                        if got == want {
                            exact += 1;
                        }
                    }
                    println!(
                        "{format:<8} {name:>9} {snr:>7.1} {det:>6}/{trials} {exact:>8}/{trials}"
                    );
                    if snr >= -6.0 {
                        assert!(
                            det * 10 >= trials * 9,
                            "{format} {name} k at {snr} dB: detected {det}/{trials}"
                        );
                    }
                    // Exact slicing of every mark of every frame: most presses at −3 dB, all but
                    // an occasional one from 0 dB.
                    let need = if snr >= 0.0 {
                        7
                    } else if snr >= -3.0 {
                        5
                    } else {
                        0
                    };
                    assert!(
                        exact >= need,
                        "{format} {name} k at {snr} dB: exact {exact}/{trials}"
                    );
                }
            }
        }
    }
}
