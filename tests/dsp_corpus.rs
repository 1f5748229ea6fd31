//! End-to-end check of the front end on real recordings: every cu8 capture of the rtl_433
//! corpus must give at least one transmission, and the modulation found in most of its
//! transmissions must match the manifest.

mod common;

use fobscope::dsp::{BurstProcessor, DetectedTransmission, DspConfig, Modulation};
use num_complex::Complex;

fn run(samples: &[Complex<f32>], fs: f64) -> Vec<DetectedTransmission> {
    let mut p = BurstProcessor::new(DspConfig { sample_rate_hz: fs });
    let mut out = Vec::new();
    for block in samples.chunks(16_384) {
        p.push(block, &mut out);
    }
    p.finish(&mut out);
    out
}

#[test]
fn every_corpus_capture_gives_transmissions_of_the_right_modulation() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let entries = common::rtl433_cu8_captures(&corpus);
    let mut failures = Vec::new();
    println!(
        "{:<58} {:>4} {:>3} {:>3} {:>9} {:>7} {:>6} {:>7}",
        "file", "want", "n", "fsk", "freq_kHz", "snr_dB", "pulses", "dev_kHz"
    );
    for e in &entries {
        let x = common::read_cu8(&e.path);
        let tx = run(&x, e.sample_rate_hz);
        let n_fsk = tx
            .iter()
            .filter(|t| t.modulation == Modulation::Fsk)
            .count();
        let n_ook = tx.len() - n_fsk;
        let found = if n_fsk > n_ook { "FSK" } else { "OOK" };
        let best = tx.iter().max_by(|a, b| a.snr_db.total_cmp(&b.snr_db));
        let rel = e
            .path
            .strip_prefix(corpus.join("rtl433"))
            .unwrap_or(&e.path);
        println!(
            "{:<58} {:>4} {:>3} {:>3} {:>9.1} {:>7.1} {:>6} {:>7}",
            rel.display().to_string(),
            e.modulation,
            tx.len(),
            n_fsk,
            best.map_or(f64::NAN, |t| t.freq_offset_hz / 1e3),
            best.map_or(f64::NAN, |t| t.snr_db),
            best.map_or(0, |t| t.pulses.pulses.len()),
            best.and_then(|t| t.fsk_deviation_hz)
                .map_or("-".to_string(), |d| format!("{:.1}", d / 1e3)),
        );
        if tx.is_empty() {
            failures.push(format!("{}: no transmission", rel.display()));
        } else if found != e.modulation {
            failures.push(format!(
                "{}: found {found}, manifest says {}",
                rel.display(),
                e.modulation
            ));
        }
        for t in &tx {
            assert!(
                t.pulses.start_s >= 0.0 && t.pulses.start_s <= x.len() as f64 / e.sample_rate_hz
            );
            assert!(
                t.pulses
                    .pulses
                    .iter()
                    .all(|p| p.high_us > 0.0 && p.low_us >= 0.0)
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
