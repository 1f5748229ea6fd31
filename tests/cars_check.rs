//! The car check end to end: a synthetic key run through the whole pipeline, then judged
//! against cars of the table by their own filed frequency and modulation, at 250 kS/s,
//! 1.024 MS/s and 2.4 MS/s.

use fobscope::diagnosis::{CarBand, Status, diagnose, find_car};
use fobscope::model::Report;
use fobscope::pipeline::{AnalyzeOptions, analyze_iq};
use fobscope::protocol::keeloq::KeeloqWord;
use fobscope::synth::{Burst, Keying, Scene, keeloq_press};

const RATES: [f64; 3] = [250e3, 1.024e6, 2.4e6];
/// The dongle is tuned this far above the key's carrier.
const TUNING_OFFSET_HZ: f64 = 50e3;

fn word() -> KeeloqWord {
    KeeloqWord {
        hopping: 0x1357_9BDF,
        serial: 0x0A1B_2C3D,
        buttons: 0b0010,
        battery_low: false,
        repeat: false,
    }
}

/// A healthy KeeLoq key (4 code words, 30 dB SNR) on `carrier_hz`, recorded tuned 50 kHz above.
fn key_report(rate: f64, carrier_hz: f64, keying: Keying) -> Report {
    let mut b = Burst::new(0.0, keeloq_press(&word(), 400.0, 4));
    b.offset_hz = -TUNING_OFFSET_HZ;
    b.level_dbfs = -20.0;
    b.keying = keying;
    let mut scene = Scene::single(rate, Some(carrier_hz + TUNING_OFFSET_HZ), b, 0.2, 0.3);
    scene.noise_dbfs = Some(-50.0);
    scene.seed = 7;
    let stream = scene.stream().expect("valid scene");
    analyze_iq(Box::new(stream), &AnalyzeOptions::default(), &mut |_| {}).expect("analysis")
}

fn car(q: &str) -> CarBand {
    CarBand::from_match(&find_car(q).unwrap_or_else(|e| panic!("{q}: {e}")))
}

fn text(v: &fobscope::diagnosis::Verdict) -> String {
    format!("{}\n{}", v.reasons.join("\n"), v.advice.join("\n"))
}

#[test]
fn a_key_at_314_95_fits_the_altima_but_not_the_accord_or_the_4runner() {
    for rate in RATES {
        let r = key_report(rate, 314.95e6, Keying::Ook);
        let f = r
            .transmissions
            .iter()
            .find_map(|t| t.freq_hz)
            .expect("carrier");
        assert!(
            (f - 314.95e6).abs() < 5e3,
            "{rate}: carrier measured at {f}"
        );

        let v = diagnose(&r, Some(&car("2004 Nissan Altima")));
        assert_eq!(v.status, Status::Working, "{rate}: {}", text(&v));
        assert!(text(&v).contains("KBRASTU15"), "{rate}: {}", text(&v));

        let v = diagnose(&r, Some(&car("2004 Honda Accord")));
        assert_eq!(v.status, Status::BandMismatch, "{rate}: {}", text(&v));
        let t = text(&v);
        assert!(
            t.contains("313.85 MHz") && t.contains("314.95") && t.contains("away"),
            "{rate}: the mismatch names both frequencies and the difference: {t}"
        );

        let v = diagnose(&r, Some(&car("2003 Toyota 4Runner")));
        assert_eq!(v.status, Status::BandMismatch, "{rate}: {}", text(&v));
        let t = text(&v);
        assert!(
            t.contains("314.35 MHz") && t.contains("HYQ12BBX"),
            "{rate}: {t}"
        );
    }
}

#[test]
fn an_fsk_key_fits_the_fsk_accord_and_not_the_ask_altima() {
    let fsk = Keying::Fsk {
        deviation_hz: 25e3,
        lead_in_us: 2_000.0,
    };
    for rate in RATES {
        let r = key_report(rate, 313.85e6, fsk);
        let v = diagnose(&r, Some(&car("2004 honda accord")));
        assert_eq!(v.status, Status::Working, "{rate}: {}", text(&v));

        // Same carrier as the Altima's, but FSK for an ASK car.
        let r = key_report(rate, 315.0e6, fsk);
        let v = diagnose(&r, Some(&car("2004 nissan altima")));
        assert_eq!(v.status, Status::BandMismatch, "{rate}: {}", text(&v));
        assert!(
            text(&v).contains("FSK") && text(&v).contains("ASK"),
            "{rate}: {}",
            text(&v)
        );
    }
}
