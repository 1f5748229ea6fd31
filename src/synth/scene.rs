//! Scenes: bursts at given times over noise, generated block by block in constant memory, with
//! the ground truth of what was generated.
//!
//! A [`Scene`] describes a capture (sample rate, centre frequency, duration, noise, receiver
//! front end) and the [`Burst`]s in it. [`Scene::stream`] yields its samples in blocks of any
//! size: only the bursts on air at the moment are held (their edge lists and phases), so a
//! 10-minute 2.4 MS/s scene needs no more memory than a 1-second one. [`render`] makes the
//! whole capture in memory, for short test signals. [`Scene::truth`] tells where each burst is,
//! at which frequency and with which bits, for tests to compare against.
//!
//! Determinism: the noise and the burst phases come from ChaCha8 generators seeded from
//! [`Scene::seed`]; the same scene and seed give the same samples whatever the block size.

use num_complex::Complex;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::dsp::Modulation;
use crate::source::{FileFormat, IqSource, SampleFormat, SourceError, StreamInfo};

use super::SynthError;
use super::impairments::{FrontEnd, NoiseSource, dbfs_to_amplitude, ppm_shift_hz};
use super::linecode::bits_string;
use super::modulator::{BurstModulator, CarrierParams, Keying, Spur};
use super::words::Press;

/// Longest scene, seconds.
pub const MAX_DURATION_S: f64 = 3600.0;
/// Most samples [`render`] makes in memory (256 Mi samples = 2 GiB); longer scenes must be
/// streamed.
pub const MAX_RENDER_SAMPLES: u64 = 1 << 28;
/// Default raised-cosine edge of OOK keying, µs.
pub const DEFAULT_EDGE_US: f64 = 4.0;

/// One transmission in a scene.
#[derive(Clone, Debug, PartialEq)]
pub struct Burst {
    /// Start of the program (OOK) or of the carrier (FSK, `lead_in_us` before the program),
    /// seconds from the start of the capture.
    pub start_s: f64,
    /// What is keyed.
    pub press: Press,
    /// OOK or FSK.
    pub keying: Keying,
    /// Nominal carrier offset from the centre frequency, Hz (before the crystal error).
    pub offset_hz: f64,
    /// Crystal error of the transmitter, ppm of the absolute carrier frequency (needs
    /// [`Scene::center_freq_hz`]).
    pub ppm: f64,
    /// Linear frequency drift over the burst, Hz.
    pub drift_hz: f64,
    /// Carrier power at the start of the burst, dBFS.
    pub level_dbfs: f64,
    /// Amplitude drop from the start to the end of the burst, dB.
    pub sag_db: f64,
    /// Raised-cosine edge, µs (0: hard keying, whose splatter spreads far beside the carrier).
    pub edge_us: f64,
    /// Weaker emissions keyed with the carrier (reference spurs, mixing products).
    pub spurs: Vec<Spur>,
}

impl Burst {
    /// An OOK burst at the centre frequency, −20 dBFS, no impairment.
    pub fn new(start_s: f64, press: Press) -> Self {
        Burst {
            start_s,
            press,
            keying: Keying::Ook,
            offset_hz: 0.0,
            ppm: 0.0,
            drift_hz: 0.0,
            level_dbfs: -20.0,
            sag_db: 0.0,
            edge_us: DEFAULT_EDGE_US,
            spurs: Vec::new(),
        }
    }

    /// Time from [`Burst::start_s`] to the end of its program (FSK: lead-in and tail
    /// included), seconds.
    pub fn air_duration_s(&self) -> f64 {
        let lead_us = match self.keying {
            Keying::Ook => 0.0,
            Keying::Fsk { lead_in_us, .. } => 2.0 * lead_in_us.max(0.0),
        };
        (self.press.duration_us() + lead_us) * 1e-6
    }
}

/// A capture to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    /// Samples per second.
    pub sample_rate_hz: f64,
    /// Frequency the receiver is tuned to, Hz (needed for `ppm`).
    pub center_freq_hz: Option<f64>,
    /// Length of the capture, seconds.
    pub duration_s: f64,
    /// Complex noise power over the whole bandwidth, dBFS; `None` for a clean signal.
    pub noise_dbfs: Option<f64>,
    /// Receiver DC offset and IQ imbalance.
    pub front_end: FrontEnd,
    /// Seed of the noise and phase generators.
    pub seed: u64,
    /// The transmissions.
    pub bursts: Vec<Burst>,
}

