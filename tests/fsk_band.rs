//! 2-FSK key presses anywhere in the captured band: the carrier on for the whole press (the
//! lower tone fills the gaps between words), phase-continuous, deviations from ±5 to ±100 kHz,
//! the carrier anywhere within ±80 % of the span left beside its tones, at every recorder rate.
//! Each press must come out as one FSK transmission at the midpoint of its tones with the
//! deviation sent, and its code words must decode bit for bit. OOK keys and FSK keys whose
//! carrier is off between words are checked beside them, and a narrow ±2.5 kHz key at the
//! limit of the FSK decision.

mod rates;

use fobscope::dsp::Modulation;
use fobscope::model::Transmission;
use fobscope::synth::linecode::bits_string;
use fobscope::synth::{Burst, Keying, Press, Scene, ev1527_press, noise_dbfs_for_snr, render};

const CENTER_HZ: f64 = 433.92e6;
/// EV1527 symbol time, µs: 4 kbaud chips, as a fixed-code remote at the fast end.
const TE_US: f64 = 250.0;
const WORDS: usize = 3;
const ADDRESS: u32 = 0x5_3A6C;
const DATA: u8 = 0b0100;
/// Carrier level and wideband SNR of every case.
const LEVEL_DBFS: f64 = -20.0;
const SNR_DB: f64 = 20.0;
/// Carrier time before the first word and after the last, µs (a transmitter's PLL settling).
const LEAD_IN_US: f64 = 2_000.0;
/// Fractions of the room beside the tones (`0.8 · (fs/2 − deviation)`) where the carrier sits.
const OFFSETS: [f64; 3] = [-1.0, 0.0, 0.75];

fn press() -> Press {
    ev1527_press(ADDRESS, DATA, TE_US, WORDS)
}

/// The transmissions of one press keyed `keying` at `offset_hz`, sampled at `fs`.
fn run(fs: f64, keying: Keying, offset_hz: f64, seed: u64) -> Vec<Transmission> {
    run_bursts(fs, keying, offset_hz, seed, false)
}

/// As [`run`]; with `gaps`, each word is a burst of its own, the carrier off between words.
fn run_bursts(fs: f64, keying: Keying, offset_hz: f64, seed: u64, gaps: bool) -> Vec<Transmission> {
    let p = press();
    let bursts: Vec<Burst> = if gaps {
        let word = p.first_words(1);
        (0..WORDS)
            .map(|i| {
                let mut b = Burst::new(0.05 + i as f64 * 0.06, word.clone());
                b.keying = keying;
                b
            })
            .collect()
    } else {
        vec![Burst::new(0.05, p)]
    };
    let end = bursts
        .iter()
        .map(|b| b.start_s + b.air_duration_s())
        .fold(0.0, f64::max);
    let mut scene = Scene::new(fs, end + 0.05);
    scene.center_freq_hz = Some(CENTER_HZ);
    scene.noise_dbfs = Some(noise_dbfs_for_snr(LEVEL_DBFS, SNR_DB));
    scene.seed = seed;
    for mut b in bursts {
        b.keying = keying;
        b.offset_hz = offset_hz;
        b.level_dbfs = LEVEL_DBFS;
        scene.bursts.push(b);
    }
    let x = render(&scene).expect("valid scene");
    rates::analyze(&x, fs, CENTER_HZ)
}

fn fsk(deviation_hz: f64) -> Keying {
    Keying::Fsk {
        deviation_hz,
        lead_in_us: LEAD_IN_US,
    }
}

fn listing(tx: &[Transmission]) -> String {
    tx.iter()
        .map(|t| {
            format!(
                "\n    {:.4} s {:+.0} Hz {:?} dev {:?} {} pulses {:?} {} frames",
                t.start_s,
                t.freq_offset_hz.unwrap_or(f64::NAN),
                t.modulation,
                t.fsk_deviation_hz.map(|d| d.round()),
                t.pulses,
                t.coding,
                t.frames.len()
            )
        })
        .collect()
}

/// The words of the press decoded over `tx`.
fn words(tx: &[Transmission]) -> u32 {
    let bits = bits_string(&press().words[0]);
    rates::words_decoded(tx, "EV1527", &bits)
}

/// Pulses of one EV1527 word: the sync mark and 24 bit marks.
const WORD_PULSES: usize = 25;

