//! Helpers shared by the end-to-end tests: locating the real-signal corpus, and a local
//! rtl_tcp server (`rtl_tcp`).

#![allow(dead_code)]

pub mod rtl_tcp;

use std::path::PathBuf;

/// The real-signal corpus (`../shared/corpus` beside the project, or `$FOBSCOPE_CORPUS`).
///
/// Returns `None` when it is missing, after printing why; panics instead when `CI` is set,
/// because a CI run must not pass by skipping the tests that read real recordings.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("FOBSCOPE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if dir.join("rtl433/MANIFEST.tsv").is_file() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "the real-signal corpus is missing at {} (CI is set, so this is a failure)",
            dir.display()
        );
    }
    eprintln!(
        "notice: corpus not found at {}; corpus tests did nothing",
        dir.display()
    );
    None
}

/// One row of `rtl433/MANIFEST.tsv`.
#[derive(Clone, Debug)]
pub struct CorpusEntry {
    pub path: PathBuf,
    pub format: String,
    pub sample_rate_hz: f64,
    pub center_freq_hz: f64,
    pub freq_source: String,
    pub modulation: String,
    pub coding: String,
    pub kind: String,
    pub device: String,
    pub expected_json: Option<PathBuf>,
}

/// Reads `rtl433/MANIFEST.tsv`; paths are made absolute.
pub fn rtl433_manifest(corpus: &std::path::Path) -> Vec<CorpusEntry> {
    let base = corpus.join("rtl433");
    let text = std::fs::read_to_string(base.join("MANIFEST.tsv")).expect("read MANIFEST.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert!(c.len() >= 10, "bad manifest line: {l}");
            CorpusEntry {
                path: base.join(c[0]),
                format: c[1].into(),
                sample_rate_hz: c[2].parse().expect("rate"),
                center_freq_hz: c[3].parse().expect("freq"),
                freq_source: c[4].into(),
                modulation: c[5].into(),
                coding: c[6].into(),
                kind: c[7].into(),
                device: c[8].into(),
                expected_json: (c[9] != "-").then(|| base.join(c[9])),
            }
        })
        .collect()
}

/// The `cu8` captures of `rtl433/MANIFEST.tsv` (all 44 of them must be there).
pub fn rtl433_cu8_captures(corpus: &std::path::Path) -> Vec<CorpusEntry> {
    let entries: Vec<_> = rtl433_manifest(corpus)
        .into_iter()
        .filter(|e| e.format == "cu8")
        .collect();
    assert!(
        entries.len() >= 40,
        "expected the 44 cu8 captures, found {}",
        entries.len()
    );
    entries
}

/// The samples of a `cu8` file (rtl_sdr's unsigned bytes, centre 127.5), scaled to ±1.
pub fn read_cu8(path: &std::path::Path) -> Vec<num_complex::Complex<f32>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(2)
        .map(|c| {
            num_complex::Complex::new((c[0] as f32 - 127.5) / 127.5, (c[1] as f32 - 127.5) / 127.5)
        })
        .collect()
}
