//! A hardware-free end-to-end test of the real SoapySDR stack: SoapySDR's audio driver reads a
//! PulseAudio null sink's monitor as a stereo IQ stream (`chan=stereo_iq`), `paplay` plays a
//! synthetic key press (a stereo IQ WAV) into that sink, and `fobscope listen` must detect it.
//!
//! The test starts its own PulseAudio daemon in a private runtime directory and stops it at
//! the end. It needs `pulseaudio`, `pulseaudio-utils` and `soapysdr-module-audio` (installed
//! by `.ci/run`); without them it fails under CI and says what is missing elsewhere.

#![cfg(feature = "soapy")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_fobscope")
}

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A PulseAudio daemon with a null sink, stopped on drop.
struct Pulse {
    runtime: PathBuf,
}

impl Pulse {
    fn start(runtime: &Path) -> Pulse {
        std::fs::create_dir_all(runtime).unwrap();
        let status = Command::new("pulseaudio")
            .env("XDG_RUNTIME_DIR", runtime)
            .env("HOME", runtime)
            .args([
                "--daemonize=yes",
                "--exit-idle-time=-1",
                "-n",
                "--load=module-native-protocol-unix",
                "--load=module-null-sink sink_name=fobscope_test rate=48000 channels=2",
            ])
            .stderr(Stdio::null())
            .status()
            .expect("start pulseaudio");
        assert!(status.success(), "pulseaudio did not start");
        let pulse = Pulse {
            runtime: runtime.to_path_buf(),
        };
        let t0 = Instant::now();
        while !pulse.pactl(&["info"]) {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "pulseaudio not answering"
            );
            thread::sleep(Duration::from_millis(100));
        }
        assert!(pulse.pactl(&["set-default-source", "fobscope_test.monitor"]));
        pulse
    }

    fn pactl(&self, args: &[&str]) -> bool {
        Command::new("pactl")
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .env("HOME", &self.runtime)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("XDG_RUNTIME_DIR", &self.runtime)
            .env("HOME", &self.runtime);
        c
    }
}

impl Drop for Pulse {
    fn drop(&mut self) {
        let _ = self
            .command("pulseaudio")
            .arg("--kill")
            .stderr(Stdio::null())
            .status();
    }
}

#[test]
fn listen_through_soapysdr_audio_driver_hears_a_played_key_press() {
    let needed = ["pulseaudio", "pactl", "paplay"];
    let missing: Vec<_> = needed.iter().filter(|c| !have(c)).collect();
    if !missing.is_empty() {
        if std::env::var_os("CI").is_some() {
            panic!("missing {missing:?}: .ci/run installs pulseaudio and pulseaudio-utils");
        }
        eprintln!("notice: {missing:?} not installed; the SoapySDR audio test did nothing");
        return;
    }
    let dir = std::env::temp_dir().join(format!("fobscope-pa-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let pulse = Pulse::start(&dir.join("run"));

    // A KeeLoq press at 48 kS/s, 6 kHz above centre, as a stereo IQ WAV.
    let wav = dir.join("press.wav");
    let st = Command::new(bin())
        .args(["synth"])
        .arg(&wav)
        .args(["--kind", "keeloq", "--rate", "48k", "--freq", "433.92M"])
        .args([
            "--offset",
            "6k",
            "--snr",
            "25",
            "--level",
            "-12",
            "--repeats",
            "3",
        ])
        .args(["--pre", "0.3s", "--post", "0.5s", "--seed", "3"])
        .status()
        .unwrap();
    assert!(st.success(), "synth failed");

    let listen: Child = pulse
        .command(bin())
        .args([
            "listen",
            "--device",
            "driver=audio",
            "--stream-args",
            "chan=stereo_iq",
        ])
        .args([
            "--rate",
            "48k",
            "--freq",
            "433.92M",
            "--duration",
            "5s",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    thread::sleep(Duration::from_millis(1500));
    let play = pulse
        .command("paplay")
        .args(["--device=fobscope_test"])
        .arg(&wav)
        .status()
        .unwrap();
    assert!(play.success(), "paplay failed");
    let out = listen.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // 0 = working, 10 = weak: a key was heard (11 would be no signal, 2 an error).
    assert!(
        matches!(out.status.code(), Some(0 | 10)),
        "listen ended with {:?}: {stderr}",
        out.status.code()
    );
    let values: Vec<serde_json::Value> = serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let report = values.last().expect("final report");
    let ts = report["transmissions"].as_array().unwrap();
    assert!(!ts.is_empty(), "nothing heard: {report}\n{stderr}");
    let t = &ts[0];
    assert_eq!(t["modulation"], "OOK", "{t}");
    let off = t["freq_hz"].as_f64().unwrap() - 433.92e6;
    assert!(
        (off - 6e3).abs() < 1.5e3,
        "carrier {off} Hz off centre, expected 6 kHz: {t}"
    );
    drop(pulse);
    let _ = std::fs::remove_dir_all(&dir);
}
