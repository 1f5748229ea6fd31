//! End-to-end checks of the synthetic capture generator: the SNR definition measured on
//! generated signals, OOK levels, FSK tones, crystal error, sag, determinism, streaming and
//! constant memory.

use std::f64::consts::TAU;

use fobscope::protocol::keeloq::KeeloqWord;
use fobscope::source::IqSource;
use fobscope::synth::linecode::bits_string;
use fobscope::synth::{
    Burst, Envelope, Keying, LineCode, Press, Scene, coded_press, keeloq_press, render,
};
use num_complex::Complex;

const FS: f64 = 250e3;

fn word() -> KeeloqWord {
    KeeloqWord {
        hopping: 0xCAFE_F00D,
        serial: 0x0123_4567,
        buttons: 0b0100,
        battery_low: true,
        repeat: false,
    }
}

/// A KeeLoq press at 0.2 s in a 1 s scene at 250 kS/s.
fn keeloq_scene(snr_db: Option<f64>) -> Scene {
    let mut scene = Scene::new(FS, 1.0);
    scene.center_freq_hz = Some(433.92e6);
    scene.seed = 11;
    let mut b = Burst::new(0.2, keeloq_press(&word(), 400.0, 4));
    b.offset_hz = 20e3;
    b.level_dbfs = -20.0;
    scene.noise_dbfs = snr_db.map(|s| b.level_dbfs - s);
    scene.bursts.push(b);
    scene
}

fn power(s: &[Complex<f32>]) -> f64 {
    s.iter().map(|x| x.norm_sqr() as f64).sum::<f64>() / s.len() as f64
}

/// Sample indices well inside marks (`true`) or spaces (`false`) of burst 0, 20 µs from edges.
fn interior(scene: &Scene, want: bool) -> Vec<usize> {
    let b = &scene.bursts[0];
    let n0 = (b.start_s * scene.sample_rate_hz).round() as usize;
    let env = &b.press.envelope;
    let len = (env.duration_us() * 1e-6 * scene.sample_rate_hz) as usize;
    (0..len)
        .filter(|k| {
            let t = *k as f64 * 1e6 / scene.sample_rate_hz;
            [t - 20.0, t, t + 20.0]
                .iter()
                .all(|&u| env.level_at(u) == want)
        })
        .map(|k| n0 + k)
        .collect()
}

fn inst_freq(v: &[Complex<f32>], n: usize, fs: f64) -> f64 {
    (v[n + 1] * v[n].conj()).arg() as f64 * fs / TAU
}

#[test]
fn snr_definition_holds_on_generated_signals() {
    for snr in [0.0, 10.0, 20.0] {
        let scene = keeloq_scene(Some(snr));
        let v = render(&scene).unwrap();
        // Noise alone: the 0.2 s before the burst and spaces inside it.
        let quiet: Vec<Complex<f32>> = v[..49_000].to_vec();
        let pn = power(&quiet);
        let marks: Vec<Complex<f32>> = interior(&scene, true).iter().map(|&i| v[i]).collect();
        assert!(marks.len() > 20_000);
        let pc = power(&marks) - pn;
        let measured = 10.0 * (pc / pn).log10();
        eprintln!("SNR {snr} dB: measured {measured:.3} dB");
        assert!(
            (measured - snr).abs() < 0.3,
            "SNR {snr} dB: measured {measured:.3} dB"
        );
        // Absolute noise level is the stated dBFS.
        assert!((10.0 * pn.log10() - (-20.0 - snr)).abs() < 0.1);
        assert_eq!(scene.truth()[0].snr_db, Some(snr));
    }
}

#[test]
fn ook_levels_and_ground_truth_span() {
    let scene = keeloq_scene(None);
    let v = render(&scene).unwrap();
    let a = 0.1f32; // -20 dBFS
    for &i in &interior(&scene, true) {
        assert!((v[i].norm() - a).abs() < 1e-4, "mark sample {i}");
    }
    for &i in &interior(&scene, false) {
        assert!(v[i].norm() < 1e-6, "space sample {i}");
    }
    // The carrier is on exactly within the ground-truth span.
    let t = &scene.truth()[0];
    let first = v.iter().position(|x| x.norm() > 0.0).unwrap() as f64 / FS;
    let last = v.iter().rposition(|x| x.norm() > 0.0).unwrap() as f64 / FS;
    assert!(
        (first - t.start_s).abs() <= 1.0 / FS,
        "{first} vs {}",
        t.start_s
    );
    assert!((last - t.end_s).abs() <= 1.0 / FS, "{last} vs {}", t.end_s);
    // 4 words of 270 Te, less the last bit's closing space (2 Te after a 1, 1 Te after a 0)
    // and the guard time.
    let bits = word().to_bits();
    let last_space_te = if bits[65] { 2.0 } else { 1.0 } + 39.0;
    let want = (4.0 * 270.0 - last_space_te) * 400e-6;
    assert!((t.end_s - t.start_s - want).abs() < 10e-6);
    assert_eq!(t.words.len(), 4);
    assert_eq!(t.words[0], bits_string(&bits));
    assert_eq!(t.pulses, 4 * 78);
    // Carrier at its offset.
    let i = interior(&scene, true)[100];
    assert!((inst_freq(&v, i, FS) - 20e3).abs() < 1.0);
}

