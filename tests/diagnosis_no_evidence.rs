//! No verdict without evidence: inputs that cannot show whether a key works get exit 2 and a
//! message naming what is missing, never "NO SIGNAL … the key may be dead".

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};

fn fobscope(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fobscope"))
        .args(args)
        .arg("--quiet")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or(&[])).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn assert_error(out: &Output, needles: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "stdout {text}\nstderr {err}");
    assert!(!text.contains("NO SIGNAL"), "{text}");
    for n in needles {
        assert!(err.contains(n), "missing {n:?} in: {err}");
    }
}

fn tmp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fobscope-noev-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Quiet cu8 samples (the centre value with a little dither), `seconds` at 250 kS/s.
fn quiet_cu8(seconds: f64) -> Vec<u8> {
    let n = (seconds * 250e3) as usize;
    (0..2 * n).map(|i| 127 + (i % 2) as u8).collect()
}

#[test]
fn a_one_line_text_file_named_like_a_capture_is_an_error() {
    let p = tmp("notes_315M_250k.cu8", b"remember to record the spare key\n");
    let out = fobscope(&["check", p.to_str().unwrap()], None);
    assert_error(
        &out,
        &["notes_315M_250k.cu8", "only 0.000 s", "16 samples", "0.5 s"],
    );
}

#[test]
fn the_first_20_ms_of_a_recording_is_an_error() {
    let p = tmp("first.cu8", &quiet_cu8(0.02));
    let out = fobscope(
        &[
            "check",
            "--rate",
            "250k",
            "--freq",
            "433.92M",
            p.to_str().unwrap(),
        ],
        None,
    );
    assert_error(&out, &["only 0.020 s", "5000 samples", "record for 1–2 s"]);
}

#[test]
fn empty_standard_input_is_an_error() {
    let out = fobscope(
        &[
            "check", "--format", "cu8", "--rate", "250k", "--freq", "433.92M", "-",
        ],
        Some(&[]),
    );
    assert_error(&out, &["delivered no samples"]);
}

#[test]
fn a_bare_rate_names_the_likely_intent() {
    let p = tmp("key.cu8", &quiet_cu8(1.0));
    let out = fobscope(
        &[
            "check",
            "--rate",
            "250",
            "--freq",
            "433.92M",
            p.to_str().unwrap(),
        ],
        None,
    );
    assert_error(&out, &["250 S/s is too slow", "did you mean 250k?"]);
}

#[test]
fn silence_off_every_key_band_is_an_error_and_on_a_band_is_no_signal() {
    let p = tmp("quiet.cu8", &quiet_cu8(1.0));
    let out = fobscope(
        &[
            "check",
            "--rate",
            "250k",
            "--freq",
            "100M",
            p.to_str().unwrap(),
        ],
        None,
    );
    assert_error(&out, &["99.875–100.125 MHz", "no band a key uses"]);
    let out = fobscope(
        &[
            "check",
            "--rate",
            "250k",
            "--freq",
            "433.92M",
            p.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(11));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("NO SIGNAL"));
}

#[test]
fn a_live_source_that_delivers_no_samples_is_an_error() {
    // An rtl_tcp server that sends its header and then closes without a single sample.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut hdr = b"RTL0".to_vec();
        hdr.extend_from_slice(&5u32.to_be_bytes());
        hdr.extend_from_slice(&29u32.to_be_bytes());
        s.write_all(&hdr).unwrap();
        // Take the commands the client sends for a while, then hang up.
        s.set_read_timeout(Some(std::time::Duration::from_millis(100)))
            .unwrap();
        let t0 = std::time::Instant::now();
        let mut buf = [0u8; 64];
        while t0.elapsed() < std::time::Duration::from_millis(800) {
            if let Ok(0) = s.read(&mut buf) {
                break;
            }
        }
    });
    let addr = format!("127.0.0.1:{port}");
    let out = fobscope(
        &[
            "listen",
            "--rtl-tcp",
            &addr,
            "--freq",
            "433.92M",
            "--rate",
            "250k",
            "--duration",
            "3s",
        ],
        None,
    );
    server.join().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{err}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(err.contains("no samples"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("NO SIGNAL"));
}
