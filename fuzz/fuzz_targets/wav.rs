//! WAV/RIFF chunk walking: arbitrary bytes as a `.wav` file, opened and read to the end.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("fuzz_433.92M_250k.wav", data);
    common::open_and_drain(&path, &Default::default());
});
