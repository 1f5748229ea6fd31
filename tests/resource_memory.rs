//! Memory stays flat whatever the input length: `fobscope analyze` fed a 10-minute continuous
//! carrier (streamed through standard input, 150 M samples; it opens a burst that runs into
//! the 5 s burst-length cap again and again) and a 10-minute file of pure clipping (every
//! sample at full scale) peaks at about the same resident memory as on 20 seconds of the same
//! input. Peak memory is the child's `ru_maxrss` from `wait4`.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const RATE: f64 = 250e3;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_fobscope")
}

/// Waits for the child `pid`; returns its exit status and peak resident memory in KiB.
fn wait_peak_kib(pid: u32) -> (i32, i64) {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of the plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; both pointers are valid.
    let r = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(r, pid as libc::pid_t, "wait4 failed");
    (status, usage.ru_maxrss)
}

/// One period of a carrier 20 kHz above centre at half full scale, as cu8 (25 kHz divides
/// 250 kS/s into whole periods of 12.5 samples: two periods, 25 samples).
fn carrier_period() -> Vec<u8> {
    (0..25)
        .flat_map(|k| {
            let ph = 2.0 * std::f64::consts::PI * 20e3 * k as f64 / RATE;
            let q = |v: f64| (127.5 + 127.5 * 0.5 * v).round() as u8;
            [q(ph.cos()), q(ph.sin())]
        })
        .collect()
}

/// Peak memory of `fobscope analyze - --json` on `seconds` of a continuous carrier.
#[allow(clippy::zombie_processes)] // reaped by `wait_peak_kib` (wait4), not `Child::wait`
fn carrier_peak_kib(seconds: f64) -> i64 {
    let mut child = Command::new(bin())
        .args([
            "analyze", "-", "--format", "cu8", "--rate", "250k", "--freq",
        ])
        .args(["433.92M", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A second of near-silence (±half an LSB of dither) first, so the carrier switching on
    // opens bursts, which then run into the burst-length cap again and again.
    let silence: Vec<u8> = (0..RATE as usize * 2)
        .map(|k| 127 + (k % 3 == 0) as u8)
        .collect();
    stdin.write_all(&silence).unwrap();
    let period = carrier_period();
    let chunk: Vec<u8> = period
        .iter()
        .cycle()
        .take(period.len() * 4000)
        .copied()
        .collect();
    let samples = (seconds * RATE) as u64;
    let mut sent = 0u64;
    while sent < samples {
        stdin.write_all(&chunk).unwrap();
        sent += chunk.len() as u64 / 2;
    }
    drop(stdin);
    let (status, peak) = wait_peak_kib(child.id());
    assert_eq!(status, 0, "fobscope analyze failed on the carrier");
    peak
}

/// Peak memory of `fobscope analyze FILE --json` on a file of `seconds` of pure clipping:
/// every byte 0, I and Q both at negative full scale (a sparse file: nothing is written).
#[allow(clippy::zombie_processes)] // reaped by `wait_peak_kib` (wait4), not `Child::wait`
fn clipping_peak_kib(seconds: f64) -> i64 {
    let dir = std::env::temp_dir().join(format!("fobscope-resource-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join(format!("clip{seconds}_433.92M_250k.cu8"));
    File::create(&path)
        .unwrap()
        .set_len((seconds * RATE) as u64 * 2)
        .unwrap();
    let child = Command::new(bin())
        .args(["analyze", path.to_str().unwrap(), "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (status, peak) = wait_peak_kib(child.id());
    let _ = std::fs::remove_file(&path);
    assert_eq!(status, 0, "fobscope analyze failed on the clipping file");
    peak
}

fn assert_flat(what: &str, short_kib: i64, long_kib: i64) {
    eprintln!("{what}: peak {short_kib} KiB on 20 s, {long_kib} KiB on 10 min");
    assert!(
        long_kib <= short_kib + short_kib / 4 + 16 * 1024,
        "{what}: memory grows with the input: {short_kib} KiB on 20 s, {long_kib} KiB on 10 min"
    );
}

#[test]
fn a_10_minute_carrier_keeps_memory_flat() {
    let short = carrier_peak_kib(20.0);
    let long = carrier_peak_kib(600.0);
    assert_flat("carrier", short, long);
}

#[test]
fn a_10_minute_file_of_pure_clipping_keeps_memory_flat() {
    let short = clipping_peak_kib(20.0);
    let long = clipping_peak_kib(600.0);
    assert_flat("clipping", short, long);
}

/// A transmission with no 10 ms gap for over two seconds (12 000 Manchester bits) keeps at most
/// `MAX_PULSES_PER_TRANSMISSION` pulses and is marked truncated.
#[test]
fn a_transmission_longer_than_the_pulse_cap_is_cut_and_marked_truncated() {
    use fobscope::pipeline::{AnalyzeOptions, MAX_PULSES_PER_TRANSMISSION, analyze_iq};
    use fobscope::synth::{Burst, LineCode, Scene, coded_press};
    let bits: Vec<bool> = (0..12_000u32)
        .map(|k| k.wrapping_mul(2_654_435_761).rotate_left(7) & 1 == 1)
        .collect();
    let press = coded_press(&bits, LineCode::Manchester, 100.0, 1, 20_000.0);
    let mut burst = Burst::new(0.0, press);
    burst.level_dbfs = -20.0;
    let mut scene = Scene::single(RATE, Some(433.92e6), burst, 0.1, 0.1);
    scene.noise_dbfs = Some(-50.0);
    let report = analyze_iq(
        Box::new(scene.stream().unwrap()),
        &AnalyzeOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    let longest = report
        .transmissions
        .iter()
        .max_by_key(|t| t.pulses)
        .expect("a transmission");
    assert_eq!(longest.pulses, MAX_PULSES_PER_TRANSMISSION);
    assert_eq!(longest.train.pulses.len(), MAX_PULSES_PER_TRANSMISSION);
    assert!(longest.truncated);
}
