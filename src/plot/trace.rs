//! The trace panel's data: the demodulated envelope (OOK) or instantaneous frequency (FSK) of
//! one transmission, and where its sliced pulses and bits sit in time.
//!
//! The transmission's time window is re-channelised from the raw samples with the crate's own
//! DSP blocks (an [`Nco`] to bring its carrier to 0 Hz, then a low-pass [`Decimator`]), and the
//! demodulated values are reduced on the fly to a fixed number of min/max buckets, so memory
//! is flat whatever the length of the window.

use num_complex::Complex;

use crate::dsp::Modulation;
use crate::dsp::decimator::Decimator;
use crate::dsp::fir;
use crate::dsp::nco::Nco;
use crate::model::Transmission;
use crate::pulse::{self, Coding, PulseTrain};

/// Number of time buckets of a trace (at least the trace panel's width in pixels).
pub const BUCKETS: usize = 1200;

/// What a trace shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceKind {
    /// Magnitude of the channel-filtered signal, × full scale.
    Envelope,
    /// Instantaneous frequency relative to the carrier, Hz.
    Frequency,
}

/// The time window of a transmission, padded so its edges show.
pub fn window_of(t: &Transmission) -> (f64, f64) {
    let pad = (t.duration_s * 0.04).max(0.5e-3);
    ((t.start_s - pad).max(0.0), t.start_s + t.duration_s + pad)
}

/// Min/max of the values that fell in one bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    /// Smallest value.
    pub min: f32,
    /// Largest value.
    pub max: f32,
}

/// A finished trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceData {
    /// Envelope or frequency.
    pub kind: TraceKind,
    /// Window start, s from the start of the recording.
    pub t0: f64,
    /// Window end, s.
    pub t1: f64,
    /// [`BUCKETS`] buckets spanning `t0..t1`; `None` where nothing fell (or, for frequency,
    /// where the signal was below the gate).
    pub buckets: Vec<Option<Bucket>>,
}

impl TraceData {
    /// The largest absolute value in the trace (0 when empty).
    pub fn peak(&self) -> f32 {
        self.buckets
            .iter()
            .flatten()
            .fold(0.0f32, |a, b| a.max(b.max.abs()).max(b.min.abs()))
    }
}

/// Builds a trace from the samples of the whole recording, streamed block by block.
pub struct TraceBuilder {
    kind: TraceKind,
    fs: f64,
    t0: f64,
    t1: f64,
    n0: u64,
    n1: u64,
    seen: u64,
    nco: Nco,
    dec: Decimator,
    factor: usize,
    mixed: Vec<Complex<f32>>,
    out: Vec<Complex<f32>>,
    out_count: u64,
    prev: Option<Complex<f32>>,
    gate_power: f32,
    buckets: Vec<Option<Bucket>>,
}

impl TraceBuilder {
    /// A builder for transmission `t` of a recording sampled at `fs`, over the time window
    /// `(t0, t1)` (see [`window_of`]); `None` when `t` has no carrier offset (it did not come
    /// from IQ samples) or the window is empty.
    pub fn new(t: &Transmission, fs: f64, (t0, t1): (f64, f64)) -> Option<Self> {
        let offset = t.freq_offset_hz?;
        if fs.is_nan() || fs <= 0.0 || t1.is_nan() || t1 <= t0 || t0.is_nan() || t0 < 0.0 {
            return None;
        }
        let kind = match t.modulation {
            Some(Modulation::Fsk) => TraceKind::Frequency,
            _ => TraceKind::Envelope,
        };
        let bw = t.bandwidth_hz.unwrap_or(20e3).max(2e3);
        let cutoff = match kind {
            TraceKind::Envelope => bw.max(8e3),
            TraceKind::Frequency => t.fsk_deviation_hz.unwrap_or(bw / 2.0).abs() * 1.6 + 8e3,
        }
        .min(0.45 * fs);
        let factor = ((fs / (4.0 * cutoff)).floor() as usize).max(1);
        let taps = fir::blackman_taps(fs, cutoff * 0.5, 511);
        // Gate for the frequency trace: 6 dB over the channel noise, when it is known.
        let gate_power = t
            .noise_dbfs
            .map(|n| 10f64.powf((n + 6.0) / 10.0) as f32)
            .unwrap_or(0.0);
        Some(TraceBuilder {
            kind,
            fs,
            t0,
            t1,
            n0: (t0 * fs).floor() as u64,
            n1: (t1 * fs).ceil() as u64,
            seen: 0,
            nco: Nco::new(offset, fs),
            dec: Decimator::new(fir::lowpass(fs, cutoff, taps), factor),
            factor,
            mixed: Vec::new(),
            out: Vec::new(),
            out_count: 0,
            prev: None,
            gate_power,
            buckets: vec![None; BUCKETS],
        })
    }

