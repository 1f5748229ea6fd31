//! The real corpus at other recorders' rates: every cu8 capture of the rtl_433 corpus (250 kS/s)
//! resampled to 1.024 and 2.4 MS/s with a band-limited interpolator, as a wider recorder would
//! have taken the same signal, and analysed again. A wider radio also sees thermal noise
//! across its whole band: white noise 10 dB below the capture's own noise density is added, so
//! the band beyond the original ±125 kHz is not an empty, noise-free stop band (in which any
//! faint leakage would look strong against a floor of nothing) while the signal's own SNR
//! stays within half a decibel.
//!
//! Required at 1.024 and 2.4 MS/s, as the corpus tests require at 250 kS/s: a transmission in
//! every capture, and the line coding right in at least 90 % of the runs whose coding is known.
//! Measured and held at the level reached (these fall short of "the same results at every
//! rate", the aim): the modulation right in every run, and the strongest transmission of
//! 250 kS/s found again, carrier, modulation, coding and bits alike, in at least 90 % of them
//! (today 76 of 84). The test prints every
//! run that differs. Captures whose signal lies outside the resampler's passband (a carrier at
//! the very edge of the 250 kS/s capture, where the interpolator's anti-alias filter removes
//! it) are named and left out.

mod common;
mod rates;

use fobscope::model::Transmission;
use num_complex::Complex;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

/// Carriers beyond this fraction of the 250 kS/s capture's Nyquist frequency are not in the
/// resampled copy at full strength (the interpolator's transition band starts near it).
const PASSBAND: f64 = 0.85;
/// Added white noise, relative to the capture's own noise density, dB.
const ADDED_NOISE_DB: f64 = -10.0;

/// Noise power per sample of `x`: the mean power of its quietest tenth, in blocks of 1024.
fn noise_power(x: &[Complex<f32>]) -> f64 {
    let mut p: Vec<f64> = x
        .chunks(1024)
        .map(|b| b.iter().map(|c| c.norm_sqr() as f64).sum::<f64>() / b.len() as f64)
        .collect();
    p.sort_by(f64::total_cmp);
    let n = (p.len() / 10).max(1);
    p[..n].iter().sum::<f64>() / n as f64
}

/// `x` (at 250 kS/s, noise power `pn` per sample) resampled to `to_hz`, with white noise
/// [`ADDED_NOISE_DB`] below its noise density over the whole new band.
fn wider(x: &[Complex<f32>], pn: f64, to_hz: f64, seed: u64) -> Vec<Complex<f32>> {
    let mut y = rates::resample(x, 250e3, to_hz);
    let added = pn * (to_hz / 250e3) * 10f64.powf(ADDED_NOISE_DB / 10.0);
    let n = Normal::new(0.0, (added / 2.0).sqrt()).expect("normal");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    for v in &mut y {
        *v += Complex::new(n.sample(&mut rng) as f32, n.sample(&mut rng) as f32);
    }
    y
}

/// What must be the same at every rate: carrier (kHz), modulation, coding, frames' bits.
fn summary(t: &Transmission) -> (f64, String, String, Vec<String>) {
    (
        t.freq_offset_hz.unwrap_or(f64::NAN) / 1e3,
        t.modulation.map_or("-".into(), |m| m.name().to_string()),
        t.coding.name().to_string(),
        t.frames.iter().map(|f| f.bits.clone()).collect(),
    )
}

fn listing(tx: &[Transmission]) -> String {
    tx.iter()
        .map(|t| {
            let (f, m, c, b) = summary(t);
            format!(
                "  {:.4} s {f:+.1} kHz {m} {c} {:.1} dB SNR {} pulses {b:?}\n",
                t.start_s,
                t.snr_db.unwrap_or(f64::NAN),
                t.pulses
            )
        })
        .collect()
}

/// The most common value, ties broken by first appearance.
fn majority<'a>(items: &[&'a str]) -> Option<&'a str> {
    let count = |x: &str| items.iter().filter(|&&y| y == x).count();
    let best = items.iter().map(|x| count(x)).max()?;
    items.iter().find(|x| count(x) == best).copied()
}

