//! Flipper Zero RAW recordings of real vehicle remotes (corpus `flipper/`): every file reads,
//! and every file holding a clean key burst yields a transmission with a line coding, a
//! plausible time unit, and repeats that agree.

mod common;

use std::path::{Path, PathBuf};

use fobscope::pulse::{Coding, analyze};
use fobscope::source::flipper::read_sub;

/// `flipper/MANIFEST.tsv`: (path, content).
fn manifest(corpus: &Path) -> Vec<(PathBuf, String)> {
    let base = corpus.join("flipper");
    let text = std::fs::read_to_string(base.join("MANIFEST.tsv")).expect("flipper manifest");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert!(c.len() >= 7, "bad manifest line: {l}");
            (base.join(c[0]), c[6].to_string())
        })
        .collect()
}

/// One sliced row of a transmission: its coding, Te and bits, and how often it repeated.
struct Word {
    coding: Coding,
    te_us: f64,
    bits: Vec<bool>,
    repeats: u32,
}

fn words(path: &Path) -> Vec<Word> {
    let rec = read_sub(path).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for t in &rec.trains {
        let a = analyze(t);
        if a.coding == Coding::Unknown {
            continue;
        }
        let te = a.te_us.expect("a coded transmission has a Te");
        for r in a.rows {
            if r.bits.len() >= 16 {
                out.push(Word {
                    coding: a.coding,
                    te_us: te,
                    bits: r.bits,
                    repeats: r.repeats,
                });
            }
        }
    }
    out
}

/// Repeats agree when a word is sent twice in a row with the same bits, or when two words
/// have the same coding, length and Te within 5 % (a rolling code changes its bits from one
/// word to the next, not its frame).
fn consistent_repeats(w: &[Word]) -> bool {
    w.iter().any(|x| x.repeats >= 2)
        || w.iter().enumerate().any(|(i, a)| {
            w[i + 1..].iter().any(|b| {
                a.coding == b.coding
                    && a.bits.len() == b.bits.len()
                    && (a.te_us - b.te_us).abs() <= 0.05 * a.te_us
            })
        })
}

#[test]
fn every_recording_reads_and_key_bursts_are_coded_and_repeat() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let entries = manifest(&corpus);
    assert!(
        entries.len() >= 5,
        "the flipper manifest lists too few files"
    );
    let mut clean = 0;
    for (path, content) in &entries {
        let w = words(path);
        if content != "clean_key_burst" {
            continue;
        }
        clean += 1;
        let name = path.display();
        assert!(!w.is_empty(), "{name}: no coded word of 16 bits or more");
        assert!(
            w.iter().all(|x| (50.0..=5000.0).contains(&x.te_us)),
            "{name}: implausible Te"
        );
        assert!(consistent_repeats(&w), "{name}: no consistent repeats");
    }
    assert!(clean >= 3, "the manifest lists too few clean key bursts");
}

#[test]
fn tesla_charge_port_code_is_manchester_at_400_us() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    for (path, content) in manifest(&corpus) {
        if content != "clean_burst_charge_port_code" {
            continue;
        }
        let w = words(&path);
        let longest = w.iter().max_by_key(|x| x.bits.len()).expect("a coded word");
        assert_eq!(longest.coding, Coding::Manchester, "{}", path.display());
        assert!(
            (longest.te_us - 400.0).abs() < 20.0,
            "{}: Te {}",
            path.display(),
            longest.te_us
        );
    }
}
