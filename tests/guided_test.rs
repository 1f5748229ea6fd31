//! `fobscope test` end to end: a local rtl_tcp server streams a scripted scene (synthetic key
//! presses timed to the prompts) and the guided test must give each button its verdict and
//! the button map the presses carry, at more than one client rate.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread;

use fobscope::rtl_tcp_server::{ServeOptions, serve_one};
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

/// One 3 s segment of the scene at 315 MHz: a KeeLoq press 1 s in with `buttons`, or noise.
fn segment(dir: &Path, name: &str, buttons: Option<&str>, seed: u32) -> Vec<u8> {
    let path = dir.join(format!("{name}.cu8"));
    let mut c = Command::new(bin());
    c.arg("synth")
        .arg(&path)
        .args(["--freq", "315M", "--duration", "3s", "-q"]);
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
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let path = file.to_path_buf();
    let server = thread::spawn(move || {
        let Input::Iq(mut src) = source::open(&path, &Overrides::default()).unwrap() else {
            panic!("not IQ")
        };
        let opts = ServeOptions {
            speed: 0.0,
            ..ServeOptions::default()
        };
        serve_one(&listener, src.as_mut(), &opts).unwrap()
    });
    let out = Command::new(bin())
        .args(["test", "--rtl-tcp", &addr.to_string(), "--step-time", "3s"])
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