/// What one burst really is, for tests to compare with.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BurstTruth {
    /// `KeeLoq`, `PT2262`, `EV1527`, or the line code of generic bits.
    pub protocol: String,
    /// OOK or FSK.
    pub modulation: Modulation,
    /// Carrier on (first edge, ramp included), seconds.
    pub start_s: f64,
    /// Carrier off, seconds.
    pub end_s: f64,
    /// Carrier offset from the centre at the burst start (crystal error included), Hz.
    pub freq_offset_hz: f64,
    /// Absolute carrier frequency, Hz, when the centre is known.
    pub freq_hz: Option<f64>,
    /// FSK deviation, Hz.
    pub fsk_deviation_hz: Option<f64>,
    /// Carrier power at the start, dBFS.
    pub level_dbfs: f64,
    /// Wideband SNR at the start (see [`super::impairments`]), dB; `None` without noise.
    pub snr_db: Option<f64>,
    /// Amplitude sag over the burst, dB.
    pub sag_db: f64,
    /// Frequency drift over the burst, Hz.
    pub drift_hz: f64,
    /// Symbol time after timing drift, µs (α for PT2262).
    pub te_us: f64,
    /// Number of marks.
    pub pulses: usize,
    /// The complete words sent, as `0`/`1` strings.
    pub words: Vec<String>,
    /// Cut short (brown-out truncation, or by the end of the capture).
    pub truncated: bool,
}

impl Scene {
    /// A noise-free, empty scene.
    pub fn new(sample_rate_hz: f64, duration_s: f64) -> Self {
        Scene {
            sample_rate_hz,
            center_freq_hz: None,
            duration_s,
            noise_dbfs: None,
            front_end: FrontEnd::default(),
            seed: 0,
            bursts: Vec::new(),
        }
    }

    /// A scene holding `burst` after `pre_s` of silence and followed by `post_s` (the burst's
    /// `start_s` is set to `pre_s`); noise-free, seed 0.
    pub fn single(
        sample_rate_hz: f64,
        center_freq_hz: Option<f64>,
        mut burst: Burst,
        pre_s: f64,
        post_s: f64,
    ) -> Self {
        burst.start_s = pre_s;
        let mut scene = Scene::new(sample_rate_hz, pre_s + burst.air_duration_s() + post_s);
        scene.center_freq_hz = center_freq_hz;
        scene.bursts.push(burst);
        scene
    }

    /// Number of samples of the capture.
    pub fn total_samples(&self) -> u64 {
        (self.duration_s * self.sample_rate_hz).round().max(0.0) as u64
    }

    /// Carrier offset of a burst from the centre, crystal error included, Hz.
    pub fn carrier_offset_hz(&self, burst: &Burst) -> f64 {
        let abs = self.center_freq_hz.unwrap_or(0.0) + burst.offset_hz;
        burst.offset_hz + ppm_shift_hz(abs, burst.ppm)
    }