/// `x` lies within `tol` of `want` (never when `x` is NaN: a missing measurement fails).
fn within(x: f64, want: f64, tol: f64) -> bool {
    (x - want).abs() <= tol
}

/// Checks one continuous-carrier FSK press; `Err` says what is wrong.
fn check_fsk(fs: f64, dev: f64, offset_hz: f64, seed: u64) -> Result<(), String> {
    let tx = run(fs, fsk(dev), offset_hz, seed);
    let what = || listing(&tx);
    if tx.len() != 1 {
        return Err(format!("{} transmissions:{}", tx.len(), what()));
    }
    let t = &tx[0];
    if t.modulation != Some(Modulation::Fsk) {
        return Err(format!("not FSK:{}", what()));
    }
    let d = t.fsk_deviation_hz.unwrap_or(f64::NAN);
    if !within(d, dev, (0.1 * dev).max(1_000.0)) {
        return Err(format!("deviation {d:.0} Hz:{}", what()));
    }
    let f = t.freq_offset_hz.unwrap_or(f64::NAN);
    if !within(f, offset_hz, 2_000.0) {
        return Err(format!("centre {f:.0} Hz:{}", what()));
    }
    // High = the upper tone: every mark of every word, the sync marks included.
    if t.pulses != WORDS * WORD_PULSES {
        return Err(format!("{} pulses:{}", t.pulses, what()));
    }
    let te = t.te_us.unwrap_or(f64::NAN);
    if !within(te, TE_US, 0.1 * TE_US) {
        return Err(format!("Te {te:.0} µs:{}", what()));
    }
    let n = words(&tx);
    if n as usize != WORDS {
        return Err(format!("{n} words decoded:{}", what()));
    }
    Ok(())
}

/// The carrier offsets of the matrix for a deviation at a rate.
fn offsets(fs: f64, dev: f64) -> Vec<f64> {
    let room = 0.8 * (fs / 2.0 - dev);
    OFFSETS.iter().map(|k| (k * room).round()).collect()
}

/// Deviations of the matrix at a rate: ±100 kHz only where its tones leave room beside them.
fn deviations(fs: f64) -> Vec<f64> {
    [5e3, 20e3, 45e3, 100e3]
        .into_iter()
        .filter(|&d| fs / 2.0 - d >= 0.2 * fs)
        .collect()
}

