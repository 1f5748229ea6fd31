//! Accuracy on real recordings: `fobscope analyze` on every capture of the rtl_433 test
//! corpus (44 cu8 captures and 1 pulse file, ground truth in MANIFEST.tsv). Required:
//! at least one transmission in every capture; OOK/FSK right (majority over the capture's
//! transmissions) in every capture; line coding right in at least 90 % of the captures whose
//! coding is known.

mod common;

use std::collections::HashMap;

use fobscope::pipeline::{AnalyzeOptions, analyze_path};
use fobscope::source::Overrides;

/// The most common value, ties broken by first appearance.
fn majority<T: Clone + Eq + std::hash::Hash>(items: &[T]) -> Option<T> {
    let mut counts: HashMap<&T, usize> = HashMap::new();
    for i in items {
        *counts.entry(i).or_default() += 1;
    }
    let best = counts.values().copied().max()?;
    items.iter().find(|i| counts[i] == best).cloned()
}

#[test]
fn corpus_transmissions_modulation_and_coding() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let entries = common::rtl433_manifest(&corpus);
    assert!(
        entries.len() >= 45,
        "manifest has {} entries",
        entries.len()
    );
    let mut missing = Vec::new();
    let mut wrong_mod = Vec::new();
    let (mut coding_known, mut coding_right) = (0usize, 0usize);
    println!(
        "{:<52} {:>3}  {:<4} {:<4}  {:<10} {:<10}",
        "capture", "tx", "mod", "want", "coding", "want"
    );
    for e in &entries {
        let opts = AnalyzeOptions {
            overrides: Overrides {
                sample_rate_hz: Some(e.sample_rate_hz),
                center_freq_hz: Some(e.center_freq_hz),
                ..Overrides::default()
            },
            ppm: 0.0,
        };
        let rep = analyze_path(&e.path, &opts)
            .unwrap_or_else(|err| panic!("{}: {err}", e.path.display()));
        let name = e.path.strip_prefix(&corpus).unwrap().display().to_string();
        let mods: Vec<&str> = rep
            .transmissions
            .iter()
            .filter_map(|t| t.modulation.map(|m| m.name()))
            .collect();
        // Transmissions that are too short to carry a code say nothing about the coding.
        let codings: Vec<&str> = rep
            .transmissions
            .iter()
            .filter(|t| t.pulses >= 8)
            .map(|t| t.coding.name())
            .collect();
        let got_mod = if e.format == "ook" {
            // A pulse file carries no modulation of its own: rtl_433 wrote OOK pulses.
            Some(e.modulation.as_str())
        } else {
            majority(&mods)
        };
        let got_coding = majority(&codings).unwrap_or("-");
        println!(
            "{:<52} {:>3}  {:<4} {:<4}  {:<10} {:<10}",
            name,
            rep.transmissions.len(),
            got_mod.unwrap_or("-"),
            e.modulation,
            got_coding,
            e.coding
        );
        if rep.transmissions.is_empty() {
            missing.push(name.clone());
        }
        // One signal is one transmission: no two overlap in time on the same carrier.
        for (i, a) in rep.transmissions.iter().enumerate() {
            for b in &rep.transmissions[i + 1..] {
                let (Some(fa), Some(fb)) = (a.freq_hz, b.freq_hz) else {
                    continue;
                };
                let overlap = (a.start_s + a.duration_s).min(b.start_s + b.duration_s)
                    - a.start_s.max(b.start_s);
                assert!(
                    !((fa - fb).abs() < 5e3 && overlap > 0.5 * a.duration_s.min(b.duration_s)),
                    "{name}: transmissions at {:.3} s and {:.3} s are one signal seen twice",
                    a.start_s,
                    b.start_s
                );
            }
        }
        if got_mod != Some(e.modulation.as_str()) {
            wrong_mod.push(name.clone());
        }
        if e.coding != "UNKNOWN" {
            coding_known += 1;
            if got_coding == e.coding {
                coding_right += 1;
            }
        }
    }
    let pct = 100.0 * coding_right as f64 / coding_known as f64;
    println!(
        "transmissions in {}/{} captures; modulation right in {}/{}; coding right in {coding_right}/{coding_known} ({pct:.1} %)",
        entries.len() - missing.len(),
        entries.len(),
        entries.len() - wrong_mod.len(),
        entries.len()
    );
    assert!(missing.is_empty(), "no transmission in {missing:?}");
    assert!(wrong_mod.is_empty(), "wrong modulation in {wrong_mod:?}");
    assert!(
        pct >= 90.0,
        "line coding right in only {pct:.1} % of captures"
    );
}