    /// Checks that the scene can be generated.
    pub fn validate(&self) -> Result<(), SynthError> {
        let bad = |m: String| Err(SynthError::Invalid(m));
        if !(self.sample_rate_hz.is_finite() && self.sample_rate_hz >= 1.0) {
            return bad(format!(
                "sample rate {} is not positive",
                self.sample_rate_hz
            ));
        }
        if !(self.duration_s.is_finite() && self.duration_s > 0.0) {
            return bad(format!("duration {} s is not positive", self.duration_s));
        }
        if self.duration_s > MAX_DURATION_S {
            return bad(format!(
                "duration {:.1} s is over the limit of {MAX_DURATION_S} s",
                self.duration_s
            ));
        }
        if let Some(n) = self.noise_dbfs
            && !n.is_finite()
        {
            return bad("noise level is not finite".into());
        }
        let nyq = self.sample_rate_hz / 2.0;
        for (i, b) in self.bursts.iter().enumerate() {
            let k = i + 1;
            if b.ppm != 0.0 && self.center_freq_hz.is_none() {
                return bad(format!(
                    "burst {k}: a crystal error in ppm needs the centre frequency"
                ));
            }
            let nums = [
                b.start_s,
                b.offset_hz,
                b.ppm,
                b.drift_hz,
                b.level_dbfs,
                b.sag_db,
                b.edge_us,
            ];
            if nums.iter().any(|v| !v.is_finite()) || b.start_s < 0.0 || b.edge_us < 0.0 {
                return bad(format!("burst {k}: a parameter is negative or not finite"));
            }
            let dev = match b.keying {
                Keying::Ook => 0.0,
                Keying::Fsk {
                    deviation_hz,
                    lead_in_us,
                } => {
                    let dev_ok = deviation_hz.is_finite() && deviation_hz > 0.0;
                    let lead_ok = lead_in_us.is_finite() && lead_in_us >= 0.0;
                    if !(dev_ok && lead_ok) {
                        return bad(format!(
                            "burst {k}: FSK deviation must be positive, lead-in not negative"
                        ));
                    }
                    deviation_hz
                }
            };
            let f = self.carrier_offset_hz(b);
            let lo = f.min(f + b.drift_hz) - dev;
            let hi = f.max(f + b.drift_hz) + dev;
            if lo <= -nyq || hi >= nyq {
                return bad(format!(
                    "burst {k}: the signal spans {lo:.0} to {hi:.0} Hz from the centre, outside \
                     ±{nyq:.0} Hz (half the sample rate)"
                ));
            }
            for s in &b.spurs {
                let ok = s.offset_hz.is_finite() && s.level_dbc.is_finite() && s.level_dbc <= 0.0;
                if !ok || lo + s.offset_hz <= -nyq || hi + s.offset_hz >= nyq {
                    return bad(format!(
                        "burst {k}: a spur at {:.0} Hz, {:.1} dBc must be finite, not above the \
                         carrier and inside ±{nyq:.0} Hz",
                        f + s.offset_hz,
                        s.level_dbc
                    ));
                }
            }
        }
        Ok(())
    }

    fn modulator(&self, b: &Burst, phase0: f64) -> BurstModulator {
        let carrier = CarrierParams {
            offset_hz: self.carrier_offset_hz(b),
            drift_hz: b.drift_hz,
            amplitude: dbfs_to_amplitude(b.level_dbfs),
            sag_db: b.sag_db,
            edge_us: b.edge_us,
            phase0,
        };
        BurstModulator::new(&b.press.envelope, b.keying, carrier, self.sample_rate_hz)
            .with_spurs(&b.spurs)
    }

    fn start_sample(&self, b: &Burst) -> u64 {
        (b.start_s * self.sample_rate_hz).round() as u64
    }

    /// The ground truth of every burst, in the order of [`Scene::bursts`].
    pub fn truth(&self) -> Vec<BurstTruth> {
        self.bursts
            .iter()
            .map(|b| {
                let m = self.modulator(b, 0.0);
                let t0 = self.start_sample(b) as f64 / self.sample_rate_hz;
                let (on0, on1) = m.on_span_us();
                let end_s = t0 + on1 * 1e-6;
                let offset = self.carrier_offset_hz(b);
                let (modulation, dev) = match b.keying {
                    Keying::Ook => (Modulation::Ook, None),
                    Keying::Fsk { deviation_hz, .. } => (Modulation::Fsk, Some(deviation_hz)),
                };
                BurstTruth {
                    protocol: b.press.protocol.clone(),
                    modulation,
                    start_s: t0 + on0 * 1e-6,
                    end_s,
                    freq_offset_hz: offset,
                    freq_hz: self.center_freq_hz.map(|c| c + offset),
                    fsk_deviation_hz: dev,
                    level_dbfs: b.level_dbfs,
                    snr_db: self.noise_dbfs.map(|n| b.level_dbfs - n),
                    sag_db: b.sag_db,
                    drift_hz: b.drift_hz,
                    te_us: b.press.te_us,
                    pulses: b.press.envelope.marks(),
                    words: b.press.words.iter().map(|w| bits_string(w)).collect(),
                    truncated: b.press.truncated || end_s > self.duration_s,
                }
            })
            .collect()
    }