#[test]
fn fsk_tones_are_offset_plus_minus_deviation() {
    let mut scene = Scene::new(FS, 0.2);
    let mut b = Burst::new(
        0.05,
        coded_press(
            &[true, false, true, true, false, false, true, false],
            LineCode::Manchester,
            500.0,
            2,
            2000.0,
        ),
    );
    b.keying = Keying::Fsk {
        deviation_hz: 25e3,
        lead_in_us: 1000.0,
    };
    b.offset_hz = -30e3;
    scene.bursts.push(b);
    let v = render(&scene).unwrap();
    let b = &scene.bursts[0];
    let n0 = (b.start_s * FS).round() as usize + (1000e-6 * FS) as usize;
    let env = &b.press.envelope;
    let mut checked = 0;
    // The carrier stops 1 ms (the lead-in) after the last mark.
    let on_until_us = env.mark_span_us().unwrap().1 + 900.0;
    for k in 0..(on_until_us * 1e-6 * FS) as usize {
        let t = k as f64 * 1e6 / FS;
        let lv = env.level_at(t);
        if [t - 30.0, t + 30.0].iter().all(|&u| env.level_at(u) == lv) {
            let want = -30e3 + if lv { 25e3 } else { -25e3 };
            let f = inst_freq(&v, n0 + k, FS);
            assert!((f - want).abs() < 1.0, "t={t} µs: {f} Hz, want {want}");
            checked += 1;
        }
    }
    assert!(checked > 1000);
    // The carrier is on through the whole burst, spaces included.
    let t = &scene.truth()[0];
    let s = (t.start_s * FS).ceil() as usize + 2;
    let e = (t.end_s * FS).floor() as usize - 2;
    assert!(v[s..e].iter().all(|x| (x.norm() - 0.1).abs() < 1e-4));
    assert_eq!(t.fsk_deviation_hz, Some(25e3));
}

fn long_mark_scene(ppm: f64, sag_db: f64, drift_hz: f64) -> Scene {
    let mut env = Envelope::new();
    env.mark(50_000.0);
    let mut press = Press::new("test", 50_000.0);
    press.push_word(&env, &[true]);
    let mut scene = Scene::new(FS, 0.1);
    scene.center_freq_hz = Some(433.92e6);
    let mut b = Burst::new(0.01, press);
    b.ppm = ppm;
    b.sag_db = sag_db;
    b.drift_hz = drift_hz;
    b.edge_us = 0.0;
    scene.bursts.push(b);
    scene
}

#[test]
fn crystal_error_shifts_the_carrier() {
    let scene = long_mark_scene(50.0, 0.0, 0.0);
    let v = render(&scene).unwrap();
    let f = inst_freq(&v, 5000, FS);
    assert!((f - 21_696.0).abs() < 1.0, "{f}");
    let t = &scene.truth()[0];
    assert!((t.freq_offset_hz - 21_696.0).abs() < 1e-6);
    assert!((t.freq_hz.unwrap() - 433_941_696.0).abs() < 1e-3);
    let scene = long_mark_scene(-40.0, 0.0, 0.0);
    let f = inst_freq(&render(&scene).unwrap(), 5000, FS);
    assert!((f + 17_356.8).abs() < 1.0, "{f}");
}

#[test]
fn sag_and_drift_through_a_burst() {
    let scene = long_mark_scene(0.0, 6.0, 2000.0);
    let v = render(&scene).unwrap();
    let t = &scene.truth()[0];
    let s = (t.start_s * FS).round() as usize;
    let e = (t.end_s * FS).round() as usize - 1;
    let sag = 20.0 * (v[e].norm() / v[s].norm()).log10();
    assert!((sag + 6.0).abs() < 0.05, "{sag}");
    let mid = 20.0 * (v[(s + e) / 2].norm() / v[s].norm()).log10();
    assert!((mid + 3.0).abs() < 0.05, "linear in dB: {mid}");
    assert!(inst_freq(&v, s, FS).abs() < 2.0);
    assert!((inst_freq(&v, e - 1, FS) - 2000.0).abs() < 2.0);
}

#[test]
fn same_seed_same_samples_other_seed_differs() {
    let a = render(&keeloq_scene(Some(10.0))).unwrap();
    let b = render(&keeloq_scene(Some(10.0))).unwrap();
    assert_eq!(a, b);
    let mut other = keeloq_scene(Some(10.0));
    other.seed = 12;
    let c = render(&other).unwrap();
    assert_eq!(a.len(), c.len());
    let same = a.iter().zip(&c).filter(|(x, y)| x == y).count();
    assert!(same < a.len() / 1000, "{same} equal samples");
}

