//! A strong key held close to the antenna, as the README tells the user to hold it: hard
//! on/off keying at −9 dBFS and 60 dB SNR, with the weaker emissions a real transmitter sends
//! along with its carrier (reference spurs and mixing products at fixed offsets, −30 to
//! −50 dBc, keyed with it; the splatter of hard edges; the receiver's IQ image). Each press is
//! its key's transmissions alone, its spurs listed with them; two keys sent at the same time
//! stay two.

mod rates;

use std::path::Path;
use std::process::Command;

use fobscope::model::Transmission;
use fobscope::protocol::keeloq::KeeloqWord;
use fobscope::synth::{Burst, FrontEnd, Scene, Spur, keeloq_press, render};
use num_complex::Complex;

const CENTER_HZ: f64 = 433.92e6;
const SERIAL: u32 = 0x5A1_C3E7;

/// Spurs of a PLL transmitter: reference spurs and mixing products at fixed offsets from
/// the carrier, 32 to 47 dB down.
fn pll_spurs() -> Vec<Spur> {
    vec![
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
    ]
}

/// The press's three code words and nothing else: each a transmission on the carrier, its
/// serial decoded; no transmission anywhere else. Returns the spurs listed, all words together.
fn one_key(tx: &[Transmission], carrier_hz: f64, what: &str) -> Vec<f64> {
    assert_eq!(tx.len(), 3, "{what}: {}", listing(tx));
    let mut spurs = Vec::new();
    for t in tx {
        let f = t.freq_offset_hz.unwrap();
        assert!((f - carrier_hz).abs() < 2e3, "{what}: {}", listing(tx));
        let serial = t
            .frames
            .iter()
            .find_map(|f| f.fields.get("serial").map(|v| v.to_string()));
        assert!(
            serial.as_deref().is_some_and(|s| s.contains("5A1C3E7")),
            "{what}: serial {serial:?}"
        );
        spurs.extend(t.spurs.iter().map(|s| s.freq_offset_hz - f));
    }
    spurs
}

fn listing(tx: &[Transmission]) -> String {
    tx.iter()
        .map(|t| {
            format!(
                "\n  {:.4} s {:+.0} Hz {:.1} dBFS {} pulses",
                t.start_s,
                t.freq_offset_hz.unwrap_or(f64::NAN),
                t.rssi_dbfs.unwrap_or(f64::NAN),
                t.pulses
            )
        })
        .collect()
}

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
    rates::analyze(x, fs, CENTER_HZ)
}

fn strong_scene(fs: f64, offset_hz: f64, spurs: Vec<Spur>, image_db: f64) -> Scene {
    let mut b = Burst::new(0.0, keeloq_press(&word(SERIAL), 400.0, 3));
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
fn a_strong_hard_keyed_key_with_spurs_is_one_key_at_every_rate() {
    // A native capture at 1.024 MS/s with the carrier well off centre (its IQ image 31 dB
    // down on the other side), and a 250 kS/s capture with the same signal resampled to
    // 1.024 and 2.4 MS/s.
    for (fs, off) in [(1_024e3, 150e3), (250e3, -10e3)] {
        let s = strong_scene(fs, off, pll_spurs(), 0.5);
        let x = render(&s).unwrap();
        let rates: &[f64] = if fs == 250e3 { &rates::RATES } else { &[fs] };
        for &to in rates {
            let y = rates::resample(&x, fs, to);
            let what = format!(
                "{:.0}k at {:+.0} kHz, analysed at {:.0}k",
                fs / 1e3,
                off / 1e3,
                to / 1e3
            );
            one_key(&analyze(&y, to), off, &what);
        }
    }
}

#[test]
fn two_keys_at_once_stay_two_beside_a_strong_one() {
    // A strong key with its spurs, and a second, independent key 30 dB weaker pressed at the
    // same time 210 kHz away (its own clock: Te 370 µs, starting 3.3 ms later).
    let fs = 1_024e3;
    let mut s = strong_scene(fs, 150e3, pll_spurs(), 0.0);
    let mut other = Burst::new(0.1033, keeloq_press(&word(0x0B1_2C3D), 370.0, 3));
    other.offset_hz = -60e3;
    other.level_dbfs = -39.0;
    s.bursts.push(other);
    let tx = analyze(&render(&s).unwrap(), fs);
    let strong: Vec<_> = tx
        .iter()
        .filter(|t| (t.freq_offset_hz.unwrap() - 150e3).abs() < 2e3)
        .collect();
    let weak: Vec<_> = tx
        .iter()
        .filter(|t| (t.freq_offset_hz.unwrap() + 60e3).abs() < 2e3)
        .collect();
    assert_eq!(strong.len(), 3, "{}", listing(&tx));
    assert_eq!(weak.len(), 3, "{}", listing(&tx));
    assert_eq!(tx.len(), 6, "{}", listing(&tx));
    assert!(weak.iter().all(|t| t.frames.iter().any(|f| {
        f.fields
            .get("serial")
            .is_some_and(|v| v.to_string().contains("B12C3D"))
    })));
}

#[test]
fn fobscope_check_calls_a_strong_key_held_close_working() {
    let s = strong_scene(1_024e3, 150e3, pll_spurs(), 0.5);
    let x = render(&s).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("strong_signals");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("strong-key_433.92M_1024k.cf32");
    let bytes: Vec<u8> = x
        .iter()
        .flat_map(|c| [c.re.to_le_bytes(), c.im.to_le_bytes()])
        .flatten()
        .collect();
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fobscope"))
        .args(["check", "--json"])
        .arg(&path)
        .output()
        .expect("run fobscope");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(v["verdict"]["status"], "working", "{v:#}");
    assert_eq!(
        v["transmissions"].as_array().map(Vec::len),
        Some(3),
        "{v:#}"
    );
}
