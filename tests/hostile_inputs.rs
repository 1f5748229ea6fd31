//! Hostile inputs: every file format truncated at several points, random bytes under every
//! extension, a 100 MB SigMF meta, a WAV claiming a 4 GB data chunk, a `.sub` with a
//! billion-microsecond duration, and rtl_tcp servers that send a greeting and then nothing,
//! garbage, or hang up after one byte.
//!
//! Each gives a clear error naming the input, or a correct partial result, and returns: every
//! case runs under a watchdog that fails the test if it has not finished in
//! [`WATCHDOG`] (a hang detector, not a speed measurement). (Bad inputs that other suites
//! cover — an empty file, a one-channel WAV, a WAV claiming more data than follows it — are
//! not repeated here.)

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use fobscope::pipeline::{AnalyzeOptions, analyze_path};
use fobscope::source::rtl_tcp::{Header, RtlTcpSettings, RtlTcpSource};
use fobscope::source::{self, Input, IqSource, Overrides, SourceError};
use num_complex::Complex;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Longest any one case may take before it counts as a hang.
const WATCHDOG: Duration = Duration::from_secs(120);

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_fobscope")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fobscope-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `f` on another thread and fails if it panics or has not returned within [`WATCHDOG`].
fn bounded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let h = thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(v) => {
            h.join().unwrap();
            v
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: still running after {WATCHDOG:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: panicked"),
    }
}

/// What opening and reading an input to its end gave.
#[derive(Debug)]
enum Outcome {
    /// IQ samples read, the length the header promised, and the warnings.
    Samples(u64, Option<u64>, Vec<String>),
    /// Pulse trains parsed.
    Trains(usize),
    /// An error (its message).
    Error(String),
}

/// Opens `path` as `fobscope analyze` does and reads every sample.
fn open_and_read(path: &Path, ov: &Overrides) -> Outcome {
    match source::open(path, ov) {
        Ok(Input::Iq(mut src)) => {
            let mut buf = vec![Complex::new(0.0f32, 0.0); 1 << 14];
            let mut n = 0u64;
            loop {
                match src.read(&mut buf) {
                    Ok(0) => break,
                    Ok(k) => {
                        assert!(
                            buf[..k]
                                .iter()
                                .all(|c| c.re.is_finite() && c.im.is_finite())
                        );
                        n += k as u64;
                    }
                    Err(e) => return Outcome::Error(e.to_string()),
                }
            }
            Outcome::Samples(n, src.info().total_samples, src.warnings())
        }
        Ok(Input::Pulses(rec)) => Outcome::Trains(rec.trains.len()),
        Err(e) => Outcome::Error(e.to_string()),
    }
}

/// True when `msg` starts by naming `path` (a SigMF pair's error may name either file).
fn names(path: &Path, msg: &str) -> bool {
    let partner = match path.extension().and_then(|e| e.to_str()) {
        Some("sigmf-data") => path.with_extension("sigmf-meta"),
        Some("sigmf-meta") => path.with_extension("sigmf-data"),
        _ => path.to_path_buf(),
    };
    msg.starts_with(&format!("{}: ", path.display()))
        || msg.starts_with(&format!("{}: ", partner.display()))
}

/// Asserts an outcome is a clear error naming `path`, or a result no longer than `full`.
fn assert_clear(path: &Path, outcome: &Outcome, full_samples: Option<u64>) {
    match outcome {
        Outcome::Error(msg) => {
            assert!(
                names(path, msg),
                "error does not name {}: {msg}",
                path.display()
            );
            assert!(msg.len() > path.display().to_string().len() + 10, "{msg}");
        }
        Outcome::Samples(n, total, _) => {
            if let Some(total) = total {
                assert!(
                    n <= total,
                    "{}: {n} samples read, {total} promised",
                    path.display()
                );
            }
            if let Some(full) = full_samples {
                assert!(
                    *n <= full,
                    "{}: {n} samples from a cut file of {full}",
                    path.display()
                );
            }
        }
        Outcome::Trains(n) => assert!(*n > 0),
    }
}

