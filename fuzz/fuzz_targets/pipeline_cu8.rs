//! The full pipeline fed arbitrary cu8 bytes: detection, demodulation, pulse analysis,
//! decoding and the report, as for a `_433.92M_250k.cu8` file.
#![no_main]

use fobscope::pipeline::StreamAnalyzer;
use fobscope::source::{FileFormat, SampleFormat, StreamInfo, raw};
use libfuzzer_sys::fuzz_target;
use num_complex::Complex;

fuzz_target!(|data: &[u8]| {
    let info = StreamInfo {
        path: "fuzz_433.92M_250k.cu8".into(),
        format: FileFormat::Raw(SampleFormat::Cu8),
        sample_format: SampleFormat::Cu8,
        sample_rate_hz: 250e3,
        center_freq_hz: Some(433.92e6),
        total_samples: Some(data.len() as u64 / 2),
        datetime: None,
        hardware: None,
    };
    let mut analyzer = StreamAnalyzer::new(&info, 0.0);
    let mut block = vec![Complex::new(0.0f32, 0.0); 1 << 14];
    // Odd block sizes exercise the block boundaries.
    for chunk in data.chunks(2 * 12_345) {
        let (n, _) = raw::decode(SampleFormat::Cu8, chunk, &mut block);
        analyzer.push(&block[..n]);
    }
    analyzer.finish();
    let report = analyzer.into_report(Vec::new());
    let _ = fobscope::report::json::to_json(&report);
    let _ = fobscope::report::text::render(&report);
});
