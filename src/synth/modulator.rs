//! The modulator: an envelope program to complex baseband, one sample at a time.
//!
//! - **OOK**: the carrier is keyed on and off; every edge is a raised-cosine ramp of `edge_us`
//!   (a few µs, as a real transmitter's output stage), so the spectrum is not the infinite
//!   sinc of an ideal switch. The ramp is centred on the ideal edge, so mark widths measured at
//!   half amplitude are exact.
//! - **2-FSK**: the carrier stays on for the whole burst, at `+deviation` for marks and
//!   `−deviation` for spaces around the carrier, with continuous phase (the tone changes follow
//!   the same raised-cosine ramp); the carrier starts `lead_in_us` before the program and stops
//!   `lead_in_us` after its last mark.
//!
//! The carrier sits at `offset_hz` from the centre, drifts linearly by `drift_hz` from the
//! first to the last sample of the burst, and its amplitude sags by `sag_db` (linear in dB)
//! over the same span, as a battery collapsing under the transmit current.
//! The modulator keeps only the edge list of its program and a phase accumulator; it adds its
//! samples into the caller's buffer block after block.

use std::f64::consts::{PI, TAU};

use num_complex::Complex;

use super::linecode::Envelope;

/// How the program keys the carrier.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Keying {
    /// On-off keying.
    Ook,
    /// Two-level FSK.
    Fsk {
        /// Mark tone = carrier + deviation, space tone = carrier − deviation, Hz.
        deviation_hz: f64,
        /// Carrier time before the program starts and after its last mark, µs.
        lead_in_us: f64,
    },
}

/// Radio parameters of one burst.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CarrierParams {
    /// Carrier frequency relative to the centre, Hz, at the start of the burst.
    pub offset_hz: f64,
    /// Total linear frequency drift from the start to the end of the burst, Hz.
    pub drift_hz: f64,
    /// Carrier amplitude at the start of the burst (full scale = 1).
    pub amplitude: f64,
    /// Amplitude drop from the start to the end of the burst, dB.
    pub sag_db: f64,
    /// Raised-cosine edge duration, µs (0 for hard keying).
    pub edge_us: f64,
    /// Phase of the first sample, radians.
    pub phase0: f64,
}

/// A weaker emission keyed with the carrier at a fixed offset from it: a mixing product of the
/// transmitter's oscillator with its reference or a harmonic folded into the band (a PLL
/// transmitter's reference spurs sit at ± the reference frequency, tens of dB below the
/// carrier). It follows the carrier's keying, FSK tone, drift and sag exactly.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spur {
    /// Offset from the carrier, Hz.
    pub offset_hz: f64,
    /// Level relative to the carrier, dB (negative).
    pub level_dbc: f64,
}

/// One edge of the smoothed program.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Edge {
    t_us: f64,
    rising: bool,
    half_us: f64,
}

/// Edges of `env` (spaces before and after it), each ramp at most `edge_us` long and never
/// longer than the segments on either side.
fn edges(env: &Envelope, edge_us: f64) -> Vec<Edge> {
    let half = (edge_us.max(0.0)) / 2.0;
    let mut out = Vec::new();
    let mut level = false;
    let mut prev_dur = f64::INFINITY;
    let mut t = 0.0;
    for s in env.segments() {
        if s.level != level {
            out.push(Edge {
                t_us: t,
                rising: s.level,
                half_us: half.min(prev_dur / 2.0).min(s.duration_us / 2.0),
            });
            level = s.level;
            prev_dur = s.duration_us;
        } else {
            prev_dur += s.duration_us;
        }
        t += s.duration_us;
    }
    if level {
        out.push(Edge {
            t_us: t,
            rising: false,
            half_us: half.min(prev_dur / 2.0),
        });
    }
    out
}

/// Rising raised-cosine from 0 (x = 0) to 1 (x = 1).
fn raised_cosine(x: f64) -> f64 {
    0.5 * (1.0 - (PI * x.clamp(0.0, 1.0)).cos())
}

/// A smoothed level (0..1) read at increasing times.
#[derive(Clone, Debug)]
struct Smoother {
    edges: Vec<Edge>,
    next: usize,
}

impl Smoother {
    fn value(&mut self, t_us: f64) -> f64 {
        while self.next < self.edges.len() {
            let e = self.edges[self.next];
            if e.t_us + e.half_us <= t_us {
                self.next += 1;
            } else {
                break;
            }
        }
        if let Some(e) = self.edges.get(self.next)
            && t_us > e.t_us - e.half_us
        {
            let r = raised_cosine((t_us - (e.t_us - e.half_us)) / (2.0 * e.half_us));
            return if e.rising { r } else { 1.0 - r };
        }
        match self.next {
            0 => 0.0,
            k => f64::from(u8::from(self.edges[k - 1].rising)),
        }
    }
}

