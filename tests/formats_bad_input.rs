//! Bad input: each case gives a clear error (or warning) naming the file and the problem,
//! never a panic.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use fobscope::sink::sigmf::SigmfWriter;
use fobscope::sink::{IqSink, SinkMeta};
use fobscope::source::{Input, IqSource, Overrides, Problem, SampleFormat, SourceError, open};
use num_complex::Complex;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fobscope-bad-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rate() -> Overrides {
    Overrides {
        sample_rate_hz: Some(250e3),
        ..Default::default()
    }
}

fn open_err(path: &Path, ov: &Overrides) -> SourceError {
    match open(path, ov) {
        Ok(_) => panic!("{} opened without error", path.display()),
        Err(e) => e,
    }
}

fn assert_names(e: &SourceError, path: &Path, words: &[&str]) {
    let msg = e.to_string();
    assert!(
        msg.contains(&path.display().to_string()),
        "message does not name {}: {msg}",
        path.display()
    );
    for w in words {
        assert!(msg.contains(w), "message lacks '{w}': {msg}");
    }
}

fn read_all(src: &mut dyn IqSource) -> Vec<Complex<f32>> {
    let mut out = Vec::new();
    let mut buf = vec![Complex::default(); 1000];
    loop {
        let n = src.read(&mut buf).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

fn iq(path: &Path, ov: &Overrides) -> Box<dyn IqSource> {
    match open(path, ov).unwrap() {
        Input::Iq(s) => s,
        Input::Pulses(_) => panic!("pulses"),
    }
}

#[test]
fn empty_file() {
    let d = scratch("empty");
    let p = d.join("nothing.cu8");
    File::create(&p).unwrap();
    let e = open_err(&p, &rate());
    assert!(matches!(e.problem, Problem::Empty));
    assert_names(&e, &p, &["empty"]);
}

#[test]
fn odd_byte_count_drops_and_reports_partial_sample() {
    let d = scratch("odd");
    let p = d.join("odd.cs16");
    std::fs::write(&p, [0u8, 0x40, 0, 0xc0, 1, 2, 3]).unwrap();
    let mut s = iq(&p, &rate());
    let got = read_all(s.as_mut());
    assert_eq!(got, vec![Complex::new(0.5, -0.5)]);
    let w = s.warnings().join(" ");
    assert!(
        w.contains("odd.cs16") && w.contains("3 byte(s)") && w.contains("incomplete"),
        "{w}"
    );
}

#[test]
fn unknown_extension_without_format() {
    let d = scratch("ext");
    let p = d.join("capture.bin");
    std::fs::write(&p, [1u8, 2, 3, 4]).unwrap();
    let e = open_err(&p, &rate());
    assert!(matches!(e.problem, Problem::UnknownFormat));
    assert_names(&e, &p, &["cannot tell the format", "--format"]);
}

#[test]
fn no_sample_rate_anywhere() {
    let d = scratch("norate");
    let p = d.join("gfile001.cu8");
    std::fs::write(&p, [1u8, 2, 3, 4]).unwrap();
    let e = open_err(&p, &Overrides::default());
    assert!(matches!(e.problem, Problem::NoSampleRate));
    assert_names(&e, &p, &["no sample rate", "--rate"]);
}

#[test]
fn non_finite_cf32_counted_and_zeroed() {
    let d = scratch("nan");
    let p = d.join("bad.cf32");
    let mut b = Vec::new();
    for v in [
        0.5f32,
        f32::NAN,
        f32::INFINITY,
        -0.25,
        0.1,
        f32::NEG_INFINITY,
    ] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(&p, b).unwrap();
    let mut s = iq(&p, &rate());
    let got = read_all(s.as_mut());
    assert_eq!(
        got,
        vec![
            Complex::new(0.5, 0.0),
            Complex::new(0.0, -0.25),
            Complex::new(0.1, 0.0)
        ]
    );
    let w = s.warnings().join(" ");
    assert!(w.contains("bad.cf32") && w.contains("3 non-finite"), "{w}");
}

#[test]
fn sigmf_meta_not_json() {
    let d = scratch("notjson");
    let p = d.join("rec.sigmf-meta");
    std::fs::write(&p, "core:datatype = cu8\n").unwrap();
    std::fs::write(d.join("rec.sigmf-data"), [0u8; 8]).unwrap();
    let e = open_err(&p, &Overrides::default());
    assert_names(&e, &p, &["not valid SigMF JSON"]);
}

#[test]
fn sigmf_unknown_datatype() {
    let d = scratch("dtype");
    let p = d.join("rec.sigmf-meta");
    std::fs::write(
        &p,
        r#"{"global":{"core:datatype":"cu16_be","core:sample_rate":1e6,"core:version":"1.0.0"},"captures":[],"annotations":[]}"#,
    )
    .unwrap();
    std::fs::write(d.join("rec.sigmf-data"), [0u8; 8]).unwrap();
    let e = open_err(&p, &Overrides::default());
    assert_names(&e, &p, &["cu16_be", "not supported"]);
}

#[test]
fn sigmf_data_shorter_than_meta_claims() {
    let d = scratch("short");
    let p = d.join("rec.sigmf-meta");
    std::fs::write(
        &p,
        r#"{"global":{"core:datatype":"ci16_le","core:sample_rate":1e6,"core:version":"1.0.0"},
            "captures":[{"core:sample_start":0}],
            "annotations":[{"core:sample_start":90,"core:sample_count":20}]}"#,
    )
    .unwrap();
    let data = d.join("rec.sigmf-data");
    std::fs::write(&data, vec![0u8; 100 * 4]).unwrap();
    let e = open_err(&p, &Overrides::default());
    assert_names(&e, &data, &["100 samples", "110", "rec.sigmf-meta"]);
}

#[test]
fn sigmf_archive_truncated() {
    let d = scratch("tar");
    let meta = d.join("rec.sigmf-meta");
    let mut w = SigmfWriter::create(
        &meta,
        SampleFormat::Cu8,
        &SinkMeta {
            sample_rate_hz: 1e6,
            ..Default::default()
        },
    )
    .unwrap();
    w.write(&vec![Complex::new(0.1, 0.2); 50_000]).unwrap();
    Box::new(w).finish().unwrap();
    let ar = d.join("rec.sigmf");
    let mut b = tar::Builder::new(File::create(&ar).unwrap());
    b.append_path_with_name(&meta, "rec.sigmf-meta").unwrap();
    b.append_path_with_name(d.join("rec.sigmf-data"), "rec.sigmf-data")
        .unwrap();
    b.finish().unwrap();
    drop(b);
    let len = std::fs::metadata(&ar).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&ar)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let e = open_err(&ar, &Overrides::default());
    assert_names(&e, &ar, &["truncated"]);
}

