//! Frame decoders on hand-built pulse trains with realistic timing and ±10 % edge jitter.

mod diagnosis_support;

use diagnosis_support::*;
use fobscope::protocol::keeloq::KeeloqWord;
use fobscope::protocol::{decode, keeloq_decoder};
use fobscope::pulse::{Pulse, PulseTrain};
use rand::{RngExt, SeedableRng};

#[test]
fn keeloq_repeats_decode_exactly_under_jitter() {
    for (seed, te) in [(1u64, 400.0f32), (2, 290.0), (3, 630.0), (4, 370.0)] {
        let mut j = Jitter::new(seed, 0.10);
        let train = keeloq_train(&HEALTHY, te, 4, &mut j);
        let frames = decode(&train, &empty_analysis());
        assert_eq!(frames.len(), 1, "Te {te}: {frames:?}");
        let f = &frames[0];
        assert_eq!(f.protocol, "KeeLoq");
        assert_eq!(f.repeats, 4);
        assert_eq!(KeeloqWord::from_bits(&f.bits), Some(HEALTHY));
        assert_eq!(f.fields["serial"], "0B12C3D");
        assert_eq!(f.fields["hopping_code"], "9C3A51E7");
        assert_eq!(f.fields["hopping_code_encrypted"], true);
        assert_eq!(f.fields["buttons_pressed"], serde_json::json!(["S2"]));
        assert_eq!(f.fields["battery_low"], false);
        let measured = f.fields["te_us"].as_f64().unwrap();
        assert!(
            (measured - te as f64).abs() < 0.05 * te as f64,
            "Te {te}: measured {measured}"
        );
    }
}

#[test]
fn keeloq_lost_first_mark_and_flags() {
    let w = KeeloqWord {
        battery_low: true,
        repeat: true,
        buttons: 0b1001,
        ..HEALTHY
    };
    let mut j = Jitter::new(7, 0.10);
    let mut pulses = keeloq_pulses(&w, 410.0, 11, &mut j);
    pulses.last_mut().unwrap().low_us = 0.0;
    let frames = decode(
        &PulseTrain {
            start_s: 0.0,
            pulses,
        },
        &empty_analysis(),
    );
    assert_eq!(frames.len(), 1);
    let f = &frames[0];
    assert_eq!(f.fields["preamble_marks"], 11);
    assert_eq!(f.fields["battery_low"], true);
    assert_eq!(f.fields["repeat"], true);
    assert_eq!(f.fields["buttons_pressed"], serde_json::json!(["S0", "S3"]));
    assert_eq!(f.fields["buttons"], "1100");
}

#[test]
fn keeloq_words_that_differ_are_reported_separately() {
    let mut j = Jitter::new(9, 0.08);
    let other = KeeloqWord {
        hopping: 0x0123_4567,
        ..HEALTHY
    };
    let mut pulses = keeloq_pulses(&HEALTHY, 400.0, 12, &mut j);
    pulses.extend(keeloq_pulses(&HEALTHY, 400.0, 12, &mut j));
    pulses.extend(keeloq_pulses(&other, 400.0, 12, &mut j));
    let frames = decode(
        &PulseTrain {
            start_s: 0.0,
            pulses,
        },
        &empty_analysis(),
    );
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].repeats, 2);
    assert_eq!(frames[1].repeats, 1);
    assert_eq!(frames[1].fields["hopping_code"], "01234567");
}

#[test]
fn keeloq_cut_short_is_incomplete_not_invented() {
    let mut j = Jitter::new(11, 0.10);
    let mut pulses = keeloq_pulses(&HEALTHY, 400.0, 12, &mut j);
    pulses.truncate(12 + 63);
    pulses.last_mut().unwrap().low_us = 0.0;
    let caps = keeloq_decoder::find_words(&PulseTrain {
        start_s: 0.0,
        pulses,
    });
    assert_eq!(caps.len(), 1);
    assert!(!caps[0].complete());
    assert_eq!(caps[0].bits.len(), 63);
    let f = keeloq_decoder::fields(&caps[0]);
    assert_eq!(f["serial"], "0B12C3D", "60+ bits hold the whole serial");
    assert!(f.get("battery_low").is_none());
}

