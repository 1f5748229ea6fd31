//! Wide 2-FSK key fobs whose carrier stays on for the whole press (the space tone fills the
//! lead-in, the preamble gaps, the header and the guard time between code words): the front
//! end must report FSK at the midpoint of the two tones with the right deviation, and its pulses
//! (high = the upper tone) must carry every KeeLoq code word.

use fobscope::dsp::{BurstProcessor, DetectedTransmission, DspConfig, Modulation};
use fobscope::protocol::keeloq::KeeloqWord;
use fobscope::protocol::keeloq_decoder;
use fobscope::synth::{Burst, Keying, Scene, keeloq_press, render};

const FS: f64 = 250_000.0;
const OFFSET_HZ: f64 = 10_000.0;
const REPEATS: usize = 3;

fn word() -> KeeloqWord {
    KeeloqWord {
        hopping: 0x1d5c_a6f3,
        serial: 0x03b_1e9e,
        buttons: 0b0010,
        battery_low: false,
        repeat: false,
    }
}

/// A 3-word KeeLoq press, 2-FSK with the carrier on throughout, 20 dB wideband SNR.
fn front_end(deviation_hz: f64, seed: u64) -> Vec<DetectedTransmission> {
    let mut burst = Burst::new(0.0, keeloq_press(&word(), 400.0, REPEATS));
    burst.keying = Keying::Fsk {
        deviation_hz,
        lead_in_us: 2_000.0,
    };
    burst.offset_hz = OFFSET_HZ;
    burst.level_dbfs = -20.0;
    let mut scene = Scene::single(FS, Some(433.92e6), burst, 0.15, 0.15);
    scene.noise_dbfs = Some(-40.0);
    scene.seed = seed;
    let x = render(&scene).expect("valid scene");
    let mut p = BurstProcessor::new(DspConfig { sample_rate_hz: FS });
    let mut out = Vec::new();
    for b in x.chunks(16_384) {
        p.push(b, &mut out);
    }
    p.finish(&mut out);
    out
}

#[test]
fn wide_fsk_with_steady_carrier_is_fsk_and_decodes() {
    for (dev, seed) in [(10_000.0, 1), (25_000.0, 2), (40_000.0, 3)] {
        let tx = front_end(dev, seed);
        assert!(!tx.is_empty(), "±{dev} Hz: nothing found");
        for t in &tx {
            assert_eq!(t.modulation, Modulation::Fsk, "±{dev} Hz: {t:#?}");
            let d = t.fsk_deviation_hz.expect("FSK has a deviation");
            assert!(
                (d - dev).abs() < 0.15 * dev,
                "±{dev} Hz: deviation measured {d:.0} Hz"
            );
            assert!(
                (t.freq_offset_hz - OFFSET_HZ).abs() < 0.15 * dev,
                "±{dev} Hz: carrier at {:.0} Hz",
                t.freq_offset_hz
            );
        }
        // Every code word, bit for bit, over the transmissions found.
        let want = word().to_bits().to_vec();
        let words: u32 = tx
            .iter()
            .flat_map(|t| keeloq_decoder::decode(&t.pulses))
            .filter(|f| f.protocol == "KeeLoq" && f.bits == want)
            .map(|f| f.repeats)
            .sum();
        assert_eq!(words as usize, REPEATS, "±{dev} Hz: {tx:#?}");
    }
}