/// A minimal WAV with `channels` 16-bit channels and `frames` frames.
fn wav(path: &Path, channels: u16, frames: usize) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for k in 0..frames * channels as usize {
        w.write_sample((k % 1000) as i16).unwrap();
    }
    w.finalize().unwrap();
}

#[test]
fn wav_with_one_channel() {
    let d = scratch("wav1");
    let p = d.join("mono.wav");
    wav(&p, 1, 100);
    let e = open_err(&p, &Overrides::default());
    assert_names(&e, &p, &["1 channel", "I left, Q right"]);
}

#[test]
fn wav_with_three_channels() {
    let d = scratch("wav3");
    let p = d.join("three.wav");
    wav(&p, 3, 100);
    let e = open_err(&p, &Overrides::default());
    assert_names(&e, &p, &["3 channel"]);
}

#[test]
fn wav_truncated() {
    let d = scratch("wavcut");
    let p = d.join("cut.wav");
    wav(&p, 2, 1000);
    let len = std::fs::metadata(&p).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(len - 101)
        .unwrap();
    let e = open_err(&p, &Overrides::default());
    assert_names(&e, &p, &["truncated WAV", "4000 bytes"]);
    // Cut inside the header.
    OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(10)
        .unwrap();
    let e = open_err(&p, &Overrides::default());
    assert_names(&e, &p, &["truncated WAV"]);
}

#[test]
fn wav_claiming_a_huge_data_chunk() {
    let d = scratch("wavhuge");
    let p = d.join("huge.wav");
    wav(&p, 2, 10);
    // hound writes a 44-byte header: the data size field is at offset 40.
    let mut f = OpenOptions::new().write(true).open(&p).unwrap();
    f.seek(SeekFrom::Start(40)).unwrap();
    f.write_all(&0xFFFF_FFF0u32.to_le_bytes()).unwrap();
    drop(f);
    let e = open_err(&p, &Overrides::default());
    assert_names(&e, &p, &["4294967280 bytes", "only 40"]);
}

#[test]
fn stdin_needs_a_raw_format() {
    let e = open_err(
        Path::new("-"),
        &Overrides {
            format: Some(fobscope::source::FileFormat::Wav),
            sample_rate_hz: Some(1e6),
            center_freq_hz: None,
        },
    );
    assert!(e.to_string().starts_with("-: "), "{e}");
    assert!(e.to_string().contains("standard input"), "{e}");
}

#[test]
fn missing_file_is_named() {
    let p = Path::new("/nonexistent-dir/key_250k.cu8");
    let e = open_err(p, &Overrides::default());
    assert_names(&e, p, &[]);
}
