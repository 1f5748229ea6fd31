//! A strong key held close to the antenna, as the README tells the user to hold it: hard
//! on/off keying at −9 dBFS and 60 dB SNR, with the weaker emissions a real transmitter sends
//! along with its carrier (reference spurs and mixing products at fixed offsets, −30 to
//! −50 dBc, keyed with it; the splatter of hard edges; the receiver's IQ image). Each press is
//! its key's transmissions alone, its spurs listed with them; two keys sent at the same time
//! stay two.

mod rates;

use fobscope::model::Transmission;
use fobscope::pipeline::{AnalyzeOptions, StreamAnalyzer};
use fobscope::protocol::keeloq::KeeloqWord;
use fobscope::source::{FileFormat, SampleFormat, StreamInfo};
use fobscope::synth::{Burst, FrontEnd, Scene, Spur, keeloq_press, render};
use num_complex::Complex;

const CENTER_HZ: f64 = 433.92e6;

fn word(serial: u32) -> KeeloqWord {
    KeeloqWord {
        hopping: 0x9e3c_51a7,
        serial,
        buttons: 0b0010,
        battery_low: false,
        repeat: false,
    }
}

fn analyze(x: &[Complex<f32>], fs: f64) -> Vec<Transmission> {
    let info = StreamInfo {
        path: "strong".into(),
        format: FileFormat::Raw(SampleFormat::Cf32),
        sample_format: SampleFormat::Cf32,
        sample_rate_hz: fs,
        center_freq_hz: Some(CENTER_HZ),
        total_samples: Some(x.len() as u64),
        datetime: None,
        hardware: None,
    };
    let _ = AnalyzeOptions::default();
    let mut a = StreamAnalyzer::new(&info, 0.0);
    for b in x.chunks(65_536) {
        a.push(b);
    }
    a.finish();
    a.into_report(Vec::new()).transmissions
}

fn strong_scene(fs: f64, offset_hz: f64, spurs: Vec<Spur>, image_db: f64) -> Scene {
    let mut b = Burst::new(0.0, keeloq_press(&word(0x5A1_C3E7), 400.0, 3));
    b.offset_hz = offset_hz;
    b.level_dbfs = -9.0;
    b.edge_us = 0.0;
    b.spurs = spurs;
    let mut s = Scene::single(fs, Some(CENTER_HZ), b, 0.1, 0.2);
    s.noise_dbfs = Some(-69.0);
    s.front_end = FrontEnd {
        dc_offset: (0.0, 0.0),
        iq_gain_imbalance_db: image_db,
    };
    s.seed = 3;
    s
}