#[test]
fn pt2262_and_ev1527_under_jitter() {
    let mut j = Jitter::new(21, 0.10);
    let code = "0F0F1100FF01";
    let frames = decode(
        &fixed_train(&pt2262_word(code), 330.0, 6, &mut j),
        &empty_analysis(),
    );
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(frames[0].protocol, "PT2262");
    assert_eq!(frames[0].fields["code"], code);
    assert_eq!(frames[0].repeats, 6);
    let alpha = frames[0].fields["alpha_us"].as_f64().unwrap();
    assert!((alpha - 330.0 / 4.0).abs() < 8.0, "alpha {alpha}");

    let frames = decode(
        &fixed_train(&ev1527_word(0x5A3C1, 0b0100), 280.0, 4, &mut j),
        &empty_analysis(),
    );
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(frames[0].protocol, "EV1527");
    assert_eq!(frames[0].fields["address"], "5A3C1");
    assert_eq!(frames[0].fields["data"], "0100");
    assert_eq!(frames[0].repeats, 4);
}

#[test]
fn fixed_code_repeats_that_differ_stay_separate() {
    let mut j = Jitter::new(23, 0.05);
    let mut t = fixed_train(&pt2262_word("0F0F1100FF01"), 330.0, 2, &mut j);
    t.pulses.last_mut().unwrap().low_us = 31.0 * 330.0;
    let t2 = fixed_train(&pt2262_word("0F0F1100FF10"), 330.0, 1, &mut j);
    t.pulses.extend(t2.pulses);
    let frames = decode(&t, &empty_analysis());
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].repeats, 2);
    assert_eq!(frames[1].fields["data"], "FF10");
}

#[test]
fn random_pulses_decode_as_nothing() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    for _ in 0..50 {
        let pulses: Vec<Pulse> = (0..200)
            .map(|_| Pulse {
                high_us: rng.random_range(100.0..1500.0),
                low_us: rng.random_range(100.0..1500.0),
            })
            .collect();
        let frames = decode(
            &PulseTrain {
                start_s: 0.0,
                pulses,
            },
            &empty_analysis(),
        );
        assert!(frames.is_empty(), "{frames:?}");
    }
}

#[test]
fn keeloq_is_not_taken_for_fixed_code_and_back() {
    let mut j = Jitter::new(31, 0.1);
    let k = decode(&keeloq_train(&HEALTHY, 400.0, 2, &mut j), &empty_analysis());
    assert!(k.iter().all(|f| f.protocol == "KeeLoq"));
    let f = decode(
        &fixed_train(&pt2262_word("111111111111"), 400.0, 3, &mut j),
        &empty_analysis(),
    );
    assert!(f.iter().all(|f| f.protocol != "KeeLoq"));
    assert_eq!(f.len(), 1);
}

/// An envelope detector's threshold lengthens marks and shortens spaces by the same amount.
fn bias(mut t: PulseTrain, us: f32) -> PulseTrain {
    for p in &mut t.pulses {
        p.high_us += us;
        p.low_us = (p.low_us - us).max(0.0);
    }
    t
}

#[test]
fn decoders_survive_threshold_bias() {
    let mut j = Jitter::new(41, 0.08);
    for b in [-60.0f32, 60.0] {
        let k = decode(
            &bias(keeloq_train(&HEALTHY, 400.0, 2, &mut j), b),
            &empty_analysis(),
        );
        assert_eq!(k.len(), 1, "bias {b}: {k:?}");
        assert_eq!(KeeloqWord::from_bits(&k[0].bits), Some(HEALTHY));
        let f = decode(
            &bias(
                fixed_train(&pt2262_word("10F0F0F01100"), 350.0, 4, &mut j),
                b,
            ),
            &empty_analysis(),
        );
        assert_eq!(f.len(), 1, "bias {b}: {f:?}");
        assert_eq!(f[0].fields["code"], "10F0F0F01100");
    }
}
