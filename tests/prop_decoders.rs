//! Property tests of the pulse analyzer and the frame decoders.
//!
//! - Any KeeLoq, PT2262 or EV1527 press that `synth` generates, with random codes and timings
//!   within the documented ranges, decodes to exactly the generated words: from its pulses
//!   (with receiver-like timing jitter), and from IQ samples at high SNR through the whole
//!   pipeline.
//! - Arbitrary pulse trains (any widths, NaN and infinities included) never panic the
//!   analyzer, the decoders or the report serialiser.
//!
//! Ranges: KeeLoq Te 260–660 µs (`keeloq::TE_RANGE_US`, HCS301 datasheet); PT2262 α and EV1527
//! Te within `fobscope synth --te`'s 50 µs–20 ms for the pulse-level properties. The IQ
//! properties keep every word within a 5 s burst and every pulse a few channel samples long:
//! PT2262 α 60–400 µs, EV1527 Te 100–1000 µs, carrier within ±60 kHz of centre.

use fobscope::model::Transmission;
use fobscope::pipeline::{AnalyzeOptions, analyze_iq, describe};
use fobscope::protocol::fixed_code::{PT2262_TRITS, Trit, ev1527_bits, pt2262_bits};
use fobscope::protocol::keeloq::{KeeloqWord, TE_RANGE_US};
use fobscope::protocol::{self};
use fobscope::pulse::{self, Pulse, PulseTrain};
use fobscope::synth::{Burst, Press, Scene, ev1527_press, keeloq_press, pt2262_press};
use proptest::prelude::*;

/// What was generated: the protocol and the bits of its word.
#[derive(Clone, Debug)]
struct Truth {
    protocol: &'static str,
    bits: Vec<bool>,
    repeats: usize,
}

fn bit_string(bits: &[bool]) -> String {
    bits.iter().map(|&b| if b { '1' } else { '0' }).collect()
}

fn keeloq_word() -> impl Strategy<Value = KeeloqWord> {
    (
        any::<u32>(),
        0u32..(1 << 28),
        1u8..16,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(hopping, serial, buttons, battery_low, repeat)| KeeloqWord {
                hopping,
                serial,
                buttons,
                battery_low,
                repeat,
            },
        )
}

fn trits() -> impl Strategy<Value = [Trit; PT2262_TRITS]> {
    prop::array::uniform12(prop_oneof![
        Just(Trit::Zero),
        Just(Trit::One),
        Just(Trit::Float)
    ])
}

/// EV1527 address and data whose bit pairs are not all PT2262 digits (otherwise the word is
/// by definition also a valid PT2262 word, and is reported as one).
fn ev1527_code() -> impl Strategy<Value = (u32, u8)> {
    (0u32..(1 << 20), 0u8..16).prop_filter("reads as a PT2262 word", |(a, d)| {
        ev1527_bits(*a, *d).chunks(2).any(|p| p[0] && !p[1])
    })
}

/// A press of one of the three chips, with its truth; `te` picks the timing range.
fn press(iq: bool) -> impl Strategy<Value = (Press, Truth)> {
    let (pt_lo, pt_hi, ev_lo, ev_hi) = if iq {
        (60.0, 400.0, 100.0, 1000.0)
    } else {
        (50.0, 20_000.0, 50.0, 20_000.0)
    };
    prop_oneof![
        (keeloq_word(), TE_RANGE_US.0..=TE_RANGE_US.1, 1usize..4).prop_map(|(w, te, n)| {
            (
                keeloq_press(&w, te, n),
                Truth {
                    protocol: "KeeLoq",
                    bits: w.to_bits().to_vec(),
                    repeats: n,
                },
            )
        }),
        (trits(), pt_lo..pt_hi, 2usize..6).prop_map(|(t, alpha, n)| {
            (
                pt2262_press(&t, alpha, n),
                Truth {
                    protocol: "PT2262",
                    bits: pt2262_bits(&t).to_vec(),
                    repeats: n,
                },
            )
        }),
        (ev1527_code(), ev_lo..ev_hi, 2usize..6).prop_map(|((a, d), te, n)| {
            (
                ev1527_press(a, d, te, n),
                Truth {
                    protocol: "EV1527",
                    bits: ev1527_bits(a, d).to_vec(),
                    repeats: n,
                },
            )
        }),
    ]
}

/// Every decoded frame of `transmissions` is the generated word, and at least one is there.
fn assert_decodes_to(transmissions: &[Transmission], truth: &Truth) -> Result<(), TestCaseError> {
    let want = bit_string(&truth.bits);
    let decoded: Vec<(&str, &str, u32)> = transmissions
        .iter()
        .flat_map(|t| &t.frames)
        .filter_map(|f| {
            f.protocol
                .as_deref()
                .map(|p| (p, f.bits.as_str(), f.repeats))
        })
        .collect();
    prop_assert!(
        !decoded.is_empty(),
        "nothing decoded; want {} {want}",
        truth.protocol
    );
    for (p, bits, _) in &decoded {
        prop_assert_eq!(*p, truth.protocol);
        prop_assert_eq!(*bits, want.as_str());
    }
    let words: u32 = decoded.iter().map(|d| d.2).sum();
    prop_assert!(
        words as usize <= truth.repeats,
        "{words} words from {}",
        truth.repeats
    );
    Ok(())
}