fn matrix_at(fs: f64) {
    let mut failed = Vec::new();
    let mut seed = fs as u64;
    let mut cases = 0;
    for dev in deviations(fs) {
        for off in offsets(fs, dev) {
            seed += 1;
            cases += 1;
            let r = check_fsk(fs, dev, off, seed);
            println!(
                "{:.0} kS/s ±{:.0} kHz at {:+.0} kHz: {}",
                fs / 1e3,
                dev / 1e3,
                off / 1e3,
                r.as_ref().map_or("FAIL", |_| "pass")
            );
            if let Err(e) = r {
                failed.push(format!("±{dev} Hz at {off:+} Hz: {e}"));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{} kS/s: {} of {cases} cases fail:\n{}",
        fs / 1e3,
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn continuous_carrier_fsk_at_250k() {
    matrix_at(250e3);
}

#[test]
fn continuous_carrier_fsk_at_1024k() {
    matrix_at(1_024e3);
}

#[test]
fn continuous_carrier_fsk_at_2400k() {
    matrix_at(2_400e3);
}

/// The same press keyed on and off stays OOK, one transmission on its carrier, at every rate.
#[test]
fn ook_press_stays_ook() {
    for fs in rates::RATES {
        let off = (0.3 * fs / 2.0).round();
        let tx = run(fs, Keying::Ook, off, 7);
        assert_eq!(tx.len(), 1, "{fs}:{}", listing(&tx));
        let t = &tx[0];
        assert_eq!(t.modulation, Some(Modulation::Ook), "{fs}:{}", listing(&tx));
        assert!((t.freq_offset_hz.unwrap() - off).abs() < 2e3);
        assert_eq!(t.pulses, WORDS * WORD_PULSES, "{fs}:{}", listing(&tx));
        assert_eq!(words(&tx) as usize, WORDS, "{fs}:{}", listing(&tx));
    }
}

/// An FSK key whose carrier is off between words: each word its own FSK transmission.
#[test]
fn fsk_with_carrier_off_between_words() {
    for fs in rates::RATES {
        for (dev, k) in [(20e3, -0.5), (45e3, 0.6)] {
            let off = (k * 0.8 * (fs / 2.0 - dev)).round();
            let tx = run_bursts(fs, fsk(dev), off, 11, true);
            let what = format!("{fs} S/s ±{dev} Hz at {off} Hz:{}", listing(&tx));
            assert_eq!(tx.len(), WORDS, "{what}");
            for t in &tx {
                assert_eq!(t.modulation, Some(Modulation::Fsk), "{what}");
                let d = t.fsk_deviation_hz.unwrap();
                assert!((d - dev).abs() <= 0.1 * dev, "{what}");
                assert!((t.freq_offset_hz.unwrap() - off).abs() <= 2e3, "{what}");
                assert_eq!(t.pulses, WORD_PULSES, "{what}");
            }
            assert_eq!(words(&tx) as usize, WORDS, "{what}");
        }
    }
}

/// A narrow ±2.5 kHz key, at the limit of the FSK decision, is still one FSK transmission.
#[test]
fn narrow_fsk_at_the_limit() {
    let mut failed = Vec::new();
    for (i, fs) in rates::RATES.into_iter().enumerate() {
        let off = (0.3 * fs / 2.0).round();
        if let Err(e) = check_fsk(fs, 2_500.0, off, 21 + i as u64) {
            failed.push(format!("{fs} S/s: {e}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// A 2-FSK key beside a carrier that is on for the whole recording (an interferer, a
/// neighbour's unmodulated transmitter), as in the Danfoss CFR captures of the corpus: the
/// standing carrier opens the first burst, and the key starts 0.2 s later (as there), its lower
/// tone within that burst's reach and its upper tone beyond the band its channel searches (at
/// 1.024 and 2.4 MS/s, where the channel is decimated). The upper tone must still reach a channel that sees both:
/// one FSK transmission with the deviation sent, its words decoded, and nothing reported as an
/// OOK train on one tone.
#[test]
fn fsk_beside_a_standing_carrier() {
    const KEY_START_S: f64 = 0.2;
    let mut failed = Vec::new();
    for fs in rates::RATES {
        for (i, dev) in [16_700.0, 20e3, 45e3].into_iter().enumerate() {
            // The carrier 36 kHz below the lower tone, 20 dB under the key.
            let off = (0.25 * fs / 2.0).min(60e3).round() - dev;
            let cw_hz = off - dev - 36e3;
            let p = press();
            let mut b = Burst::new(KEY_START_S, p);
            b.keying = fsk(dev);
            b.offset_hz = off;
            b.level_dbfs = LEVEL_DBFS;
            let mut scene = Scene::new(fs, KEY_START_S + b.air_duration_s() + 0.05);
            scene.center_freq_hz = Some(CENTER_HZ);
            scene.noise_dbfs = Some(noise_dbfs_for_snr(LEVEL_DBFS, SNR_DB));
            scene.seed = 40 + i as u64;
            scene.bursts.push(b);
            let mut x = render(&scene).expect("valid scene");
            let a = 10f64.powf((LEVEL_DBFS - 20.0) / 20.0);
            let w = 2.0 * std::f64::consts::PI * cw_hz / fs;
            for (k, s) in x.iter_mut().enumerate() {
                let ph = w * k as f64;
                *s += num_complex::Complex::new((a * ph.cos()) as f32, (a * ph.sin()) as f32);
            }
            let tx = rates::analyze(&x, fs, CENTER_HZ);
            let what = format!("{fs} S/s ±{dev} Hz at {off} Hz:{}", listing(&tx));
            let key: Vec<&Transmission> = tx
                .iter()
                .filter(|t| (t.freq_offset_hz.unwrap_or(f64::NAN) - cw_hz).abs() > 5e3)
                .collect();
            let ok = key.len() == 1
                && key[0].modulation == Some(Modulation::Fsk)
                && within(key[0].fsk_deviation_hz.unwrap_or(f64::NAN), dev, 0.1 * dev)
                && within(key[0].freq_offset_hz.unwrap_or(f64::NAN), off, 2_000.0)
                && words(&tx) as usize == WORDS;
            if !ok {
                failed.push(what);
            }
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
