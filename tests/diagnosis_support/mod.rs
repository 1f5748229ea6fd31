//! Builders for the diagnosis tests: realistic pulse trains (with edge jitter) and reports.

#![allow(dead_code)]

use fobscope::dsp::Modulation;
use fobscope::model::{InputSummary, Report, Transmission};
use fobscope::protocol::fixed_code::{Trit, ev1527_bits, pt2262_bits};
use fobscope::protocol::keeloq::KeeloqWord;
use fobscope::pulse::{Coding, Pulse, PulseAnalysis, PulseTrain};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Multiplies each duration by a factor in [1 − j, 1 + j].
pub struct Jitter {
    rng: ChaCha8Rng,
    amount: f32,
}

impl Jitter {
    pub fn new(seed: u64, amount: f32) -> Self {
        Jitter {
            rng: ChaCha8Rng::seed_from_u64(seed),
            amount,
        }
    }
    pub fn apply(&mut self, us: f32) -> f32 {
        if self.amount == 0.0 {
            return us;
        }
        us * (1.0 + self.rng.random_range(-self.amount..=self.amount))
    }
    pub fn pulse(&mut self, h: f32, l: f32) -> Pulse {
        Pulse {
            high_us: self.apply(h),
            low_us: self.apply(l),
        }
    }
}

/// The pulses of one KeeLoq code word: `marks` preamble marks, header, 66 bits, guard.
pub fn keeloq_pulses(w: &KeeloqWord, te: f32, marks: usize, j: &mut Jitter) -> Vec<Pulse> {
    let mut p = Vec::new();
    for i in 0..marks {
        let low = if i + 1 == marks { 10.0 * te } else { te };
        p.push(j.pulse(te, low));
    }
    for b in w.to_bits() {
        let (h, l) = if b { (te, 2.0 * te) } else { (2.0 * te, te) };
        p.push(j.pulse(h, l));
    }
    p.last_mut().unwrap().low_us = 39.0 * te;
    p
}

/// A train of `words` copies of a KeeLoq word.
pub fn keeloq_train(w: &KeeloqWord, te: f32, words: usize, j: &mut Jitter) -> PulseTrain {
    let mut pulses = Vec::new();
    for _ in 0..words {
        pulses.extend(keeloq_pulses(w, te, 12, j));
    }
    pulses.last_mut().unwrap().low_us = 0.0;
    PulseTrain {
        start_s: 0.1,
        pulses,
    }
}

/// A fixed-code train: 24 PWM pulses (short = `unit`, long = 3 `unit`) and a sync, repeated.
pub fn fixed_train(bits: &[bool; 24], unit: f32, words: usize, j: &mut Jitter) -> PulseTrain {
    let mut pulses = Vec::new();
    for _ in 0..words {
        for &b in bits {
            let (h, l) = if b {
                (3.0 * unit, unit)
            } else {
                (unit, 3.0 * unit)
            };
            pulses.push(j.pulse(h, l));
        }
        pulses.push(j.pulse(unit, 31.0 * unit));
    }
    pulses.last_mut().unwrap().low_us = 0.0;
    PulseTrain {
        start_s: 0.2,
        pulses,
    }
}

pub fn pt2262_word(code: &str) -> [bool; 24] {
    let trits: Vec<Trit> = code
        .chars()
        .map(|c| Trit::from_symbol(c).unwrap())
        .collect();
    pt2262_bits(&trits.try_into().unwrap())
}

pub fn ev1527_word(address: u32, data: u8) -> [bool; 24] {
    ev1527_bits(address, data)
}

pub fn empty_analysis() -> PulseAnalysis {
    PulseAnalysis::unknown()
}

/// RF figures of a transmission.
#[derive(Clone, Copy)]
pub struct Rf {
    pub freq_hz: Option<f64>,
    pub snr_db: Option<f64>,
    pub sag_db: Option<f64>,
    pub truncated: bool,
}

impl Rf {
    pub fn good(freq_hz: f64) -> Rf {
        Rf {
            freq_hz: Some(freq_hz),
            snr_db: Some(28.0),
            sag_db: Some(-0.3),
            truncated: false,
        }
    }
    pub fn pulse_file() -> Rf {
        Rf {
            freq_hz: None,
            snr_db: None,
            sag_db: None,
            truncated: false,
        }
    }
}

/// A transmission as the pipeline would build it, frames from the decoders.
pub fn transmission(train: PulseTrain, rf: Rf) -> Transmission {
    let frames = fobscope::protocol::frames(&train, &empty_analysis());
    transmission_with_frames(train, rf, frames)
}

pub fn transmission_with_frames(
    train: PulseTrain,
    rf: Rf,
    frames: Vec<fobscope::model::Frame>,
) -> Transmission {
    let te = frames
        .iter()
        .find_map(|f| f.fields.get("te_us").and_then(|v| v.as_f64()));
    Transmission {
        start_s: train.start_s,
        duration_s: train.duration_us() / 1e6,
        freq_hz: rf.freq_hz,
        freq_offset_hz: None,
        band: rf
            .freq_hz
            .and_then(fobscope::band::band_of)
            .map(|b| b.id.to_string()),
        modulation: rf.snr_db.map(|_| Modulation::Ook),
        fsk_deviation_hz: None,
        bandwidth_hz: None,
        rssi_dbfs: rf.snr_db.map(|s| s - 60.0),
        snr_db: rf.snr_db,
        noise_dbfs: rf.snr_db.map(|_| -60.0),
        amplitude_sag_db: rf.sag_db,
        truncated: rf.truncated,
        spurs: Vec::new(),
        coding: Coding::Pwm,
        short_us: te,
        long_us: te.map(|t| 2.0 * t),
        gap_us: None,
        te_us: te,
        bitrate_bps: te.map(|t| 1e6 / (3.0 * t)),
        pulses: train.pulses.len(),
        frames,
        train,
    }
}

/// A report of an IQ recording at `center_hz`, 250 kS/s.
pub fn iq_report(center_hz: f64, transmissions: Vec<Transmission>) -> Report {
    Report {
        input: InputSummary {
            path: "key.cu8".into(),
            format: "cu8".into(),
            sample_rate_hz: Some(250e3),
            center_freq_hz: Some(center_hz),
            duration_s: Some(2.0),
        },
        transmissions,
        verdict: None,
        warnings: Vec::new(),
    }
}

/// A report of a pulse file (no RF levels, no frequency).
pub fn pulse_report(transmissions: Vec<Transmission>) -> Report {
    Report {
        input: InputSummary {
            path: "key.ook".into(),
            format: "ook".into(),
            sample_rate_hz: None,
            center_freq_hz: None,
            duration_s: None,
        },
        transmissions,
        verdict: None,
        warnings: Vec::new(),
    }
}

pub const HEALTHY: KeeloqWord = KeeloqWord {
    hopping: 0x9C3A_51E7,
    serial: 0x0B1_2C3D,
    buttons: 0b0100,
    battery_low: false,
    repeat: false,
};