#[test]
fn probe() {
    let spurs = vec![
        Spur {
            offset_hz: 35e3,
            level_dbc: -32.0,
        },
        Spur {
            offset_hz: -70e3,
            level_dbc: -40.0,
        },
        Spur {
            offset_hz: 105e3,
            level_dbc: -47.0,
        },
    ];
    for (fs, off) in [(250e3, -10e3), (1.024e6, 150e3), (2.4e6, -300e3)] {
        let s = strong_scene(fs, off, spurs.clone(), 0.5);
        let x = render(&s).unwrap();
        let tx = analyze(&x, fs);
        println!("fs {fs}: {} transmissions", tx.len());
        let key = tx
            .iter()
            .max_by(|a, b| a.rssi_dbfs.unwrap().total_cmp(&b.rssi_dbfs.unwrap()))
            .unwrap();
        let mut ke = Vec::new();
        for k in tx
            .iter()
            .filter(|t| (t.freq_offset_hz.unwrap() - key.freq_offset_hz.unwrap()).abs() < 3e3)
        {
            let mut s0 = k.train.start_s;
            for p in &k.train.pulses {
                ke.push(s0);
                s0 += p.high_us as f64 * 1e-6;
                ke.push(s0);
                s0 += p.low_us as f64 * 1e-6;
            }
        }
        ke.sort_by(f64::total_cmp);
        for t in &tx {
            let mut s0 = t.train.start_s;
            let mut hits = 0;
            let mut hist = Vec::new();
            for p in &t.train.pulses {
                let a = s0;
                let b = s0 + p.high_us as f64 * 1e-6;
                let d = |x: f64| ke.iter().map(|e| (e - x).abs()).fold(1.0, f64::min);
                if d(a) < 40e-6 && d(b) < 40e-6 || (b - a < 300e-6 && d((a + b) / 2.0) < 40e-6) {
                    hits += 1;
                }
                if hist.len() < 6 {
                    hist.push(format!(
                        "{:.0}/{:.0}/{:.0}",
                        d(a) * 1e6,
                        d(b) * 1e6,
                        p.high_us
                    ));
                }
                s0 = b + p.low_us as f64 * 1e-6;
            }
            println!(
                "    rssi {:.1} follow {}/{} {:?}",
                t.rssi_dbfs.unwrap(),
                hits,
                t.train.pulses.len(),
                hist
            );
            println!(
                "  {:.4} s {:+.0} Hz {:?} snr {:.1} pulses {} frames {:?}",
                t.start_s,
                t.freq_offset_hz.unwrap(),
                t.modulation,
                t.snr_db.unwrap_or(0.0),
                t.pulses,
                t.frames
                    .iter()
                    .map(|f| f.protocol.clone())
                    .collect::<Vec<_>>()
            );
        }
        if fs == 250e3 {
            for to in [1.024e6, 2.4e6] {
                let y = rates::resample(&x, fs, to);
                let tx = analyze(&y, to);
                println!("  resampled to {to}: {} transmissions", tx.len());
                for t in &tx {
                    println!(
                        "    {:.4} s {:+.0} Hz {:?} snr {:.1} pulses {}",
                        t.start_s,
                        t.freq_offset_hz.unwrap(),
                        t.modulation,
                        t.snr_db.unwrap_or(0.0),
                        t.pulses
                    );
                }
            }
        }
    }
}

#[test]
fn probe2() {
    for (edge, img, spur) in [
        (4.0, 0.0, false),
        (0.0, 0.0, false),
        (4.0, 0.5, false),
        (4.0, 0.0, true),
    ] {
        let spurs = if spur {
            vec![Spur {
                offset_hz: 35e3,
                level_dbc: -32.0,
            }]
        } else {
            vec![]
        };
        let mut s = strong_scene(250e3, -10e3, spurs, img);
        s.bursts[0].edge_us = edge;
        let x = render(&s).unwrap();
        for to in [1.024e6] {
            let y = rates::resample(&x, 250e3, to);
            let tx = analyze(&y, to);
            println!(
                "edge {edge} img {img} spur {spur}: {} transmissions",
                tx.len()
            );
            for t in &tx {
                println!(
                    "    {:.4} s {:+.0} Hz rssi {:.1} pulses {}",
                    t.start_s,
                    t.freq_offset_hz.unwrap(),
                    t.rssi_dbfs.unwrap(),
                    t.pulses
                );
            }
        }
    }
}

#[test]
fn probe3() {
    let fs = 250e3;
    let f = -10e3;
    let x: Vec<Complex<f32>> = (0..100_000)
        .map(|k| {
            Complex::from_polar(
                0.3f32,
                (2.0 * std::f64::consts::PI * f * k as f64 / fs) as f32,
            )
        })
        .collect();
    let to = 1.024e6;
    let y = rates::resample(&x, fs, to);
    println!(
        "len in {} out {} expect {}",
        x.len(),
        y.len(),
        x.len() as f64 * to / fs
    );
    let ph0 = y[10_000].arg() as f64 - 2.0 * std::f64::consts::PI * f * 10_000.0 / to;
    let mut worst = (0.0f64, 0usize);
    for k in 1000..y.len() - 1000 {
        let e = Complex::from_polar(
            0.3,
            (ph0 + 2.0 * std::f64::consts::PI * f * k as f64 / to) as f32,
        );
        let d = (y[k] - e).norm() as f64;
        if d > worst.0 {
            worst = (d, k);
        }
    }
    println!("worst error {:?}; |y| at 5000 {}", worst, y[5000].norm());
    let mut bad = 0;
    for k in 1000..y.len() - 1000 {
        if (y[k].norm() - 0.3).abs() > 0.01 {
            bad += 1;
            if bad < 5 {
                println!("bad at {k}: {}", y[k].norm());
            }
        }
    }
    println!("bad {bad}");
}
