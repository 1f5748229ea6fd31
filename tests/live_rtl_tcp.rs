//! `fobscope listen` against a local rtl_tcp server that streams real recordings at real-time
//! pace: the live path must report exactly what `analyze` reports on the same file, drop no
//! samples, and survive the server closing (clean message, exit code 2, recording finalised).
//! The server behaves as a radio: a client asking for another rate or frequency than the
//! recording's hears the key where it was recorded, at its rate.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;

use fobscope::rtl_tcp_server::{AtEnd, ServeOptions};
use fobscope::source::Overrides;
use serde_json::Value;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_fobscope")
}

/// Every JSON value printed on stdout, in order.
fn json_values(stdout: &[u8]) -> Vec<Value> {
    serde_json::Deserializer::from_slice(stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .expect("stdout is a sequence of JSON values")
}

fn key(t: &Value) -> (i64, i64, Vec<String>) {
    let start_us = (t["start_s"].as_f64().unwrap() * 1e6).round() as i64;
    let freq_100hz = (t["freq_hz"].as_f64().unwrap_or(0.0) / 100.0).round() as i64;
    let frames = t["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["hex"].as_str().unwrap().to_string())
        .collect();
    (start_us, freq_100hz, frames)
}

fn listen_to(file: &Path, cut_after: Option<u64>, record: &Path) -> (std::process::Output, u64) {
    let ov = Overrides {
        sample_rate_hz: Some(250e3),
        center_freq_hz: Some(433.92e6),
        ..Overrides::default()
    };
    let opts = ServeOptions {
        speed: 1.0,
        cut_after_samples: cut_after,
        at_end: AtEnd::Close,
        ..ServeOptions::default()
    };
    let (addr, server) = common::rtl_tcp::serve_file(file, ov, opts);
    let out = Command::new(bin())
        .args(["listen", "--rtl-tcp", &addr])
        .args(["--rate", "250k", "--freq", "433.92M", "--json", "--record"])
        .arg(record)
        .output()
        .unwrap();
    (out, server.join().unwrap().samples_sent)
}

#[test]
fn listen_over_rtl_tcp_matches_analyze_on_real_recordings() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let tmp = tempdir();
    let picks = [
        "rtl433/tests/PT2262/01/gfile001.cu8",
        "rtl433/tests/honda_remote/01/hondacar-lock2.cu8",
        "rtl433/tests/oregon_scientific/01/BTHGN129.cu8",
    ];
    for rel in picks {
        let file = corpus.join(rel);
        let record = tmp.join("rec.sigmf-meta");
        let (out, sent) = listen_to(&file, None, &record);
        let stderr = String::from_utf8_lossy(&out.stderr);
        // The server closes at the end of the file: a failure of the source, said clearly.
        assert_eq!(out.status.code(), Some(2), "{rel}: {stderr}");
        assert!(stderr.contains("closed the connection"), "{rel}: {stderr}");

        let values = json_values(&out.stdout);
        let live_report = values.last().expect("final report");
        let live: Vec<_> = live_report["transmissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(key)
            .collect();
        // The streamed lines are the same transmissions as the final report.
        assert_eq!(values.len() - 1, live.len(), "{rel}");

        let a = Command::new(bin())
            .arg("analyze")
            .arg(&file)
            .args(["--rate", "250k", "--freq", "433.92M", "--json"])
            .output()
            .unwrap();
        assert!(a.status.success(), "{rel}");
        let offline_report = &json_values(&a.stdout)[0];
        let offline: Vec<_> = offline_report["transmissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(key)
            .collect();
        assert!(!offline.is_empty(), "{rel}: nothing found offline");
        assert_eq!(live, offline, "{rel}: live and offline reports differ");

        // Zero samples dropped: the recording holds every sample the server sent, and it is the
        // file itself.
        let rec_data = record.with_extension("sigmf-data");
        let rec_bytes = std::fs::read(&rec_data).unwrap();
        assert_eq!(rec_bytes.len() as u64, sent * 2, "{rel}");
        let orig = std::fs::read(&file).unwrap();
        assert_eq!(
            rec_bytes[..],
            orig[..rec_bytes.len()],
            "{rel}: recording differs"
        );
        let meta: Value = serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
        assert_eq!(meta["global"]["core:sample_rate"].as_f64(), Some(250e3));
        assert_eq!(
            meta["annotations"].as_array().map(|a| a.len()),
            Some(live.len()),
            "{rel}: one annotation per transmission"
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn server_cut_mid_stream_keeps_a_valid_recording() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let tmp = tempdir();
    let file = corpus.join("rtl433/tests/PT2262/01/gfile001.cu8");
    let record = tmp.join("cut.sigmf-meta");
    let (out, sent) = listen_to(&file, Some(60_000), &record);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("closed the connection after 60000 samples"),
        "{stderr}"
    );
    assert_eq!(sent, 60_000);
    // The recording is a valid SigMF pair fobscope reads back, with everything received.
    let info = Command::new(bin())
        .arg("info")
        .arg(&record)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        info.status.success(),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    let v = &json_values(&info.stdout)[0];
    let text = v.to_string();
    assert!(text.contains("60000"), "sample count missing: {text}");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn unreachable_server_and_bad_greeting_are_clear_errors() {
    // Nobody listens on this port.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::new(bin())
        .args([
            "listen",
            "--rtl-tcp",
            &format!("127.0.0.1:{port}"),
            "--duration",
            "1s",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot connect"), "{stderr}");

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        use std::io::Write;
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(b"SSH-2.0-OpenSSH\r\n").unwrap();
        thread::sleep(std::time::Duration::from_millis(200));
    });
    let out = Command::new(bin())
        .args(["listen", "--rtl-tcp", &addr.to_string(), "--duration", "1s"])
        .output()
        .unwrap();
    server.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not an rtl_tcp server"), "{stderr}");
}

fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "fobscope-live-{}-{}",
        std::process::id(),
        thread::current().name().unwrap_or("t").replace(':', "_")
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn scan_hops_the_radio_between_bands_and_reports_each() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let file = corpus.join("rtl433/tests/generic_remote/01/gfile001.cu8");
    let ov = Overrides {
        sample_rate_hz: Some(250e3),
        ..Overrides::default()
    };
    let opts = ServeOptions {
        speed: 1.0,
        at_end: AtEnd::Noise,
        ..ServeOptions::default()
    };
    let (addr, server) = common::rtl_tcp::serve_file(&file, ov, opts);
    let out = Command::new(bin())
        .args(["scan", "--rtl-tcp", &addr, "--rate", "250k"])
        .args(["--bands", "433,315", "--dwell", "0.6s", "--rounds", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let stats = server.join().unwrap();
    // The radio was retuned to each band, twice round.
    let tunes: Vec<u32> = stats
        .commands
        .iter()
        .filter(|c| c.0 == 1)
        .map(|c| c.1)
        .collect();
    assert!(
        tunes.iter().filter(|&&f| f == 433_920_000).count() >= 2,
        "{tunes:?}"
    );
    assert!(
        tunes.iter().filter(|&&f| f == 315_000_000).count() >= 2,
        "{tunes:?}"
    );
    // The remote (in the first seconds of the recording, heard while tuned to 433) is reported
    // on the 433 band, and the table lists both bands.
    assert!(stdout.contains("[433]"), "{stdout}");
    let table: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("433 ") || l.starts_with("315 "))
        .collect();
    assert_eq!(table.len(), 2, "{stdout}");
    assert!(
        stdout.contains("The key transmits on the 433 MHz band"),
        "{stdout}"
    );
}

/// Serves `file` (speed 0: as fast as the client reads) to one `listen` with `args`; returns
/// listen's output and what the server saw.
fn listen_through_server(
    file: &str,
    args: &[&str],
) -> (std::process::Output, fobscope::rtl_tcp_server::ServeStats) {
    let opts = ServeOptions {
        speed: 0.0,
        ..ServeOptions::default()
    };
    let (addr, server) = common::rtl_tcp::serve_file(Path::new(file), Overrides::default(), opts);
    let out = Command::new(bin())
        .args(["listen", "--rtl-tcp", &addr, "--json"])
        .args(args)
        .output()
        .unwrap();
    (out, server.join().unwrap())
}

/// The strongest transmission's frequency and the verdict of listen's final report.
fn freq_and_status(out: &std::process::Output) -> (Option<f64>, String) {
    let values = json_values(&out.stdout);
    let report = values.last().expect("a final report");
    let freq = report["transmissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| Some((t["snr_db"].as_f64()?, t["freq_hz"].as_f64()?)))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, f)| f);
    let status = report["verdict"]["status"].as_str().unwrap().to_string();
    (freq, status)
}

#[test]
fn the_server_honours_the_clients_rate_and_frequency() {
    // A 250 kS/s recording, heard by clients at 1.024 and 2.4 MS/s tuned to the band (not to
    // the recording's centre): the key is where it was recorded, and working. The sessions
    // last longer than the files: the radio goes on with noise, and listen ends normally.
    for (file, band, rate, want_hz, want_status) in [
        (
            "captures/mini-r53-us-keeloq_315M_250k.cu8",
            "315",
            "1.024M",
            315.018e6,
            "working",
        ),
        (
            "captures/mini-r53-us-keeloq_315M_250k.cu8",
            "315",
            "2.4M",
            315.018e6,
            "working",
        ),
        (
            "captures/keeloq-key_433.92M_250k.cu8",
            "433",
            "1.024M",
            433.895e6,
            "working",
        ),
        (
            "captures/keeloq-key_433.92M_250k.cu8",
            "433",
            "2.4M",
            433.895e6,
            "working",
        ),
        // The weak key stays weak: its noise is served at its own density, and the recording
        // dongle's DC offset does not follow it into the client's band as a false carrier.
        (
            "captures/mini-r53-weak-battery_315M_250k.cu8",
            "315",
            "1.024M",
            315.018e6,
            "weak",
        ),
        (
            "captures/mini-r53-weak-battery_315M_250k.cu8",
            "315",
            "2.4M",
            315.018e6,
            "weak",
        ),
    ] {
        let (out, stats) =
            listen_through_server(file, &["--band", band, "--rate", rate, "--duration", "2s"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let (freq, status) = freq_and_status(&out);
        let freq = freq.unwrap_or_else(|| panic!("{file} at {rate}: nothing heard\n{stderr}"));
        assert!(
            (freq - want_hz).abs() < 3e3,
            "{file} at {rate}: carrier {freq}, expected {want_hz}"
        );
        assert_eq!(status, want_status, "{file} at {rate}: {stderr}");
        let code = if want_status == "working" { 0 } else { 10 };
        assert_eq!(out.status.code(), Some(code), "{file} at {rate}: {stderr}");
        let want_rate = fobscope::cli::units::parse_rate(rate).unwrap() as u32;
        assert_eq!(stats.last_rate_hz, Some(want_rate), "{:?}", stats.commands);
        // Two seconds of the client's rate were sent (and a little read ahead).
        assert!(
            stats.samples_sent >= 2 * u64::from(want_rate),
            "{file} at {rate}: {} samples",
            stats.samples_sent
        );
    }
}

#[test]
fn tuned_away_from_the_recording_the_client_hears_only_noise() {
    let (out, _) = listen_through_server(
        "captures/mini-r53-us-keeloq_315M_250k.cu8",
        &["--freq", "433.92M", "--rate", "1.024M", "--duration", "2s"],
    );
    let (freq, status) = freq_and_status(&out);
    assert_eq!(freq, None);
    assert_eq!(status, "no_signal");
    assert_eq!(out.status.code(), Some(11));
}

/// Starts `fobscope serve` on a free port; returns the child, its address and the thread that
/// reads its log (to the end, so the server never blocks on a full pipe).
fn start_serve(
    file: &str,
    extra: &[&str],
) -> (std::process::Child, String, thread::JoinHandle<Vec<String>>) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(bin())
        .arg("serve")
        .arg(file)
        .args(["--address", "127.0.0.1:0", "--once"])
        .args(extra)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .rsplit(' ')
        .next()
        .expect("the address ends the first line")
        .to_string();
    assert!(first.starts_with("serving "), "{first}");
    let log = thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    (child, addr, log)
}

/// `fobscope listen` on `band` for `duration` from the server at `addr`.
fn listen_on(addr: &str, band: &str, duration: &str) -> std::process::Output {
    Command::new(bin())
        .args(["listen", "--rtl-tcp", addr, "--band", band])
        .args(["--duration", duration])
        .output()
        .unwrap()
}

#[test]
fn the_readme_walkthrough_gives_the_files_answer() {
    // As the README says: serve the bundled US key, listen on the 315 band at listen's own
    // default rate, in real time.
    let (mut server, addr, _) = start_serve("captures/mini-r53-us-keeloq_315M_250k.cu8", &[]);
    let out = listen_on(&addr, "315", "3s");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("WORKING"), "{stdout}");
    assert!(stdout.contains("315.018 MHz"), "{stdout}");
    assert!(server.wait().unwrap().success());

    let (mut server, addr, _) = start_serve("captures/keeloq-key_433.92M_250k.cu8", &[]);
    let out = listen_on(&addr, "433", "3s");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("WORKING"), "{stdout}");
    assert!(server.wait().unwrap().success());
}

#[test]
fn serve_logs_each_command_and_hangs_up_only_when_told() {
    let hang_up = ["--hang-up", "--speed", "0"];
    let (mut server, addr, _) = start_serve("captures/mini-r53-us-keeloq_315M_250k.cu8", &hang_up);
    let out = listen_on(&addr, "315", "5s");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // With --hang-up the file's end is the radio going away: exit 2, said clearly.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("closed the connection"), "{stderr}");
    assert!(server.wait().unwrap().success());

    // The log, read from a server run to the end.
    let (mut child, addr, log) = start_serve("captures/mini-r53-us-keeloq_315M_250k.cu8", &hang_up);
    let l = Command::new(bin())
        .args([
            "listen",
            "--rtl-tcp",
            &addr,
            "--rate",
            "2.4M",
            "--freq",
            "315M",
        ])
        .args(["--duration", "1s"])
        .output()
        .unwrap();
    assert!(l.status.code().is_some());
    let log = log.join().unwrap().join("\n");
    assert!(child.wait().unwrap().success());
    assert!(log.contains("set sample rate 2.4 MS/s: done"), "{log}");
    assert!(log.contains("set frequency 315.0000 MHz: done"), "{log}");
    assert!(log.contains("set gain mode automatic: noted"), "{log}");
    assert!(log.contains("resampled 250 kS/s → 2.4 MS/s"), "{log}");
}

#[test]
fn serve_on_a_missing_file_fails_before_serving() {
    let out = Command::new(bin())
        .args([
            "serve",
            "captures/no-such-key_315M_250k.cu8",
            "--address",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("serving"), "{stderr}");
    assert!(stderr.contains("no-such-key_315M_250k.cu8"), "{stderr}");
}