    /// A block-by-block generator of the scene (validated first).
    pub fn stream(&self) -> Result<SceneStream, SynthError> {
        self.validate()?;
        let mut order: Vec<usize> = (0..self.bursts.len()).collect();
        order.sort_by(|&a, &b| self.bursts[a].start_s.total_cmp(&self.bursts[b].start_s));
        // Phases are drawn in burst order, independent of the noise generator.
        let mut prng = ChaCha8Rng::seed_from_u64(self.seed ^ 0x0B5C_0FFE_E0DD_BA11);
        let phases: Vec<f64> = (0..self.bursts.len())
            .map(|_| prng.random::<f64>() * std::f64::consts::TAU)
            .collect();
        let info = StreamInfo {
            path: "synth".into(),
            format: FileFormat::Raw(SampleFormat::Cf32),
            sample_format: SampleFormat::Cf32,
            sample_rate_hz: self.sample_rate_hz,
            center_freq_hz: self.center_freq_hz,
            total_samples: Some(self.total_samples()),
            datetime: None,
            hardware: Some("fobscope synth".into()),
        };
        Ok(SceneStream {
            noise: self.noise_dbfs.map(|n| NoiseSource::new(n, self.seed)),
            total: self.total_samples(),
            scene: self.clone(),
            order,
            phases,
            next: 0,
            pos: 0,
            active: Vec::new(),
            info,
        })
    }
}

/// Streams a [`Scene`] in blocks.
#[derive(Clone, Debug)]
pub struct SceneStream {
    scene: Scene,
    order: Vec<usize>,
    phases: Vec<f64>,
    /// Index into `order` of the next burst to start.
    next: usize,
    pos: u64,
    total: u64,
    /// Bursts on air: their modulators.
    active: Vec<BurstModulator>,
    noise: Option<NoiseSource>,
    info: StreamInfo,
}

impl SceneStream {
    /// Fills `out` with the next samples; returns how many (0 at the end of the scene).
    pub fn next_block(&mut self, out: &mut [Complex<f32>]) -> usize {
        let n = (self.total - self.pos).min(out.len() as u64) as usize;
        let out = &mut out[..n];
        out.fill(Complex::new(0.0, 0.0));
        let end = self.pos + n as u64;
        for m in self.active.iter_mut() {
            m.add_into(out);
        }
        while let Some(&i) = self.order.get(self.next) {
            let b = &self.scene.bursts[i];
            let s = self.scene.start_sample(b);
            if s >= end {
                break;
            }
            let mut m = self.scene.modulator(b, self.phases[i]);
            // Bursts start in the block that holds their first sample, so `s >= pos`.
            m.add_into(&mut out[s.saturating_sub(self.pos) as usize..]);
            self.active.push(m);
            self.next += 1;
        }
        self.active.retain(|m| !m.is_done());
        if let Some(noise) = self.noise.as_mut() {
            noise.add_into(out);
        }
        self.scene.front_end.apply(out);
        self.pos = end;
        n
    }

    /// Samples produced so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Total samples of the scene.
    pub fn total_samples(&self) -> u64 {
        self.total
    }

    /// Capacity, in elements, of the buffers the generator holds besides the scene description
    /// (the list of bursts on air and their edge lists): it depends on how many bursts overlap,
    /// never on the length of the capture.
    pub fn state_capacity(&self) -> usize {
        self.active.capacity() + self.active.iter().map(|m| m.capacity()).sum::<usize>()
    }
}

impl IqSource for SceneStream {
    fn info(&self) -> &StreamInfo {
        &self.info
    }

    fn read(&mut self, out: &mut [Complex<f32>]) -> Result<usize, SourceError> {
        Ok(self.next_block(out))
    }
}

/// The whole scene in memory (for short signals; at most [`MAX_RENDER_SAMPLES`]).
pub fn render(scene: &Scene) -> Result<Vec<Complex<f32>>, SynthError> {
    let mut s = scene.stream()?;
    let total = s.total_samples();
    if total > MAX_RENDER_SAMPLES {
        return Err(SynthError::Invalid(format!(
            "{total} samples are too many to render in memory; stream the scene instead"
        )));
    }
    let mut v = vec![Complex::new(0.0f32, 0.0); total as usize];
    let n = s.next_block(&mut v);
    v.truncate(n);
    Ok(v)
}
