//! Clips with no quiet lead-in: recordings cut tightly around one message (as URH,
//! inspectrum or GNU Radio users export them: 14 ms at 1 MS/s, the message filling most of
//! it) and recordings that start in the middle of a press. The detector has no noise floor to
//! learn before the signal; the message must still be found and sliced, at 250 kS/s and on the
//! same signal resampled to 1.024 and 2.4 MS/s.

mod rates;

use fobscope::protocol::keeloq::KeeloqWord;
use fobscope::synth::{Burst, Scene, ev1527_press, keeloq_press, render};
use num_complex::Complex;

const CENTER_HZ: f64 = 433.92e6;

/// A scene rendered from `start_s` on (the samples before are dropped, as a clip cut there).
fn clip(scene: &Scene, start_s: f64) -> Vec<Complex<f32>> {
    let x = render(scene).expect("valid scene");
    let skip = (start_s * scene.sample_rate_hz).round() as usize;
    x[skip.min(x.len())..].to_vec()
}

#[test]
fn a_14_ms_clip_holding_one_ev1527_word_is_decoded() {
    // One EV1527 word at Te 100 µs (12.8 ms), 0.2 ms of lead-in and 1 ms after it.
    for (off, seed) in [(-23e3, 1), (41e3, 2)] {
        let mut b = Burst::new(0.0, ev1527_press(0x5_3A1C, 0b1001, 100.0, 1));
        b.offset_hz = off;
        b.level_dbfs = -15.0;
        let mut s = Scene::single(250e3, Some(CENTER_HZ), b, 0.0002, 0.001);
        s.noise_dbfs = Some(-15.0 - 20.0);
        s.seed = seed;
        let bits = s.truth()[0].words[0].clone();
        let x = clip(&s, 0.0);
        assert!(x.len() < 3_600, "{}", x.len());
        for to in rates::RATES {
            let y = rates::resample(&x, 250e3, to);
            let tx = rates::analyze(&y, to, CENTER_HZ);
            let n = rates::words_decoded(&tx, "EV1527", &bits);
            assert_eq!(n, 1, "{off} Hz at {to}: {tx:#?}");
            assert!(
                tx.iter()
                    .all(|t| (t.freq_offset_hz.unwrap() - off).abs() < 2e3),
                "{off} Hz at {to}: {tx:#?}"
            );
        }
    }
}

#[test]
fn a_recording_that_starts_inside_a_press_is_still_sliced() {
    // A KeeLoq press of three words; the recording starts 40 ms into the first.
    let w = KeeloqWord {
        hopping: 0x2f4c_7d19,
        serial: 0x1a2_b3c4,
        buttons: 0b0001,
        battery_low: false,
        repeat: false,
    };
    for (off, seed) in [(12e3, 3), (-57e3, 4)] {
        let mut b = Burst::new(0.0, keeloq_press(&w, 400.0, 3));
        b.offset_hz = off;
        b.level_dbfs = -20.0;
        let mut s = Scene::single(250e3, Some(CENTER_HZ), b, 0.05, 0.1);
        s.noise_dbfs = Some(-20.0 - 15.0);
        s.seed = seed;
        let bits = s.truth()[0].words[0].clone();
        let x = clip(&s, 0.09);
        for to in rates::RATES {
            let y = rates::resample(&x, 250e3, to);
            let tx = rates::analyze(&y, to, CENTER_HZ);
            // The two whole words after the cut, bit for bit.
            let n = rates::words_decoded(&tx, "KeeLoq", &bits);
            assert_eq!(n, 2, "{off} Hz at {to}: {tx:#?}");
            assert!(
                tx.iter()
                    .all(|t| (t.freq_offset_hz.unwrap() - off).abs() < 2e3),
                "{off} Hz at {to}: {tx:#?}"
            );
        }
    }
}
