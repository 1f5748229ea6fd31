//! Every writer's output read back by every reader: the same samples within the format's
//! precision, the same sample rate and centre frequency.

use std::fs::File;
use std::path::{Path, PathBuf};

use fobscope::sink::sigmf::SigmfWriter;
use fobscope::sink::wav::{WavSamples, WavWriter};
use fobscope::sink::{IqSink, SinkMeta, create};
use fobscope::source::{
    FileFormat, Input, IqSource, Origin, Overrides, SampleFormat, open, open_with_origins,
};
use num_complex::Complex;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const N: usize = 100_003;
const RATE: f64 = 250_000.0;
const FREQ: f64 = 315_000_000.0;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fobscope-rt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A tone at 0.05 cycles/sample, amplitude 0.6, plus uniform noise of ±0.05 per component.
fn signal() -> Vec<Complex<f32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(433);
    (0..N)
        .map(|k| {
            let ph = 2.0 * std::f32::consts::PI * 0.05 * k as f32;
            Complex::new(
                0.6 * ph.cos() + rng.random_range(-0.05f32..0.05),
                0.6 * ph.sin() + rng.random_range(-0.05f32..0.05),
            )
        })
        .collect()
}

fn meta() -> SinkMeta {
    SinkMeta {
        sample_rate_hz: RATE,
        center_freq_hz: Some(FREQ),
        datetime: Some("2024-03-14T09:26:53.589Z".into()),
        description: Some("round-trip test".into()),
        hardware: Some("test bench".into()),
        sigmf_sample_format: None,
    }
}

fn write_all(mut sink: Box<dyn IqSink>, sig: &[Complex<f32>]) {
    for c in sig.chunks(777) {
        sink.write(c).unwrap();
    }
    sink.finish().unwrap();
}