/// The transmission of highest SNR.
fn strongest(tx: &[Transmission]) -> Option<&Transmission> {
    tx.iter()
        .max_by(|a, b| a.snr_db.unwrap_or(0.0).total_cmp(&b.snr_db.unwrap_or(0.0)))
}

#[test]
fn the_corpus_at_1024k_and_2400k_keeps_its_accuracy() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let entries = common::rtl433_cu8_captures(&corpus);
    let mut left_out = Vec::new();
    let (mut runs, mut identical) = (0usize, 0usize);
    let mut missing = Vec::new();
    let mut wrong_mod = Vec::new();
    let mut strongest_moved = Vec::new();
    let (mut coding_known, mut coding_right) = (0usize, 0usize);
    for (i, e) in entries.iter().enumerate() {
        let name = e.path.strip_prefix(&corpus).unwrap().display().to_string();
        let x = common::read_cu8(&e.path);
        let base = rates::analyze(&x, 250e3, e.center_freq_hz);
        let edge = base
            .iter()
            .filter_map(|t| t.freq_offset_hz)
            .any(|f| f.abs() + 5e3 > PASSBAND * 125e3);
        if edge {
            left_out.push(name);
            continue;
        }
        let pn = noise_power(&x);
        for (j, to) in [1_024e3, 2_400e3].into_iter().enumerate() {
            let y = wider(&x, pn, to, (i * 2 + j) as u64);
            let tx = rates::analyze(&y, to, e.center_freq_hz);
            let what = format!("{name} at {to} S/s");
            runs += 1;
            let same = |a: &Transmission, b: &Transmission| {
                let (fa, ma, ca, ba) = summary(a);
                let (fb, mb, cb, bb) = summary(b);
                (fa - fb).abs() < 2.0 && ma == mb && ca == cb && ba == bb
            };
            if tx.len() == base.len() && base.iter().zip(&tx).all(|(a, b)| same(a, b)) {
                identical += 1;
            }
            if tx.is_empty() {
                missing.push(what.clone());
            }
            let mods: Vec<&str> = tx
                .iter()
                .filter_map(|t| t.modulation.map(|m| m.name()))
                .collect();
            if majority(&mods) != Some(e.modulation.as_str()) {
                wrong_mod.push(what.clone());
            }
            let codings: Vec<&str> = tx
                .iter()
                .filter(|t| t.pulses >= 8)
                .map(|t| t.coding.name())
                .collect();
            if e.coding != "UNKNOWN" {
                coding_known += 1;
                coding_right += usize::from(majority(&codings) == Some(e.coding.as_str()));
            }
            let kept = strongest(&base).is_some_and(|b| tx.iter().any(|t| same(b, t)));
            if !kept {
                strongest_moved.push(format!(
                    "{what}:\n{}at 250000 S/s:\n{}",
                    listing(&tx),
                    listing(&base)
                ));
            }
        }
    }
    let pct = 100.0 * coding_right as f64 / coding_known as f64;
    println!("left out (signal at the 250 kS/s capture's edge): {left_out:?}");
    println!(
        "{runs} runs: identical to 250 kS/s {identical}; transmissions in {}; modulation right in {}; \
         coding right in {coding_right}/{coding_known} ({pct:.1} %); strongest transmission the same in {}",
        runs - missing.len(),
        runs - wrong_mod.len(),
        runs - strongest_moved.len()
    );
    for m in &wrong_mod {
        println!("wrong modulation: {m}");
    }
    for m in &strongest_moved {
        println!("strongest moved: {m}");
    }
    assert!(
        left_out.len() <= 2,
        "too many captures left out: {left_out:?}"
    );
    assert!(missing.is_empty(), "no transmission in {missing:?}");
    assert!(pct >= 90.0, "line coding right in only {pct:.1} % of runs");
    let share = |bad: usize| (runs - bad) as f64 / runs as f64;
    assert!(wrong_mod.is_empty(), "wrong modulation in {wrong_mod:?}");
    assert!(
        share(strongest_moved.len()) >= 0.90,
        "the strongest transmission moved in {} of {runs} runs",
        strongest_moved.len()
    );
}
