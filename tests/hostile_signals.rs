//! Signals that break naive analyzers: an RTL-SDR DC spike stronger than the key, a press cut
//! off by the end of the recording, a recording that is all clipping, a drifting carrier.
//! Each gives a clear report, never a panic.

use fobscope::pipeline::{AnalyzeOptions, analyze_iq};
use fobscope::protocol::keeloq::KeeloqWord;
use fobscope::source::{FileFormat, IqSource, SampleFormat, SourceError, StreamInfo};
use fobscope::synth::{Burst, FrontEnd, Scene, keeloq_press};
use num_complex::Complex;

const WORD: KeeloqWord = KeeloqWord {
    hopping: 0x1234_5678,
    serial: 0x5A1_C3E7,
    buttons: 0b0010,
    battery_low: false,
    repeat: false,
};

fn keeloq_scene(offset_hz: f64, level_dbfs: f64, post_s: f64) -> Scene {
    let mut b = Burst::new(0.0, keeloq_press(&WORD, 400.0, 3));
    b.offset_hz = offset_hz;
    b.level_dbfs = level_dbfs;
    let mut s = Scene::single(250e3, Some(315e6), b, 0.3, post_s);
    s.noise_dbfs = Some(level_dbfs - 18.0);
    s.seed = 7;
    s
}

fn serials(scene: &Scene) -> Vec<String> {
    let r = analyze_iq(
        Box::new(scene.stream().unwrap()),
        &AnalyzeOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    r.transmissions
        .iter()
        .flat_map(|t| t.frames.iter())
        .filter_map(|f| f.fields.get("serial").map(|v| v.to_string()))
        .collect()
}

#[test]
fn a_dc_spike_stronger_than_the_key_does_not_hide_it() {
    for dc in [0.0, 0.03, 0.1] {
        let mut s = keeloq_scene(18e3, -30.0, 0.3);
        s.front_end = FrontEnd {
            dc_offset: (dc, -dc),
            iq_gain_imbalance_db: 0.0,
        };
        let found = serials(&s);
        assert!(
            found.len() >= 3 && found.iter().all(|x| x.contains("5A1C3E7")),
            "DC {dc}: {found:?}"
        );
    }
}

#[test]
fn a_press_cut_off_by_the_end_of_the_recording_is_reported_truncated() {
    // The third word is cut off 10 ms before its end by the end of the recording.
    let mut s = keeloq_scene(-20e3, -20.0, 0.0);
    s.duration_s -= 0.06;
    let r = analyze_iq(
        Box::new(s.stream().unwrap()),
        &AnalyzeOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert!(r.transmissions.len() >= 2, "{}", r.transmissions.len());
    assert!(r.transmissions.last().unwrap().truncated);
}

/// A full-scale square wave on both rails: every sample clips.
struct Clipping {
    info: StreamInfo,
    left: u64,
}

impl IqSource for Clipping {
    fn info(&self) -> &StreamInfo {
        &self.info
    }
    fn read(&mut self, out: &mut [Complex<f32>]) -> Result<usize, SourceError> {
        let n = (out.len() as u64).min(self.left) as usize;
        for (i, o) in out[..n].iter_mut().enumerate() {
            let v = if ((self.left as usize + i) / 7).is_multiple_of(2) {
                1.0
            } else {
                -1.0
            };
            *o = Complex::new(v, -v);
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[test]
fn an_all_clipping_recording_is_analysed_without_panic() {
    let src = Clipping {
        info: StreamInfo {
            path: "clip".into(),
            format: FileFormat::Raw(SampleFormat::Cu8),
            sample_format: SampleFormat::Cu8,
            sample_rate_hz: 250e3,
            center_freq_hz: Some(433.92e6),
            total_samples: Some(2_500_000),
            datetime: None,
            hardware: None,
        },
        left: 2_500_000,
    };
    let r = analyze_iq(Box::new(src), &AnalyzeOptions::default(), &mut |_| {}).unwrap();
    assert!((r.input.duration_s.unwrap() - 10.0).abs() < 1e-9);
}

#[test]
fn a_drifting_carrier_is_still_decoded() {
    let mut s = keeloq_scene(10e3, -25.0, 0.3);
    s.bursts[0].drift_hz = 3_000.0;
    let found = serials(&s);
    assert!(
        !found.is_empty() && found.iter().all(|x| x.contains("5A1C3E7")),
        "{found:?}"
    );
}
