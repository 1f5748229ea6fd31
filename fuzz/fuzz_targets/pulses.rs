//! The pulse analyzer and every frame decoder fed arbitrary pulse trains.
//!
//! The first byte picks how the rest becomes widths: little-endian u16 pairs scaled by a
//! power of two (realistic microsecond widths), or raw f32 pairs (any value, NaN included).
#![no_main]

use fobscope::protocol::{self, fixed_words, keeloq_decoder};
use fobscope::pulse::{self, Pulse, PulseTrain};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let pulses: Vec<Pulse> = if mode & 0x80 == 0 {
        let scale = f32::from(1u16 << (mode & 7)) / 4.0;
        rest.chunks_exact(4)
            .map(|c| Pulse {
                high_us: f32::from(u16::from_le_bytes([c[0], c[1]])) * scale,
                low_us: f32::from(u16::from_le_bytes([c[2], c[3]])) * scale,
            })
            .collect()
    } else {
        rest.chunks_exact(8)
            .map(|c| Pulse {
                high_us: f32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                low_us: f32::from_le_bytes([c[4], c[5], c[6], c[7]]),
            })
            .collect()
    };
    let train = PulseTrain {
        start_s: 0.0,
        pulses,
    };
    let analysis = pulse::analyze(&train);
    let _ = pulse::analyzer::explain(&train);
    let _ = protocol::decode(&train, &analysis);
    let _ = protocol::frames(&train, &analysis);
    let _ = keeloq_decoder::decode(&train);
    let words = fixed_words::find_words(&train);
    let _ = fixed_words::group(words);
    let t = fobscope::pipeline::describe(train);
    let _ = serde_json::to_string(&t);
});
