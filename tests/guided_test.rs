//! `fobscope test` end to end: a local rtl_tcp server streams a scripted scene (synthetic key
//! presses timed to the prompts) and the guided test must give each button its verdict and
//! the button map the presses carry, at more than one client rate.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread;

use fobscope::rtl_tcp_server::ServeOptions;
use fobscope::source::{self, Input, Overrides};
use serde_json::Value;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_fobscope")
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fobscope-guided-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// One 3 s segment of the scene at `freq`: a KeeLoq press 1 s in with `buttons`, or noise.
fn segment_at(dir: &Path, freq: &str, name: &str, buttons: Option<&str>, seed: u32) -> Vec<u8> {
    let path = dir.join(format!("{name}_{freq}_250k.cu8"));
    let mut c = Command::new(bin());
    c.arg("synth")
        .arg(&path)
        .args(["--freq", freq, "--duration", "3s", "-q"]);
    c.args(["--seed", &seed.to_string()]);
    match buttons {
        Some(b) => c
            .args([
                "--kind",
                "keeloq",
                "--offset",
                "18k",
                "--serial",
                "0x5A1C3E7",
            ])
            .args(["--buttons", b, "--pre", "1s"]),
        None => c.args(["--kind", "noise"]),
    };
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(&path).unwrap()
}

fn segment(dir: &Path, name: &str, buttons: Option<&str>, seed: u32) -> Vec<u8> {
    segment_at(dir, "315M", name, buttons, seed)
}

