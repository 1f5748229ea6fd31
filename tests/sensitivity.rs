//! Sensitivity: KeeLoq and PT2262 presses at 250 kS/s and 1024 kS/s, carrier anywhere within
//! ±60 kHz of centre, swept from +12 dB down to −10 dB of wideband SNR (carrier power while on ÷
//! complex noise power over the whole sample bandwidth). For each case the test finds the lowest
//! SNR down to which every press was still detected, and down to which its bits were still
//! sliced exactly, prints the table and asserts the figures the pipeline reaches.

use fobscope::pipeline::{AnalyzeOptions, analyze_iq};
use fobscope::protocol::fixed_code::Trit;
use fobscope::protocol::keeloq::KeeloqWord;
use fobscope::synth::{Burst, Scene, keeloq_press, pt2262_press};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CENTER_HZ: f64 = 433.92e6;
const SNRS: std::ops::RangeInclusive<i32> = -10..=12;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Keeloq,
    Pt2262,
}

/// (detected, bits exactly right) for one press.
fn trial(kind: Kind, rate: f64, snr_db: f64, seed: u64) -> (bool, bool) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let offset = rng.random_range(-60e3..60e3);
    let press = match kind {
        Kind::Keeloq => {
            let w = KeeloqWord {
                hopping: rng.random(),
                serial: rng.random::<u32>() & 0x0FFF_FFFF,
                buttons: 0b0010,
                battery_low: false,
                repeat: false,
            };
            keeloq_press(&w, 400.0, 3)
        }
        Kind::Pt2262 => {
            let mut trits = [Trit::Zero; 12];
            for t in &mut trits {
                *t = [Trit::Zero, Trit::One, Trit::Float][rng.random_range(0..3)];
            }
            pt2262_press(&trits, 110.0, 6)
        }
    };
    let mut burst = Burst::new(0.0, press);
    burst.offset_hz = offset;
    burst.level_dbfs = -25.0;
    let mut scene = Scene::single(rate, Some(CENTER_HZ), burst, 0.15, 0.15);
    scene.noise_dbfs = Some(-25.0 - snr_db);
    scene.seed = seed;
    let truth = scene.truth().remove(0);
    let src = scene.stream().expect("valid scene");
    let report =
        analyze_iq(Box::new(src), &AnalyzeOptions::default(), &mut |_| {}).expect("analysis");
    let near = |t: &fobscope::model::Transmission| {
        let f_ok = t
            .freq_offset_hz
            .is_some_and(|f| (f - truth.freq_offset_hz).abs() < 10e3);
        let overlap = t.start_s < truth.end_s && t.start_s + t.duration_s > truth.start_s;
        f_ok && overlap
    };
    let found: Vec<_> = report.transmissions.iter().filter(|t| near(t)).collect();
    let word = &truth.words[0];
    let inverse: String = word
        .chars()
        .map(|c| if c == '1' { '0' } else { '1' })
        .collect();
    let bits_ok = found.iter().any(|t| {
        t.frames
            .iter()
            .any(|f| f.bits == *word || f.bits == inverse)
    });
    (!found.is_empty(), bits_ok)
}

/// Lowest SNR down to which every trial from the top of the sweep succeeded.
fn lowest_contiguous(results: &[(i32, bool)]) -> Option<i32> {
    let mut lowest = None;
    for &(snr, ok) in results.iter().rev() {
        if !ok {
            break;
        }
        lowest = Some(snr);
    }
    lowest
}

fn sweep(kind: Kind, rate: f64) -> (Option<i32>, Option<i32>) {
    let mut det = Vec::new();
    let mut bits = Vec::new();
    for snr in SNRS {
        let (d, b) = trial(kind, rate, f64::from(snr), 1000 + (snr + 20) as u64);
        det.push((snr, d));
        bits.push((snr, b));
    }
    (lowest_contiguous(&det), lowest_contiguous(&bits))
}

fn show(v: Option<i32>) -> String {
    v.map(|s| format!("{s:+} dB"))
        .unwrap_or_else(|| "never".into())
}

#[test]
fn sensitivity_table() {
    // (kind, rate, must detect down to, must slice bits down to)
    let cases = [
        (Kind::Keeloq, 250e3, -6, -3),
        (Kind::Keeloq, 1024e3, -6, -3),
        (Kind::Pt2262, 250e3, -6, -3),
        (Kind::Pt2262, 1024e3, -6, -3),
    ];
    let mut failures = Vec::new();
    println!("protocol  rate       detected down to  bits correct down to");
    for (kind, rate, want_det, want_bits) in cases {
        let (det, bits) = sweep(kind, rate);
        println!(
            "{:<8}  {:>4.0} kS/s  {:>16}  {:>20}",
            format!("{kind:?}"),
            rate / 1e3,
            show(det),
            show(bits)
        );
        if det.is_none_or(|d| d > want_det) {
            failures.push(format!(
                "{kind:?} at {rate}: detection only down to {}",
                show(det)
            ));
        }
        if bits.is_none_or(|b| b > want_bits) {
            failures.push(format!(
                "{kind:?} at {rate}: bits only down to {}",
                show(bits)
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
