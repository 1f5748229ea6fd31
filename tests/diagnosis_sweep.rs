//! The failing keys stay weak: each physically modelled impairment (amplitude sag, brown-out
//! cut, low output, the battery-low flag, Te out of the chip's range) is swept on a synthetic
//! KeeLoq key at 250 kS/s and 1.024 MS/s, and the test asserts where the verdict flips from
//! `working` to `weak`, against the thresholds of `fobscope::diagnosis::thresholds`.

use fobscope::diagnosis::thresholds::{KEELOQ_TE_RANGE_US, SAG_WEAK_DB, WEAK_SNR_DB};
use fobscope::diagnosis::{Status, Verdict, diagnose};
use fobscope::pipeline::{AnalyzeOptions, analyze_iq};
use fobscope::protocol::keeloq::KeeloqWord;
use fobscope::synth::{Burst, Press, Scene, keeloq_press};

const CENTER_HZ: f64 = 433.92e6;
const RATES: [f64; 2] = [250e3, 1.024e6];

fn word(battery_low: bool) -> KeeloqWord {
    KeeloqWord {
        hopping: 0x1234_5678,
        serial: 0x0B1_2C3D,
        buttons: 0b0010,
        battery_low,
        repeat: false,
    }
}

/// The verdict on one synthetic press (0.2 s of silence before, `post_s` after).
fn judge(rate: f64, press: Press, level_dbfs: f64, sag_db: f64, post_s: f64) -> Verdict {
    let mut burst = Burst::new(0.0, press);
    burst.offset_hz = 20e3;
    burst.level_dbfs = level_dbfs;
    burst.sag_db = sag_db;
    let mut scene = Scene::single(rate, Some(CENTER_HZ), burst, 0.2, post_s);
    scene.noise_dbfs = Some(-55.0);
    scene.seed = 7;
    let src = scene.stream().expect("valid scene");
    let report = analyze_iq(Box::new(src), &AnalyzeOptions::default(), &mut |_| {}).unwrap();
    fobscope::diagnosis::sufficiency::check(&report).expect("enough evidence");
    diagnose(&report, None)
}

fn item(v: &Verdict, name: &str) -> Option<(f64, bool)> {
    v.evidence
        .iter()
        .find(|i| i.name == name)
        .and_then(|i| Some((i.value?, i.pass?)))
}

#[test]
fn sag_flips_at_the_threshold() {
    for rate in RATES {
        let mut flipped = None;
        for sag in [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0] {
            // The sag runs over the whole press of three words: the first word is louder than
            // the last by two thirds of it.
            let v = judge(rate, keeloq_press(&word(false), 400.0, 3), -20.0, sag, 0.3);
            let (measured, pass) = item(&v, "press_sag_db").expect("sag measured");
            let (burst, burst_pass) = item(&v, "sag_db").expect("burst sag measured");
            println!(
                "{rate} S/s sag {sag} dB: press {measured:.2} dB, burst {burst:.2} dB, {:?}",
                v.status
            );
            assert_eq!(pass, measured <= SAG_WEAK_DB);
            assert!(
                (measured - sag * 2.0 / 3.0).abs() < 1.5,
                "{rate} {sag}: {measured}"
            );
            assert_eq!(
                v.status == Status::Weak,
                !(pass && burst_pass),
                "{rate} {sag}: {v:#?}"
            );
            if v.status == Status::Weak && flipped.is_none() {
                flipped = Some(sag);
            }
            if flipped.is_some() {
                assert_eq!(
                    v.status,
                    Status::Weak,
                    "{rate} S/s sag {sag}: weak stays weak"
                );
            }
        }
        // 2/3 of 8 dB is past the 5 dB threshold, 2/3 of 6 dB is not.
        assert_eq!(flipped, Some(8.0), "{rate} S/s");
    }
}

#[test]
fn brown_out_cut_is_weak_but_a_press_that_ends_between_words_is_not() {
    for rate in RATES {
        let press = keeloq_press(&word(false), 400.0, 3);
        // Cut after two whole words: the key simply sent two words.
        let v = judge(rate, press.first_words(2), -20.0, 0.0, 0.4);
        assert_eq!(v.status, Status::Working, "{rate}: {v:#?}");
        // Cut at 40 %, 55 % and 85 % of the press: the second or third word stops mid-word.
        for fraction in [0.4, 0.55, 0.85] {
            let v = judge(rate, press.truncated_fraction(fraction), -20.0, 0.0, 0.4);
            println!(
                "{rate} S/s cut at {fraction}: {:?} {:?}",
                v.status,
                item(&v, "frames_cut")
            );
            assert_eq!(v.status, Status::Weak, "{rate} {fraction}: {v:#?}");
            assert_eq!(item(&v, "frames_cut").map(|x| x.1), Some(false));
        }
    }
}

#[test]
fn low_output_flips_where_the_measured_snr_crosses_the_threshold() {
    for rate in RATES {
        let mut seen = (false, false);
        for level in [
            -20.0, -35.0, -50.0, -58.0, -61.0, -63.0, -65.0, -67.0, -69.0, -71.0,
        ] {
            let v = judge(rate, keeloq_press(&word(false), 400.0, 3), level, 0.0, 0.3);
            let snr = item(&v, "snr_db");
            println!("{rate} S/s level {level} dBFS: SNR {snr:?}, {:?}", v.status);
            match snr {
                Some((s, pass)) => {
                    assert_eq!(pass, s >= WEAK_SNR_DB);
                    if !pass {
                        assert_eq!(v.status, Status::Weak, "{rate} {level}: {v:#?}");
                        seen.1 = true;
                    } else if v.status == Status::Working {
                        seen.0 = true;
                    }
                }
                // Too faint to be found at all: never called working.
                None => assert_ne!(v.status, Status::Working),
            }
        }
        assert!(seen.0, "{rate}: a strong key must be working");
        assert!(seen.1, "{rate}: a faint key must be weak on its SNR");
    }
}

#[test]
fn battery_low_flag_flips_the_verdict() {
    for rate in RATES {
        let ok = judge(rate, keeloq_press(&word(false), 400.0, 2), -20.0, 0.0, 0.3);
        assert_eq!(ok.status, Status::Working, "{ok:#?}");
        assert_eq!(item(&ok, "keeloq_vlow"), Some((0.0, true)));
        let low = judge(rate, keeloq_press(&word(true), 400.0, 2), -20.0, 0.0, 0.3);
        assert_eq!(low.status, Status::Weak, "{low:#?}");
        assert_eq!(item(&low, "keeloq_vlow"), Some((2.0, false)));
    }
}

#[test]
fn te_out_of_the_chips_range_flips_the_verdict() {
    for rate in RATES {
        for te in [250.0, 300.0, 400.0, 600.0, 720.0] {
            let v = judge(rate, keeloq_press(&word(false), te, 2), -20.0, 0.0, 0.3);
            let inside = (KEELOQ_TE_RANGE_US.0..=KEELOQ_TE_RANGE_US.1).contains(&te);
            println!(
                "{rate} S/s Te {te} µs: {:?} {:?}",
                v.status,
                item(&v, "keeloq_te_us")
            );
            let (measured, pass) = item(&v, "keeloq_te_us").expect("Te measured");
            assert!(
                (measured - te).abs() < 0.1 * te,
                "{rate} {te}: measured {measured}"
            );
            assert_eq!(pass, inside, "{rate} {te}");
            let want = if inside {
                Status::Working
            } else {
                Status::Weak
            };
            assert_eq!(v.status, want, "{rate} {te}: {v:#?}");
        }
    }
}
