//! Flipper Zero `.sub` parsing: arbitrary bytes as a `.sub` file; the parsed pulses go through
//! the analysis.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("fuzz.sub", data);
    common::open_and_drain(&path, &Default::default());
});
