//! Recordings named and written the way other recorders write them are read without flags:
//! Universal Radio Hacker's `.complex`, `.complex16u`, `.complex16s`, `.complex32u`,
//! `.complex32s` and `.coco` (a bzip2 tar of `.complex` data), GQRX's
//! `gqrx_<date>_<time>_<freq>_<rate>_fc.raw` (cf32) and SDR++'s
//! `baseband_<freq>Hz_<time>_<date>.wav`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_fobscope")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fobscope-rec-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A KeeLoq press 20 kHz above 433.92 MHz at 250 kS/s, as interleaved f32 I/Q values.
fn key_samples(dir: &Path) -> Vec<f32> {
    let p = dir.join("base_433.92M_250k.cf32");
    let out = Command::new(bin())
        .args(["synth", p.to_str().unwrap(), "--kind", "keeloq"])
        .args(["--freq", "433.92M", "--rate", "250k", "--offset", "20k"])
        .args([
            "--snr",
            "20",
            "--level",
            "-12",
            "--repeats",
            "2",
            "--seed",
            "11",
        ])
        .args(["--pre", "0.1s", "--post", "0.1s"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&p).unwrap();
    std::fs::remove_file(&p).unwrap();
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// `analyze --json` on `path` with no flags: the report.
fn analyze(path: &Path) -> serde_json::Value {
    let out = Command::new(bin())
        .args(["analyze", path.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The report read the format, rate and frequency, and found the key at 433.94 MHz.
fn assert_key(v: &serde_json::Value, format: &str, rate: f64, centre: f64) {
    assert_eq!(v["input"]["format"], format, "{v}");
    assert_eq!(
        v["input"]["sample_rate_hz"].as_f64(),
        Some(rate),
        "{}",
        v["input"]
    );
    assert_eq!(
        v["input"]["center_freq_hz"].as_f64(),
        Some(centre),
        "{}",
        v["input"]
    );
    let t = v["transmissions"].as_array().unwrap();
    assert!(!t.is_empty(), "no transmission in {}", v["input"]);
    let f = t[0]["freq_hz"].as_f64().unwrap();
    assert!((f - 433.94e6).abs() < 3e3, "key at {f} Hz");
}

#[test]
fn urh_raw_extensions_are_read_without_flags() {
    let dir = scratch("urh");
    let x = key_samples(&dir);
    // URH converts float samples to integers by scaling to the type's range, unsigned types
    // offset by half their range (URH IQArray.convert_to).
    let files: [(&str, &str, Vec<u8>); 5] = [
        (
            "complex",
            "cf32",
            x.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ),
        (
            "complex16u",
            "cu8",
            x.iter()
                .map(|v| (v * 127.5 + 127.5).round().clamp(0.0, 255.0) as u8)
                .collect(),
        ),
        (
            "complex16s",
            "cs8",
            x.iter()
                .map(|v| (v * 128.0).round().clamp(-128.0, 127.0) as i8 as u8)
                .collect(),
        ),
        (
            "complex32u",
            "cu16",
            x.iter()
                .flat_map(|v| {
                    ((v * 32767.5 + 32767.5).round().clamp(0.0, 65535.0) as u16).to_le_bytes()
                })
                .collect(),
        ),
        (
            "complex32s",
            "cs16",
            x.iter()
                .flat_map(|v| ((v * 32768.0).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes())
                .collect(),
        ),
    ];
    for (ext, format, bytes) in files {
        let p = dir.join(format!("key_433.92M_250k.{ext}"));
        std::fs::write(&p, bytes).unwrap();
        assert_key(&analyze(&p), format, 250e3, 433.92e6);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn urh_coco_archives_are_streamed_out_of_bzip2_and_tar() {
    let dir = scratch("coco");
    let x = key_samples(&dir);
    let data: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
    // As Python's tarfile.open(name, "w:bz2").add(tmpfile) writes it: a ustar member.
    let p = dir.join("key_433.92M_250k.coco");
    let enc = bzip2::write::BzEncoder::new(
        std::fs::File::create(&p).unwrap(),
        bzip2::Compression::best(),
    );
    let mut tar = tar::Builder::new(enc);
    let mut h = tar::Header::new_ustar();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(&mut h, "tmp/tmpfile", &data[..]).unwrap();
    tar.into_inner().unwrap().finish().unwrap().flush().unwrap();
    assert_key(&analyze(&p), "coco", 250e3, 433.92e6);
    // A damaged archive is an error naming the file and the format.
    let bad = dir.join("bad.coco");
    let mut bytes = std::fs::read(&p).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&bad, bytes).unwrap();
    let out = Command::new(bin())
        .args(["analyze", bad.to_str().unwrap(), "--rate", "250k"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.coco"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn gqrx_recordings_give_their_frequency_rate_and_format_by_name() {
    let dir = scratch("gqrx");
    let x = key_samples(&dir);
    // GQRX records gr_complex (cf32) to gqrx_<yyyyMMdd>_<hhmmss>_<freq>_<rate>_fc.raw.
    let p = dir.join("gqrx_20240101_120000_433920000_250000_fc.raw");
    std::fs::write(
        &p,
        x.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>(),
    )
    .unwrap();
    assert_key(&analyze(&p), "cf32", 250e3, 433.92e6);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sdrpp_baseband_wavs_give_their_frequency_by_name() {
    let dir = scratch("sdrpp");
    let x = key_samples(&dir);
    // SDR++'s recorder: baseband_<freq>Hz_<hh-mm-ss>_<dd-MM-yyyy>.wav, 16-bit stereo PCM
    // (I left, Q right) at the baseband rate, no frequency chunk.
    let p = dir.join("baseband_433920000Hz_12-30-45_01-01-2024.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 250_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&p, spec).unwrap();
    for v in &x {
        w.write_sample((v * 32767.0).round() as i16).unwrap();
    }
    w.finalize().unwrap();
    assert_key(&analyze(&p), "wav", 250e3, 433.92e6);
    let _ = std::fs::remove_dir_all(&dir);
}
