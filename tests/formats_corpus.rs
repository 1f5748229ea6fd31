//! `fobscope info` on every real cu8 capture of the corpus: the rate given as a user would
//! (`--rate 250k`; the files are named `gfile001.cu8`), the duration from the file size, and a
//! plausible noise level.

mod common;

use std::process::Command;

use fobscope::cli::info::inspect;
use fobscope::source::{Origin, Overrides};

#[test]
fn info_on_every_cu8_capture() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let entries: Vec<_> = common::rtl433_manifest(&corpus)
        .into_iter()
        .filter(|e| e.format == "cu8")
        .collect();
    assert!(entries.len() >= 40, "only {} cu8 captures", entries.len());
    for e in &entries {
        let ov = Overrides {
            sample_rate_hz: Some(e.sample_rate_hz),
            ..Default::default()
        };
        let info = inspect(&e.path, &ov).unwrap_or_else(|err| panic!("{err}"));
        let size = std::fs::metadata(&e.path).unwrap().len();
        let s = info.stats.as_ref().unwrap();
        let name = e.path.display();
        assert_eq!(info.format, "cu8");
        assert_eq!(info.sample_rate_hz, Some(250_000.0), "{name}");
        assert_eq!(info.sample_rate_source, Some(Origin::Flag), "{name}");
        assert_eq!(
            info.center_freq_hz, None,
            "{name}: no frequency in a gfile name"
        );
        assert_eq!(s.samples, size / 2, "{name}");
        let dur = info.duration_s.unwrap();
        assert!(
            (dur - size as f64 / 2.0 / 250_000.0).abs() < 1e-9,
            "{name}: {dur}"
        );
        // These captures were made at high gain: their noise floors sit between about
        // -37 and -9 dBFS (and the RMS level, which includes the transmissions, above it).
        let noise = s.noise_dbfs.unwrap();
        assert!(
            (-50.0..=-5.0).contains(&noise),
            "{name}: noise {noise} dBFS"
        );
        assert!(s.rms_dbfs.unwrap() >= noise, "{name}");
        assert!(
            s.peak_dbfs.unwrap() <= 10.0 * 2f64.log10() + 1e-6,
            "{name}: peak above √2 full scale"
        );
        assert!(s.dc_i.abs() < 0.25 && s.dc_q.abs() < 0.25, "{name}");
        assert!(info.warnings.is_empty(), "{name}: {:?}", info.warnings);
    }
}

#[test]
fn info_binary_json_and_text() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let entries = common::rtl433_manifest(&corpus);
    let e = entries.iter().find(|e| e.format == "cu8").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fobscope"))
        .args(["info", "--json", "--rate", "250k", "--freq", "433.92M"])
        .arg(&e.path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sample_rate_hz"], 250_000.0);
    assert_eq!(v["center_freq_hz"], 433_920_000.0);
    assert_eq!(v["center_freq_source"], "flag");
    assert_eq!(v["format"], "cu8");
    let size = std::fs::metadata(&e.path).unwrap().len();
    assert_eq!(v["stats"]["samples"], size / 2);

    let out = Command::new(env!("CARGO_BIN_EXE_fobscope"))
        .args(["info", "--rate", "250k"])
        .arg(&e.path)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("250 kS/s (from flag)"), "{text}");
    assert!(text.contains("noise level:"), "{text}");

    // No rate: a clear error naming the file, exit code 2.
    let out = Command::new(env!("CARGO_BIN_EXE_fobscope"))
        .arg("info")
        .arg(&e.path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(&e.path.display().to_string()) && err.contains("no sample rate"),
        "{err}"
    );
}

#[test]
fn info_on_the_named_pulse_capture() {
    // The .ook capture carries its metadata in its name (001-46013_318M_250k.ook); whatever
    // the pulse parser makes of it, `info` must not panic and must name the file on error.
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    for e in common::rtl433_manifest(&corpus)
        .iter()
        .filter(|e| e.format == "ook")
    {
        match inspect(&e.path, &Overrides::default()) {
            Ok(info) => {
                assert_eq!(info.center_freq_hz, Some(e.center_freq_hz));
                assert!(info.pulses.is_some());
            }
            Err(err) => assert!(err.to_string().contains(&e.path.display().to_string())),
        }
    }
}