fn read_all(src: &mut dyn IqSource) -> Vec<Complex<f32>> {
    let mut out = Vec::new();
    let mut buf = vec![Complex::default(); 4096];
    loop {
        let n = src.read(&mut buf).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

fn tolerance(sf: SampleFormat) -> f32 {
    match sf {
        SampleFormat::Cu8 => 0.5 / 127.5 + 1e-6,
        SampleFormat::Cs8 => 0.5 / 128.0 + 1e-6,
        SampleFormat::Cs16 => 0.5 / 32768.0 + 1e-7,
        SampleFormat::Cu16 => 0.5 / 32767.5 + 1e-6,
        SampleFormat::Cf32 => 0.0,
    }
}

/// Opens `path`, checks metadata and samples against `sig`.
fn check(path: &Path, ov: &Overrides, sf: SampleFormat, want_origin: Origin, sig: &[Complex<f32>]) {
    let (input, origins) = open_with_origins(path, ov).unwrap();
    let Input::Iq(mut src) = input else {
        panic!("{} opened as pulses", path.display())
    };
    let info = src.info().clone();
    assert_eq!(info.sample_format, sf, "{}", path.display());
    assert_eq!(info.sample_rate_hz, RATE, "{}", path.display());
    assert_eq!(info.center_freq_hz, Some(FREQ), "{}", path.display());
    assert_eq!(info.total_samples, Some(N as u64), "{}", path.display());
    assert_eq!(origins.sample_rate, Some(want_origin), "{}", path.display());
    assert_eq!(origins.center_freq, Some(want_origin), "{}", path.display());
    let got = read_all(src.as_mut());
    assert_eq!(got.len(), N, "{}", path.display());
    let tol = tolerance(sf);
    let worst = sig
        .iter()
        .zip(&got)
        .map(|(a, b)| (a.re - b.re).abs().max((a.im - b.im).abs()))
        .fold(0.0f32, f32::max);
    assert!(
        worst <= tol,
        "{}: max error {worst} > {tol}",
        path.display()
    );
    assert!(src.warnings().is_empty(), "{:?}", src.warnings());
}

const ALL: [SampleFormat; 5] = [
    SampleFormat::Cu8,
    SampleFormat::Cs8,
    SampleFormat::Cs16,
    SampleFormat::Cu16,
    SampleFormat::Cf32,
];

#[test]
fn raw_formats_round_trip_with_metadata_from_file_name() {
    let dir = scratch("raw");
    let sig = signal();
    for sf in ALL {
        let path = dir.join(format!("key_315M_250k.{}", sf.name()));
        write_all(create(&path, None, &meta()).unwrap(), &sig);
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            (N * sf.bytes_per_sample()) as u64
        );
        check(&path, &Overrides::default(), sf, Origin::FileName, &sig);
    }
    // Aliases of cf32 by extension.
    for ext in ["cfile", "complex", "fc32"] {
        let path = dir.join(format!("g_315M_250k.{ext}"));
        write_all(create(&path, None, &meta()).unwrap(), &sig);
        check(
            &path,
            &Overrides::default(),
            SampleFormat::Cf32,
            Origin::FileName,
            &sig,
        );
    }
    // Flags win over the file name.
    let path = dir.join("key_433.92M_1000k.cu8");
    write_all(create(&path, None, &meta()).unwrap(), &sig);
    let ov = Overrides {
        format: Some(FileFormat::Raw(SampleFormat::Cu8)),
        sample_rate_hz: Some(RATE),
        center_freq_hz: Some(FREQ),
    };
    check(&path, &ov, SampleFormat::Cu8, Origin::Flag, &sig);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn sigmf_pairs_round_trip_every_datatype() {
    let dir = scratch("sigmf");
    let sig = signal();
    for sf in ALL {
        let base = dir.join(format!("rec-{}", sf.name()));
        let meta_path = base.with_extension("sigmf-meta");
        write_all(
            Box::new(SigmfWriter::create(&meta_path, sf, &meta()).unwrap()),
            &sig,
        );
        // Either file of the pair opens it.
        check(
            &meta_path,
            &Overrides::default(),
            sf,
            Origin::Metadata,
            &sig,
        );
        let data_path = base.with_extension("sigmf-data");
        check(
            &data_path,
            &Overrides::default(),
            sf,
            Origin::Metadata,
            &sig,
        );
        let Input::Iq(src) = open(&meta_path, &Overrides::default()).unwrap() else {
            panic!()
        };
        assert_eq!(src.info().hardware.as_deref(), Some("test bench"));
        assert_eq!(
            src.info().datetime.as_deref(),
            Some("2024-03-14T09:26:53.589Z")
        );
    }
    // `create` from the extension writes cf32_le.
    let p = dir.join("auto.sigmf-meta");
    write_all(create(&p, None, &meta()).unwrap(), &sig);
    check(
        &p,
        &Overrides::default(),
        SampleFormat::Cf32,
        Origin::Metadata,
        &sig,
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn sigmf_meta_exists_before_finish() {
    let dir = scratch("sigmf-early");
    let p = dir.join("cut.sigmf-meta");
    let mut sink = SigmfWriter::create(&p, SampleFormat::Cs16, &meta()).unwrap();
    sink.write(&signal()[..1000]).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["global"]["core:datatype"], "ci16_le");
    assert_eq!(v["global"]["core:version"], "1.0.0");
    assert_eq!(v["captures"][0]["core:frequency"], FREQ);
    drop(sink);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn sigmf_archive_streams_data_member() {
    let dir = scratch("archive");
    let sig = signal();
    for sf in [SampleFormat::Cu8, SampleFormat::Cs16] {
        let meta_path = dir.join(format!("rec-{}.sigmf-meta", sf.name()));
        write_all(
            Box::new(SigmfWriter::create(&meta_path, sf, &meta()).unwrap()),
            &sig,
        );
        let archive = dir.join(format!("rec-{}.sigmf", sf.name()));
        let mut b = tar::Builder::new(File::create(&archive).unwrap());
        b.append_path_with_name(&meta_path, format!("rec/rec-{}.sigmf-meta", sf.name()))
            .unwrap();
        b.append_path_with_name(
            meta_path.with_extension("sigmf-data"),
            format!("rec/rec-{}.sigmf-data", sf.name()),
        )
        .unwrap();
        b.finish().unwrap();
        drop(b);
        check(&archive, &Overrides::default(), sf, Origin::Metadata, &sig);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn wav_round_trips_with_auxi_frequency() {
    let dir = scratch("wav");
    let sig = signal();
    for (kind, sf) in [
        (WavSamples::I16, SampleFormat::Cs16),
        (WavSamples::F32, SampleFormat::Cf32),
    ] {
        let p = dir.join(format!("rec-{kind:?}.wav"));
        write_all(
            Box::new(WavWriter::create(&p, kind, &meta()).unwrap()),
            &sig,
        );
        check(&p, &Overrides::default(), sf, Origin::Metadata, &sig);
        let Input::Iq(src) = open(&p, &Overrides::default()).unwrap() else {
            panic!()
        };
        assert_eq!(
            src.info().datetime.as_deref(),
            Some("2024-03-14T09:26:53.589")
        );
        // hound (another reader) agrees on the layout and the samples.
        let mut r = hound::WavReader::open(&p).unwrap();
        assert_eq!(r.spec().channels, 2);
        assert_eq!(r.spec().sample_rate, RATE as u32);
        assert_eq!(r.len() as usize, 2 * N);
        if kind == WavSamples::I16 {
            let first: Vec<i16> = r.samples::<i16>().take(2).map(|s| s.unwrap()).collect();
            assert!((first[0] as f32 / 32768.0 - sig[0].re).abs() < 1e-4);
            assert!((first[1] as f32 / 32768.0 - sig[0].im).abs() < 1e-4);
        } else {
            let first: Vec<f32> = r.samples::<f32>().take(2).map(|s| s.unwrap()).collect();
            assert_eq!(first, vec![sig[0].re, sig[0].im]);
        }
    }
    // `create` from the extension writes 16-bit.
    let p = dir.join("auto.wav");
    write_all(create(&p, None, &meta()).unwrap(), &sig);
    check(
        &p,
        &Overrides::default(),
        SampleFormat::Cs16,
        Origin::Metadata,
        &sig,
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn wav_cut_short_is_read_to_the_end_with_a_warning() {
    let dir = scratch("wav-cut");
    let p = dir.join("cut.wav");
    let mut sink = WavWriter::create(&p, WavSamples::I16, &meta()).unwrap();
    sink.write(&signal()[..5000]).unwrap();
    drop(sink); // never finished: sizes left as "unknown"
    let Input::Iq(mut src) = open(&p, &Overrides::default()).unwrap() else {
        panic!()
    };
    assert_eq!(read_all(src.as_mut()).len(), 5000);
    let w = src.warnings();
    assert!(
        w.iter()
            .any(|w| w.contains("cut.wav") && w.contains("no data length")),
        "{w:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn integer_writers_clip_at_full_scale() {
    let dir = scratch("clip");
    let loud = vec![Complex::new(3.0f32, -3.0); 10];
    for sf in [SampleFormat::Cu8, SampleFormat::Cs8, SampleFormat::Cs16] {
        let p = dir.join(format!("loud_250k.{}", sf.name()));
        write_all(create(&p, None, &meta()).unwrap(), &loud);
        let Input::Iq(mut src) = open(&p, &Overrides::default()).unwrap() else {
            panic!()
        };
        for s in read_all(src.as_mut()) {
            assert!(s.re > 0.99 && s.re <= 1.0 && s.im == -1.0, "{sf:?} {s}");
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}