/// Generates one burst's samples in order.
#[derive(Clone, Debug)]
pub struct BurstModulator {
    smoother: Smoother,
    keying: Keying,
    carrier: CarrierParams,
    sample_rate_hz: f64,
    /// Program time zero, µs after the burst's first sample time.
    program_offset_us: f64,
    /// Carrier on/off, µs after the burst's first sample time.
    on_us: (f64, f64),
    /// Samples produced so far.
    k: u64,
    /// Samples in the burst.
    len: u64,
    phase: f64,
    /// Spurs: offset Hz, amplitude relative to the carrier, phase.
    spurs: Vec<(f64, f64, f64)>,
}

impl BurstModulator {
    /// A modulator for `env`; sample 0 is at program time 0 (OOK) or `lead_in_us` before it
    /// (FSK).
    pub fn new(
        env: &Envelope,
        keying: Keying,
        carrier: CarrierParams,
        sample_rate_hz: f64,
    ) -> Self {
        let mut edges = edges(env, carrier.edge_us);
        edges.shrink_to_fit();
        let (program_offset_us, on_us) = match (keying, edges.first(), edges.last()) {
            (_, None, _) | (_, _, None) => (0.0, (0.0, 0.0)),
            (Keying::Ook, Some(a), Some(b)) => (0.0, (a.t_us - a.half_us, b.t_us + b.half_us)),
            (Keying::Fsk { lead_in_us, .. }, Some(a), Some(b)) => {
                // The carrier starts `lead` before the program and stops `lead` after the
                // last mark has ended.
                let _ = a;
                let lead = lead_in_us.max(0.0);
                (lead, (0.0, lead + b.t_us + b.half_us + lead))
            }
        };
        let len = (on_us.1 * 1e-6 * sample_rate_hz).ceil().max(0.0) as u64;
        BurstModulator {
            smoother: Smoother { edges, next: 0 },
            keying,
            carrier,
            sample_rate_hz,
            program_offset_us,
            on_us,
            k: 0,
            len,
            phase: carrier.phase0,
            spurs: Vec::new(),
        }
    }

    /// The same burst with `spurs` keyed along with the carrier (each starting at phase 0).
    pub fn with_spurs(mut self, spurs: &[Spur]) -> Self {
        self.spurs = spurs
            .iter()
            .map(|s| (s.offset_hz, 10f64.powf(s.level_dbc / 20.0), 0.0))
            .collect();
        self
    }

    /// Carrier on and off times, µs after the burst's first sample; equal when the program
    /// has no mark.
    pub fn on_span_us(&self) -> (f64, f64) {
        self.on_us
    }

    /// Program time zero, µs after the burst's first sample.
    pub fn program_offset_us(&self) -> f64 {
        self.program_offset_us
    }

    /// Total samples of the burst.
    pub fn len_samples(&self) -> u64 {
        self.len
    }

    /// True once every sample was produced.
    pub fn is_done(&self) -> bool {
        self.k >= self.len
    }

    /// Capacity of the modulator's own buffers (its edge list), in elements.
    pub fn capacity(&self) -> usize {
        self.smoother.edges.capacity() + self.spurs.capacity()
    }

