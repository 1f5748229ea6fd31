//! SigMF meta parsing: arbitrary bytes as a `.sigmf-meta` file.
#![no_main]

use std::path::Path;

use fobscope::source::sigmf;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.sigmf-meta");
    if let Ok(meta) = sigmf::parse_meta(path, data.len() as u64, data) {
        let _ = meta.sample_format();
        let _ = meta.claimed_samples();
    }
});
