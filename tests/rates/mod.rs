//! Test captures at other recorders' rates: a 250 kS/s signal resampled to 1.024 and
//! 2.4 MS/s with a band-limited (windowed-sinc) interpolator, so a case checked at one rate can
//! be checked on the same signal at the others.

#![allow(dead_code)]

use num_complex::Complex;
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{
    Async, FixedAsync, Resampler, SincInterpolationParameters, SincInterpolationType,
    WindowFunction,
};

/// The rates every accuracy case runs at, S/s.
pub const RATES: [f64; 3] = [250e3, 1_024e3, 2_400e3];

/// `x`, sampled at `from_hz`, resampled to `to_hz`: I and Q as two channels through one
/// sinc interpolator (256 taps, Blackman-Harris window, cut-off chosen by the crate for
/// the window's side-lobe level), its start-up delay trimmed, so sample `k` of the output is
/// at time `k / to_hz` as sample `j` of the input is at `j / from_hz`.
pub fn resample(x: &[Complex<f32>], from_hz: f64, to_hz: f64) -> Vec<Complex<f32>> {
    if from_hz == to_hz {
        return x.to_vec();
    }
    let params = SincInterpolationParameters {
        sinc_len: 256,
        f_cutoff: None,
        interpolation: SincInterpolationType::Cubic,
        oversampling_factor: 256,
        window: WindowFunction::BlackmanHarris2,
    };
    let mut r = Async::<f32>::new_sinc(to_hz / from_hz, 1.0, &params, 4096, 2, FixedAsync::Input)
        .expect("resampler");
    let flat: Vec<f32> = x.iter().flat_map(|c| [c.re, c.im]).collect();
    let input = InterleavedSlice::new(&flat, 2, x.len()).expect("input buffer");
    let out_len = r.process_all_needed_output_len(x.len());
    let mut out = vec![0.0f32; 2 * out_len];
    let mut output = InterleavedSlice::new_mut(&mut out, 2, out_len).expect("output buffer");
    let (_, produced) = r
        .process_all_into_buffer(&input, &mut output, x.len(), None)
        .expect("resampling");
    out.truncate(2 * produced);
    out.chunks_exact(2)
        .map(|p| Complex::new(p[0], p[1]))
        .collect()
}

/// The transmissions `fobscope analyze` reports for samples `x` at `fs` S/s, centre `center_hz`.
pub fn analyze(x: &[Complex<f32>], fs: f64, center_hz: f64) -> Vec<fobscope::model::Transmission> {
    use fobscope::pipeline::StreamAnalyzer;
    use fobscope::source::{FileFormat, SampleFormat, StreamInfo};
    let info = StreamInfo {
        path: "test".into(),
        format: FileFormat::Raw(SampleFormat::Cf32),
        sample_format: SampleFormat::Cf32,
        sample_rate_hz: fs,
        center_freq_hz: Some(center_hz),
        total_samples: Some(x.len() as u64),
        datetime: None,
        hardware: None,
    };
    let mut a = StreamAnalyzer::new(&info, 0.0);
    for b in x.chunks(65_536) {
        a.push(b);
    }
    a.finish();
    a.into_report(Vec::new()).transmissions
}

/// Code words of `protocol` whose bits are `bits`, over all frames of `tx` (repeats counted).
pub fn words_decoded(tx: &[fobscope::model::Transmission], protocol: &str, bits: &str) -> u32 {
    tx.iter()
        .flat_map(|t| t.frames.iter())
        .filter(|f| f.protocol.as_deref() == Some(protocol) && f.bits == bits)
        .map(|f| f.repeats)
        .sum()
}