/// A scene file: the segments back to back, named so that its rate and centre are read.
fn scene(dir: &Path, parts: &[(&str, Option<&str>)]) -> PathBuf {
    let mut bytes = Vec::new();
    for (k, (name, buttons)) in parts.iter().enumerate() {
        bytes.extend(segment(dir, name, *buttons, 10 + k as u32));
    }
    let path = dir.join("scene_315M_250k.cu8");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Serves `file` to one `fobscope test` run with `args`.
fn guided(file: &Path, args: &[&str]) -> Output {
    let opts = ServeOptions {
        speed: 0.0,
        ..ServeOptions::default()
    };
    let (addr, server) = common::rtl_tcp::serve_file(file, Overrides::default(), opts);
    let out = Command::new(bin())
        .args(["test", "--rtl-tcp", &addr, "--step-time", "3s"])
        .args(args)
        .output()
        .unwrap();
    server.join().unwrap();
    out
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn each_button_gets_its_verdict_and_its_code_at_two_rates() {
    let dir = tempdir("two-rates");
    let file = scene(
        &dir,
        &[("lock", Some("0b0010")), ("unlock", Some("0b0100"))],
    );
    for rate in ["1.024M", "2.4M"] {
        let out = guided(&file, &["--band", "315", "--rate", rate, "--json"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{rate}: {stderr}");
        let v = json(&out);
        let b = v["buttons"].as_array().unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0]["button"], "LOCK");
        assert_eq!(b[1]["button"], "UNLOCK");
        for (x, bits) in b.iter().zip(["0010", "0001"]) {
            assert_eq!(x["verdict"]["status"], "working", "{rate}: {x}");
            assert_eq!(x["button_bits"], bits, "{rate}: {x}");
            assert_eq!(x["serial"], "5A1C3E7");
            let f = x["freq_hz"].as_f64().unwrap();
            assert!((f - 315.018e6).abs() < 3e3, "{rate}: {f}");
            assert!(x["transmissions"].as_u64().unwrap() >= 3, "{x}");
        }
        assert_eq!(v["button_map"]["kind"], "keeloq");
        assert_eq!(v["button_map"]["notes"].as_array().unwrap().len(), 0, "{v}");
        assert_eq!(v["verdict"]["status"], "working");
        // The prompts came in order on standard error, and nothing but JSON on stdout.
        let lock = stderr.find("press LOCK now").expect("LOCK prompt");
        let unlock = stderr.find("press UNLOCK now").expect("UNLOCK prompt");
        assert!(lock < unlock, "{stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_button_that_sends_nothing_is_named_and_the_test_fails() {
    let dir = tempdir("silent");
    let file = scene(&dir, &[("lock", Some("0b0010")), ("quiet", None)]);
    let out = guided(&file, &["--car", "mini r53 2004 us"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(11), "{stdout}");
    let first = stdout.lines().next().unwrap();
    assert!(first.starts_with("UNLOCK: NO SIGNAL"), "{stdout}");
    assert!(stdout.contains("LOCK     WORKING"), "{stdout}");
    assert!(stdout.contains("UNLOCK: no code word heard"), "{stdout}");
    assert!(
        stdout.contains(
            "LOCK worked but UNLOCK sent nothing: the battery and the transmitter are fine"
        ),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_same_button_twice_is_noticed_and_compare_names_the_weak_key() {
    let dir = tempdir("same");
    let file = scene(&dir, &[("lock", Some("0b0010")), ("again", Some("0b0010"))]);
    let out = guided(
        &file,
        &[
            "--band",
            "315",
            "--json",
            "--compare",
            "captures/mini-r53-weak-battery_315M_250k.cu8",
        ],
    );
    let v = json(&out);
    let notes = v["button_map"]["notes"].to_string();
    assert!(
        notes.contains("LOCK and UNLOCK sent the same button bits 0010"),
        "{notes}"
    );
    let c = &v["comparison"];
    assert_eq!(c["a"]["verdict"]["status"], "working", "{c}");
    assert_eq!(c["b"]["verdict"]["status"], "weak", "{c}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_arguments_are_errors_before_listening() {
    let out = Command::new(bin())
        .args(["test", "--rtl-tcp", "127.0.0.1:1", "--step-time", "0.1s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--step-time"));
    let out = Command::new(bin())
        .args([
            "test",
            "--rtl-tcp",
            "127.0.0.1:1",
            "--compare",
            "no-such-key.cu8",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-key.cu8"));
}

#[test]
fn scan_finds_the_band_then_the_buttons_are_tested_there() {
    use fobscope::rtl_tcp_server::{AtEnd, serve_stream_looping};
    let dir = tempdir("scan");
    // While the radio hops, the key (on 868 MHz, neither the first band scanned nor the
    // default) is pressed again and again; then the scripted presses follow.
    let presses = dir.join("presses_868.35M_250k.cu8");
    std::fs::write(
        &presses,
        segment_at(&dir, "868.35M", "p", Some("0b0010"), 3),
    )
    .unwrap();
    let mut bytes = segment_at(&dir, "868.35M", "lock", Some("0b0010"), 4);
    bytes.extend(segment_at(&dir, "868.35M", "unlock", Some("0b0100"), 5));
    let scene = dir.join("scene_868.35M_250k.cu8");
    std::fs::write(&scene, bytes).unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let open = |p: &Path| -> Result<Box<dyn fobscope::source::IqSource>, _> {
            match source::open(p, &Overrides::default())? {
                Input::Iq(s) => Ok(s),
                Input::Pulses(_) => panic!("not IQ"),
            }
        };
        let looping = ServeOptions {
            speed: 0.0,
            at_end: AtEnd::Loop,
            ..ServeOptions::default()
        };
        let (s1, _) = listener.accept().unwrap();
        let first = serve_stream_looping(s1, &mut || open(&presses), &looping).unwrap();
        let once = ServeOptions {
            speed: 0.0,
            ..ServeOptions::default()
        };
        let (s2, _) = listener.accept().unwrap();
        serve_stream_looping(s2, &mut || open(&scene), &once).unwrap();
        first
    });
    let out = Command::new(bin())
        .args(["test", "--rtl-tcp", &addr.to_string(), "--step-time", "3s"])
        .args(["--scan", "--rate", "2.4M", "--json"])
        .output()
        .unwrap();
    let first = server.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("heard on the 868 band"), "{stderr}");
    // The scan did hop: the radio was asked for each band.
    let tunes: Vec<u32> = first
        .commands
        .iter()
        .filter(|c| c.0 == 1)
        .map(|c| c.1)
        .collect();
    assert!(tunes.len() >= 3, "{tunes:?}");
    let v = json(&out);
    for b in v["buttons"].as_array().unwrap() {
        assert_eq!(b["verdict"]["status"], "working", "{b}");
        let f = b["freq_hz"].as_f64().unwrap();
        assert!((f - 868.368e6).abs() < 3e3, "{f}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