/// A small valid recording of each format, made by `fobscope synth` (IQ) or written here
/// (pulse files, the SigMF archive).
fn valid_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for name in [
        "k_433.92M_250k.cu8",
        "k_433.92M_250k.cs16",
        "k_433.92M_250k.cf32",
        "k.wav",
        "k.sigmf-meta",
    ] {
        let p = dir.join(name);
        let out = Command::new(bin())
            .args(["synth", p.to_str().unwrap(), "--kind", "pt2262"])
            .args(["--freq", "433.92M", "--rate", "250k", "--repeats", "2"])
            .args(["--pre", "0.02s", "--post", "0.02s", "--seed", "7"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        files.push(p);
    }
    // A SigMF archive of the pair.
    let ar = dir.join("k.sigmf");
    let mut b = tar::Builder::new(File::create(&ar).unwrap());
    b.append_path_with_name(dir.join("k.sigmf-meta"), "k/k.sigmf-meta")
        .unwrap();
    b.append_path_with_name(dir.join("k.sigmf-data"), "k/k.sigmf-data")
        .unwrap();
    b.finish().unwrap();
    drop(b);
    files.push(ar);
    // An rtl_433 pulse file: PT2262-like words.
    let mut ook = String::from(";pulse data\n;version 1\n;timescale 1us\n");
    for _ in 0..3 {
        ook.push_str(";ook 25 pulses\n;centerfreq 433920000 Hz\n;samplerate 250000 Hz\n");
        for k in 0..24 {
            ook.push_str(if k % 3 == 0 {
                "1050 350\n"
            } else {
                "350 1050\n"
            });
        }
        ook.push_str("350 10850\n;end\n");
    }
    let p = dir.join("k_433.92M_250k.ook");
    std::fs::write(&p, ook).unwrap();
    files.push(p);
    // A Flipper .sub with the same words.
    let mut sub = String::from(
        "Filetype: Flipper SubGhz RAW File\nVersion: 1\nFrequency: 433920000\n\
         Preset: FuriHalSubGhzPresetOok650Async\nProtocol: RAW\n",
    );
    for _ in 0..3 {
        sub.push_str("RAW_Data:");
        for k in 0..24 {
            sub.push_str(if k % 3 == 0 {
                " 1050 -350"
            } else {
                " 350 -1050"
            });
        }
        sub.push_str(" 350 -10850\n");
    }
    let p = dir.join("k.sub");
    std::fs::write(&p, sub).unwrap();
    files.push(p);
    files
}

fn samples_of(path: &Path) -> Option<u64> {
    match open_and_read(path, &Overrides::default()) {
        Outcome::Samples(n, _, _) => Some(n),
        Outcome::Trains(_) => None,
        Outcome::Error(e) => panic!("the valid file does not open: {e}"),
    }
}

#[test]
fn every_format_truncated_at_several_points() {
    bounded("truncated files", || {
        let dir = scratch("cut");
        for full in valid_files(&dir) {
            let n_full = samples_of(&full);
            let bytes = std::fs::read(&full).unwrap();
            let len = bytes.len();
            let ext = full.extension().unwrap().to_str().unwrap().to_string();
            for cut in [1, 7, 12, 43, 44, 100, 511, 512, len / 3, len / 2, len - 1] {
                if cut >= len {
                    continue;
                }
                let p = dir.join(format!("cut{cut}_433.92M_250k.{ext}"));
                std::fs::write(&p, &bytes[..cut]).unwrap();
                if ext == "sigmf-meta" {
                    // Cut the data file of the pair instead, keeping the meta whole.
                    std::fs::copy(&full, &p).unwrap();
                    let data = std::fs::read(full.with_extension("sigmf-data")).unwrap();
                    let cut_data = cut.min(data.len() - 1);
                    std::fs::write(p.with_extension("sigmf-data"), &data[..cut_data]).unwrap();
                }
                let outcome = open_and_read(&p, &Overrides::default());
                assert_clear(&p, &outcome, n_full);
                // A cut IQ file is either refused or gives a strict prefix of the samples.
                // (A tar archive ends in padding: cutting that loses nothing.)
                if let (Some(full_n), Outcome::Samples(n, _, _)) = (n_full, &outcome) {
                    assert!(
                        *n < full_n || (ext == "sigmf" && cut > len - 1024),
                        "{}: no samples lost by the cut",
                        p.display()
                    );
                }
                // The whole pipeline too.
                if let Err(e) = analyze_path(&p, &AnalyzeOptions::default()) {
                    assert!(names(&p, &e.to_string()), "{e}");
                }
            }
        }
    });
}

#[test]
fn truncated_sigmf_data_gives_the_whole_samples_left_or_an_error_when_the_meta_says_more() {
    bounded("truncated SigMF data", || {
        let dir = scratch("sigmfcut");
        let files = valid_files(&dir);
        let meta = files
            .iter()
            .find(|p| p.extension().unwrap() == "sigmf-meta")
            .unwrap();
        let data_path = meta.with_extension("sigmf-data");
        let data = std::fs::read(&data_path).unwrap();
        std::fs::write(&data_path, &data[..data.len() / 2 + 3]).unwrap();
        match open_and_read(meta, &Overrides::default()) {
            // The meta claims no length: every whole sample left is read.
            Outcome::Samples(n, _, _) => assert_eq!(n as usize, (data.len() / 2 + 3) / 8),
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn random_bytes_under_every_extension() {
    bounded("random bytes", || {
        let dir = scratch("random");
        let mut rng = ChaCha8Rng::seed_from_u64(0x5EED);
        let exts = [
            "cu8",
            "cs8",
            "cs16",
            "cf32",
            "cu16",
            "complex16u",
            "complex32s",
            "coco",
            "sigmf-meta",
            "sigmf-data",
            "sigmf",
            "wav",
            "ook",
            "sub",
        ];
        for ext in exts {
            for (k, len) in [1usize, 2, 3, 12, 44, 512, 4096, 100_000]
                .into_iter()
                .enumerate()
            {
                let mut bytes = vec![0u8; len];
                rng.fill_bytes(&mut bytes);
                // Give some of them a plausible magic, so the parsers get past the first check.
                if k % 2 == 1 {
                    let magic: &[u8] = match ext {
                        "wav" => b"RIFF\xff\xff\xff\xffWAVEfmt ",
                        "sub" => b"Filetype: Flipper SubGhz RAW File\nProtocol: RAW\nRAW_Data: ",
                        "ook" => b";pulse data\n;ook 9 pulses\n",
                        "sigmf-meta" => b"{\"global\":{\"core:datatype\":\"cu8\",",
                        "coco" => b"BZh91AY&SY",
                        _ => b"",
                    };
                    let m = magic.len().min(len);
                    bytes[..m].copy_from_slice(&magic[..m]);
                }
                let p = dir.join(format!("r{len}_433.92M_250k.{ext}"));
                std::fs::write(&p, &bytes).unwrap();
                if ext == "sigmf-meta" {
                    std::fs::write(p.with_extension("sigmf-data"), &bytes).unwrap();
                }
                let outcome = open_and_read(&p, &Overrides::default());
                assert_clear(&p, &outcome, None);
                if let Err(e) = analyze_path(&p, &AnalyzeOptions::default()) {
                    assert!(names(&p, &e.to_string()), "{e}");
                }
            }
        }
    });
}

#[test]
fn a_100_mb_sigmf_meta_is_refused_without_reading_it() {
    bounded("100 MB meta", || {
        let dir = scratch("bigmeta");
        let meta = dir.join("big.sigmf-meta");
        let mut f = File::create(&meta).unwrap();
        f.write_all(b"{\"global\":{\"core:datatype\":\"cu8\",\"core:description\":\"")
            .unwrap();
        // Sparse: 100 MB long, no 100 MB written.
        f.set_len(100 << 20).unwrap();
        drop(f);
        std::fs::write(dir.join("big.sigmf-data"), [127u8; 64]).unwrap();
        let outcome = open_and_read(&meta, &Overrides::default());
        let Outcome::Error(msg) = &outcome else {
            panic!("{outcome:?}")
        };
        assert!(
            msg.contains("104857600 bytes") && msg.contains("limit"),
            "{msg}"
        );

        // The same meta inside an archive, whose tar header declares the 100 MB.
        let ar = dir.join("big.sigmf");
        let mut b = tar::Builder::new(File::create(&ar).unwrap());
        b.append_path_with_name(&meta, "big/big.sigmf-meta")
            .unwrap();
        b.finish().unwrap();
        drop(b);
        let outcome = open_and_read(&ar, &Overrides::default());
        let Outcome::Error(msg) = &outcome else {
            panic!("{outcome:?}")
        };
        assert!(msg.starts_with(&ar.display().to_string()), "{msg}");
        assert!(msg.contains("limit"), "{msg}");
    });
}

/// A 2-channel 8-bit WAV header with a `data` chunk of `claimed` bytes, followed by `data`.
fn wav_bytes(claimed: u32, data: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&u32::MAX.to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes()); // PCM
    v.extend_from_slice(&2u16.to_le_bytes()); // channels
    v.extend_from_slice(&250_000u32.to_le_bytes()); // rate
    v.extend_from_slice(&500_000u32.to_le_bytes()); // bytes per second
    v.extend_from_slice(&2u16.to_le_bytes()); // block align
    v.extend_from_slice(&8u16.to_le_bytes()); // bits
    v.extend_from_slice(b"data");
    v.extend_from_slice(&claimed.to_le_bytes());
    v.extend_from_slice(data);
    v
}

#[test]
fn a_wav_claiming_a_4_gb_data_chunk() {
    bounded("4 GB WAV", || {
        let dir = scratch("wav4g");
        // The claim with only 1000 bytes behind it: refused, naming both sizes.
        let p = dir.join("claim.wav");
        std::fs::write(&p, wav_bytes(0xFFFF_FFFE, &[128u8; 1000])).unwrap();
        let outcome = open_and_read(&p, &Overrides::default());
        let Outcome::Error(msg) = &outcome else {
            panic!("{outcome:?}")
        };
        assert!(msg.contains("4294967294") && msg.contains("1000"), "{msg}");

        // The "unknown length" marker (0xFFFFFFFF, a recorder cut short): read to the end of
        // the file, with a warning.
        let p = dir.join("unknown.wav");
        std::fs::write(&p, wav_bytes(u32::MAX, &[128u8; 1000])).unwrap();
        match open_and_read(&p, &Overrides::default()) {
            Outcome::Samples(n, _, w) => {
                assert_eq!(n, 500);
                assert!(w.iter().any(|w| w.contains("no data length")), "{w:?}");
            }
            other => panic!("{other:?}"),
        }

        // A (sparse) file that really holds the 4 GB: opening it allocates nothing sized from
        // the header, and the first block reads at once.
        let p = dir.join("real.wav");
        let mut f = File::create(&p).unwrap();
        f.write_all(&wav_bytes(0xFFFF_FFF0, &[])).unwrap();
        f.set_len(44 + 0xFFFF_FFF0).unwrap();
        drop(f);
        let Ok(Input::Iq(mut src)) = source::open(&p, &Overrides::default()) else {
            panic!("the 4 GB WAV does not open")
        };
        assert_eq!(src.info().total_samples, Some(0xFFFF_FFF0 / 2));
        let mut buf = vec![Complex::new(1.0f32, 1.0); 4096];
        assert_eq!(src.read(&mut buf).unwrap(), 4096);
        // Sparse zeros are cu8 0: full-scale negative.
        assert!(buf.iter().all(|c| c.re < -0.99 && c.im < -0.99));
        drop(src);
        let _ = std::fs::remove_file(&p);
    });
}

#[test]
fn a_sub_with_a_billion_microsecond_duration() {
    bounded(".sub billion µs", || {
        let dir = scratch("subbig");
        let mut words = String::new();
        for k in 0..24 {
            words.push_str(if k % 3 == 0 {
                " 1050 -350"
            } else {
                " 350 -1050"
            });
        }
        let head = "Filetype: Flipper SubGhz RAW File\nVersion: 1\nFrequency: 433920000\n\
                    Preset: FuriHalSubGhzPresetOok650Async\nProtocol: RAW\n";
        // A billion-µs mark, and a billion-µs silence, between two good words.
        let p = dir.join("billion.sub");
        std::fs::write(
            &p,
            format!(
                "{head}RAW_Data:{words} 350 -10850\nRAW_Data: 1000000000 -1000000000\n\
                 RAW_Data:{words} 350 -10850\n"
            ),
        )
        .unwrap();
        let rec = match source::open(&p, &Overrides::default()).unwrap() {
            Input::Pulses(r) => r,
            Input::Iq(_) => panic!("IQ"),
        };
        assert!(
            rec.warnings.iter().any(|w| w.contains("1000000000")),
            "{:?}",
            rec.warnings
        );
        for t in &rec.trains {
            assert!(
                t.pulses.iter().all(|p| p.high_us < 2e6),
                "a billion-µs mark was kept"
            );
            assert!(
                t.pulses.iter().all(|p| p.low_us <= 1e8),
                "a silence was not clamped"
            );
        }
        let report = analyze_path(&p, &AnalyzeOptions::default()).unwrap();
        assert!(!report.transmissions.is_empty());
        assert!(
            report.transmissions.iter().all(|t| t.duration_s < 10.0),
            "{:?}",
            report
                .transmissions
                .iter()
                .map(|t| t.duration_s)
                .collect::<Vec<_>>()
        );

        // A billion-µs mark and silence made of believable pieces: merged, then bounded.
        let p = dir.join("pieces.sub");
        let marks = " 1000000".repeat(1000);
        let gaps = " -100000000".repeat(1000);
        std::fs::write(
            &p,
            format!(
                "{head}RAW_Data:{words} 350 -10850\nRAW_Data:{marks}{gaps}\n\
                 RAW_Data:{words} 350 -10850\n"
            ),
        )
        .unwrap();
        let rec = match source::open(&p, &Overrides::default()).unwrap() {
            Input::Pulses(r) => r,
            Input::Iq(_) => panic!("IQ"),
        };
        for t in &rec.trains {
            assert!(
                t.pulses.iter().all(|p| p.high_us <= 1e6),
                "an unbounded mark"
            );
            assert!(
                t.pulses.iter().all(|p| p.low_us <= 1e8),
                "an unbounded silence"
            );
            assert!(t.start_s < 1e4, "{}", t.start_s);
        }

        // Only the huge value: a clear error (no transmission), not a panic.
        let p = dir.join("only.sub");
        std::fs::write(&p, format!("{head}RAW_Data: 1000000000 -1000000000\n")).unwrap();
        let e = source::open(&p, &Overrides::default()).err().unwrap();
        assert!(e.to_string().starts_with(&p.display().to_string()), "{e}");
    });
}

#[test]
fn an_ook_with_a_huge_width_and_a_10_mb_line() {
    bounded(".ook hostile", || {
        let dir = scratch("ookbig");
        let p = dir.join("huge.ook");
        let mut f = File::create(&p).unwrap();
        f.write_all(b";pulse data\n;ook 3 pulses\n1000000000000 500\n")
            .unwrap();
        f.write_all(&vec![b'7'; 10 << 20]).unwrap();
        f.write_all(b"\n").unwrap();
        for _ in 0..20 {
            f.write_all(b"400 800\n").unwrap();
        }
        f.write_all(b"400 20000\n;end\n").unwrap();
        drop(f);
        let rec = match source::open(&p, &Overrides::default()).unwrap() {
            Input::Pulses(r) => r,
            Input::Iq(_) => panic!("IQ"),
        };
        assert!(
            rec.warnings.iter().any(|w| w.contains("line 4")),
            "{:?}",
            rec.warnings
        );
        assert!(
            rec.trains
                .iter()
                .flat_map(|t| &t.pulses)
                .all(|p| p.high_us < 1e9)
        );
        assert!(rec.trains.iter().map(|t| t.pulses.len()).sum::<usize>() >= 21);
    });
}

/// A local rtl_tcp server that behaves as `serve` says, once.
fn misbehaving_server(serve: fn(std::net::TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    thread::spawn(move || {
        if let Ok((s, _)) = listener.accept() {
            serve(s);
        }
    });
    addr
}

fn settings(addr: &str) -> RtlTcpSettings {
    let mut s = RtlTcpSettings::new(addr, 250e3, 433.92e6);
    s.connect_timeout = Duration::from_secs(2);
    s.read_timeout = Duration::from_secs(2);
    s
}

fn greeting() -> [u8; 12] {
    Header {
        tuner_type: 5,
        gain_count: 29,
    }
    .to_bytes()
}

/// Reads until the first error; returns the samples read and the error.
fn read_to_error(src: &mut RtlTcpSource) -> (u64, SourceError) {
    let mut buf = vec![Complex::new(0.0f32, 0.0); 1024];
    let mut n = 0u64;
    loop {
        match src.read(&mut buf) {
            Ok(0) => panic!("a live stream reported its end without an error"),
            Ok(k) => n += k as u64,
            Err(e) => return (n, e),
        }
    }
}

#[test]
fn rtl_tcp_server_sends_a_greeting_and_then_nothing() {
    bounded("rtl_tcp silent", || {
        let addr = misbehaving_server(|mut s| {
            s.write_all(&greeting()).unwrap();
            // Stay connected, silent, longer than the client's read timeout.
            let mut sink = [0u8; 64];
            s.set_read_timeout(Some(Duration::from_secs(6))).unwrap();
            while matches!(s.read(&mut sink), Ok(k) if k > 0) {}
        });
        let mut src = RtlTcpSource::connect(&settings(&addr)).unwrap();
        let (n, e) = read_to_error(&mut src);
        assert_eq!(n, 0);
        let msg = e.to_string();
        assert!(msg.starts_with(&format!("rtl_tcp://{addr}: ")), "{msg}");
        assert!(msg.contains("stopped sending samples"), "{msg}");
    });
}

#[test]
fn rtl_tcp_server_that_never_greets() {
    bounded("rtl_tcp mute", || {
        let addr = misbehaving_server(|mut s| {
            let mut sink = [0u8; 64];
            s.set_read_timeout(Some(Duration::from_secs(6))).unwrap();
            while matches!(s.read(&mut sink), Ok(k) if k > 0) {}
        });
        let e = RtlTcpSource::connect(&settings(&addr)).err().unwrap();
        assert!(e.to_string().contains("no rtl_tcp greeting"), "{e}");
    });
}

#[test]
fn rtl_tcp_server_sends_garbage() {
    bounded("rtl_tcp garbage", || {
        let addr = misbehaving_server(|mut s| {
            let mut rng = ChaCha8Rng::seed_from_u64(3);
            let mut junk = vec![0u8; 100_000];
            rng.fill_bytes(&mut junk);
            let _ = s.write_all(&junk);
        });
        let e = RtlTcpSource::connect(&settings(&addr)).err().unwrap();
        assert!(e.to_string().contains("not an rtl_tcp server"), "{e}");

        // A proper greeting, then garbage samples, then the server hangs up: every byte is
        // a sample, and the hang-up is reported as such.
        let addr = misbehaving_server(|mut s| {
            s.write_all(&greeting()).unwrap();
            let mut rng = ChaCha8Rng::seed_from_u64(4);
            let mut junk = vec![0u8; 100_001];
            rng.fill_bytes(&mut junk);
            let mut cmds = [0u8; 30];
            let _ = s.read_exact(&mut cmds);
            let _ = s.write_all(&junk);
        });
        let mut src = RtlTcpSource::connect(&settings(&addr)).unwrap();
        let (n, e) = read_to_error(&mut src);
        assert_eq!(n, 50_000);
        assert!(
            e.to_string()
                .contains("closed the connection after 50000 samples"),
            "{e}"
        );
    });
}

#[test]
fn rtl_tcp_server_disconnects_after_one_byte() {
    bounded("rtl_tcp one byte", || {
        let addr = misbehaving_server(|mut s| {
            s.write_all(b"R").unwrap();
        });
        let e = RtlTcpSource::connect(&settings(&addr)).err().unwrap();
        let msg = e.to_string();
        assert!(msg.contains("no rtl_tcp greeting"), "{msg}");
        assert!(msg.contains("after 1 of 12 bytes"), "{msg}");

        // A greeting and one byte of a sample: no sample, and the hang-up is reported (not
        // taken for the end of a file).
        let addr = misbehaving_server(|mut s| {
            s.write_all(&greeting()).unwrap();
            let mut cmds = [0u8; 30];
            let _ = s.read_exact(&mut cmds);
            s.write_all(&[200]).unwrap();
        });
        let mut src = RtlTcpSource::connect(&settings(&addr)).unwrap();
        let (n, e) = read_to_error(&mut src);
        assert_eq!(n, 0);
        assert!(e.to_string().contains("closed the connection"), "{e}");
    });
}

/// Regression (found by the `rtl_tcp` fuzz target): a read that brought a single byte
/// returned `Ok(0)`, which callers take for the end of the stream.
#[test]
fn rtl_tcp_one_byte_reads_never_end_the_stream() {
    bounded("rtl_tcp byte by byte", || {
        let addr = misbehaving_server(|mut s| {
            s.set_nodelay(true).unwrap();
            s.write_all(&greeting()).unwrap();
            let mut cmds = [0u8; 30];
            let _ = s.read_exact(&mut cmds);
            for b in [10u8, 20, 30, 40, 50] {
                s.write_all(&[b]).unwrap();
                s.flush().unwrap();
                thread::sleep(Duration::from_millis(30));
            }
        });
        let mut src = RtlTcpSource::connect(&settings(&addr)).unwrap();
        let (n, e) = read_to_error(&mut src);
        assert_eq!(n, 2, "5 bytes are 2 whole samples");
        assert!(
            e.to_string()
                .contains("closed the connection after 2 samples"),
            "{e}"
        );
    });
}

#[test]
fn a_sparse_cu8_file_reads_block_by_block() {
    // A 2 GiB raw file: opened and its first blocks read without reading the rest.
    bounded("sparse cu8", || {
        let dir = scratch("sparse");
        let p = dir.join("big_433.92M_250k.cu8");
        let f = File::create(&p).unwrap();
        f.set_len(2 << 30).unwrap();
        drop(f);
        let Ok(Input::Iq(mut src)) = source::open(&p, &Overrides::default()) else {
            panic!("does not open")
        };
        assert_eq!(src.info().total_samples, Some(1 << 30));
        let mut buf = vec![Complex::new(0.0f32, 0.0); 1 << 16];
        for _ in 0..4 {
            assert_eq!(src.read(&mut buf).unwrap(), 1 << 16);
        }
        drop(src);
        let _ = std::fs::remove_file(&p);
    });
}

/// One ustar member: a 512-byte header (POSIX.1-1988 layout: name, mode, uid, gid, size,
/// mtime, checksum, type, magic) followed by the data padded to 512 bytes.
fn tar_member(name: &str, data: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

#[test]
fn an_archive_member_with_an_absolute_name_is_named_under_the_archive() {
    // Found by the sigmf_archive fuzz target: a member stored as `/x.sigmf-meta` replaced the
    // archive's own path in the error, which then named a file that does not exist.
    let dir = scratch("absolute-member");
    let path = dir.join("key.sigmf");
    let mut bytes = tar_member("/x.sigmf-meta", b"{\"global\": \"\x01\"}");
    bytes.extend_from_slice(&[0u8; 1024]);
    std::fs::write(&path, bytes).unwrap();
    let p = path.clone();
    let outcome = bounded("absolute member", move || {
        open_and_read(&p, &Overrides::default())
    });
    let Outcome::Error(msg) = outcome else {
        panic!("an archive whose meta is not JSON must be refused: {outcome:?}");
    };
    assert!(
        msg.starts_with(&format!("{}/x.sigmf-meta: ", path.display())),
        "{msg}"
    );
}
