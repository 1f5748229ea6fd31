//! The decoders on real recordings: Flipper Zero captures of car remotes that use none of
//! the formats decoded here must not be claimed as KeeLoq, PT2262 or EV1527.

mod common;

use fobscope::protocol::decode;
use fobscope::pulse::{Pulse, PulseAnalysis, PulseTrain};

/// Pulse trains from a `.sub` file's RAW_Data (positive = carrier on), split at silences
/// over 10 ms as transmissions are.
fn sub_trains(text: &str) -> Vec<PulseTrain> {
    let mut trains = Vec::new();
    let mut cur: Vec<Pulse> = Vec::new();
    let mut high: Option<f32> = None;
    let mut low = 0f32;
    let values = text
        .lines()
        .filter_map(|l| l.strip_prefix("RAW_Data:"))
        .flat_map(|r| r.split_whitespace().filter_map(|x| x.parse::<i64>().ok()));
    for v in values {
        if v > 0 {
            if let Some(h) = high.take() {
                cur.push(Pulse {
                    high_us: h,
                    low_us: low,
                });
                if low > 10_000.0 {
                    trains.push(PulseTrain {
                        start_s: 0.0,
                        pulses: std::mem::take(&mut cur),
                    });
                }
            }
            high = Some(v as f32);
            low = 0.0;
        } else if high.is_some() {
            low += (-v) as f32;
        }
    }
    if let Some(h) = high {
        cur.push(Pulse {
            high_us: h,
            low_us: low,
        });
    }
    trains.push(PulseTrain {
        start_s: 0.0,
        pulses: cur,
    });
    trains
}

#[test]
fn no_false_claims_on_real_car_remotes() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let analysis = PulseAnalysis::unknown();
    // Manchester-coded (LDV) and the Tesla charge-port code: neither is a format decoded here.
    for file in [
        "UberGuidoZ/Flipper/Sub-GHz/Vehicles/LDV_Automotive/T80_AUS/LDV-T80_lock.sub",
        "MuddledBox/FlipperZeroSub-GHz/Vehicles/Tesla/Tesla_charge_door_AM650.sub",
        "MuddledBox/FlipperZeroSub-GHz/Vehicles/Tesla/Tesla_charge_door_AM270.sub",
    ] {
        let path = corpus.join("flipper").join(file);
        let text = std::fs::read_to_string(&path).expect("read capture");
        let trains = sub_trains(&text);
        let pulses: usize = trains.iter().map(|t| t.pulses.len()).sum();
        assert!(pulses > 200, "{file}: only {pulses} pulses parsed");
        for t in &trains {
            let frames = decode(t, &analysis);
            assert!(frames.is_empty(), "{file}: claimed {frames:?}");
        }
    }
}