#[test]
fn streaming_blocks_equal_render() {
    let mut scene = keeloq_scene(Some(6.0));
    // A second key on another frequency, overlapping the first, and a front end with faults.
    let mut b2 = Burst::new(0.25, keeloq_press(&word(), 420.0, 2));
    b2.offset_hz = -45e3;
    b2.keying = Keying::Fsk {
        deviation_hz: 20e3,
        lead_in_us: 500.0,
    };
    scene.bursts.push(b2);
    scene.front_end.dc_offset = (0.01, -0.02);
    scene.front_end.iq_gain_imbalance_db = 0.5;
    let whole = render(&scene).unwrap();
    for block in [1usize, 777, 65_536] {
        let mut s = scene.stream().unwrap();
        let mut got = Vec::with_capacity(whole.len());
        let mut buf = vec![Complex::new(0.0f32, 0.0); block];
        loop {
            let n = s.next_block(&mut buf);
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got.len(), whole.len());
        let worst = got
            .iter()
            .zip(&whole)
            .map(|(a, b)| (a - b).norm())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-6, "block {block}: {worst}");
    }
    // The same through the IqSource interface.
    let mut s = scene.stream().unwrap();
    assert_eq!(s.info().total_samples, Some(whole.len() as u64));
    let mut buf = vec![Complex::new(0.0f32, 0.0); 1000];
    assert_eq!(s.read(&mut buf).unwrap(), 1000);
    assert_eq!(&buf[..], &whole[..1000]);
}

#[test]
fn memory_stays_flat_over_ten_million_samples() {
    let fs = 2.4e6;
    let mut scene = Scene::new(fs, 1e7 / fs);
    scene.noise_dbfs = Some(-40.0);
    let mut t = 0.1;
    while t < 4.0 {
        let mut b = Burst::new(t, keeloq_press(&word(), 400.0, 2));
        b.offset_hz = 100e3;
        scene.bursts.push(b);
        t += 0.3;
    }
    let per_burst_edges = 2 * 2 * 78 + 1;
    let mut s = scene.stream().unwrap();
    let mut buf = vec![Complex::new(0.0f32, 0.0); 65_536];
    let (mut total, mut peak) = (0u64, 0usize);
    loop {
        let n = s.next_block(&mut buf);
        if n == 0 {
            break;
        }
        total += n as u64;
        peak = peak.max(s.state_capacity());
    }
    assert_eq!(total, 10_000_000);
    // At most one burst on air at a time here: the state never exceeds one burst's edges
    // (plus the short list that holds it), whatever the length.
    assert!(peak > 0);
    assert!(peak <= per_burst_edges + 8, "peak state {peak}");
}

#[test]
fn noise_only_scene_is_a_dead_key() {
    let mut scene = Scene::new(FS, 2.0);
    scene.noise_dbfs = Some(-35.0);
    let v = render(&scene).unwrap();
    assert_eq!(v.len(), 500_000);
    assert!((10.0 * power(&v).log10() + 35.0).abs() < 0.05);
    assert!(scene.truth().is_empty());
}

#[test]
fn single_burst_scene_and_timing_drift() {
    let press = keeloq_press(&word(), 400.0, 2).warped(1.0, 1.1);
    let mut b = Burst::new(0.0, press);
    b.keying = Keying::Fsk {
        deviation_hz: 20e3,
        lead_in_us: 1000.0,
    };
    let scene = Scene::single(FS, Some(433.92e6), b, 0.05, 0.05);
    let air = scene.bursts[0].air_duration_s();
    assert!((scene.duration_s - (0.1 + air)).abs() < 1e-12);
    let v = render(&scene).unwrap();
    let t = &scene.truth()[0];
    assert!((t.start_s - 0.05).abs() < 1e-9);
    // The carrier runs until the lead-in after the last mark, well before the scene ends.
    let last = v.iter().rposition(|x| x.norm() > 0.0).unwrap() as f64 / FS;
    assert!((last - t.end_s).abs() <= 1.0 / FS);
    assert!(t.end_s < scene.duration_s - 0.05);
    assert!(!t.truncated);
}

#[test]
fn invalid_scenes_are_refused() {
    let mut scene = long_mark_scene(0.0, 0.0, 0.0);
    scene.bursts[0].offset_hz = 130e3;
    assert!(scene.stream().is_err());
    let mut scene = long_mark_scene(30.0, 0.0, 0.0);
    scene.center_freq_hz = None;
    assert!(render(&scene).unwrap_err().to_string().contains("centre"));
    let scene = Scene::new(FS, -1.0);
    assert!(scene.validate().is_err());
}
