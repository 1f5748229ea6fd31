//! No false alarms: ten seconds of noise alone, at several levels, at 250 kS/s and 1024 kS/s,
//! both ideal complex white noise and RTL-SDR-like noise (DC offset, IQ imbalance, 8-bit
//! quantisation), must give zero transmissions.

use fobscope::pipeline::{AnalyzeOptions, analyze_iq};
use fobscope::source::{IqSource, SourceError, StreamInfo};
use fobscope::synth::{FrontEnd, Scene, SceneStream};
use num_complex::Complex;

/// Quantises a stream to 8 bits the way an RTL-SDR delivers it (u8, centre 127.5).
struct Rtl8Bit(SceneStream);

impl IqSource for Rtl8Bit {
    fn info(&self) -> &StreamInfo {
        self.0.info()
    }
    fn read(&mut self, out: &mut [Complex<f32>]) -> Result<usize, SourceError> {
        let n = self.0.read(out)?;
        let q = |v: f32| ((v * 127.5 + 127.5).round().clamp(0.0, 255.0) - 127.5) / 127.5;
        for s in &mut out[..n] {
            *s = Complex::new(q(s.re), q(s.im));
        }
        Ok(n)
    }
}

fn noise_scene(rate: f64, level_dbfs: f64, seed: u64, rtl: bool) -> Scene {
    let mut s = Scene::new(rate, 10.0);
    s.center_freq_hz = Some(433.92e6);
    s.noise_dbfs = Some(level_dbfs);
    s.seed = seed;
    if rtl {
        s.front_end = FrontEnd {
            dc_offset: (0.03, -0.02),
            iq_gain_imbalance_db: 0.3,
        };
    }
    s
}

fn count(rate: f64, level: f64, seed: u64, rtl: bool) -> usize {
    let scene = noise_scene(rate, level, seed, rtl);
    let stream = scene.stream().expect("valid scene");
    let src: Box<dyn IqSource> = if rtl {
        Box::new(Rtl8Bit(stream))
    } else {
        Box::new(stream)
    };
    let r = analyze_iq(src, &AnalyzeOptions::default(), &mut |_| {}).expect("analysis");
    for t in &r.transmissions {
        eprintln!(
            "false alarm at {:.3} s, {:?} Hz, SNR {:?}, {} pulses",
            t.start_s, t.freq_offset_hz, t.snr_db, t.pulses
        );
    }
    r.transmissions.len()
}

#[test]
fn white_noise_gives_no_transmission() {
    for (k, level) in [-50.0, -30.0, -15.0].into_iter().enumerate() {
        for rate in [250e3, 1024e3] {
            assert_eq!(
                count(rate, level, 11 + k as u64, false),
                0,
                "{level} dBFS at {rate}"
            );
        }
    }
}

#[test]
fn rtl_sdr_like_noise_gives_no_transmission() {
    // -35 dBFS is a few LSB of an 8-bit ADC (coarse quantisation), -15 dBFS a busy band.
    for (k, level) in [-35.0, -25.0, -15.0].into_iter().enumerate() {
        for rate in [250e3, 1024e3] {
            assert_eq!(
                count(rate, level, 21 + k as u64, true),
                0,
                "{level} dBFS at {rate}"
            );
        }
    }
}