    /// Feeds the next block of the recording (all blocks, in order; only the window is used).
    pub fn push(&mut self, block: &[Complex<f32>]) {
        let start = self.seen;
        self.seen += block.len() as u64;
        let a = self.n0.max(start);
        let b = self.n1.min(self.seen);
        if a >= b {
            return;
        }
        let slice = &block[(a - start) as usize..(b - start) as usize];
        self.mixed.clear();
        self.nco.mix_into(slice, &mut self.mixed);
        self.out.clear();
        self.dec.process(&self.mixed, &mut self.out);
        let delay = self.dec.delay();
        let span = self.t1 - self.t0;
        for k in 0..self.out.len() {
            let y = self.out[k];
            let idx = self.out_count;
            self.out_count += 1;
            let t = (self.n0 as f64 + idx as f64 * self.factor as f64 + delay) / self.fs;
            let value = match self.kind {
                TraceKind::Envelope => Some(y.norm()),
                TraceKind::Frequency => {
                    let v = self.prev.and_then(|p| {
                        (y.norm_sqr() > self.gate_power && p.norm_sqr() > self.gate_power).then(
                            || {
                                let dphi = (y * p.conj()).arg() as f64;
                                (dphi * self.fs / self.factor as f64 / std::f64::consts::TAU) as f32
                            },
                        )
                    });
                    self.prev = Some(y);
                    v
                }
            };
            let Some(v) = value else { continue };
            let pos = ((t - self.t0) / span * BUCKETS as f64).floor();
            if pos < 0.0 || pos >= BUCKETS as f64 {
                continue;
            }
            let cell = &mut self.buckets[pos as usize];
            *cell = Some(match *cell {
                None => Bucket { min: v, max: v },
                Some(c) => Bucket {
                    min: c.min.min(v),
                    max: c.max.max(v),
                },
            });
        }
    }

    /// The finished trace.
    pub fn finish(self) -> TraceData {
        TraceData {
            kind: self.kind,
            t0: self.t0,
            t1: self.t1,
            buckets: self.buckets,
        }
    }
}

/// One sliced bit and where it sits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BitMark {
    /// Time of the bit's centre, s from the start of the recording.
    pub t_s: f64,
    /// The bit.
    pub bit: bool,
}

/// The marks of a pulse train as `(start, end)` times, s.
pub fn marks(train: &PulseTrain) -> Vec<(f64, f64)> {
    let mut t = train.start_s;
    train
        .pulses
        .iter()
        .map(|p| {
            let m = (t, t + p.high_us as f64 * 1e-6);
            t += (p.high_us as f64 + p.low_us as f64) * 1e-6;
            m
        })
        .collect()
}

