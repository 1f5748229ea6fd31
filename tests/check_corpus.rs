//! The verdict on real recordings: every capture of the rtl_433 corpus holds a real
//! transmission of a working device, so every one must be judged `working` (and hold enough
//! evidence for a verdict); so must every Flipper recording marked `clean_key_burst`; and the
//! fixed-code remotes (PT2262/EV1527 words) must decode to the same code on every repeat.

mod common;

use std::collections::BTreeSet;

use fobscope::diagnosis::{Status, diagnose};
use fobscope::pipeline::{AnalyzeOptions, analyze_path};
use fobscope::source::Overrides;

#[test]
fn no_real_capture_is_called_dead_and_fixed_codes_repeat_exactly() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let mut dead = Vec::new();
    let mut not_working = Vec::new();
    let mut fixed_code_files = 0;
    for e in common::rtl433_manifest(&corpus) {
        let opts = AnalyzeOptions {
            overrides: Overrides {
                sample_rate_hz: Some(e.sample_rate_hz),
                center_freq_hz: Some(e.center_freq_hz),
                ..Overrides::default()
            },
            ppm: 0.0,
        };
        let rep = analyze_path(&e.path, &opts).unwrap();
        let name = e.path.strip_prefix(&corpus).unwrap().display().to_string();
        fobscope::diagnosis::sufficiency::check(&rep)
            .unwrap_or_else(|e| panic!("{name}: a real capture called insufficient: {e}"));
        let v = diagnose(&rep, None);
        println!("{name:<52} {:?}", v.status);
        if v.status == Status::NoSignal {
            dead.push(name.clone());
        }
        if v.status != Status::Working {
            not_working.push(format!("{name}: {:?} — {}", v.status, v.reasons[0]));
        }
        // Every verdict carries its evidence, each judged item with its threshold.
        assert!(!v.evidence.is_empty(), "{name}: no evidence items");
        for i in &v.evidence {
            assert!(i.pass.is_none() || i.threshold.is_some(), "{name}: {i:?}");
        }
        // Every fixed-code word in the capture, by protocol.
        let codes: BTreeSet<(String, String)> = rep
            .transmissions
            .iter()
            .flat_map(|t| t.frames.iter())
            .filter(|f| matches!(f.protocol.as_deref(), Some("PT2262") | Some("EV1527")))
            .map(|f| {
                let p = f.protocol.clone().unwrap_or_default();
                let code = f
                    .fields
                    .get("code")
                    .or_else(|| f.fields.get("address"))
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                let data = f
                    .fields
                    .get("data")
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                (p, format!("{code}/{data}"))
            })
            .collect();
        if e.device == "Generic-Remote" || e.path.to_string_lossy().contains("PT2262") {
            fixed_code_files += 1;
            assert_eq!(
                codes.len(),
                1,
                "{name}: the fixed-code words should all be one code, got {codes:?}"
            );
            println!("    code {codes:?}");
            // rtl_433's own decode of the same capture, where the collection has it ("Z" is
            // its name for a floating digit, "F" ours).
            if let Some(json) = &e.expected_json {
                let text = std::fs::read_to_string(json).unwrap();
                let want: BTreeSet<String> = text
                    .lines()
                    .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                    .filter_map(|v| v["tristate"].as_str().map(|t| t.replace('Z', "F")))
                    .collect();
                if !want.is_empty() {
                    let got: BTreeSet<String> = codes
                        .iter()
                        .map(|(_, c)| {
                            c.split('/')
                                .next()
                                .unwrap_or("")
                                .trim_matches('"')
                                .to_string()
                        })
                        .collect();
                    assert_eq!(got, want, "{name}: codes differ from rtl_433's decode");
                }
            }
        }
    }
    assert!(
        fixed_code_files >= 4,
        "only {fixed_code_files} fixed-code captures checked"
    );
    assert!(dead.is_empty(), "judged no_signal: {dead:?}");
    assert!(
        not_working.is_empty(),
        "working devices not judged working:\n{}",
        not_working.join("\n")
    );
}

#[test]
fn flipper_clean_key_bursts_are_working() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let base = corpus.join("flipper");
    let manifest = std::fs::read_to_string(base.join("MANIFEST.tsv")).expect("flipper manifest");
    let mut checked = 0;
    let mut bad = Vec::new();
    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.last() != Some(&"clean_key_burst") {
            continue;
        }
        let path = base.join(cols[0]);
        let rep = analyze_path(&path, &AnalyzeOptions::default()).unwrap();
        fobscope::diagnosis::sufficiency::check(&rep).unwrap();
        let v = diagnose(&rep, None);
        println!("{:<60} {:?}", cols[0], v.status);
        checked += 1;
        if v.status != Status::Working {
            bad.push(format!("{}: {:?} — {}", cols[0], v.status, v.reasons[0]));
        }
    }
    assert_eq!(checked, 5, "the manifest marks five clean key bursts");
    assert!(bad.is_empty(), "not working:\n{}", bad.join("\n"));
}