/// The press's pulses split into transmissions at gaps as the demodulator does (longer than
/// 10 ms and 10 × the longest mark), each with ±`jitter` relative timing error.
fn trains_of(press: &Press, jitter: &[f64]) -> Vec<PulseTrain> {
    let mut trains = Vec::new();
    let mut current = Vec::new();
    let mut longest = 0.0f64;
    for (k, (m, s)) in press.envelope.pulses().into_iter().enumerate() {
        let j = |x: f64, i: usize| x * (1.0 + jitter[i % jitter.len()]);
        current.push(Pulse {
            high_us: j(m, 2 * k) as f32,
            low_us: j(s, 2 * k + 1) as f32,
        });
        longest = longest.max(m);
        if s > 10_000f64.max(10.0 * longest) {
            trains.push(PulseTrain {
                start_s: 0.0,
                pulses: std::mem::take(&mut current),
            });
            longest = 0.0;
        }
    }
    if !current.is_empty() {
        trains.push(PulseTrain {
            start_s: 0.0,
            pulses: current,
        });
    }
    trains
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn synth_pulses_decode_to_exactly_what_was_generated(
        (press, truth) in press(false),
        jitter in prop::collection::vec(-0.05f64..0.05, 1..64),
    ) {
        let transmissions: Vec<Transmission> =
            trains_of(&press, &jitter).into_iter().map(describe).collect();
        assert_decodes_to(&transmissions, &truth)?;
    }

    #[test]
    fn arbitrary_pulse_trains_never_panic(
        widths in prop::collection::vec(
            (
                prop_oneof![4 => 0f32..100_000.0, 1 => any::<f32>()],
                prop_oneof![4 => 0f32..100_000.0, 1 => any::<f32>()],
            ),
            0..600,
        ),
        start_s in any::<f64>(),
    ) {
        let train = PulseTrain {
            start_s,
            pulses: widths.into_iter().map(|(h, l)| Pulse { high_us: h, low_us: l }).collect(),
        };
        let analysis = pulse::analyze(&train);
        let _ = pulse::analyzer::explain(&train);
        let _ = protocol::decode(&train, &analysis);
        let t = describe(train);
        let _ = serde_json::to_string(&t).unwrap();
    }

    #[test]
    fn regular_trains_of_two_widths_never_panic(
        short in 1f32..5_000.0,
        ratio in 1.5f32..4.0,
        pattern in prop::collection::vec(any::<(bool, bool)>(), 1..400),
    ) {
        let long = short * ratio;
        let train = PulseTrain {
            start_s: 0.0,
            pulses: pattern
                .into_iter()
                .map(|(a, b)| Pulse {
                    high_us: if a { long } else { short },
                    low_us: if b { long } else { short },
                })
                .collect(),
        };
        let t = describe(train);
        prop_assert!(t.pulses > 0);
    }
}

proptest! {
    // Each case runs about half a second of samples through the whole pipeline.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn synth_iq_at_high_snr_decodes_to_exactly_what_was_generated(
        (press, truth) in press(true),
        offset_hz in -60e3f64..60e3,
        snr_db in 25f64..35.0,
        seed in any::<u64>(),
    ) {
        let mut burst = Burst::new(0.0, press);
        burst.offset_hz = offset_hz;
        burst.level_dbfs = -20.0;
        let mut scene = Scene::single(250e3, Some(433.92e6), burst, 0.1, 0.1);
        scene.noise_dbfs = Some(-20.0 - snr_db);
        scene.seed = seed;
        let src = scene.stream().expect("valid scene");
        let report = analyze_iq(Box::new(src), &AnalyzeOptions::default(), &mut |_| {})
            .expect("analysis");
        assert_decodes_to(&report.transmissions, &truth)?;
    }
}

/// Regression (found by the IQ property): a burst opened on a spur 150 kHz from a KeeLoq key
/// closed 40 ms into the key's first word and reported the part of the word its channel saw;
/// the burst opened on the key itself then reported the whole word, which was dropped as a
/// duplicate of the partial one. Every word must come out whole.
#[test]
fn a_burst_on_a_spur_does_not_report_part_of_a_word_first() {
    let w = KeeloqWord {
        hopping: 0,
        serial: 0x829,
        buttons: 0b0010,
        battery_low: true,
        repeat: true,
    };
    let mut burst = Burst::new(0.0, keeloq_press(&w, 285.8, 3));
    burst.offset_hz = 33_323.2;
    burst.level_dbfs = -20.0;
    let mut scene = Scene::single(250e3, Some(433.92e6), burst, 0.1, 0.1);
    scene.noise_dbfs = Some(-20.0 - 28.56);
    scene.seed = 4_846_519_766_029_376_590;
    let report = analyze_iq(
        Box::new(scene.stream().unwrap()),
        &AnalyzeOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    let want = bit_string(&w.to_bits());
    let words: Vec<&str> = report
        .transmissions
        .iter()
        .flat_map(|t| &t.frames)
        .map(|f| f.bits.as_str())
        .collect();
    assert_eq!(words, vec![want.as_str(); 3]);
}