/// Where the sliced bits of a train sit: for PWM and PPM one bit per pulse period (mark and
/// the space after it), for the other codings spread evenly over the row's span.
pub fn bit_marks(train: &PulseTrain) -> Vec<BitMark> {
    let analysis = pulse::analyze(train);
    let mut starts = Vec::with_capacity(train.pulses.len() + 1);
    let mut t = train.start_s;
    for p in &train.pulses {
        starts.push(t);
        t += (p.high_us as f64 + p.low_us as f64) * 1e-6;
    }
    starts.push(t);
    let mut out = Vec::new();
    for row in &analysis.rows {
        let first = row.first_pulse.min(train.pulses.len());
        let end = (row.first_pulse + row.pulse_count).min(train.pulses.len());
        if first >= end || row.bits.is_empty() {
            continue;
        }
        let per_pulse =
            matches!(analysis.coding, Coding::Pwm | Coding::Ppm) && row.bits.len() <= end - first;
        if per_pulse {
            // A bit spans its mark and the space after it; the space after a row's last mark is
            // the gap, so periods are capped at the row's median period.
            let mut periods: Vec<f64> = train.pulses[first..end]
                .iter()
                .map(|p| (p.high_us as f64 + p.low_us as f64) * 1e-6)
                .collect();
            periods.sort_by(f64::total_cmp);
            let cap = periods[periods.len() / 2];
            for (i, &bit) in row.bits.iter().enumerate() {
                let k = first + i;
                let p = &train.pulses[k];
                let period = ((p.high_us as f64 + p.low_us as f64) * 1e-6).min(cap);
                out.push(BitMark {
                    t_s: starts[k] + 0.5 * period,
                    bit,
                });
            }
        } else {
            let last = &train.pulses[end - 1];
            let span_end = starts[end - 1] + last.high_us as f64 * 1e-6;
            let step = (span_end - starts[first]) / row.bits.len() as f64;
            for (i, &bit) in row.bits.iter().enumerate() {
                out.push(BitMark {
                    t_s: starts[first] + (i as f64 + 0.5) * step,
                    bit,
                });
            }
        }
    }
    out
}