    /// Adds the next samples of the burst into `out` (from its start) and returns how many
    /// were added (fewer than `out.len()` when the burst ends).
    pub fn add_into(&mut self, out: &mut [Complex<f32>]) -> usize {
        let n = ((self.len - self.k.min(self.len)) as usize).min(out.len());
        let (on0, on1) = self.on_us;
        let span = (on1 - on0).max(f64::MIN_POSITIVE);
        let sag = -self.carrier.sag_db * std::f64::consts::LN_10 / 20.0;
        let dt_us = 1e6 / self.sample_rate_hz;
        let w = TAU / self.sample_rate_hz;
        for o in out.iter_mut().take(n) {
            let tau = self.k as f64 * dt_us;
            let p = ((tau - on0) / span).clamp(0.0, 1.0);
            let level = self.smoother.value(tau - self.program_offset_us);
            let (gate, dev) = match self.keying {
                Keying::Ook => (level, 0.0),
                Keying::Fsk { deviation_hz, .. } => {
                    // Carrier ramps at the burst's ends; tone follows the keying.
                    let e = self.carrier.edge_us.max(0.0);
                    let ramp = if e > 0.0 {
                        raised_cosine((tau - on0) / e).min(raised_cosine((on1 - tau) / e))
                    } else {
                        1.0
                    };
                    (ramp, deviation_hz * (2.0 * level - 1.0))
                }
            };
            let amp = self.carrier.amplitude * (sag * p).exp() * gate;
            let f = self.carrier.offset_hz + self.carrier.drift_hz * p + dev;
            if amp > 0.0 {
                let (s, c) = self.phase.sin_cos();
                o.re += (amp * c) as f32;
                o.im += (amp * s) as f32;
                for &mut (_, rel, ph) in &mut self.spurs {
                    let (s, c) = ph.sin_cos();
                    o.re += (amp * rel * c) as f32;
                    o.im += (amp * rel * s) as f32;
                }
            }
            self.phase = (self.phase + w * f).rem_euclid(TAU);
            for (off, _, ph) in &mut self.spurs {
                *ph = (*ph + w * (f + *off)).rem_euclid(TAU);
            }
            self.k += 1;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::linecode::{LineCode, encode};

    fn carrier(offset_hz: f64) -> CarrierParams {
        CarrierParams {
            offset_hz,
            drift_hz: 0.0,
            amplitude: 0.5,
            sag_db: 0.0,
            edge_us: 4.0,
            phase0: 0.3,
        }
    }

    fn run(m: &mut BurstModulator) -> Vec<Complex<f32>> {
        let mut v = vec![Complex::new(0.0f32, 0.0); m.len_samples() as usize + 10];
        let n = m.add_into(&mut v);
        assert_eq!(n as u64, m.len_samples());
        assert!(m.is_done());
        v.truncate(n);
        v
    }

    #[test]
    fn ook_levels_and_edges() {
        let fs = 1e6;
        let env = encode(
            &[true, false, true],
            LineCode::Pwm { short_is_one: true },
            100.0,
        );
        let mut m = BurstModulator::new(&env, Keying::Ook, carrier(10e3), fs);
        // On from 2 µs before the first edge to 2 µs after the last falling edge.
        assert_eq!(m.on_span_us(), (-2.0, 702.0));
        let v = run(&mut m);
        // Mark interiors at the full amplitude, space interiors at zero.
        for (t, want) in [
            (50.0, 0.5),
            (150.0, 0.0),
            (450.0, 0.5),
            (550.0, 0.0),
            (650.0, 0.5),
        ] {
            assert!((v[t as usize].norm() - want).abs() < 1e-5, "t={t}");
        }
        // Half amplitude at the ideal edge (100 µs), monotonic ramp across it.
        assert!((v[100].norm() - 0.25).abs() < 1e-4);
        assert!(v[99].norm() > v[100].norm() && v[100].norm() > v[101].norm());
    }

    #[test]
    fn fsk_frequency_and_continuity() {
        let fs = 1e6;
        let env = encode(&[true, false, false, true], LineCode::Manchester, 200.0);
        let keying = Keying::Fsk {
            deviation_hz: 30e3,
            lead_in_us: 500.0,
        };
        let mut m = BurstModulator::new(&env, keying, carrier(-20e3), fs);
        assert_eq!(m.program_offset_us(), 500.0);
        let v = run(&mut m);
        let inst = |n: usize| (v[n + 1] * v[n].conj()).arg() as f64 * fs / TAU;
        // Lead-in is the space tone; program time 0..200 µs space (first half of a 1).
        assert!((inst(300) - (-50e3)).abs() < 50.0);
        assert!((inst(500 + 300) - (10e3)).abs() < 50.0);
        // Constant envelope inside the burst (phase continuous, no amplitude gaps).
        for (n, x) in v.iter().enumerate().take(v.len() - 20).skip(20) {
            assert!((x.norm() - 0.5).abs() < 1e-4, "n={n}");
        }
    }

    #[test]
    fn sag_and_drift() {
        let fs = 250e3;
        let mut env = Envelope::new();
        env.mark(100_000.0);
        let mut c = carrier(0.0);
        c.sag_db = 6.0;
        c.drift_hz = 2000.0;
        c.edge_us = 0.0;
        let mut m = BurstModulator::new(&env, Keying::Ook, c, fs);
        let v = run(&mut m);
        let n = v.len();
        let ratio_db = 20.0 * (v[n - 1].norm() / v[0].norm()).log10();
        assert!((ratio_db + 6.0).abs() < 0.01, "{ratio_db}");
        let inst = |k: usize| (v[k + 1] * v[k].conj()).arg() as f64 * fs / TAU;
        assert!(inst(0).abs() < 5.0);
        assert!((inst(n - 2) - 2000.0).abs() < 5.0);
    }

    #[test]
    fn spurs_follow_the_keying_at_their_offset_and_level() {
        let fs = 1e6;
        let env = encode(
            &[true, false, true],
            LineCode::Pwm { short_is_one: true },
            100.0,
        );
        let mut c = carrier(10e3);
        c.edge_us = 0.0;
        let spur = Spur {
            offset_hz: 100e3,
            level_dbc: -40.0,
        };
        let plain = run(&mut BurstModulator::new(&env, Keying::Ook, c, fs));
        let mut m = BurstModulator::new(&env, Keying::Ook, c, fs).with_spurs(&[spur]);
        let v = run(&mut m);
        let d: Vec<Complex<f32>> = v.iter().zip(&plain).map(|(a, b)| a - b).collect();
        // The difference is the spur: 1 % of the carrier's amplitude while on, nothing off.
        assert!((d[50].norm() - 0.005).abs() < 1e-5, "{}", d[50].norm());
        assert!(d[150].norm() < 1e-7);
        let inst = (d[51] * d[50].conj()).arg() as f64 * fs / TAU;
        assert!((inst - 110e3).abs() < 50.0, "{inst}");
    }

    #[test]
    fn empty_program() {
        let m = BurstModulator::new(&Envelope::new(), Keying::Ook, carrier(0.0), 1e6);
        assert_eq!(m.len_samples(), 0);
        assert!(m.is_done());
    }
}
