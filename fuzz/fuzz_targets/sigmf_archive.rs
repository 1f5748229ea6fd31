//! Tar archive reading: arbitrary bytes as a `.sigmf` archive, opened and read to the end.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::scratch("fuzz.sigmf", data);
    common::open_and_drain(&path, &Default::default());
});