/// The transmission a picture's trace panel shows: the strongest by RSSI, else the one with
/// the most pulses.
pub fn strongest(ts: &[Transmission]) -> Option<usize> {
    (0..ts.len()).max_by(|&a, &b| {
        let ka = (ts[a].rssi_dbfs.unwrap_or(f64::NEG_INFINITY), ts[a].pulses);
        let kb = (ts[b].rssi_dbfs.unwrap_or(f64::NEG_INFINITY), ts[b].pulses);
        ka.0.total_cmp(&kb.0).then(ka.1.cmp(&kb.1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::describe;
    use crate::pulse::Pulse;

    fn pwm_train(bits: &[bool], start_s: f64) -> PulseTrain {
        let mut pulses: Vec<Pulse> = Vec::new();
        for _ in 0..3 {
            for &b in bits {
                let (h, l) = if b { (800.0, 400.0) } else { (400.0, 800.0) };
                pulses.push(Pulse {
                    high_us: h,
                    low_us: l,
                });
            }
            if let Some(p) = pulses.last_mut() {
                p.low_us = 12_000.0;
            }
        }
        PulseTrain { start_s, pulses }
    }

    #[test]
    fn pwm_bits_sit_on_their_pulses() {
        let bits: Vec<bool> = (0..24).map(|i| (i * 7) % 3 == 0).collect();
        let train = pwm_train(&bits, 0.1);
        let marks_t = marks(&train);
        let bm = bit_marks(&train);
        assert!(bm.len() >= bits.len(), "{} bits placed", bm.len());
        // The slicer decides which width means 1; every bit follows its pulse's width.
        let inverted = bm[0].bit != bits[0];
        for (i, m) in bm.iter().take(bits.len()).enumerate() {
            assert_eq!(m.bit, bits[i] ^ inverted, "bit {i}");
            // The centre of the 1200 µs period starting at pulse i.
            let want = marks_t[i].0 + 600e-6;
            assert!(
                (m.t_s - want).abs() < 1e-6,
                "bit {i} at {} want {want}",
                m.t_s
            );
        }
    }

    #[test]
    fn envelope_trace_follows_the_keying() {
        let fs = 250e3;
        let offset = 20e3;
        // 2 ms on, 2 ms off, 5 times, starting at 10 ms, in a 40 ms recording.
        let on = |t: f64| {
            (0.010..0.030).contains(&t) && (((t - 0.010) / 0.002) as u64).is_multiple_of(2)
        };
        let x: Vec<Complex<f32>> = (0..(0.040 * fs) as usize)
            .map(|n| {
                let t = n as f64 / fs;
                let ph = std::f64::consts::TAU * offset * t;
                let a = if on(t) { 0.5 } else { 0.0 };
                Complex::new((a * ph.cos()) as f32, (a * ph.sin()) as f32)
            })
            .collect();
        let mut t = describe(pwm_train(&[true, false], 0.010));
        t.start_s = 0.010;
        t.duration_s = 0.018;
        t.freq_offset_hz = Some(offset);
        t.modulation = Some(Modulation::Ook);
        t.bandwidth_hz = Some(5e3);
        let mut b = TraceBuilder::new(&t, fs, window_of(&t)).unwrap();
        for c in x.chunks(4096) {
            b.push(c);
        }
        let d = b.finish();
        assert_eq!(d.kind, TraceKind::Envelope);
        let at = |time: f64| {
            let i = ((time - d.t0) / (d.t1 - d.t0) * BUCKETS as f64) as usize;
            d.buckets[i].unwrap()
        };
        for k in 0..4 {
            let mid_on = 0.010 + 0.004 * k as f64 + 0.001;
            let mid_off = mid_on + 0.002;
            assert!(
                (at(mid_on).max - 0.5).abs() < 0.05,
                "on {k}: {:?}",
                at(mid_on)
            );
            assert!(at(mid_off).max < 0.05, "off {k}: {:?}", at(mid_off));
        }
        assert!((d.peak() - 0.5).abs() < 0.06);
    }

    #[test]
    fn frequency_trace_follows_the_tones_and_is_blank_in_silence() {
        let fs = 250e3;
        let carrier = -40e3;
        let dev = 20e3;
        // 10..30 ms: 2 ms at +dev, 2 ms at -dev, alternating; silence around it.
        let tone = |t: f64| {
            if !(0.010..0.030).contains(&t) {
                None
            } else if (((t - 0.010) / 0.002) as u64).is_multiple_of(2) {
                Some(dev)
            } else {
                Some(-dev)
            }
        };
        let mut ph = 0.0f64;
        let x: Vec<Complex<f32>> = (0..(0.040 * fs) as usize)
            .map(|n| match tone(n as f64 / fs) {
                Some(f) => {
                    ph += std::f64::consts::TAU * (carrier + f) / fs;
                    Complex::new(0.3 * ph.cos() as f32, 0.3 * ph.sin() as f32)
                }
                None => Complex::new(0.0, 0.0),
            })
            .collect();
        let mut t = describe(pwm_train(&[true, false], 0.010));
        t.start_s = 0.010;
        t.duration_s = 0.020;
        t.freq_offset_hz = Some(carrier);
        t.modulation = Some(Modulation::Fsk);
        t.fsk_deviation_hz = Some(dev);
        t.bandwidth_hz = Some(50e3);
        t.noise_dbfs = Some(-60.0);
        let mut b = TraceBuilder::new(&t, fs, (0.005, 0.035)).unwrap();
        for c in x.chunks(3000) {
            b.push(c);
        }
        let d = b.finish();
        assert_eq!(d.kind, TraceKind::Frequency);
        let at = |time: f64| d.buckets[((time - d.t0) / (d.t1 - d.t0) * BUCKETS as f64) as usize];
        for k in 0..5 {
            let up = at(0.010 + 0.004 * k as f64 + 0.001).unwrap();
            let down = at(0.012 + 0.004 * k as f64 + 0.001).unwrap();
            assert!((up.min - dev as f32).abs() < 1e3, "{k}: {up:?}");
            assert!((down.max + dev as f32).abs() < 1e3, "{k}: {down:?}");
        }
        assert!(
            at(0.007).is_none() && at(0.033).is_none(),
            "silence is gated out"
        );
    }

    #[test]
    fn strongest_prefers_power_then_pulses() {
        let mut a = describe(pwm_train(&[true], 0.0));
        let mut b = a.clone();
        a.rssi_dbfs = Some(-30.0);
        b.rssi_dbfs = Some(-10.0);
        assert_eq!(strongest(&[a.clone(), b.clone()]), Some(1));
        a.rssi_dbfs = None;
        b.rssi_dbfs = None;
        b.pulses = a.pulses + 1;
        assert_eq!(strongest(&[b, a]), Some(0));
        assert_eq!(strongest(&[]), None);
    }
}
